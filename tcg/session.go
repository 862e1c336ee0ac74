package tcg

import (
	"context"
	"fmt"
	"time"
)

// closeTimeout bounds the EndOfSession sent after the caller's context
// was cancelled.
const closeTimeout = 5 * time.Second

// properties invokes the session manager's Properties (Core Spec
// 5.2.2.1) with our HostProperties and keeps the TPer's
// MaxComPacketSize, MaxPacketSize and MaxIndTokenSize.
func (c *conn) properties(ctx context.Context) error {
	const what = "Properties"
	start := c.now()
	err := c.doProperties(ctx)
	c.record(what, start, err)
	return err
}

func (c *conn) doProperties(ctx context.Context) error {
	var e encoder
	optionalName(&e, c.enterprise, 0, "HostProperties")
	e.tok(tokStartList)
	for _, p := range []struct {
		name string
		v    uint64
	}{
		{"MaxMethods", 1}, {"MaxSubpackets", 1}, {"MaxPacketSize", hostMaxComPacket - comPacketHeaderLen},
		{"MaxPackets", 1}, {"MaxComPacketSize", hostMaxComPacket},
		{"MaxIndTokenSize", hostMaxComPacket - framingOverhead},
	} {
		e.tok(tokStartName)
		e.str(p.name)
		e.uint(p.v)
		e.tok(tokEndName)
	}
	e.tok(tokEndList)
	e.tok(tokEndName)
	items, err := c.exchange(ctx, 0, 0, encodeCall(uidSMU, methodProperties, e.b))
	if err != nil {
		return err
	}
	rest, status, err := splitStatus(items)
	if err != nil {
		return err
	}
	if status != StatusSuccess {
		return &MethodError{Method: "Properties", Status: status}
	}
	m, params, ok := smCall(rest)
	if !ok || m != methodProperties || len(params) < 1 {
		return fmt.Errorf("%w: Properties answered without a Properties call", ErrMalformed)
	}
	tper, ok := params[0].(list)
	if !ok {
		return fmt.Errorf("%w: Properties answered without TPer properties", ErrMalformed)
	}
	for _, p := range []struct {
		name  string
		dst   *uint64
		floor uint64
	}{
		{"MaxComPacketSize", &c.maxComPacket, initialMaxComPacket},
		{"MaxPacketSize", &c.maxPacket, initialMaxPacket},
		{"MaxIndTokenSize", &c.maxIndToken, initialMaxIndToken},
	} {
		if v, ok := namedValue(tper, ^uint64(0), p.name); ok {
			if u, ok := asUint(v); ok && u >= p.floor {
				// A value below the Table 168 minimum is not
				// meaningful; keep the minimum then.
				*p.dst = u
			}
		}
	}
	return nil
}

// optionalName starts an optional parameter: StartName and its name, the
// uinteger n (Core Spec 3.2.1.2) or, for the Enterprise SSC, the byte
// string s.
func optionalName(e *encoder, enterprise bool, n uint64, s string) {
	e.tok(tokStartName)
	if enterprise {
		e.str(s)
	} else {
		e.uint(n)
	}
}

// session is an open session with an SP.
type session struct {
	c        *conn
	tsn, hsn uint32
	sp       string // the SP's name, for the record
	closed   bool
}

// startSession opens a read-write session (StartSession → SyncSession,
// Core Spec 5.2.3.1-2) with sp as authority auth, proving challenge (nil:
// no authentication, the session is as Anybody). The Step is "StartSession
// <sp> as <auth>"; the challenge never leaves this function but on the
// wire.
func (c *conn) startSession(ctx context.Context, sp uid, spName string, auth uid, authName string, challenge []byte) (*session, error) {
	what := fmt.Sprintf("StartSession %s as %s", spName, authName)
	start := c.now()
	s, err := c.doStartSession(ctx, what, sp, spName, auth, challenge)
	c.record(what, start, err)
	return s, err
}

func (c *conn) doStartSession(ctx context.Context, what string, sp uid, spName string, auth uid, challenge []byte) (*session, error) {
	hsn := c.nextHSN
	c.nextHSN++
	if uint64(len(challenge))+4 > c.maxIndToken {
		return nil, fmt.Errorf("the credential is longer than the TPer's MaxIndTokenSize %d", c.maxIndToken)
	}
	items, err := c.exchange(ctx, 0, 0, encodeCall(uidSMU, methodStartSession,
		startSessionParams(c.enterprise, hsn, sp, auth, challenge)))
	if err != nil {
		return nil, err
	}
	rest, status, err := splitStatus(items)
	if err != nil {
		return nil, err
	}
	if status != StatusSuccess {
		return nil, &MethodError{Method: what, Status: status}
	}
	m, params, ok := smCall(rest)
	if !ok || m != methodSyncSession || len(params) < 2 {
		return nil, fmt.Errorf("%w: StartSession answered without SyncSession", ErrMalformed)
	}
	gotHSN, ok1 := asUint(params[0])
	tsn, ok2 := asUint(params[1])
	if !ok1 || !ok2 || gotHSN != uint64(hsn) || tsn > 0xFFFFFFFF {
		return nil, fmt.Errorf("%w: SyncSession for HSN %v TSN %v, want HSN %d", ErrMalformed, params[0], params[1], hsn)
	}
	return &session{c: c, tsn: uint32(tsn), hsn: hsn, sp: spName}, nil
}

// startSessionParams encodes StartSession's parameters (Core Spec
// 5.2.3.1): HostSessionID, SPID, Write (true), and with a challenge the
// optional HostChallenge (0) and HostSigningAuthority (3), named by those
// byte strings for the Enterprise SSC.
func startSessionParams(enterprise bool, hsn uint32, sp, auth uid, challenge []byte) []byte {
	var e encoder
	e.uint(uint64(hsn))
	e.uid(sp)
	e.bool(true) // Write
	if challenge != nil {
		optionalName(&e, enterprise, 0, "HostChallenge")
		e.bytes(challenge)
		e.tok(tokEndName)
		optionalName(&e, enterprise, 3, "HostSigningAuthority")
		e.uid(auth)
		e.tok(tokEndName)
	}
	return e.b
}

// call invokes method on object invoking with the encoded params and
// returns the result list; the Step is what.
func (s *session) call(ctx context.Context, what string, invoking, method uid, params []byte) (list, error) {
	start := s.c.now()
	res, err := s.doCall(ctx, what, invoking, method, params)
	s.c.record(what, start, err)
	return res, err
}

func (s *session) doCall(ctx context.Context, what string, invoking, method uid, params []byte) (list, error) {
	if s.closed {
		return nil, errSessionClosed
	}
	items, err := s.c.exchange(ctx, s.tsn, s.hsn, encodeCall(invoking, method, params))
	if err != nil {
		return nil, err
	}
	res, err := methodResult(what, items)
	if err == errSessionClosed {
		s.closed = true
	}
	return res, err
}

// get reads one column of object obj (Opal Get with a Cellblock of
// startColumn/endColumn col, Core Spec 5.3.3.6; Enterprise Get with the
// names "startColumn"/"endColumn" and the column's name colName, as
// sedutil and go-tcg-storage send it) and returns its value.
func (s *session) get(ctx context.Context, what string, obj uid, col uint64, colName string) (any, error) {
	method := methodGet
	if s.c.enterprise {
		method = methodEGet
	}
	start := s.c.now()
	res, err := s.doCall(ctx, what, obj, method, getParams(s.c.enterprise, col, colName))
	var v any
	if err == nil {
		var ok bool
		if v, ok = findColumn(res, col, colName, 0); !ok {
			err = fmt.Errorf("%w: %s: column %d (%s) not in the result", ErrMalformed, what, col, colName)
		}
	}
	s.c.record(what, start, err)
	return v, err
}

// getParams encodes Get's Cellblock for one column: [ startColumn = col
// endColumn = col ] (names 3 and 4, Core Spec 5.3.3.6 Table 181), or for
// the Enterprise SSC [ "startColumn" = "colName" "endColumn" = "colName" ].
func getParams(enterprise bool, col uint64, colName string) []byte {
	var e encoder
	e.tok(tokStartList)
	if enterprise {
		for _, n := range []string{"startColumn", "endColumn"} {
			e.tok(tokStartName)
			e.str(n)
			e.str(colName)
			e.tok(tokEndName)
		}
	} else {
		for _, n := range []uint64{3, 4} {
			e.tok(tokStartName)
			e.uint(n)
			e.uint(col)
			e.tok(tokEndName)
		}
	}
	e.tok(tokEndList)
	return e.b
}

// findColumn finds the named value for column col (or colName) in a Get
// result: [ [ col = v ] ] (Opal) or [ [ [ "Name" = v ] ] ] (Enterprise).
func findColumn(l list, col uint64, colName string, depth int) (any, bool) {
	if v, ok := namedValue(l, col, colName); ok {
		return v, true
	}
	if depth > 3 {
		return nil, false
	}
	for _, it := range l {
		if sub, ok := it.(list); ok {
			if v, ok := findColumn(sub, col, colName, depth+1); ok {
				return v, true
			}
		}
	}
	return nil, false
}

// end closes the session: the host sends EndOfSession alone, the TPer
// answers EndOfSession (Core Spec 3.2.4.3). The Step is "EndOfSession
// <sp>".
func (s *session) end(ctx context.Context) error {
	if s.closed {
		return nil
	}
	what := "EndOfSession " + s.sp
	start := s.c.now()
	s.closed = true
	err := s.doEnd(ctx)
	s.c.record(what, start, err)
	return err
}

func (s *session) doEnd(ctx context.Context) error {
	items, err := s.c.exchange(ctx, s.tsn, s.hsn, []byte{tokEndOfSession})
	if err != nil {
		return err
	}
	if len(items) != 1 || items[0] != control(tokEndOfSession) {
		if m, _, ok := smCall(items[:min(4, len(items))]); ok && m == methodCloseSession {
			return nil // the TPer closed it: that is what we asked
		}
		return fmt.Errorf("%w: EndOfSession answered with something else", ErrMalformed)
	}
	return nil
}

// endAlways closes s unless the TPer did (for defer), on every path: a
// close that fails after a method failed is only recorded in its Step,
// otherwise it becomes *err. After ctx is cancelled EndOfSession is still
// sent (bounded by closeTimeout): a session left open holds the SP until
// the TPer's session timeout.
func (s *session) endAlways(ctx context.Context, err *error) {
	if s == nil || s.closed {
		return
	}
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
		defer cancel()
	}
	cerr := s.end(ctx)
	if *err == nil && cerr != nil {
		*err = cerr
	}
}

package tcgtest

import "bytes"

// session is the open session (the TPer allows one at a time).
type session struct {
	tsn, hsn uint32
	sp       uint64
	write    bool
	auth     map[uint64]bool // authenticated authorities besides Anybody
}

func (s *session) as(auths ...uint64) bool {
	for _, a := range auths {
		if a == uidAnybody || s.auth[a] {
			return true
		}
	}
	return false
}

// TPer properties reported by Properties (Core 5.2.2.1.1, Table 168 has
// the minimums).
var tperProperties = []struct {
	name string
	v    uint64
}{
	{"MaxComPacketSize", 65536},
	{"MaxResponseComPacketSize", 65536},
	{"MaxPacketSize", 65516},
	{"MaxIndTokenSize", 65480},
	{"MaxAggTokenSize", 65480},
	{"MaxPackets", 1},
	{"MaxSubpackets", 1},
	{"MaxMethods", 1},
	{"MaxSessions", 1},
	{"MaxAuthentications", 2},
	{"MaxTransactionLimit", 1},
	{"DefSessionTimeout", 0},
	{"ContinuedTokens", 0},
	{"SequenceNumbers", 0},
	{"AckNak", 0},
	{"Asynchronous", 0},
}

// The host properties the TPer assumes until told otherwise (Core Table
// 168); a host value below its minimum is replaced by the minimum.
var hostPropertyMinimums = []struct {
	name string
	v    uint64
}{
	{"MaxMethods", 1},
	{"MaxSubpackets", 1},
	{"MaxPacketSize", 1004},
	{"MaxPackets", 1},
	{"MaxComPacketSize", 1024},
	{"MaxResponseComPacketSize", 0},
	{"MaxIndTokenSize", 968},
	{"MaxAggTokenSize", 968},
	{"ContinuedTokens", 0},
	{"SequenceNumbers", 0},
	{"AckNak", 0},
	{"Asynchronous", 0},
}

// sessionManager answers a call on the session manager (TSN = HSN = 0).
func (t *TPer) sessionManager(payload []byte) []byte {
	c, err := parseCall(payload)
	if err != nil || c.iid != uidSMU {
		return smResponse(mSyncSession, nil, stInvalidParameter)
	}
	switch c.mid {
	case mProperties:
		return t.properties(c)
	case mStartSession:
		return t.startSession(c)
	}
	return smResponse(c.mid, nil, stInvalidParameter)
}

// properties answers Properties[HostProperties (optional 0)] with
// [TPerProperties, HostProperties (name 0)] (Core 5.2.2.1).
func (t *TPer) properties(c *call) []byte {
	p := splitParams(c.args)
	hostName := vu(0)
	given := map[string]uint64{}
	if hp, ok := p.opt(0, "HostProperties"); ok {
		if hp.k != kList {
			return smResponse(mProperties, nil, stInvalidParameter)
		}
		if _, named := p.named["HostProperties"]; named {
			hostName = vs("HostProperties")
		}
		for _, v := range hp.list {
			if v.k != kName || v.list[0].k != kBytes || v.list[1].k != kUint {
				return smResponse(mProperties, nil, stInvalidParameter)
			}
			given[string(v.list[0].b)] = v.list[1].u
		}
	}
	var tp, hp []val
	for _, x := range tperProperties {
		tp = append(tp, vn(vs(x.name), vu(x.v)))
	}
	for _, x := range hostPropertyMinimums {
		v, ok := given[x.name]
		if !ok && x.v == 0 {
			continue
		}
		if !ok || v < x.v {
			v = x.v
		}
		hp = append(hp, vn(vs(x.name), vu(v)))
	}
	t.hostProp = given
	return smResponse(mProperties, []val{vl(tp...), vn(hostName, vl(hp...))}, stSuccess)
}

// startSession answers StartSession[HostSessionID, SPID, Write,
// HostChallenge (0), HostExchangeAuthority (1), HostExchangeCert (2),
// HostSigningAuthority (3), HostSigningCert (4), SessionTimeout (5),
// TransTimeout (6), InitialCredit (7), SignedHash (8)] with SyncSession
// [HostSessionID, SPSessionID] (Core 5.2.3.1, 5.2.3.2). A refused session
// is a SyncSession with no parameters and the status.
func (t *TPer) startSession(c *call) []byte {
	fail := func(st uint8) []byte { return smResponse(mSyncSession, nil, st) }
	p := splitParams(c.args)
	if len(p.pos) != 3 || p.pos[0].k != kUint || p.pos[0].u > 0xFFFFFFFF || p.pos[2].k != kUint || p.pos[2].u > 1 {
		return fail(stInvalidParameter)
	}
	spid, ok := p.pos[1].uid()
	if !ok || !p.only("0", "3", "5", "6", "HostChallenge", "HostSigningAuthority", "SessionTimeout", "TransTimeout") {
		return fail(stInvalidParameter)
	}
	switch spid {
	case uidAdminSP:
	case uidLockingSP:
		if t.cfg.Kind == Enterprise || t.lockingLife != lifeManufactured {
			return fail(stInvalidParameter)
		}
	case uidEnterpriseLocking:
		if t.cfg.Kind != Enterprise {
			return fail(stInvalidParameter)
		}
	default:
		return fail(stInvalidParameter)
	}
	if t.sess != nil {
		return fail(stNoSessions)
	}
	s := &session{hsn: uint32(p.pos[0].u), sp: spid, write: p.pos[2].u == 1, auth: map[uint64]bool{}}
	challenge, hasChallenge := p.opt(0, "HostChallenge")
	signer, hasSigner := p.opt(3, "HostSigningAuthority")
	if hasChallenge && challenge.k != kBytes {
		return fail(stInvalidParameter)
	}
	if hasSigner {
		a, ok := signer.uid()
		if !ok {
			return fail(stInvalidParameter)
		}
		if st := t.authenticate(s, a, challenge.b); st != stSuccess {
			return fail(st)
		}
	} else if hasChallenge {
		return fail(stInvalidParameter)
	}
	s.tsn = t.nextTSN
	t.nextTSN++
	t.sess = s
	return smResponse(mSyncSession, []val{vu(uint64(s.hsn)), vu(uint64(s.tsn))}, stSuccess)
}

// authorities lists the authorities of an SP that may authenticate.
func (t *TPer) isAuthority(sp, a uint64) bool {
	switch sp {
	case uidAdminSP:
		return a == uidAnybody || a == uidSID || (a == uidPSID && !t.cfg.NoPSID)
	case uidLockingSP, uidEnterpriseLocking:
		if a == uidAnybody {
			return true
		}
		_, ok := t.pins[a]
		return ok
	}
	return false
}

// pin is an authority's C_PIN PIN.
func (t *TPer) pin(a uint64) []byte {
	switch a {
	case uidSID:
		return t.sidPIN
	case uidPSID:
		return []byte(t.cfg.PSID)
	}
	return t.pins[a]
}

// authenticate checks proof for authority a in session s (Core 5.3.4.1.14
// and 5.2.3.1): SUCCESS and a added to the session, NOT_AUTHORIZED for a
// wrong proof or a disabled authority, AUTHORITY_LOCKED_OUT once the try
// limit is reached, INVALID_PARAMETER for an authority not in the SP.
func (t *TPer) authenticate(s *session, a uint64, proof []byte) uint8 {
	if !t.isAuthority(s.sp, a) {
		return stInvalidParameter
	}
	if a == uidAnybody {
		return stSuccess
	}
	if a == uidSID && t.sidBlocked {
		// Block SID: SID authentication is refused until a power cycle
		// (NOT_AUTHORIZED, no try counted: the emulator's choice).
		return stNotAuthorized
	}
	if t.tries[a] >= t.cfg.SIDTryLimit {
		return stAuthorityLockedOut
	}
	if s.sp != uidAdminSP && !t.enabled[a] {
		return stNotAuthorized
	}
	if !bytes.Equal(proof, t.pin(a)) {
		t.tries[a]++
		return stNotAuthorized
	}
	t.tries[a] = 0
	s.auth[a] = true
	return stSuccess
}

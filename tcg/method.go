package tcg

import (
	"bytes"
	"errors"
	"fmt"
)

// Method status codes (Core Spec 5.1.5 Table 166).
const (
	StatusSuccess             uint8 = 0x00
	StatusNotAuthorized       uint8 = 0x01
	StatusSPBusy              uint8 = 0x03
	StatusSPFailed            uint8 = 0x04
	StatusSPDisabled          uint8 = 0x05
	StatusSPFrozen            uint8 = 0x06
	StatusNoSessionsAvailable uint8 = 0x07
	StatusUniquenessConflict  uint8 = 0x08
	StatusInsufficientSpace   uint8 = 0x09
	StatusInsufficientRows    uint8 = 0x0A
	StatusInvalidParameter    uint8 = 0x0C
	StatusTPerMalfunction     uint8 = 0x0F
	StatusTransactionFailure  uint8 = 0x10
	StatusResponseOverflow    uint8 = 0x11
	StatusAuthorityLockedOut  uint8 = 0x12
	StatusFail                uint8 = 0x3F
)

var statusNames = map[uint8]string{
	StatusSuccess: "SUCCESS", StatusNotAuthorized: "NOT_AUTHORIZED", 0x02: "OBSOLETE",
	StatusSPBusy: "SP_BUSY", StatusSPFailed: "SP_FAILED", StatusSPDisabled: "SP_DISABLED",
	StatusSPFrozen: "SP_FROZEN", StatusNoSessionsAvailable: "NO_SESSIONS_AVAILABLE",
	StatusUniquenessConflict: "UNIQUENESS_CONFLICT", StatusInsufficientSpace: "INSUFFICIENT_SPACE",
	StatusInsufficientRows: "INSUFFICIENT_ROWS", 0x0B: "OBSOLETE", StatusInvalidParameter: "INVALID_PARAMETER",
	0x0D: "OBSOLETE", 0x0E: "OBSOLETE", StatusTPerMalfunction: "TPER_MALFUNCTION",
	StatusTransactionFailure: "TRANSACTION_FAILURE", StatusResponseOverflow: "RESPONSE_OVERFLOW",
	StatusAuthorityLockedOut: "AUTHORITY_LOCKED_OUT", StatusFail: "FAIL",
}

// StatusName names a method status code ("SUCCESS", "NOT_AUTHORIZED",
// ...; "STATUS_xxh" for a code the Core Spec does not define).
func StatusName(s uint8) string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return fmt.Sprintf("STATUS_%02Xh", s)
}

// Method status codes a failure wraps (Core Spec 5.1.5).
var (
	ErrNotAuthorized      = errors.New("NOT_AUTHORIZED")
	ErrAuthorityLockedOut = errors.New("AUTHORITY_LOCKED_OUT")
)

// MethodError is a method the TPer answered with a status other than
// SUCCESS. It wraps ErrNotAuthorized or ErrAuthorityLockedOut for those
// statuses.
type MethodError struct {
	Method string // what was invoked, as in its Step: "StartSession AdminSP as SID"
	Status uint8
}

func (e *MethodError) Error() string {
	return fmt.Sprintf("%s: %s", e.Method, StatusName(e.Status))
}

// Unwrap returns the sentinel for the status, if it has one.
func (e *MethodError) Unwrap() error {
	switch e.Status {
	case StatusNotAuthorized:
		return ErrNotAuthorized
	case StatusAuthorityLockedOut:
		return ErrAuthorityLockedOut
	}
	return nil
}

// encodeCall encodes a method invocation (Core Spec 3.2.4.1): Call,
// invoking UID, method UID, the parameter list (params are the encoded
// tokens inside it), EndOfData and the status list [0 0 0].
func encodeCall(invoking, method uid, params []byte) []byte {
	var e encoder
	e.tok(tokCall)
	e.uid(invoking)
	e.uid(method)
	e.tok(tokStartList)
	e.b = append(e.b, params...)
	e.tok(tokEndList)
	e.tok(tokEndOfData)
	e.tok(tokStartList)
	e.uint(0)
	e.uint(0)
	e.uint(0)
	e.tok(tokEndList)
	return e.b
}

// splitStatus splits a method response (Core Spec 3.2.4.2: "[results]
// EndOfData [status 0 0]", or for the session manager "Call SMUID method
// [params] EndOfData [status 0 0]") into the items before EndOfData and
// the status.
func splitStatus(items list) (list, uint8, error) {
	if len(items) < 2 {
		return nil, 0, fmt.Errorf("%w: a method response without EndOfData and status list", ErrMalformed)
	}
	eod, ok1 := items[len(items)-2].(control)
	st, ok2 := items[len(items)-1].(list)
	if !ok1 || !ok2 || eod != control(tokEndOfData) || len(st) < 1 {
		return nil, 0, fmt.Errorf("%w: a method response not ending in EndOfData and a status list", ErrMalformed)
	}
	code, ok := asUint(st[0])
	if !ok || code > 0xFF {
		return nil, 0, fmt.Errorf("%w: method status %v", ErrMalformed, st[0])
	}
	return items[:len(items)-2], uint8(code), nil
}

// smCall is a session manager method in a response: "Call SMUID method
// [params]".
func smCall(items list) (method uid, params list, ok bool) {
	if len(items) != 4 {
		return uid{}, nil, false
	}
	c, ok1 := items[0].(control)
	inv, ok2 := asUID(items[1])
	m, ok3 := asUID(items[2])
	p, ok4 := items[3].(list)
	if !ok1 || c != control(tokCall) || !ok2 || inv != uidSMU || !ok3 || !ok4 {
		return uid{}, nil, false
	}
	return m, p, true
}

// errSessionClosed: the TPer closed the session (CloseSession, Core Spec
// 5.2.3.4) instead of answering.
var errSessionClosed = errors.New("the TPer closed the session")

// methodResult checks a method response in a session and returns its
// result list.
func methodResult(what string, items list) (list, error) {
	if m, _, ok := smCall(items[:min(4, len(items))]); ok && m == methodCloseSession {
		return nil, errSessionClosed
	}
	rest, status, err := splitStatus(items)
	if err != nil {
		return nil, err
	}
	if status != StatusSuccess {
		return nil, &MethodError{Method: what, Status: status}
	}
	if len(rest) != 1 {
		return nil, fmt.Errorf("%w: %s answered %d items before EndOfData, want a result list", ErrMalformed, what, len(rest))
	}
	res, ok := rest[0].(list)
	if !ok {
		return nil, fmt.Errorf("%w: %s answered no result list", ErrMalformed, what)
	}
	return res, nil
}

// namedValue finds the value named name (a uinteger) or sname (a byte
// string) in a list of named values.
func namedValue(l list, name uint64, sname string) (any, bool) {
	for _, it := range l {
		n, ok := it.(named)
		if !ok {
			continue
		}
		if u, ok := asUint(n.name); ok && u == name {
			return n.value, true
		}
		if b, ok := asBytes(n.name); ok && sname != "" && bytes.Equal(b, []byte(sname)) {
			return n.value, true
		}
	}
	return nil, false
}

package tcgtest

import (
	"fmt"
	"strconv"
)

// call is a decoded method invocation (Core Spec 3.2.4.1): Call,
// InvokingUID, MethodUID, the parameter list, EndOfData and the status
// list.
type call struct {
	iid, mid uint64
	args     []val
}

func parseCall(b []byte) (*call, error) {
	items, err := decode(b)
	if err != nil {
		return nil, err
	}
	if len(items) < 5 || !items[0].isTok(tokCall) || items[3].k != kList || !items[4].isTok(tokEndOfData) {
		return nil, fmt.Errorf("%w: not a method call", errStream)
	}
	iid, ok1 := items[1].uid()
	mid, ok2 := items[2].uid()
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%w: invoking or method UID is not 8 bytes", errStream)
	}
	// The status list the host ends the call with (F0 00 00 00 F1) is
	// optional here; anything else after it is not.
	if len(items) > 6 || (len(items) == 6 && items[5].k != kList) {
		return nil, fmt.Errorf("%w: tokens after the method status list", errStream)
	}
	return &call{iid: iid, mid: mid, args: items[3].list}, nil
}

// params splits a parameter list into the required (positional)
// parameters and the optional ones, which are named by a uinteger (Core
// 3.2.1.2) or, in the Enterprise SSC, by a byte string.
type params struct {
	pos   []val
	named map[string]val
}

func splitParams(l []val) params {
	p := params{named: map[string]val{}}
	for _, v := range l {
		if v.k != kName {
			p.pos = append(p.pos, v)
			continue
		}
		switch n := v.list[0]; n.k {
		case kUint:
			p.named[strconv.FormatUint(n.u, 10)] = v.list[1]
		case kBytes:
			p.named[string(n.b)] = v.list[1]
		default:
			p.named["?"] = v.list[1]
		}
	}
	return p
}

// opt returns the optional parameter named num or name.
func (p params) opt(num uint64, name string) (val, bool) {
	if v, ok := p.named[strconv.FormatUint(num, 10)]; ok {
		return v, true
	}
	v, ok := p.named[name]
	return v, ok
}

// only reports whether every optional parameter is one of names (numbers
// as decimal strings or Enterprise names).
func (p params) only(names ...string) bool {
	for k := range p.named {
		found := false
		for _, n := range names {
			if k == n {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// smResponse is a session manager method sent by the TPer: Call, SMUID,
// the method, its parameters, EndOfData and the status list (Core
// 5.2.2.1.2, 5.2.3.2).
func smResponse(mid uint64, args []val, status uint8) []byte {
	return encode(nil, vtok(tokCall), vuid(uidSMU), vuid(mid), vl(args...),
		vtok(tokEndOfData), vl(vu(uint64(status)), vu(0), vu(0)))
}

// methodResponse is the answer to a method in a session: the results
// list, EndOfData and the status list (Core 3.2.4.2).
func methodResponse(results []val, status uint8) []byte {
	if status != stSuccess {
		results = nil
	}
	return encode(nil, vl(results...), vtok(tokEndOfData), vl(vu(uint64(status)), vu(0), vu(0)))
}

package tcgtest

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// This file is the TPer's own data stream codec (Core Spec 3.2.2): atoms
// and control tokens in, a tree of values out, and back.

// Control tokens (Core Spec 3.2.2.3.2, Table 04).
const (
	tokStartList   = 0xF0
	tokEndList     = 0xF1
	tokStartName   = 0xF2
	tokEndName     = 0xF3
	tokCall        = 0xF8
	tokEndOfData   = 0xF9
	tokEndOfSess   = 0xFA
	tokStartTrans  = 0xFB
	tokEndTrans    = 0xFC
	tokEmpty       = 0xFF
	maxStreamDepth = 32
)

// errStream is a malformed token stream.
var errStream = errors.New("tcgtest: malformed token stream")

// kind is what a decoded value is.
type kind int

const (
	kUint  kind = iota // unsigned integer atom
	kInt               // signed integer atom
	kBytes             // byte sequence atom
	kList              // StartList ... EndList
	kName              // StartName name value EndName
	kToken             // any other control token (Call, EndOfData, ...)
)

// val is one decoded item of a token stream.
type val struct {
	k    kind
	u    uint64 // kUint; kInt as two's complement; kToken: the token byte
	b    []byte // kBytes
	list []val  // kList; kName: [name, value]
}

func vu(u uint64) val           { return val{k: kUint, u: u} }
func vb(b []byte) val           { return val{k: kBytes, b: b} }
func vs(s string) val           { return val{k: kBytes, b: []byte(s)} }
func vl(items ...val) val       { return val{k: kList, list: items} }
func vn(name, v val) val        { return val{k: kName, list: []val{name, v}} }
func vtok(t byte) val           { return val{k: kToken, u: uint64(t)} }
func vbool(b bool) val          { return vu(boolU(b)) }
func vuid(u uint64) val         { return vb(uidBytes(u)) }
func (v val) isTok(t byte) bool { return v.k == kToken && v.u == uint64(t) }

func boolU(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// uid reads v as an 8-byte UID.
func (v val) uid() (uint64, bool) {
	if v.k != kBytes || len(v.b) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(v.b), true
}

func uidBytes(u uint64) []byte { return binary.BigEndian.AppendUint64(nil, u) }

// decode decodes a whole token stream (empty atoms are dropped, Core
// 3.2.2.3.1.5).
func decode(b []byte) ([]val, error) {
	d := decoder{b: b}
	items, err := d.items(0)
	if err != nil {
		return nil, err
	}
	if d.i != len(d.b) {
		return nil, fmt.Errorf("%w: unbalanced EndList at byte %d", errStream, d.i)
	}
	return items, nil
}

type decoder struct {
	b []byte
	i int
}

// items reads values until the end of the stream or an EndList (not
// consumed) or EndName (not consumed).
func (d *decoder) items(depth int) ([]val, error) {
	if depth > maxStreamDepth {
		return nil, fmt.Errorf("%w: nested too deep", errStream)
	}
	var out []val
	for d.i < len(d.b) {
		c := d.b[d.i]
		if c == tokEndList || c == tokEndName {
			return out, nil
		}
		v, skip, err := d.one(depth)
		if err != nil {
			return nil, err
		}
		if !skip {
			out = append(out, v)
		}
	}
	return out, nil
}

func (d *decoder) one(depth int) (val, bool, error) {
	c := d.b[d.i]
	switch {
	case c <= 0x7F: // tiny atom (Core 3.2.2.3.1.1)
		d.i++
		if c&0x40 != 0 {
			return val{k: kInt, u: uint64(int64(int8(c<<2) >> 2))}, false, nil
		}
		return vu(uint64(c & 0x3F)), false, nil
	case c <= 0xBF: // short atom
		return d.atom(1, int(c&0x0F), c&0x20 != 0, c&0x10 != 0)
	case c <= 0xDF: // medium atom
		if d.i+2 > len(d.b) {
			return val{}, false, fmt.Errorf("%w: truncated medium atom header", errStream)
		}
		n := int(c&0x07)<<8 | int(d.b[d.i+1])
		return d.atom(2, n, c&0x10 != 0, c&0x08 != 0)
	case c <= 0xE3: // long atom
		if d.i+4 > len(d.b) {
			return val{}, false, fmt.Errorf("%w: truncated long atom header", errStream)
		}
		n := int(d.b[d.i+1])<<16 | int(d.b[d.i+2])<<8 | int(d.b[d.i+3])
		return d.atom(4, n, c&0x02 != 0, c&0x01 != 0)
	case c == tokStartList:
		d.i++
		items, err := d.items(depth + 1)
		if err != nil {
			return val{}, false, err
		}
		if d.i >= len(d.b) || d.b[d.i] != tokEndList {
			return val{}, false, fmt.Errorf("%w: list not closed", errStream)
		}
		d.i++
		return val{k: kList, list: items}, false, nil
	case c == tokStartName:
		d.i++
		items, err := d.items(depth + 1)
		if err != nil {
			return val{}, false, err
		}
		if d.i >= len(d.b) || d.b[d.i] != tokEndName || len(items) != 2 {
			return val{}, false, fmt.Errorf("%w: bad named value", errStream)
		}
		d.i++
		return val{k: kName, list: items}, false, nil
	case c == tokEmpty:
		d.i++
		return val{}, true, nil
	case c == tokCall, c == tokEndOfData, c == tokEndOfSess, c == tokStartTrans, c == tokEndTrans:
		d.i++
		return vtok(c), false, nil
	}
	return val{}, false, fmt.Errorf("%w: reserved token %02Xh", errStream, c)
}

// atom reads an atom with a hdr-byte header and n bytes of data.
func (d *decoder) atom(hdr, n int, isBytes, signed bool) (val, bool, error) {
	start := d.i + hdr
	if start+n > len(d.b) || start+n < start {
		return val{}, false, fmt.Errorf("%w: atom of %d bytes past the end", errStream, n)
	}
	data := d.b[start : start+n]
	d.i = start + n
	if isBytes {
		return vb(append([]byte(nil), data...)), false, nil
	}
	if n > 8 {
		return val{}, false, fmt.Errorf("%w: %d-byte integer", errStream, n)
	}
	var u uint64
	for _, x := range data {
		u = u<<8 | uint64(x)
	}
	if signed {
		if n > 0 && n < 8 && data[0]&0x80 != 0 {
			u |= ^uint64(0) << (8 * n)
		}
		return val{k: kInt, u: u}, false, nil
	}
	return vu(u), false, nil
}

// encode appends the encoding of vs to b: integers in the shortest atom,
// byte strings in short, medium or long atoms (Core 3.2.2.3.1).
func encode(b []byte, vs ...val) []byte {
	for _, v := range vs {
		switch v.k {
		case kUint:
			if v.u < 64 {
				b = append(b, byte(v.u))
				continue
			}
			n := 8
			for n > 1 && v.u>>(8*(n-1)) == 0 {
				n--
			}
			b = append(b, 0x80|byte(n))
			for i := n - 1; i >= 0; i-- {
				b = append(b, byte(v.u>>(8*i)))
			}
		case kInt:
			b = append(b, 0x90|8)
			b = binary.BigEndian.AppendUint64(b, v.u)
		case kBytes:
			n := len(v.b)
			switch {
			case n < 16:
				b = append(b, 0xA0|byte(n))
			case n < 2048:
				b = append(b, 0xD0|byte(n>>8), byte(n))
			default:
				b = append(b, 0xE2, byte(n>>16), byte(n>>8), byte(n))
			}
			b = append(b, v.b...)
		case kList:
			b = append(b, tokStartList)
			b = encode(b, v.list...)
			b = append(b, tokEndList)
		case kName:
			b = append(b, tokStartName)
			b = encode(b, v.list...)
			b = append(b, tokEndName)
		case kToken:
			b = append(b, byte(v.u))
		}
	}
	return b
}

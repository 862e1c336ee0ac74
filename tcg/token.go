package tcg

import "fmt"

// Control tokens (Core Spec 3.2.2.3.2 Table 04).
const (
	tokStartList        byte = 0xF0
	tokEndList          byte = 0xF1
	tokStartName        byte = 0xF2
	tokEndName          byte = 0xF3
	tokCall             byte = 0xF8
	tokEndOfData        byte = 0xF9
	tokEndOfSession     byte = 0xFA
	tokStartTransaction byte = 0xFB
	tokEndTransaction   byte = 0xFC
	tokEmpty            byte = 0xFF
)

// encoder appends tokens to a data stream (Core Spec 3.2.2).
type encoder struct{ b []byte }

// tok appends a control token.
func (e *encoder) tok(t byte) { e.b = append(e.b, t) }

// uint appends an unsigned integer atom in the fewest bytes: a tiny atom
// (0-63) or a short atom of 1-8 bytes (Core Spec 3.2.2.3.1).
func (e *encoder) uint(v uint64) {
	if v < 64 {
		e.b = append(e.b, byte(v))
		return
	}
	n := 8
	for n > 1 && v>>(8*(n-1)) == 0 {
		n--
	}
	e.b = append(e.b, 0x80|byte(n))
	for i := n - 1; i >= 0; i-- {
		e.b = append(e.b, byte(v>>(8*i)))
	}
}

// bool appends a boolean as the uinteger 0 or 1.
func (e *encoder) bool(v bool) {
	if v {
		e.uint(1)
	} else {
		e.uint(0)
	}
}

// bytes appends a byte-string atom: short (0-15 bytes), medium (to 2047)
// or long (to 2^24-1) (Core Spec 3.2.2.3.1.2-4; never a tiny atom).
func (e *encoder) bytes(p []byte) {
	switch n := len(p); {
	case n < 16:
		e.b = append(e.b, 0xA0|byte(n))
	case n < 2048:
		e.b = append(e.b, 0xD0|byte(n>>8), byte(n))
	default:
		e.b = append(e.b, 0xE2, byte(n>>16), byte(n>>8), byte(n))
	}
	e.b = append(e.b, p...)
}

// uid appends a UID as an 8-byte byte-string atom.
func (e *encoder) uid(u uid) { e.bytes(u[:]) }

// str appends a byte string holding s (the Enterprise SSC's names).
func (e *encoder) str(s string) { e.bytes([]byte(s)) }

// Decoded tokens: an atom is a uint64, an int64 or a []byte; a list is a
// list; StartName name value EndName is a named; any other control token
// is a control.
type (
	list    []any
	named   struct{ name, value any }
	control byte
)

// decodeTokens decodes a whole data stream into its top-level items.
func decodeTokens(b []byte) (list, error) {
	d := tokenDecoder{b: b}
	items, err := d.items(0)
	if err != nil {
		return nil, err
	}
	if d.off != len(d.b) {
		return nil, fmt.Errorf("%w: unbalanced EndList at byte %d", ErrMalformed, d.off)
	}
	return items, nil
}

type tokenDecoder struct {
	b   []byte
	off int
}

// maxDepth bounds list and name nesting.
const maxDepth = 32

// items decodes items until the end of the stream or, at depth > 0, an
// EndList (left unconsumed).
func (d *tokenDecoder) items(depth int) (list, error) {
	var out list
	for d.off < len(d.b) {
		if d.b[d.off] == tokEndList {
			return out, nil // the caller consumes it, or reports it unbalanced
		}
		if d.b[d.off] == tokEndName {
			return nil, fmt.Errorf("%w: EndName without StartName at byte %d", ErrMalformed, d.off)
		}
		v, err := d.item(depth)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if depth > 0 {
		return nil, fmt.Errorf("%w: list not closed", ErrMalformed)
	}
	return out, nil
}

// item decodes one item at d.off.
func (d *tokenDecoder) item(depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: tokens nested deeper than %d", ErrMalformed, maxDepth)
	}
	start := d.off
	t := d.b[d.off]
	switch {
	case t < 0x80: // tiny atom: 0 S dddddd
		d.off++
		if t&0x40 != 0 {
			return int64(int8(t<<2) >> 2), nil
		}
		return uint64(t), nil
	case t < 0xE4: // short, medium, long atom
		var n, hdr int
		var isBytes, signed bool
		switch {
		case t < 0xC0: // short: 10 B S LLLL
			isBytes, signed, n, hdr = t&0x20 != 0, t&0x10 != 0, int(t&0x0F), 1
		case t < 0xE0: // medium: 110 B S LLL LLLLLLLL
			if d.off+2 > len(d.b) {
				return nil, fmt.Errorf("%w: medium atom header truncated at byte %d", ErrMalformed, start)
			}
			isBytes, signed, n, hdr = t&0x10 != 0, t&0x08 != 0, int(t&0x07)<<8|int(d.b[d.off+1]), 2
		default: // long: 111000 B S + 3 length bytes
			if d.off+4 > len(d.b) {
				return nil, fmt.Errorf("%w: long atom header truncated at byte %d", ErrMalformed, start)
			}
			isBytes, signed, n, hdr = t&0x02 != 0, t&0x01 != 0, int(d.b[d.off+1])<<16|int(d.b[d.off+2])<<8|int(d.b[d.off+3]), 4
		}
		if n > len(d.b)-d.off-hdr {
			return nil, fmt.Errorf("%w: atom of %d bytes at byte %d runs past the end", ErrMalformed, n, start)
		}
		p := d.b[d.off+hdr : d.off+hdr+n]
		d.off += hdr + n
		if isBytes {
			if signed { // continued byte strings are not used here
				return nil, fmt.Errorf("%w: continued byte string at byte %d", ErrMalformed, start)
			}
			return append([]byte{}, p...), nil
		}
		if n > 8 {
			return nil, fmt.Errorf("%w: %d-byte integer at byte %d", ErrMalformed, n, start)
		}
		var v uint64
		for _, c := range p {
			v = v<<8 | uint64(c)
		}
		if signed {
			if n > 0 && n < 8 && p[0]&0x80 != 0 {
				v |= ^uint64(0) << (8 * n)
			}
			return int64(v), nil
		}
		return v, nil
	case t == tokStartList:
		d.off++
		l, err := d.items(depth + 1)
		if err != nil {
			return nil, err
		}
		d.off++ // the EndList items stopped at
		if l == nil {
			l = list{}
		}
		return l, nil
	case t == tokStartName:
		d.off++
		if d.off >= len(d.b) {
			return nil, fmt.Errorf("%w: StartName at the end", ErrMalformed)
		}
		name, err := d.item(depth + 1)
		if err != nil {
			return nil, err
		}
		if d.off >= len(d.b) {
			return nil, fmt.Errorf("%w: named value truncated", ErrMalformed)
		}
		if d.b[d.off] == tokEndName || d.b[d.off] == tokEndList {
			return nil, fmt.Errorf("%w: name without a value at byte %d", ErrMalformed, start)
		}
		value, err := d.item(depth + 1)
		if err != nil {
			return nil, err
		}
		if d.off >= len(d.b) || d.b[d.off] != tokEndName {
			return nil, fmt.Errorf("%w: named value at byte %d not closed by EndName", ErrMalformed, start)
		}
		d.off++
		return named{name, value}, nil
	case t == tokCall, t == tokEndOfData, t == tokEndOfSession, t == tokStartTransaction,
		t == tokEndTransaction, t == tokEmpty:
		d.off++
		return control(t), nil
	}
	return nil, fmt.Errorf("%w: reserved token %02Xh at byte %d", ErrMalformed, t, start)
}

// asUint returns v as an unsigned integer.
func asUint(v any) (uint64, bool) {
	u, ok := v.(uint64)
	return u, ok
}

// asBytes returns v as a byte string.
func asBytes(v any) ([]byte, bool) {
	b, ok := v.([]byte)
	return b, ok
}

// asUID returns v as an 8-byte UID.
func asUID(v any) (uid, bool) {
	b, ok := v.([]byte)
	if !ok || len(b) != 8 {
		return uid{}, false
	}
	return uid(b), true
}

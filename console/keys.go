package console

import "unicode/utf8"

// KeyCode names a key.
type KeyCode int

// Keys kesu tells apart. Printable characters are KeyRune.
const (
	KeyRune      KeyCode = iota // Key.Rune holds the character
	KeyEnter                    // CR, LF or CR LF
	KeyEscape                   // a lone ESC
	KeyBackspace                // DEL or BS
	KeyInterrupt                // Ctrl-C (a byte: the tty's ISIG is off)
	KeyEOT                      // Ctrl-D
	KeyKill                     // Ctrl-U: erase the line
	KeyPageUp
	KeyPageDown
	KeyUp
	KeyDown
	KeyOther // any other control key or escape sequence
	KeyEOF   // the input is closed
)

// Key is one key press.
type Key struct {
	Code KeyCode
	Rune rune
}

// keyDecoder turns input bytes into keys. It keeps an incomplete UTF-8
// character or escape sequence for the next chunk; a lone ESC at the end
// of a chunk is the Escape key (terminals send a whole sequence in one
// write).
type keyDecoder struct {
	pending []byte
	lastCR  bool
}

func (d *keyDecoder) decode(chunk []byte) []Key {
	b := append(d.pending, chunk...)
	d.pending = nil
	var keys []Key
	for len(b) > 0 {
		c := b[0]
		if c == '\n' && d.lastCR { // CR LF is one Enter
			d.lastCR = false
			b = b[1:]
			continue
		}
		d.lastCR = c == '\r'
		switch {
		case c == '\r' || c == '\n':
			keys = append(keys, Key{Code: KeyEnter})
			b = b[1:]
		case c == 0x1b:
			n, k, complete := escape(b)
			if !complete {
				d.pending = append([]byte(nil), b...)
				return keys
			}
			keys = append(keys, k)
			b = b[n:]
		case c == 0x7f || c == 0x08:
			keys = append(keys, Key{Code: KeyBackspace})
			b = b[1:]
		case c == 0x03:
			keys = append(keys, Key{Code: KeyInterrupt})
			b = b[1:]
		case c == 0x04:
			keys = append(keys, Key{Code: KeyEOT})
			b = b[1:]
		case c == 0x15:
			keys = append(keys, Key{Code: KeyKill})
			b = b[1:]
		case c < 0x20:
			keys = append(keys, Key{Code: KeyOther})
			b = b[1:]
		case c < 0x80:
			keys = append(keys, Key{Code: KeyRune, Rune: rune(c)})
			b = b[1:]
		default:
			if !utf8.FullRune(b) {
				d.pending = append([]byte(nil), b...)
				return keys
			}
			r, n := utf8.DecodeRune(b)
			if r == utf8.RuneError || r < 0xa0 {
				keys = append(keys, Key{Code: KeyOther})
			} else {
				keys = append(keys, Key{Code: KeyRune, Rune: r})
			}
			b = b[n:]
		}
	}
	return keys
}

// escape decodes the escape sequence at the start of b (b[0] is ESC): its
// length, its key, and whether it is complete. CSI sequences end with a
// byte in 0x40..0x7e (ECMA-48 5.4); SS3 sequences (ESC O x) are three bytes.
func escape(b []byte) (int, Key, bool) {
	if len(b) == 1 {
		return 1, Key{Code: KeyEscape}, true
	}
	switch b[1] {
	case '[':
		if len(b) >= 3 && b[2] == '[' { // Linux console F1-F5: ESC [ [ A..E
			if len(b) < 4 {
				return 0, Key{}, false
			}
			return 4, Key{Code: KeyOther}, true
		}
		for i := 2; i < len(b); i++ {
			if b[i] >= 0x40 && b[i] <= 0x7e {
				return i + 1, csiKey(string(b[2:i]), b[i]), true
			}
			if b[i] < 0x20 || b[i] > 0x3f { // not a parameter or intermediate byte
				return i, Key{Code: KeyOther}, true
			}
		}
		return 0, Key{}, false
	case 'O':
		if len(b) < 3 {
			return 0, Key{}, false
		}
		switch b[2] {
		case 'A':
			return 3, Key{Code: KeyUp}, true
		case 'B':
			return 3, Key{Code: KeyDown}, true
		}
		return 3, Key{Code: KeyOther}, true
	}
	return 1, Key{Code: KeyEscape}, true // ESC then an ordinary key (Alt-x): both count
}

func csiKey(params string, final byte) Key {
	switch {
	case final == 'A' && params == "":
		return Key{Code: KeyUp}
	case final == 'B' && params == "":
		return Key{Code: KeyDown}
	case final == '~' && params == "5":
		return Key{Code: KeyPageUp}
	case final == '~' && params == "6":
		return Key{Code: KeyPageDown}
	}
	return Key{Code: KeyOther}
}

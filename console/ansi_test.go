package console

import (
	"bytes"
	"testing"
)

// Expected bytes written by hand from console_codes(4) / ECMA-48:
// CUP is ESC [ row ; col H, EL is ESC [ K, ED 2 is ESC [ 2 J, SGR is
// ESC [ ... m, DECTCEM hide/show is ESC [ ? 25 l / h, BEL is 0x07.
func TestANSIScreenDraw(t *testing.T) {
	var out bytes.Buffer
	a := &ansiScreen{w: &out, repaintEvery: 3}
	full := Line{{Text: "abcd", Style: Title}} // fills a 4-column screen
	short := Line{{Text: "ok", Style: Good}}
	sc := Screen{Lines: []Line{full, short}, CursorRow: -1}

	a.draw(sc, 4, 3, false)
	want := "\x1b[0m\x1b[H\x1b[2J" + "\x1b[?25l" +
		"\x1b[1;1H\x1b[1;37;44mabcd\x1b[0m" + // a full row: no EL (it would erase the last column)
		"\x1b[2;1H\x1b[1;32mok\x1b[0m\x1b[K" +
		"\x1b[3;1H\x1b[K" +
		"\x1b[3;1H" // cursor parked on the last row
	if got := out.String(); got != want {
		t.Errorf("first draw = %q; want %q", got, want)
	}

	out.Reset()
	a.draw(sc, 4, 3, false)
	if got, want := out.String(), "\x1b[?25l\x1b[3;1H"; got != want {
		t.Errorf("unchanged redraw = %q; want %q (no rows rewritten)", got, want)
	}

	out.Reset()
	sc2 := Screen{Lines: []Line{full, {{Text: "no", Style: Bad}}}, CursorRow: 1, CursorCol: 2}
	a.draw(sc2, 4, 3, true)
	// Frame 3: the periodic full repaint (every row rewritten, no clear).
	want = "\x1b[?25l" + "\x1b[1;1H\x1b[1;37;44mabcd\x1b[0m" + "\x1b[2;1H\x1b[1;31mno\x1b[0m\x1b[K" + "\x1b[3;1H\x1b[K" +
		"\x1b[2;3H\x1b[?25h" + "\a"
	if got := out.String(); got != want {
		t.Errorf("third draw (repaint, cursor, bell) = %q; want %q", got, want)
	}

	out.Reset()
	a.draw(sc2, 5, 3, false)
	if got := out.String(); !bytes.HasPrefix([]byte(got), []byte("\x1b[0m\x1b[H\x1b[2J")) {
		t.Errorf("draw after a size change = %q; want a clear first", got)
	}

	out.Reset()
	a.close()
	if got, want := out.String(), "\x1b[0m\x1b[?25h\x1b[3;1H\r\n"; got != want {
		t.Errorf("close = %q; want %q", got, want)
	}
}

func TestEncodeLine(t *testing.T) {
	l := Line{{Text: "PASS", Style: Good}, {Text: " "}, {Text: "", Style: Bad}, {Text: "x", Style: Bold}}
	if got, want := EncodeLine(l), "\x1b[1;32mPASS\x1b[0m \x1b[1mx\x1b[0m"; got != want {
		t.Errorf("EncodeLine = %q; want %q", got, want)
	}
}

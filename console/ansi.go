package console

import (
	"bytes"
	"io"
	"strconv"
)

// The ANSI renderer draws frames in place with the VT100/ECMA-48 subset
// the Linux console implements (console_codes(4)): CUP to address each
// row, EL to clear its rest, ED to clear below, SGR with the eight basic
// colours and bold, DECTCEM to hide the cursor. No terminfo is needed.
const (
	csi        = "\x1b["
	sgrReset   = csi + "0m"
	clearAll   = csi + "H" + csi + "2J"
	hideCursor = csi + "?25l"
	showCursor = csi + "?25h"
)

// sgr is each style's Select Graphic Rendition parameters.
var sgr = map[Style]string{
	Bold:  "1",
	Title: "1;37;44", // bright white on blue
	Good:  "1;32",
	Bad:   "1;31",
	Warn:  "1;33",
	Info:  "36",
}

// encodeLine is a line's bytes with SGR sequences around styled spans.
func encodeLine(l Line) string {
	var b bytes.Buffer
	for _, s := range l {
		if p, ok := sgr[s.Style]; ok && s.Text != "" {
			b.WriteString(csi + p + "m")
			b.WriteString(s.Text)
			b.WriteString(sgrReset)
			continue
		}
		b.WriteString(s.Text)
	}
	return b.String()
}

// ansiScreen redraws a terminal in place, rewriting only the rows that
// changed, and every row every repaintEvery frames (kernel messages may
// have scribbled on the VGA console).
type ansiScreen struct {
	w            io.Writer
	prev         []string
	width        int
	height       int
	frames       int
	repaintEvery int
	started      bool
}

// draw writes sc, sized width x height, in one Write.
func (a *ansiScreen) draw(sc Screen, width, height int, bell bool) error {
	var b bytes.Buffer
	if !a.started || width != a.width || height != a.height {
		b.WriteString(sgrReset + clearAll)
		a.prev, a.started, a.width, a.height, a.frames = nil, true, width, height, 0
	}
	a.frames++
	if a.repaintEvery > 0 && a.frames%a.repaintEvery == 0 {
		a.prev = nil
	}
	b.WriteString(hideCursor)
	rows := make([]string, height)
	for i := 0; i < height && i < len(sc.Lines); i++ {
		rows[i] = encodeLine(sc.Lines[i])
	}
	for i, r := range rows {
		if a.prev != nil && i < len(a.prev) && a.prev[i] == r {
			continue
		}
		b.WriteString(csi + strconv.Itoa(i+1) + ";1H")
		b.WriteString(r)
		// EL only when the row ends short of the last column: a row that
		// fills it leaves the cursor in the pending-wrap state, where EL
		// would erase the last character.
		if i >= len(sc.Lines) || sc.Lines[i].Width() < width {
			b.WriteString(csi + "K")
		}
	}
	a.prev = rows
	if sc.CursorRow >= 0 && sc.CursorRow < height {
		b.WriteString(csi + strconv.Itoa(sc.CursorRow+1) + ";" + strconv.Itoa(sc.CursorCol+1) + "H" + showCursor)
	} else {
		b.WriteString(csi + strconv.Itoa(height) + ";1H")
	}
	if bell {
		b.WriteByte('\a')
	}
	_, err := a.w.Write(b.Bytes())
	return err
}

// close leaves the terminal usable: attributes reset, cursor shown, on the
// last row below the frame.
func (a *ansiScreen) close() error {
	if !a.started {
		return nil
	}
	_, err := io.WriteString(a.w, sgrReset+showCursor+csi+strconv.Itoa(a.height)+";1H\r\n")
	return err
}

// EncodeLine is a line as ANSI text: its spans with SGR colour sequences.
func EncodeLine(l Line) string { return encodeLine(l) }

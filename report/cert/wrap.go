package cert

import (
	"strings"
	"unicode"
)

// noLineStart are characters that must not begin a line (kinsoku shori):
// closing brackets and punctuation.
const noLineStart = "、。，．,.)）」』】〕］｝〉》・ー：；:;!！?？%％"

// wrap breaks s into lines no wider than w (in the current font), breaking
// Latin text at spaces and CJK text between characters, and never starting
// a line with closing punctuation. fpdf's own MultiCell drops characters at
// the break in UTF-8 text without spaces, so kesu wraps itself.
func (c *certificate) wrap(s string, w float64) []string {
	if s == "" {
		return []string{""}
	}
	var lines []string
	rs := []rune(s)
	for len(rs) > 0 {
		// Longest prefix that fits.
		n := 0
		for n < len(rs) && c.pdf.GetStringWidth(string(rs[:n+1])) <= w {
			n++
		}
		if n == len(rs) {
			lines = append(lines, string(rs))
			break
		}
		if n == 0 {
			n = 1 // a single glyph wider than the line: put it alone
		}
		brk := n
		// Prefer the last space, or the last place between two characters
		// of which one is CJK.
		for i := n; i > 0; i-- {
			if rs[i] == ' ' || rs[i-1] == ' ' {
				brk = i
				break
			}
			if isCJK(rs[i]) || isCJK(rs[i-1]) {
				brk = i
				break
			}
		}
		if brk < n/3 { // a very long word: break inside it rather than leave a short line
			brk = n
		}
		for brk > 1 && strings.ContainsRune(noLineStart, rs[brk]) {
			brk--
		}
		lines = append(lines, strings.TrimRight(string(rs[:brk]), " "))
		rs = rs[brk:]
		for len(rs) > 0 && rs[0] == ' ' {
			rs = rs[1:]
		}
	}
	return lines
}

func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) ||
		(r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)
}

package console

import (
	"strings"
	"unicode"
)

// wideRanges are the East Asian Wide (W) and Fullwidth (F) code points of
// Unicode's EastAsianWidth.txt, which terminals draw two columns wide. The
// CJK, kana, Hangul and fullwidth-form blocks are exact; emoji are covered
// by their main blocks only (kesu's own text has none; drive strings rarely
// do). Ambiguous (A) characters count one column: the Japanese catalogue
// avoids them (a test checks) because CJK-configured terminals draw them two
// columns wide.
var wideRanges = [][2]rune{
	{0x1100, 0x115F}, // Hangul Jamo initial consonants
	{0x231A, 0x231B}, {0x2329, 0x232A}, {0x23E9, 0x23EC}, {0x23F0, 0x23F0}, {0x23F3, 0x23F3},
	{0x25FD, 0x25FE}, {0x2614, 0x2615}, {0x2648, 0x2653}, {0x267F, 0x267F}, {0x2693, 0x2693},
	{0x26A1, 0x26A1}, {0x26AA, 0x26AB}, {0x26BD, 0x26BE}, {0x26C4, 0x26C5}, {0x26CE, 0x26CE},
	{0x26D4, 0x26D4}, {0x26EA, 0x26EA}, {0x26F2, 0x26F3}, {0x26F5, 0x26F5}, {0x26FA, 0x26FA},
	{0x26FD, 0x26FD}, {0x2705, 0x2705}, {0x270A, 0x270B}, {0x2728, 0x2728}, {0x274C, 0x274C},
	{0x274E, 0x274E}, {0x2753, 0x2755}, {0x2757, 0x2757}, {0x2795, 0x2797}, {0x27B0, 0x27B0},
	{0x27BF, 0x27BF}, {0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2B55, 0x2B55},
	{0x2E80, 0x2E99}, {0x2E9B, 0x2EF3}, {0x2F00, 0x2FD5}, {0x2FF0, 0x2FFF}, // CJK radicals, ideographic description
	{0x3000, 0x303E},                   // ideographic space (F), CJK symbols and punctuation
	{0x3041, 0x3096}, {0x3099, 0x30FF}, // hiragana, katakana
	{0x3105, 0x312F}, {0x3131, 0x318E}, {0x3190, 0x31E3}, {0x31EF, 0x321E}, {0x3220, 0x3247},
	{0x3250, 0x4DBF},                   // enclosed CJK, CJK compatibility, CJK extension A
	{0x4E00, 0xA48C}, {0xA490, 0xA4C6}, // CJK unified ideographs, Yi
	{0xA960, 0xA97C},                                                       // Hangul Jamo extended-A
	{0xAC00, 0xD7A3},                                                       // Hangul syllables
	{0xF900, 0xFAFF},                                                       // CJK compatibility ideographs
	{0xFE10, 0xFE19}, {0xFE30, 0xFE52}, {0xFE54, 0xFE66}, {0xFE68, 0xFE6B}, // vertical and small forms
	{0xFF01, 0xFF60}, {0xFFE0, 0xFFE6}, // fullwidth forms (F)
	{0x16FE0, 0x16FE4}, {0x17000, 0x187F7}, {0x18800, 0x18CD5}, {0x1B000, 0x1B122},
	{0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A},
	{0x1F200, 0x1F202}, {0x1F210, 0x1F23B}, {0x1F240, 0x1F248}, {0x1F250, 0x1F251},
	{0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F900, 0x1F9FF}, // emoji (main blocks)
	{0x20000, 0x2FFFD}, {0x30000, 0x3FFFD}, // CJK extensions B and later
}

// runeWidth is the number of terminal columns r occupies: 0 for combining
// marks, format and control characters, 2 for East Asian Wide and Fullwidth
// characters, 1 otherwise.
func runeWidth(r rune) int {
	switch {
	case r < 0x20 || (r >= 0x7F && r < 0xA0):
		return 0
	case r < 0x300:
		return 1
	case r >= 0x1160 && r <= 0x11FF: // Hangul medial vowels and final consonants combine
		return 0
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	}
	lo, hi := 0, len(wideRanges)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case r < wideRanges[m][0]:
			hi = m
		case r > wideRanges[m][1]:
			lo = m + 1
		default:
			return 2
		}
	}
	return 1
}

// textWidth is the number of terminal columns s occupies.
func textWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

// vgaRunes are the non-ASCII characters kesu draws on the Linux VGA console.
// Each is in the kernel's default Unicode map for its built-in CP437-layout
// font (drivers/tty/vt/cp437.uni: 0xdb U+2588, 0xb0 U+2591, 0xb2 U+2593,
// 0xc4 U+2500, 0xb3 U+2502, 0xcd U+2550, 0xfa U+00B7). Anything else that
// is not ASCII would show as the font's substitution glyph.
var vgaRunes = map[rune]bool{'█': true, '░': true, '▓': true, '─': true, '│': true, '═': true, '·': true}

// clean makes text from outside (drive model strings, worker reasons) safe
// to put on a terminal: control characters — which could carry escape
// sequences — become '?', and on the VGA console so does every character
// its font cannot show.
func clean(s string, vga bool) string {
	ok := true
	for _, r := range s {
		if r < 0x20 || (r >= 0x7F && r < 0xA0) || r == 0xFFFD || (vga && r > 0x7E && !vgaRunes[r]) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r < 0x20 || (r >= 0x7F && r < 0xA0) || r == 0xFFFD || (vga && r > 0x7E && !vgaRunes[r]):
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// truncate cuts s to at most w columns, marking a cut with a trailing '~'.
// A wide character that would straddle the limit is dropped whole.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if textWidth(s) <= w {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		rw := runeWidth(r)
		if n+rw > w-1 {
			break
		}
		b.WriteRune(r)
		n += rw
	}
	b.WriteByte('~')
	return b.String()
}

// fit truncates s to w columns and pads it with spaces to exactly w,
// on the right (left-aligned text) or on the left (right-aligned).
func fit(s string, w int, right bool) string {
	s = truncate(s, w)
	pad := w - textWidth(s)
	if pad <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", pad) + s
	}
	return s + strings.Repeat(" ", pad)
}

// center pads s on both sides to w columns (truncating if needed).
func center(s string, w int) string {
	s = truncate(s, w)
	pad := w - textWidth(s)
	if pad <= 0 {
		return s
	}
	return strings.Repeat(" ", pad/2) + s + strings.Repeat(" ", pad-pad/2)
}

// wrap breaks s into lines of at most w columns, at spaces where possible
// and anywhere in a run of wide characters (Japanese has no spaces).
func wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		line, lineW := "", 0
		for _, word := range splitWords(para) {
			ww := textWidth(word)
			if lineW > 0 && lineW+ww > w {
				out = append(out, strings.TrimRight(line, " "))
				line, lineW = "", 0
				word = strings.TrimLeft(word, " ")
				ww = textWidth(word)
			}
			for ww > w { // a single word longer than the line
				head := truncateNoMark(word, w)
				out = append(out, head)
				word = word[len(head):]
				ww = textWidth(word)
			}
			line += word
			lineW += ww
		}
		out = append(out, strings.TrimRight(line, " "))
	}
	return out
}

// splitWords splits s into pieces that may start a new line: each ASCII
// word keeps its leading spaces; each wide character stands alone.
func splitWords(s string) []string {
	var words []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, cur.String())
			cur.Reset()
		}
	}
	prevSpace := false
	for _, r := range s {
		switch {
		case runeWidth(r) == 2:
			flush()
			words = append(words, string(r))
			prevSpace = false
			continue
		case r == ' ':
			if !prevSpace {
				flush()
			}
			prevSpace = true
		default:
			prevSpace = false
		}
		cur.WriteRune(r)
	}
	flush()
	return words
}

// truncateNoMark returns the longest prefix of s that fits in w columns.
func truncateNoMark(s string, w int) string {
	n := 0
	for i, r := range s {
		rw := runeWidth(r)
		if n+rw > w {
			if i == 0 {
				return string(r) // never loop forever on a rune wider than w
			}
			return s[:i]
		}
		n += rw
	}
	return s
}

// TextWidth is the number of terminal columns s occupies (East Asian wide
// characters count two).
func TextWidth(s string) int { return textWidth(s) }

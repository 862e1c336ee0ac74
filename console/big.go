package console

import "strings"

// font is a 5-row block font for the verdict words: '#' is ink. It holds
// the letters the verdicts use.
var font = map[rune][5]string{
	'A': {" ### ", "#   #", "#####", "#   #", "#   #"},
	'B': {"#### ", "#   #", "#### ", "#   #", "#### "},
	'C': {" ####", "#    ", "#    ", "#    ", " ####"},
	'D': {"#### ", "#   #", "#   #", "#   #", "#### "},
	'E': {"#####", "#    ", "#### ", "#    ", "#####"},
	'F': {"#####", "#    ", "#### ", "#    ", "#    "},
	'I': {"###", " # ", " # ", " # ", "###"},
	'L': {"#    ", "#    ", "#    ", "#    ", "#####"},
	'M': {"#   #", "## ##", "# # #", "#   #", "#   #"},
	'N': {"#   #", "##  #", "# # #", "#  ##", "#   #"},
	'O': {" ### ", "#   #", "#   #", "#   #", " ### "},
	'P': {"#### ", "#   #", "#### ", "#    ", "#    "},
	'R': {"#### ", "#   #", "#### ", "#  # ", "#   #"},
	'S': {" ####", "#    ", " ### ", "    #", "#### "},
	'T': {"#####", "  #  ", "  #  ", "  #  ", "  #  "},
	'U': {"#   #", "#   #", "#   #", "#   #", " ### "},
	'V': {"#   #", "#   #", "#   #", " # # ", "  #  "},
}

// bigText renders word in the block font, each ink cell drawn as ink
// repeated scale times (2 makes square-looking pixels on an 8x16 cell
// font). It returns nil when a letter has no glyph.
func bigText(word string, ink rune, scale int) []string {
	rows := make([]strings.Builder, 5)
	for i, r := range word {
		g, ok := font[r]
		if !ok {
			return nil
		}
		for y := range 5 {
			if i > 0 {
				rows[y].WriteString(strings.Repeat(" ", scale))
			}
			for _, c := range g[y] {
				cell := " "
				if c == '#' {
					cell = string(ink)
				}
				rows[y].WriteString(strings.Repeat(cell, scale))
			}
		}
	}
	out := make([]string, 5)
	for y := range rows {
		out[y] = rows[y].String()
	}
	return out
}

// bigVerdict renders word as large as fits in width: double width, else
// single, else nil (the caller shows the word in normal text).
func bigVerdict(word string, ink rune, width int) []string {
	for _, scale := range []int{2, 1} {
		rows := bigText(word, ink, scale)
		if rows == nil {
			return nil
		}
		if textWidth(rows[0]) <= width {
			return rows
		}
	}
	return nil
}

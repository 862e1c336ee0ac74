package cert

import (
	"os"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"
)

// wrap keeps every character (fpdf's MultiCell drops one at each break in
// Japanese text), keeps lines within the width and starts no line with
// closing punctuation.
func TestWrapKeepsEveryCharacter(t *testing.T) {
	p, err := FindFont("")
	if err != nil {
		t.Skip(err)
	}
	font, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(fontName, "", font)
	pdf.AddPage()
	pdf.SetFont(fontName, "", bodySize)
	c := &certificate{pdf: pdf}
	for _, s := range []string{
		"総務省ガイドライン区分(1): 構内で消去済み — 物理的破壊が引き続き必要です。これは折り返しを確かめるための長い文章です。",
		"NVMe Admin Sanitize (84h) SANACT=100b crypto erase, polled Sanitize Status log (81h) and a few more words to wrap",
		"c069fa083c4669e4208bb550b4a2bd92c9095fc437cccaa55631713659cc96ebc069fa083c4669e4208bb550b4a2bd92c9095fc437cccaa5",
		"Clear 達成、Purge 未達 — 物理的破壊が必要です",
	} {
		for _, w := range []float64{20, 37.5, 60, 128} {
			lines := c.wrap(s, w)
			got := strings.ReplaceAll(strings.Join(lines, ""), " ", "")
			if want := strings.ReplaceAll(s, " ", ""); got != want {
				t.Errorf("wrap(%q, %v) lost characters: %q", s, w, lines)
			}
			for _, l := range lines {
				if pdf.GetStringWidth(l) > w+0.01 && len([]rune(l)) > 1 {
					t.Errorf("wrap(%q, %v): line %q is %.1f mm wide", s, w, l, pdf.GetStringWidth(l))
				}
				if r := []rune(l); len(r) > 0 && strings.ContainsRune("、。）", r[0]) {
					t.Errorf("wrap(%q, %v): line %q starts with closing punctuation", s, w, l)
				}
			}
		}
	}
}

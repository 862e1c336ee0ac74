package console

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func durationOf(ns float64) time.Duration { return time.Duration(ns) }

func TestBigTextPass(t *testing.T) {
	// Drawn by hand: the five rows of PASS at scale 1.
	want := []string{
		"####   ###   ####  ####",
		"#   # #   # #     #    ",
		"####  #####  ###   ### ",
		"#     #   #     #     #",
		"#     #   # ####  #### ",
	}
	if diff := cmp.Diff(want, bigText("PASS", '#', 1)); diff != "" {
		t.Errorf("bigText(PASS) mismatch (-want +got):\n%s", diff)
	}
	if got := bigText("PASS", '#', 2)[0]; got != "########      ######      ########    ########" {
		t.Errorf("bigText(PASS, scale 2)[0] = %q", got)
	}
}

func TestBigTextEveryVerdict(t *testing.T) {
	for _, v := range []Verdict{VerdictPass, VerdictFail, VerdictIncomplete, VerdictUnverified, VerdictAborted, VerdictCancelled, VerdictNone} {
		rows := bigText(string(v), '#', 1)
		if rows == nil {
			t.Errorf("bigText(%s) = nil; a letter has no glyph", v)
			continue
		}
		for _, r := range rows {
			if textWidth(r) > 78 {
				t.Errorf("bigText(%s) is %d wide; must fit 80 columns", v, textWidth(r))
			}
			if textWidth(r) != textWidth(rows[0]) {
				t.Errorf("bigText(%s) rows differ in width", v)
			}
		}
		if !strings.Contains(strings.Join(rows, ""), "#") {
			t.Errorf("bigText(%s) has no ink", v)
		}
	}
	if got := bigText("PASS?", '#', 1); got != nil {
		t.Errorf("bigText(PASS?) = %q; want nil for a letter without glyph", got)
	}
	if got := bigVerdict("INCOMPLETE", '#', 78); got == nil || textWidth(got[0]) > 78 || textWidth(got[0]) < 50 {
		t.Errorf("bigVerdict(INCOMPLETE, 78) should fall back to single width; got %q", got)
	}
	if got := bigVerdict("INCOMPLETE", '#', 30); got != nil {
		t.Errorf("bigVerdict(INCOMPLETE, 30) = %q; want nil (too narrow)", got)
	}
}

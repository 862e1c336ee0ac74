package console

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Widths from Unicode's EastAsianWidth.txt (the property of each code
// point is in the comment), not from our table.
func TestRuneWidth(t *testing.T) {
	tests := []struct {
		r    rune
		want int
	}{
		{'A', 1},      // Na
		{'~', 1},      // Na
		{'é', 1},      // A (ambiguous: one column)
		{'—', 1},      // U+2014 A
		{'█', 1},      // U+2588 A
		{'ｱ', 1},      // U+FF71 H halfwidth katakana
		{'あ', 2},      // U+3042 W
		{'ア', 2},      // U+30A2 W
		{'ー', 2},      // U+30FC W
		{'漢', 2},      // U+6F22 W
		{'、', 2},      // U+3001 W
		{'「', 2},      // U+300C W
		{'　', 2},      // U+3000 F ideographic space
		{'Ａ', 2},      // U+FF21 F fullwidth A
		{'￥', 2},      // U+FFE5 F
		{'한', 2},      // U+D55C W
		{'\u1100', 2}, // Hangul choseong kiyeok, W
		{'\U00020B9F', 2},
		{'\u0301', 0}, // combining acute accent, Mn
		{'\u200B', 0}, // zero width space, Cf
		{'\u3099', 0}, // combining kana voiced mark, Mn (W in EAW, but combining)
		{'\x1b', 0},   // control
		{'\u0085', 0}, // C1 control
	}
	for _, tt := range tests {
		if got := runeWidth(tt.r); got != tt.want {
			t.Errorf("runeWidth(%U) = %d; want %d", tt.r, got, tt.want)
		}
	}
}

func TestWideRangesSorted(t *testing.T) {
	for i, r := range wideRanges {
		if r[0] > r[1] || (i > 0 && r[0] <= wideRanges[i-1][1]) {
			t.Errorf("wideRanges[%d] = %X..%X; not sorted or overlapping %X..%X", i, r[0], r[1], wideRanges[i-1][0], wideRanges[i-1][1])
		}
	}
}

func TestTextWidthTruncateFit(t *testing.T) {
	if got := textWidth("ベイ ata3"); got != 9 {
		t.Errorf("textWidth(ベイ ata3) = %d; want 9", got)
	}
	tests := []struct {
		s     string
		w     int
		trunc string
		left  string
		right string
	}{
		{"abc", 5, "abc", "abc  ", "  abc"},
		{"abcdef", 4, "abc~", "abc~", "abc~"},
		{"消去中です", 6, "消去~", "消去~ ", " 消去~"}, // a wide char never straddles the limit
		{"消去中です", 5, "消去~", "消去~", "消去~"},
		{"消去", 4, "消去", "消去", "消去"},
		{"x", 0, "", "", ""},
	}
	for _, tt := range tests {
		if got := truncate(tt.s, tt.w); got != tt.trunc {
			t.Errorf("truncate(%q, %d) = %q; want %q", tt.s, tt.w, got, tt.trunc)
		}
		if got := fit(tt.s, tt.w, false); got != tt.left {
			t.Errorf("fit(%q, %d, left) = %q; want %q", tt.s, tt.w, got, tt.left)
		}
		if got := fit(tt.s, tt.w, true); got != tt.right {
			t.Errorf("fit(%q, %d, right) = %q; want %q", tt.s, tt.w, got, tt.right)
		}
		if tt.w > 0 && textWidth(fit(tt.s, tt.w, false)) > tt.w {
			t.Errorf("textWidth(fit(%q, %d)) > %d", tt.s, tt.w, tt.w)
		}
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		s    string
		w    int
		want []string
	}{
		{"Type 3 and press Enter to erase", 12, []string{"Type 3 and", "press Enter", "to erase"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"消去するには 3 と入力", 10, []string{"消去するに", "は 3 と入", "力"}},
		{"a\nb", 10, []string{"a", "b"}},
	}
	for _, tt := range tests {
		got := wrap(tt.s, tt.w)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("wrap(%q, %d) mismatch (-want +got):\n%s", tt.s, tt.w, diff)
		}
		for _, l := range got {
			if textWidth(l) > tt.w {
				t.Errorf("wrap(%q, %d) has line %q of width %d", tt.s, tt.w, l, textWidth(l))
			}
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct {
		s    string
		vga  bool
		want string
	}{
		{"ST8000NM001A", false, "ST8000NM001A"},
		{"evil\x1b[2Jmodel", false, "evil?[2Jmodel"}, // a drive's model string must not drive the terminal
		{"a\tb\nc", false, "a b c"},
		{"c1\u009bx", false, "c1?x"},
		{"消去", false, "消去"},
		{"消去", true, "??"},
		{"[███░░]", true, "[███░░]"},
		{"Crème", true, "Cr?me"},
	}
	for _, tt := range tests {
		if got := clean(tt.s, tt.vga); got != tt.want {
			t.Errorf("clean(%q, vga=%v) = %q; want %q", tt.s, tt.vga, got, tt.want)
		}
	}
}

// The VGA runes must be in the kernel's default CP437 Unicode map
// (drivers/tty/vt/cp437.uni): the code points listed there, copied by hand.
func TestVGARunesInCP437(t *testing.T) {
	cp437 := map[rune]bool{0x2588: true, 0x2591: true, 0x2592: true, 0x2593: true, 0x2500: true,
		0x2502: true, 0x2550: true, 0x00B7: true, 0x25A0: true}
	for r := range vgaRunes {
		if !cp437[r] {
			t.Errorf("vgaRunes has %U; not in cp437.uni", r)
		}
	}
	for _, g := range []Glyphs{GlyphsASCII, GlyphsBlocks} {
		s := g.set()
		for _, r := range string([]rune{s.full, s.empty, s.ink}) + s.rule {
			if r > 0x7e && !vgaRunes[r] {
				t.Errorf("glyph %U of set %d is not drawable on the VGA console", r, g)
			}
		}
	}
}

func TestCatalogues(t *testing.T) {
	en, ja := catalog[English], catalog[Japanese]
	for name, m := range map[string]*messages{"en": en, "ja": ja} {
		for _, s := range catalogStrings(m) {
			if strings.TrimSpace(s) == "" {
				t.Errorf("%s catalogue has an empty message", name)
			}
		}
		for _, p := range []Phase{PhaseWaiting, PhaseProbe, PhaseUnfreeze, PhaseRestoreHidden, PhaseCanaries,
			PhaseFirmwareErase, PhaseOverwrite, PhaseVerify, PhaseDone} {
			if m.Phases[p] == "" {
				t.Errorf("%s catalogue has no phase %q", name, p)
			}
		}
		for _, v := range []Verdict{VerdictPass, VerdictFail, VerdictIncomplete, VerdictUnverified, VerdictAborted, VerdictCancelled, VerdictNone} {
			if m.VerdictText[v] == "" {
				t.Errorf("%s catalogue has no verdict text for %s", name, v)
			}
		}
	}
	// English is what the VGA console shows: ASCII only.
	for _, s := range catalogStrings(en) {
		for _, r := range s {
			if r < 0x20 || r > 0x7e {
				t.Errorf("English message %q has %U; the VGA console shows ASCII", s, r)
			}
		}
	}
	// Japanese must not use East Asian Ambiguous characters (CJK terminals
	// draw them two columns wide, breaking the layout). These are the
	// ambiguous characters a writer is likely to reach for, from
	// EastAsianWidth.txt.
	ambiguous := "…—–‐‘’“”※・°±×÷→←↑↓■□▲△○●◎★☆§¶"
	for _, s := range catalogStrings(ja) {
		if strings.ContainsAny(s, ambiguous) {
			t.Errorf("Japanese message %q uses an East Asian Ambiguous character", s)
		}
	}
}

// catalogStrings lists every message of m.
func catalogStrings(m *messages) []string {
	out := []string{m.Title, m.TitlePlan, m.TitleRunning, m.TitleDone, m.Elapsed, m.PolicyLine, m.ToErase,
		m.ColNum, m.ColBay, m.ColLink, m.ColClass, m.ColModel, m.ColSerial, m.ColCapacity, m.ColSMART, m.ColMethod,
		m.ColLevel, m.ExcludedHead, m.ControllerHead, m.UnreachedHead, m.Attention, m.SMARTNote, m.BelowNote, m.NoDrives, m.PromptCount, m.PromptWord,
		m.PromptCancel, m.WrongCount, m.WrongWord, m.NothingTyped, m.Countdown, m.CountdownHow, m.Stopped,
		m.Cancelled, m.NoInput, m.Starting, m.ColPhase, m.ColProgress, m.ColRate, m.ColElapsed, m.ColETA, m.Counts,
		m.KeysRun, m.KeysPage, m.Page, m.AbortAsk, m.AbortHow, m.AbortNo, m.Aborting, m.MoreWarned, m.Repeated, m.ColResult,
		m.ColDuration, m.ColReason, m.Tally, m.Record, m.Fingerprint, m.RecordError, m.NoRecord, m.PowerOffIn,
		m.RebootIn, m.HoldHow, m.Waiting, m.Held, m.PoweringOff, m.Rebooting, m.PlainRunning, m.PlainLeft,
		m.PlainTook, m.PlainBusy, m.SecurityLine, m.BlockedLine, m.TitlePSID, m.PSIDDrive, m.PSIDSerial, m.PSIDWhat,
		m.PSIDAsk, m.PSIDAgain, m.PSIDBadLength, m.PSIDBadChars, m.PSIDMismatch, m.PSIDTaken, m.PSIDSkipped,
		m.PSIDNoInput, m.PSIDInterrupted, m.KeysPSID}
	for _, v := range m.VerdictText {
		out = append(out, v)
	}
	for _, v := range m.Phases {
		out = append(out, v)
	}
	for _, v := range m.Statuses {
		out = append(out, v)
	}
	for _, v := range m.Health {
		out = append(out, v)
	}
	return out
}

func TestFormat(t *testing.T) {
	tests := []struct{ got, want string }{
		// Binary prefixes, as the command line prints sizes (human.Size):
		// 3.84e12 / 1024^4 = 3.49, 960197124096 / 1024^3 = 894.25.
		{capacity(3840 * 1000 * 1000 * 1000), "3.5 TiB"},
		{capacity(8e12), "7.3 TiB"},
		{capacity(960197124096), "894.3 GiB"},
		{capacity(64e9), "59.6 GiB"},
		{capacity(999_600_000_000), "931.0 GiB"},
		{capacity(512), "512 B"},
		{capacity(0), "?"},
		{rate(187e6), "178.3 MiB/s"},
		{rate(1.2e9), "1.1 GiB/s"},
		{rate(0), "-"},
		{hms(0), "0:00:00"},
		{hms(83 * 60e9), "1:23:00"},
		{hms(1500 * 1e9), "0:25:00"},
		{hms(100 * 3600e9), ">99h"},
		{eta(0), "-"},
		{percent(0.4696), "47.0%"},
		{percent(-1), "?"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("case %d = %q; want %q", i, tt.got, tt.want)
		}
	}
	for _, tt := range []struct {
		d    float64
		want int
	}{{0, 0}, {0.2e9, 1}, {1e9, 1}, {1.01e9, 2}, {29.5e9, 30}} {
		if got := secondsLeft(durationOf(tt.d)); got != tt.want {
			t.Errorf("secondsLeft(%v ns) = %d; want %d", tt.d, got, tt.want)
		}
	}
}

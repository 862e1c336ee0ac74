package console_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/console"
	"github.com/kesu-erase/kesu/console/internal/sample"
)

const (
	secFree    = "TCG Opal 2, not owned: crypto erase available"
	secOwned   = "TCG Opal 2, owned (SID changed), locking range 1 locked"
	blockedSAS = "locked by its owner (locking range 1 locked, MBR shadowing on): kesu cannot prove an overwrite; type its PSID after confirming, or it FAILs"
	blockedATA = "owned (SID changed): type its PSID after confirming, or it FAILs"
)

// sedPlan is sample.Bays with self-encrypting drives: one NVMe and one
// SATA SSD nobody owns, a SAS disk locked by its owner on the first page
// at 80x25 and a SATA SSD owned on a later page.
func sedPlan() console.Plan {
	p := sample.Bays()
	p.Confirm = console.Confirm{}
	p.Drives[0].Security = secFree
	p.Drives[3].Security, p.Drives[3].Blocked = secOwned, blockedSAS
	p.Drives[15].Security = secFree
	p.Drives[20].Security, p.Drives[20].Blocked = "TCG Opal 2, owned (SID changed)", blockedATA
	return p
}

// pagesOf renders every page of s.
func pagesOf(s *console.Snapshot, v console.View) []console.Screen {
	first := console.Frame(s, v)
	out := []console.Screen{first}
	for pg := 1; pg < first.Pages; pg++ {
		v.Page = pg
		out = append(out, console.Frame(s, v))
	}
	return out
}

// Each drive's security line, and for a blocked drive why (wrapped under
// the bay, as a warning), sit under its rows on the page that shows the
// drive, at 80x25 (two rows a drive) and 132x43 (one), in English and
// Japanese; drives without them get no such lines.
func TestPlanShowsSecurityAndBlocked(t *testing.T) {
	p := sedPlan()
	s := sample.PlanSnapshot(p)
	words := map[console.Lang][2]string{console.English: {"Security: ", "Blocked: "},
		console.Japanese: {"セキュリティ: ", "計画どおりには消去できません: "}}
	for _, sz := range [][3]int{{80, 25, 2}, {132, 43, 1}} {
		for lang, w := range words {
			name := fmt.Sprintf("%dx%d %s", sz[0], sz[1], lang)
			v := console.View{Width: sz[0], Height: sz[1], Lang: lang, Prompt: console.Prompt{Mode: console.PromptTyped}}
			pages := pagesOf(&s, v)
			if len(pages) < 2 {
				t.Fatalf("%s: %d page(s); the test wants the plan paged", name, len(pages))
			}
			secLines, blockedLines := 0, 0
			for pg, sc := range pages {
				checkFits(t, name, sc, sz[0], sz[1])
				lines := sc.Strings()
				for i, l := range lines {
					if strings.HasPrefix(l, "   "+w[0]) {
						secLines++
					}
					if strings.HasPrefix(l, "   "+w[1]) {
						blockedLines++
					}
					for _, d := range p.Drives {
						if !strings.Contains(l, " "+d.Serial+" ") {
							continue
						}
						next := i + sz[2]
						if d.Security == "" {
							if next < len(lines) && strings.HasPrefix(lines[next], "   "+w[0]) {
								t.Errorf("%s page %d: %s has a security line %q; it has none", name, pg+1, d.Bay, lines[next])
							}
							continue
						}
						if next >= len(lines) || lines[next] != "   "+w[0]+d.Security {
							t.Errorf("%s page %d: the line under %s is %q; want %q", name, pg+1, d.Bay, at(lines, next), "   "+w[0]+d.Security)
							continue
						}
						if d.Blocked == "" {
							continue
						}
						// The reason, wrapped under the bay in the warning style, up
						// to the next drive's first row.
						var got strings.Builder
						for k := next + 1; k < len(lines) && strings.HasPrefix(lines[k], "   ") && !strings.HasPrefix(lines[k], "   "+w[0]); k++ {
							span := sc.Lines[k][len(sc.Lines[k])-1]
							if span.Style != console.Warn {
								t.Errorf("%s page %d: %q is drawn in style %d; want Warn", name, pg+1, lines[k], span.Style)
							}
							part := strings.TrimPrefix(lines[k], "   ")
							if prev := got.String(); prev != "" && narrow(prev[len(prev)-1]) && narrow(part[0]) {
								got.WriteByte(' ') // a line broken at a space between words
							}
							got.WriteString(part)
						}
						if want := w[1] + d.Blocked; got.String() != want {
							t.Errorf("%s page %d: under %s, the blocked lines read %q; want %q", name, pg+1, d.Bay, got.String(), want)
						}
					}
				}
			}
			if secLines != 4 || blockedLines != 2 {
				t.Errorf("%s: %d security and %d blocked lines over %d pages; want 4 and 2", name, secLines, blockedLines, len(pages))
			}
		}
	}
}

func narrow(b byte) bool { return b < 0x80 }

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(none)"
}

// A blocked drive's planned level is drawn as a warning, as a level below
// the policy is.
func TestBlockedLevelIsAWarning(t *testing.T) {
	s := sample.PlanSnapshot(sedPlan())
	sc := console.Frame(&s, console.View{Width: 132, Height: 43})
	for _, l := range sc.Lines {
		text := l.String()
		if !strings.Contains(text, " WKD31A27 ") && !strings.Contains(text, " WKD31A20 ") {
			continue
		}
		last := l[len(l)-1]
		want := console.Normal
		if strings.Contains(text, " WKD31A27 ") { // encl0 slot 1, blocked
			want = console.Warn
		}
		if last.Text != "Purge" || last.Style != want {
			t.Errorf("level of %q = %q in style %d; want Purge in style %d", text, last.Text, last.Style, want)
		}
	}
}

// The full-screen renderer on an 80x25 terminal: the blocked line comes
// in the warning colour (SGR 1;33: bold, yellow foreground, ECMA-48
// 8.3.117) on the page of its drive, which is turned to with PgDn.
func TestANSIPlanShowsBlocked(t *testing.T) {
	r := newRig(t, sedPlan(), console.English, console.ModeANSI)
	res := r.confirm()
	r.out.waitFor(t, "   Security: TCG Opal 2, owned (SID changed), locking range 1 locked")
	r.out.waitFor(t, "\x1b[1;33mBlocked: locked by its owner (locking range 1 locked, MBR shadowing on): kesu\x1b[0m")
	r.out.waitFor(t, "page 1/")
	for range 8 {
		r.typeKeys("\x1b[6~") // PgDn, until the page with ata7
	}
	r.out.waitFor(t, "\x1b[1;33mBlocked: owned (SID changed): type its PSID after confirming, or it FAILs\x1b[0m")
	r.typeKeys("24\r")
	if got := wait(t, res); !got.d.Erase {
		t.Errorf("Confirm = %+v; want erase", got.d)
	}
}

// The plain renderer prints the lines under their drives, as text.
func TestPlainPlanShowsSecurityAndBlocked(t *testing.T) {
	r := newRig(t, sedPlan(), console.English, console.ModePlain)
	res := r.confirm()
	r.out.waitFor(t, " 4 encl0 slot 1")
	r.out.waitFor(t, "   sas              PASS     SCSI Sanitize overw~ Purge\n"+
		"   Security: TCG Opal 2, owned (SID changed), locking range 1 locked\n"+
		"   Blocked: locked by its owner (locking range 1 locked, MBR shadowing on):\n"+
		"   kesu cannot prove an overwrite; type its PSID after confirming, or it FAILs\n"+
		" 5 encl0 slot 2")
	r.out.waitFor(t, "   sata             PASS     ATA Sanitize block ~ Purge\n"+
		"   Security: TCG Opal 2, owned (SID changed)\n"+
		"   Blocked: owned (SID changed): type its PSID after confirming, or it FAILs\n"+
		"22 ata8")
	r.out.waitFor(t, "> ")
	r.typeKeys("no\r")
	wait(t, res)
	r.ui.Close()
	if all := r.out.rest(); strings.Contains(all, "\x1b") {
		t.Error("the plain plan has an escape sequence")
	}
}

// On the VGA console the lines are English and keep to its font, whatever
// the drive's text holds.
func TestVGAPlanSecurityGlyphs(t *testing.T) {
	p := sedPlan()
	p.Drives[0].Security = "TCG Opal 2 — not owned: crypto erase available"
	p.Drives[3].Blocked = "verrouillé par son propriétaire"
	s := sample.PlanSnapshot(p)
	v := console.View{Width: 80, Height: 25, Lang: console.Japanese, VGA: true, Glyphs: console.GlyphsBlocks}
	var all []string
	for _, sc := range pagesOf(&s, v) {
		all = append(all, sc.Strings()...)
	}
	text := strings.Join(all, "\n")
	for _, want := range []string{"   Security: TCG Opal 2 ? not owned: crypto erase available", "   Blocked: verrouill? par son propri?taire"} {
		if !strings.Contains(text, want) {
			t.Errorf("VGA plan has no line %q", want)
		}
	}
	for _, r := range text {
		if r > 0x7e && r != '█' && r != '░' {
			t.Errorf("VGA plan has %U", r)
		}
	}
}

// The PSID screen, as the ANSI renderer draws it: pinned by golden files
// at 80x25 (the VGA console) in English and Japanese — while typing the
// second entry after a rejected one, and answered.
func TestGoldenPSIDScreens(t *testing.T) {
	s := sample.PlanSnapshot(sample.Failing())
	s.Decision = console.Decision{Erase: true, How: console.HowTypedWord}
	prompts := []console.Prompt{
		{Mode: console.PromptPSID, Ask: lockedDrive},
		{Mode: console.PromptPSID, Ask: lockedDrive, Masked: 17},
		{Mode: console.PromptPSID, Ask: lockedDrive, Error: console.PromptPSIDLength, Entered: 31, Attempts: 1, Masked: 3},
		{Mode: console.PromptPSID, Ask: lockedDrive, Error: console.PromptPSIDChars, Entered: 32, Attempts: 1},
		{Mode: console.PromptPSID, Ask: lockedDrive, Error: console.PromptPSIDMismatch, Entered: 32, Attempts: 2},
		{Mode: console.PromptPSID, Ask: lockedDrive, Again: true, Entered: 32, Attempts: 1, Masked: 32},
		{Mode: console.PromptPSID, Ask: lockedDrive, Outcome: console.HowTypedTwice},
		{Mode: console.PromptPSID, Ask: lockedDrive, Outcome: console.HowSkipped},
	}
	for _, lang := range []console.Lang{console.English, console.Japanese} {
		var b strings.Builder
		for i, p := range prompts {
			v := console.View{Width: 80, Height: 25, Lang: lang, Prompt: p}
			sc := console.Frame(&s, v)
			checkFits(t, "psid", sc, 80, 25)
			fmt.Fprintf(&b, "psid %d 80x25 %s cursor %d,%d\n", i, lang, sc.CursorRow, sc.CursorCol)
			b.WriteString(sample.Box(sc, 80, 25))
		}
		golden(t, "psid-80x25-"+string(lang), b.String())
	}
	var b strings.Builder
	for _, sz := range [][2]int{{80, 25}, {132, 43}} {
		v := console.View{Width: sz[0], Height: sz[1], Prompt: console.Prompt{Mode: console.PromptTyped}}
		sp := sample.PlanSnapshot(sedPlan())
		for _, sc := range pagesOf(&sp, v) {
			fmt.Fprintf(&b, "sed plan %dx%d page %d/%d\n", sz[0], sz[1], sc.Page+1, sc.Pages)
			b.WriteString(sample.Box(sc, sz[0], sz[1]))
		}
	}
	golden(t, "sedplan-en", b.String())
}

// The cursor sits after the stars typed, where the next one goes.
func TestPSIDCursor(t *testing.T) {
	s := sample.PlanSnapshot(sample.Failing())
	for _, n := range []int{0, 5, 32} {
		sc := console.Frame(&s, console.View{Width: 80, Height: 25, Prompt: console.Prompt{Mode: console.PromptPSID, Ask: lockedDrive, Masked: n}})
		if sc.CursorRow < 0 {
			t.Fatalf("%d typed: cursor hidden", n)
		}
		row := sc.Strings()[sc.CursorRow]
		if want := "> " + strings.Repeat("*", n) + strings.Repeat("_", 32-n) + fmt.Sprintf("  %d/32", n); row != want || sc.CursorCol != 2+n {
			t.Errorf("%d typed: cursor at column %d of %q; want column %d of %q", n, sc.CursorCol, row, 2+n, want)
		}
	}
}

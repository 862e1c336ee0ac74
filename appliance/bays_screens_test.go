package appliance_test

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/internal/vm"
	"github.com/kesu-erase/kesu/report"
)

// vgaCmdline makes the VM's VGA console 80x25: OVMF sets up a 1280x800
// display, where the kernel's default 8x16 font gives 160x50 and its
// built-in Terminus 16x32 font gives 80 columns of 25 rows.
var vgaCmdline = []string{"fbcon=font:TER16x32"}

// vgaFrame is one screendump of the VGA console, read as text.
type vgaFrame struct {
	name        string // the screendump file
	rows        []string
	kind        string // "live", "result" or "" (not one of kesu's frames)
	page, pages int    // "page 1/2"; 1/1 when the frame has no page line
}

var pageLine = regexp.MustCompile(`page (\d+)/(\d+)\s*$`)

// readVGAFrames reads every screendump of res with the kernel's 16x32 font
// and keeps those that show kesu's live view or result.
func readVGAFrames(t *testing.T, kernel string, res *vm.Result) []vgaFrame {
	t.Helper()
	if res.ScreenErr != nil {
		t.Fatalf("VGA screendumps: %v", res.ScreenErr)
	}
	font, err := vm.KernelFont(kernel, 16, 32)
	if err != nil {
		t.Fatalf("the kernel's 16x32 font: %v", err)
	}
	var frames []vgaFrame
	for _, s := range res.Screens {
		img, err := vm.ReadPPM(s.Path)
		if err != nil {
			t.Fatal(err)
		}
		rows, unknown := font.Text(img)
		if len(rows) == 0 {
			t.Fatalf("VGA %s: no text rows read", s.Path)
		}
		f := vgaFrame{name: s.Path, rows: rows, page: 1, pages: 1}
		switch {
		case strings.Contains(rows[0], "kesu disk erasure - erasing 24 drive(s)"):
			f.kind = "live"
		case strings.Contains(rows[0], "kesu disk erasure - result"):
			f.kind = "result"
		default:
			continue
		}
		if len(rows) != 25 || len([]rune(rows[0])) != 80 {
			t.Fatalf("VGA %s: %d rows of %d columns; want 80x25 (kernel command line %v on a %dx%d display)",
				s.Path, len(rows), len([]rune(rows[0])), vgaCmdline, img.Width, img.Height)
		}
		if unknown > 0 {
			t.Errorf("VGA %s: %d character cells match no glyph of the font:\n%s", s.Path, unknown, strings.Join(rows, "\n"))
		}
		if m := pageLine.FindStringSubmatch(rows[len(rows)-1]); m != nil {
			f.page, _ = strconv.Atoi(m[1])
			f.pages, _ = strconv.Atoi(m[2])
		}
		frames = append(frames, f)
	}
	return frames
}

// rowDrive returns the drive whose bay label starts the row (after the
// flag column), shown whole or, when too long for its column, as "~" and
// its end; -1 if none.
func rowDrive(row string, bays []string) int {
	row = strings.TrimLeft(row, " !")
	for i, b := range bays {
		if strings.HasPrefix(row, b+" ") {
			return i
		}
	}
	for i, b := range bays {
		for k := len(b) - 1; k >= 4; k-- {
			if strings.HasPrefix(row, "~"+b[len(b)-k:]+" ") {
				return i
			}
		}
	}
	return -1
}

// checkVGAPaging checks the 80x25 VGA frames of the live view and of the
// result: all 24 drives do not fit one screen, so each kind pages; every
// page was seen; no drive shows twice in a frame; every drive is on some
// page; every result frame carries the totals and shows its drives PASS.
func checkVGAPaging(t *testing.T, frames []vgaFrame, run *report.Run) {
	t.Helper()
	var bays, serials []string
	for _, d := range run.Drives {
		bays = append(bays, d.Drive.Identity.Bay)
		serials = append(serials, d.Drive.Identity.Serial)
	}
	for _, kind := range []string{"live", "result"} {
		seen := map[int]bool{} // drives shown
		pagesSeen := map[int]bool{}
		pages, n := 0, 0
		for _, f := range frames {
			if f.kind != kind {
				continue
			}
			n++
			if pages != 0 && f.pages != pages {
				t.Errorf("VGA %s %s: page %d/%d; other %s frames had %d pages", kind, f.name, f.page, f.pages, kind, pages)
			}
			pages = f.pages
			pagesSeen[f.page] = true
			inFrame := map[int]int{}
			for _, row := range f.rows[1:] {
				i := rowDrive(row, bays)
				if i < 0 {
					continue
				}
				inFrame[i]++
				seen[i] = true
				if kind == "result" && !strings.Contains(row, " PASS ") {
					t.Errorf("VGA result %s: row %q is not PASS", f.name, row)
				}
			}
			for i, c := range inFrame {
				if c > 1 {
					t.Errorf("VGA %s %s: bay %q shows %d times on page %d/%d", kind, f.name, bays[i], c, f.page, f.pages)
				}
			}
			if kind == "result" {
				if !strings.Contains(strings.Join(f.rows, "\n"), "24 PASS, 0 FAIL, 0 other, of 24") {
					t.Errorf("VGA result %s lacks the totals:\n%s", f.name, strings.Join(f.rows, "\n"))
				}
				for i, s := range serials {
					if inFrame[i] > 0 && !strings.Contains(strings.Join(f.rows, "\n"), s) {
						t.Errorf("VGA result %s: bay %q without its serial %s", f.name, bays[i], s)
					}
				}
			}
		}
		if n == 0 {
			t.Errorf("VGA: no %s frame among the screendumps", kind)
			continue
		}
		if pages < 2 {
			t.Errorf("VGA %s: %d page(s); 24 drives cannot fit one 80x25 screen", kind, pages)
		}
		for p := 1; p <= pages; p++ {
			if !pagesSeen[p] {
				t.Errorf("VGA %s: page %d/%d never shown (pages turn every 5 s; %d frames)", kind, p, pages, n)
			}
		}
		var missing []string
		for i, b := range bays {
			if !seen[i] {
				missing = append(missing, fmt.Sprintf("%s (%s)", b, serials[i]))
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("VGA %s: %d drive(s) on no page: %v", kind, len(missing), missing)
		}
		t.Logf("VGA %s: %d frames at 80x25, %d pages, %d of %d drives shown", kind, n, pages, len(seen), len(bays))
	}
	if t.Failed() {
		for _, f := range frames {
			t.Logf("VGA %s (%s page %d/%d):\n%s", f.name, f.kind, f.page, f.pages, strings.Join(f.rows, "\n"))
		}
	}
}

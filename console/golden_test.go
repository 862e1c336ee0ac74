package console_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kesu-erase/kesu/console"
	"github.com/kesu-erase/kesu/console/internal/sample"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// golden compares got with testdata/name.golden (or rewrites it with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./console -update to create it)", err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// checkFits asserts the frame fits the screen.
func checkFits(t *testing.T, name string, sc console.Screen, w, h int) {
	t.Helper()
	if len(sc.Lines) > h {
		t.Errorf("%s: %d lines; the screen has %d rows", name, len(sc.Lines), h)
	}
	for i, l := range sc.Lines {
		if l.Width() > w {
			t.Errorf("%s: line %d is %d columns wide; the screen has %d: %q", name, i, l.Width(), w, l.String())
		}
	}
}

// frames renders every page of a sample screen.
func frames(name string, v console.View) (string, []console.Screen) {
	return framesWith(name, v, "", "")
}

// framesWith renders every page of a sample screen with a status line
// (none when ""), heading each page with tag after the usual words.
func framesWith(name string, v console.View, status, tag string) (string, []console.Screen) {
	s, p, ok := sample.Screen(name)
	if !ok {
		panic("no sample " + name)
	}
	s.Status = status
	v.Prompt = p
	first := console.Frame(&s, v)
	out := []console.Screen{first}
	for pg := 1; pg < first.Pages; pg++ {
		v.Page = pg
		out = append(out, console.Frame(&s, v))
	}
	var b strings.Builder
	for _, sc := range out {
		fmt.Fprintf(&b, "%s %dx%d %s page %d/%d%s\n", name, v.Width, v.Height, v.Lang, sc.Page+1, sc.Pages, tag)
		b.WriteString(sample.Box(sc, v.Width, v.Height))
	}
	return b.String(), out
}

// The required golden frames, at 80x25 (the VGA console's text mode) and
// 132x43, every page.
func TestGoldenFrames(t *testing.T) {
	sizes := [][2]int{{80, 25}, {132, 43}}
	for _, name := range sample.Screens {
		for _, sz := range sizes {
			for _, lang := range []console.Lang{console.English, console.Japanese} {
				if lang == console.Japanese && !strings.Contains("countdown wrong running24 donefail", name) {
					continue
				}
				v := console.View{Width: sz[0], Height: sz[1], Lang: lang}
				got, scs := frames(name, v)
				for _, sc := range scs {
					checkFits(t, name, sc, sz[0], sz[1])
				}
				golden(t, fmt.Sprintf("%s-%dx%d-%s", name, sz[0], sz[1], lang), got)
			}
		}
	}
}

// Paging shows every drive exactly once, and the pages wrap around.
func TestPagingShowsEveryDriveOnce(t *testing.T) {
	for _, name := range []string{"countdown", "running24", "done24"} {
		s, p, _ := sample.Screen(name)
		for _, sz := range [][2]int{{80, 25}, {100, 30}, {132, 43}, {80, 14}} {
			v := console.View{Width: sz[0], Height: sz[1], Prompt: p}
			seen := map[string]int{}
			first := console.Frame(&s, v)
			for pg := range first.Pages {
				v.Page = pg
				sc := console.Frame(&s, v)
				checkFits(t, name, sc, sz[0], sz[1])
				for _, l := range sc.Strings() {
					for _, d := range s.Drives {
						if strings.HasPrefix(l, d.Bay+" ") || strings.Contains(l, " "+d.Bay+" ") {
							seen[d.Bay]++
						}
					}
				}
			}
			for _, d := range s.Drives {
				if seen[d.Bay] != 1 {
					t.Errorf("%s at %dx%d: bay %s shown %d times over %d pages; want once", name, sz[0], sz[1], d.Bay, seen[d.Bay], first.Pages)
				}
			}
			v.Page = first.Pages
			if got := console.Frame(&s, v).Page; got != 0 {
				t.Errorf("%s: page %d of %d shows page %d; want it to wrap to 0", name, first.Pages, first.Pages, got)
			}
		}
	}
}

// On the VGA console the frame is English and uses only characters of the
// console's CP437 font, whatever language was asked for.
func TestGoldenVGA(t *testing.T) {
	v := console.View{Width: 80, Height: 25, Lang: console.Japanese, VGA: true, Glyphs: console.GlyphsBlocks}
	var all strings.Builder
	for _, name := range []string{"running24", "done"} {
		got, scs := frames(name, v)
		all.WriteString(got)
		for _, sc := range scs {
			for _, l := range sc.Strings() {
				for _, r := range l {
					if r > 0x7e && !strings.ContainsRune("█░", r) {
						t.Errorf("VGA frame %s has %U in %q", name, r, l)
					}
				}
			}
		}
	}
	golden(t, "vga-80x25", all.String())
}

// The escape sequences of one frame, pinned: cursor addressing per row,
// SGR colours, EL only where a row is short.
func TestGoldenANSI(t *testing.T) {
	s, p, _ := sample.Screen("failing")
	v := console.View{Width: 80, Height: 25, Glyphs: console.GlyphsBlocks, Prompt: p}
	sc := console.Frame(&s, v)
	var b strings.Builder
	for _, l := range sc.Lines {
		b.WriteString(strconv.Quote(console.EncodeLine(l)))
		b.WriteByte('\n')
	}
	golden(t, "ansi-failing-80x25", b.String())
}

// Text that comes from drives is cleaned: an escape sequence in a model
// string is shown, not obeyed.
func TestFrameCleansDriveText(t *testing.T) {
	p := sample.OneDrive()
	p.Drives[0].Model = "EVIL\x1b[2J\x1b]0;pwned\x07"
	s := console.NewModel(p, nil).Snapshot()
	for _, l := range console.Frame(&s, console.View{Width: 132, Height: 43}).Lines {
		for _, sp := range l {
			if strings.ContainsAny(sp.Text, "\x1b\x07") {
				t.Errorf("frame line %q carries a control character from a drive string", l.String())
			}
		}
	}
}

package console_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/console"
	"github.com/kesu-erase/kesu/console/internal/sample"
)

// A record store status as the appliance words it: longer than 80 columns.
const storeDown = "record store: 41 of 43 steps uploaded; 2 waiting; network down for 1m20s " +
	"(last error: dial tcp 10.0.2.2:7070: connect: network is unreachable); retrying in 8s"

// statusFrames renders every page of sample screen name with status set.
func statusFrames(name, status string, v console.View) (string, []console.Screen) {
	return framesWith(name, v, status, " status")
}

// statusRow checks that row h-2 (above the footer) of every page is the
// status, cut to the width, and that no other row carries it.
func statusRow(t *testing.T, name, status string, scs []console.Screen, w, h int) {
	t.Helper()
	for _, sc := range scs {
		checkFits(t, name, sc, w, h)
		lines := sc.Strings()
		if len(lines) != h {
			t.Errorf("%s page %d: %d rows; want %d", name, sc.Page+1, len(lines), h)
			continue
		}
		got := lines[h-2]
		want := status
		if console.TextWidth(status) > w {
			want = status[:w-1] + "~"
		}
		if got != want {
			t.Errorf("%s page %d: row %d = %q; want the status %q", name, sc.Page+1, h-1, got, want)
		}
		for i, l := range lines {
			if i != h-2 && strings.Contains(l, "record store") {
				t.Errorf("%s page %d: row %d also shows the status: %q", name, sc.Page+1, i+1, l)
			}
		}
	}
}

// The status line sits above the footer of the plan, the live view and
// the summary, cut to the width; the drives it displaces go to other
// pages, each still shown once.
func TestGoldenStatusFrames(t *testing.T) {
	for _, tt := range []struct {
		name string
		w, h int
	}{{"plan", 80, 25}, {"running24", 80, 25}, {"running1", 132, 43}, {"done", 80, 25}} {
		v := console.View{Width: tt.w, Height: tt.h, Lang: console.English}
		got, scs := statusFrames(tt.name, storeDown, v)
		statusRow(t, tt.name, storeDown, scs, tt.w, tt.h)
		golden(t, fmt.Sprintf("status-%s-%dx%d-en", tt.name, tt.w, tt.h), got)
	}
	// The typed answer's cursor stays on the "> " line.
	_, scs := statusFrames("plan", storeDown, console.View{Width: 80, Height: 25})
	if sc := scs[0]; sc.CursorRow < 0 || !strings.HasPrefix(sc.Strings()[sc.CursorRow], "> ERA") {
		t.Errorf("plan with a status: cursor on row %d; want the \"> \" line", sc.CursorRow)
	}
}

// A status that fits is shown whole, in Japanese views too (the text is
// the caller's) and on the VGA console, where only ASCII and its font's
// few other characters pass.
func TestStatusShortAndVGA(t *testing.T) {
	const done = "record store: all 43 steps uploaded"
	for _, v := range []console.View{
		{Width: 80, Height: 25, Lang: console.Japanese},
		{Width: 80, Height: 25, Lang: console.Japanese, VGA: true, Glyphs: console.GlyphsBlocks},
	} {
		for _, name := range []string{"running24", "donefail", "countdown"} {
			_, scs := statusFrames(name, done, v)
			statusRow(t, name, done, scs, v.Width, v.Height)
		}
	}
	_, scs := statusFrames("running1", "record store: réseau coupé", console.View{Width: 80, Height: 25, VGA: true})
	if got := scs[0].Strings()[23]; got != "record store: r?seau coup?" {
		t.Errorf("VGA status row = %q; want the characters the font lacks as '?'", got)
	}
}

// Every drive is still shown once over the pages when a status takes a row.
func TestStatusKeepsEveryDrive(t *testing.T) {
	for _, name := range []string{"countdown", "running24", "done24"} {
		s, p, _ := sample.Screen(name)
		s.Status = storeDown
		for _, sz := range [][2]int{{80, 25}, {132, 43}, {80, 14}} {
			v := console.View{Width: sz[0], Height: sz[1], Prompt: p}
			seen := map[string]int{}
			first := console.Frame(&s, v)
			for pg := range first.Pages {
				v.Page = pg
				for _, l := range console.Frame(&s, v).Strings() {
					for _, d := range s.Drives {
						if strings.HasPrefix(l, d.Bay+" ") || strings.Contains(l, " "+d.Bay+" ") {
							seen[d.Bay]++
						}
					}
				}
			}
			for _, d := range s.Drives {
				if seen[d.Bay] != 1 {
					t.Errorf("%s at %dx%d with a status: bay %s shown %d times; want once", name, sz[0], sz[1], d.Bay, seen[d.Bay])
				}
			}
		}
	}
}

// An empty (or blank) status changes nothing: the frame is the one
// without it (the existing goldens pin that frame).
func TestBlankStatusChangesNothing(t *testing.T) {
	for _, name := range sample.Screens {
		s, p, _ := sample.Screen(name)
		v := console.View{Width: 80, Height: 25, Prompt: p}
		want := strings.Join(console.Frame(&s, v).Strings(), "\n")
		s.Status = "  \t "
		if got := strings.Join(console.Frame(&s, v).Strings(), "\n"); got != want {
			t.Errorf("%s: a blank status changed the frame:\n%s", name, got)
		}
	}
}

func TestModelSetStatus(t *testing.T) {
	m := console.NewModel(sample.OneDrive(), nil)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.SetStatus(fmt.Sprintf("record store: %d", i))
			_ = m.Snapshot()
		}()
	}
	wg.Wait()
	m.SetStatus("record store: all 3 steps uploaded")
	if got := m.Snapshot().Status; got != "record store: all 3 steps uploaded" {
		t.Errorf("Snapshot().Status = %q; want the last SetStatus", got)
	}
}

// A full-screen terminal shows a new status at the next tick.
func TestUISetStatusRedraws(t *testing.T) {
	r := newRig(t, threeDrives(), console.English, console.ModeANSI)
	res := r.confirm()
	r.out.waitFor(t, "Type 3")
	r.typeKeys("3\r")
	wait(t, res)
	r.ui.Run(context.Background())
	r.out.waitFor(t, "erasing 3 drive(s)")
	r.ui.SetStatus("record store: 0 of 2 steps uploaded")
	r.clock.Advance(time.Second)
	r.out.waitFor(t, "\x1b[24;1Hrecord store: 0 of 2 steps uploaded") // row 24, above the footer
	r.ui.SetStatus("record store: all 2 steps uploaded")
	r.clock.Advance(time.Second)
	r.out.waitFor(t, "record store: all 2 steps uploaded")
}

// On a serial console the status is printed with the plan, then while
// erasing when it changed and PlainEvery (15 s) has passed since the last
// one printed — a text replaced within that time is never printed, the
// latest is — and with the summary.
func TestGoldenSerialStatus(t *testing.T) {
	r := newRig(t, threeDrives(), console.English, console.ModePlain)
	r.ui.SetStatus("record store: waiting for the network")
	res := r.confirm()
	r.out.waitFor(t, "> ")
	r.typeKeys("3\r")
	wait(t, res)
	r.ui.Run(context.Background())
	r.ui.SetStatus("record store: 0 of 5 steps uploaded") // replaced before 15 s: never printed
	r.clock.Advance(5 * time.Second)
	r.ui.SetStatus("record store: 1 of 5 steps uploaded")
	r.clock.Advance(10 * time.Second) // printed at 0:00:15
	r.ui.SetStatus("record store: 2 of 5 steps uploaded")
	r.clock.Advance(time.Second)
	r.ui.SetStatus(storeDown)
	r.clock.Advance(20 * time.Second) // printed at 0:00:30
	r.clock.Advance(30 * time.Second) // unchanged: nothing
	for _, id := range []string{"/dev/sda", "/dev/sdb", "/dev/sdc"} {
		r.ui.Apply(console.DoneEvent(id, console.StatusPass, "Purge", ""))
	}
	r.ui.SetStatus("record store: all 5 steps uploaded") // 0:01:06, 36 s after the last: with the summary
	if _, err := r.ui.Finish(context.Background(), console.Result{RecordPath: "KESU:/records/x.kesu",
		Next: console.Next{Action: console.ActionExit}}); err != nil {
		t.Fatal(err)
	}
	r.ui.Close()
	log := r.out.rest()

	count := func(s string) int { return strings.Count(log, s) }
	for _, c := range []struct {
		text string
		n    int
	}{
		{"record store: waiting for the network", 1},
		{"record store: 0 of 5", 0},
		{"[+0:00:15] record store: 1 of 5 steps uploaded\n", 1},
		{"record store: 2 of 5", 0},
		{"[+0:00:30] record store: 41 of 43 steps uploaded; 2 waiting; network down for", 1},
		{"record store: all 5 steps uploaded\n", 1},
	} {
		if got := count(c.text); got != c.n {
			t.Errorf("serial log has %q %d times; want %d", c.text, got, c.n)
		}
	}
	if !strings.Contains(log, "\n           unreachable); retrying in 8s\n") {
		t.Error("the serial log cut the long status; it should wrap it whole")
	}
	if i, j := strings.Index(log, "record store: waiting"), strings.Index(log, "Type 3 and press Enter"); i < 0 || i > j {
		t.Error("the first status is not printed with the plan, before the prompt")
	}
	if i, j := strings.Index(log, "Record: KESU:/records/x.kesu"), strings.Index(log, "record store: all 5"); i < 0 || j < i {
		t.Error("the final status is not printed with the summary")
	}
	golden(t, "serial-status-en", log)
}

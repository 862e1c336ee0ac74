package console_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/console"
	"github.com/kesu-erase/kesu/console/internal/sample"
)

// Bay labels longer than the bay column's usual 12 columns — two targets
// behind one virtio-scsi controller, two namespaces of one NVMe
// controller, as erase/discover labels them — stay apart on every screen:
// the column widens while the others keep their room, and a label that
// still does not fit keeps its end, where the drives differ.
func TestLongBaysStayApart(t *testing.T) {
	bays := []string{"0000:00:04.0 tgt 0:0", "0000:00:04.0 tgt 0:1", "0000:03:00.0 ns1", "0000:03:00.0 ns2", "encl0 slot 10"}
	var ds []console.Drive
	for i, b := range bays {
		ds = append(ds, console.Drive{ID: "/dev/d" + string(rune('a'+i)), Bay: b, Transport: "virtio-scsi",
			Model: "QEMU HARDDISK", Serial: "QM0000" + string(rune('1'+i)), Capacity: 1 << 30, Class: "HDD",
			Health: console.HealthPass, Method: "overwrite (zero) + verify 10%", Level: "Clear"})
	}
	p := console.Plan{Host: sample.Host, Drives: ds, Policy: sample.Policy}
	run := sample.NewRun(p)
	for i, d := range ds {
		run.At(0, console.PhaseEvent(d.ID, console.PhaseOverwrite, "zero"))
		if i%2 == 0 {
			run.At(time.Minute, console.DoneEvent(d.ID, console.StatusPass, "Clear", "overwrite; read-back zeros"))
		}
	}
	running := run.Snapshot(30 * time.Second)
	done := sample.Done(run.Snapshot(time.Minute), console.Next{})
	screens := map[string]console.Snapshot{"plan": sample.PlanSnapshot(p), "running": running, "done": done}

	for name, s := range screens {
		for _, sz := range [][2]int{{80, 25}, {132, 43}} {
			sc := console.Frame(&s, console.View{Width: sz[0], Height: sz[1]})
			checkFits(t, name, sc, sz[0], sz[1])
			for _, b := range bays {
				n := 0
				for _, l := range sc.Strings() {
					if shows(l, b) {
						n++
					}
				}
				if n != 1 {
					t.Errorf("%s at %dx%d: bay %q shown on %d lines; want 1:\n%s", name, sz[0], sz[1], b, n, strings.Join(sc.Strings(), "\n"))
				}
			}
		}
	}
}

// shows reports whether line l shows bay b whole, or cut to "~" and an
// end of it that still holds its last word ("~0:04.0 tgt 0:1"), as a cell
// of its own.
func shows(l, b string) bool {
	last := b[strings.LastIndex(b, " ")+1:]
	for k := 0; k <= len(b)-len(last); k++ {
		want := b[k:]
		if k > 0 {
			want = "~" + want
		}
		i := strings.Index(l, want)
		if i < 0 {
			continue
		}
		before, after := l[:i], l[i+len(want):]
		if (before == "" || strings.HasSuffix(before, " ")) && (after == "" || strings.HasPrefix(after, " ")) {
			return true
		}
	}
	return false
}

package console

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type stepClock struct{ t time.Time }

func (c *stepClock) now() time.Time { return c.t }

func twoDrives() Plan {
	return Plan{Drives: []Drive{{ID: "a", Bay: "ata1", Method: "overwrite"}, {ID: "b", Bay: "ata2"}}}
}

func TestModelApply(t *testing.T) {
	c := &stepClock{t0}
	m := NewModel(twoDrives(), c.now)
	s := m.Snapshot()
	if got := s.Drives[0]; got.Phase != PhaseWaiting || got.Method != "overwrite" || !got.Started.IsZero() {
		t.Errorf("initial drive = %+v; want waiting with the planned method, not started", got)
	}

	c.t = t0.Add(time.Second)
	m.Apply(PhaseEvent("a", PhaseOverwrite, "overwrite (zero)"))
	c.t = t0.Add(11 * time.Second)
	m.Apply(ProgressEvent("a", 250, 1000, 25, 30*time.Second))
	d := m.Snapshot().Drives[0]
	if d.Phase != PhaseOverwrite || d.Method != "overwrite (zero)" || d.Done != 250 || d.Total != 1000 ||
		d.Percent != 25 || d.Fraction() != 0.25 || d.Rate != 25 || d.ETA != 30*time.Second {
		t.Errorf("after progress, drive = %+v; want overwrite 250/1000 25%%", d)
	}
	if got := d.Elapsed(t0.Add(21 * time.Second)); got != 20*time.Second {
		t.Errorf("Elapsed = %v; want 20s since the first event", got)
	}

	m.Apply(PhaseEvent("a", PhaseVerify, ""))
	d = m.Snapshot().Drives[0]
	if d.Done != 0 || d.Total != 0 || d.Percent != 0 || d.Rate != 0 || d.ETA != 0 || d.Method != "overwrite (zero)" {
		t.Errorf("a new phase should restart progress and keep the method; got %+v", d)
	}
	m.Apply(PercentEvent("a", -1, 0))
	if got := m.Snapshot().Drives[0].Fraction(); got != -1 {
		t.Errorf("Fraction with unknown percent = %v; want -1", got)
	}
	m.Apply(PercentEvent("a", 140, 0))
	if got := m.Snapshot().Drives[0].Fraction(); got != 1 {
		t.Errorf("Fraction with 140%% = %v; want 1 (clamped)", got)
	}

	m.Apply(WarningEvent("a", "retry at LBA 8"))
	m.Apply(WarningEvent("a", " retry at LBA 8 "))
	m.Apply(WarningEvent("a", "SMART failing"))
	m.Apply(WarningEvent("a", ""))
	want := []Warning{{Text: "retry at LBA 8", Count: 2, At: c.t}, {Text: "SMART failing", Count: 1, At: c.t}}
	if diff := cmp.Diff(want, m.Snapshot().Drives[0].Warnings); diff != "" {
		t.Errorf("warnings mismatch (-want +got):\n%s", diff)
	}

	c.t = t0.Add(time.Minute)
	m.Apply(DoneEvent("a", StatusPass, "Purge", "ok"))
	c.t = t0.Add(2 * time.Minute)
	m.Apply(ProgressEvent("a", 5, 10, 0, 0)) // late: ignored
	m.Apply(DoneEvent("a", StatusFail, "", "late"))
	d = m.Snapshot().Drives[0]
	if d.Status != StatusPass || d.Level != "Purge" || d.Phase != PhaseDone || d.Done != 0 || !d.Finished.Equal(t0.Add(time.Minute)) {
		t.Errorf("after done and late events, drive = %+v; want PASS Purge at 1 min", d)
	}
	if got := d.Elapsed(t0.Add(time.Hour)); got != 59*time.Second {
		t.Errorf("Elapsed of a finished drive = %v; want 59s (first event to last)", got)
	}
	wantSteps := []Phase{PhaseOverwrite, PhaseVerify, PhaseDone}
	var gotSteps []Phase
	for _, st := range d.Steps {
		gotSteps = append(gotSteps, st.Phase)
	}
	if diff := cmp.Diff(wantSteps, gotSteps); diff != "" {
		t.Errorf("steps mismatch (-want +got):\n%s", diff)
	}

	m.Apply(DoneEvent("b", "", "", "worker gave no status"))
	if got := m.Snapshot().Drives[1].Status; got != StatusFail {
		t.Errorf("done without status = %q; want FAIL", got)
	}
}

func TestModelUnplannedDrive(t *testing.T) {
	m := NewModel(twoDrives(), (&stepClock{t0}).now)
	m.Apply(PhaseEvent("/dev/sdz", PhaseProbe, ""))
	s := m.Snapshot()
	if len(s.Drives) != 3 || s.Drives[2].Bay != "/dev/sdz" || !s.Drives[2].Unplanned {
		t.Errorf("event for an unplanned drive: drives = %+v; want a third line for it", s.Drives)
	}
}

func TestSnapshotIsACopy(t *testing.T) {
	m := NewModel(twoDrives(), (&stepClock{t0}).now)
	m.Apply(WarningEvent("a", "w1"))
	s := m.Snapshot()
	s.Drives[0].Warnings[0].Text = "changed"
	s.Drives[0].Status = StatusFail
	s.Drives = append(s.Drives, DriveState{})
	s2 := m.Snapshot()
	if s2.Drives[0].Warnings[0].Text != "w1" || s2.Drives[0].Status != "" || len(s2.Drives) != 2 {
		t.Errorf("changing a snapshot changed the model: %+v", s2.Drives)
	}
}

// Workers apply events from many goroutines while the UI snapshots; run
// with -race.
func TestModelConcurrent(t *testing.T) {
	var p Plan
	for i := range 24 {
		p.Drives = append(p.Drives, Drive{ID: fmt.Sprint(i)})
	}
	m := NewModel(p, time.Now)
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprint(i)
			m.Apply(PhaseEvent(id, PhaseOverwrite, ""))
			for k := range 100 {
				m.Apply(ProgressEvent(id, int64(k), 100, 1, 0))
				if k%10 == 0 {
					m.Apply(WarningEvent(id, fmt.Sprint("w", k)))
				}
			}
			m.Apply(DoneEvent(id, StatusPass, "Clear", ""))
		}()
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			default:
				s := m.Snapshot()
				_ = Frame(&s, View{Width: 80, Height: 25})
			}
		}
	}()
	wg.Wait()
	close(done)
	s := m.Snapshot()
	if c := s.Counts(); c[StatusPass] != 24 {
		t.Errorf("counts = %v; want 24 PASS", c)
	}
	for _, d := range s.Drives {
		if len(d.Warnings) != 10 {
			t.Errorf("drive %s has %d warnings; want 10", d.ID, len(d.Warnings))
		}
	}
}

func TestFinishMarksUnfinishedDrives(t *testing.T) {
	p := Plan{Drives: []Drive{{ID: "done"}, {ID: "running"}, {ID: "idle"}}}
	for _, aborted := range []bool{false, true} {
		c := &stepClock{t0}
		m := NewModel(p, c.now)
		m.Apply(DoneEvent("done", StatusPass, "Purge", ""))
		m.Apply(PhaseEvent("running", PhaseOverwrite, ""))
		if aborted {
			m.update(func(s *Snapshot, _ time.Time) { s.Aborting = true })
		}
		c.t = t0.Add(time.Hour)
		m.finish(Result{RecordPath: "r"}, noResult)
		s := m.Snapshot()
		var got []string
		for _, d := range s.Drives {
			got = append(got, string(d.Status)+"/"+d.Reason)
		}
		want := []string{"PASS/", "FAIL/" + noResult, "SKIPPED/" + noResult}
		wantVerdict := VerdictFail
		if aborted {
			want = []string{"PASS/", "ABORTED/", "SKIPPED/"}
			wantVerdict = VerdictAborted
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("aborted=%v: statuses mismatch (-want +got):\n%s", aborted, diff)
		}
		if v := s.Verdict(); v != wantVerdict {
			t.Errorf("aborted=%v: Verdict = %s; want %s", aborted, v, wantVerdict)
		}
		if s.Stage != StageDone || !s.Finished.Equal(t0.Add(time.Hour)) || s.Drives[1].Elapsed(s.Now) != time.Hour {
			t.Errorf("aborted=%v: stage %v finished %v, running drive elapsed %v", aborted, s.Stage, s.Finished, s.Drives[1].Elapsed(s.Now))
		}
	}
}

func TestVerdict(t *testing.T) {
	drives := func(st ...Status) []DriveState {
		var ds []DriveState
		for _, s := range st {
			ds = append(ds, DriveState{Status: s})
		}
		return ds
	}
	tests := []struct {
		name string
		s    Snapshot
		want Verdict
	}{
		{"all pass", Snapshot{Stage: StageDone, Drives: drives(StatusPass, StatusPass)}, VerdictPass},
		{"one fail", Snapshot{Stage: StageDone, Drives: drives(StatusPass, StatusFail, StatusSkipped)}, VerdictFail},
		{"skipped", Snapshot{Stage: StageDone, Drives: drives(StatusPass, StatusSkipped)}, VerdictIncomplete},
		{"aborted drive", Snapshot{Stage: StageDone, Drives: drives(StatusPass, StatusAborted)}, VerdictIncomplete},
		{"unverified", Snapshot{Stage: StageDone, Drives: drives(StatusPass, StatusUnverified)}, VerdictUnverified},
		{"record lost", Snapshot{Stage: StageDone, Drives: drives(StatusPass), Result: Result{RecordError: "stick full"}}, VerdictFail},
		{"operator abort", Snapshot{Stage: StageDone, Aborting: true, Drives: drives(StatusPass, StatusPass)}, VerdictAborted},
		{"cancelled", Snapshot{Stage: StageCancelled, Drives: drives("")}, VerdictCancelled},
		{"no drives", Snapshot{Stage: StageDone}, VerdictNone},
		{"drives behind a controller not reached", Snapshot{Stage: StageDone, Drives: drives(StatusPass, StatusPass),
			Result: Result{Unreached: []string{"megaraid_sas host0: device 11"}}}, VerdictIncomplete},
		{"only unreached drives", Snapshot{Stage: StageDone, Result: Result{Unreached: []string{"mpt3sas host1: volume sdb"}}}, VerdictIncomplete},
	}
	for _, tt := range tests {
		if got := tt.s.Verdict(); got != tt.want {
			t.Errorf("%s: Verdict = %s; want %s", tt.name, got, tt.want)
		}
	}
}

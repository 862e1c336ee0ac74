package main

import (
	"testing"

	"github.com/kesu-erase/kesu/console"
	"github.com/kesu-erase/kesu/erase/worker"
)

// Every phase the worker reports has a distinct phase on the screen; a phase
// added to one package and not the other fails here, not on a technician's
// console.
func TestEveryWorkerPhaseHasAScreenPhase(t *testing.T) {
	known := map[console.Phase]bool{
		console.PhaseProbe: true, console.PhaseUnfreeze: true, console.PhaseWaiting: true,
		console.PhaseRestoreHidden: true, console.PhaseCanaries: true, console.PhaseFirmwareErase: true,
		console.PhaseOverwrite: true, console.PhaseVerify: true, console.PhaseDone: true,
	}
	seen := map[console.Phase]worker.Phase{}
	for _, p := range worker.Phases {
		c := screenPhase(p)
		if !known[c] {
			t.Errorf("screenPhase(%q) = %q, not a console phase", p, c)
		}
		if q, dup := seen[c]; dup {
			t.Errorf("worker phases %q and %q both show as %q", q, p, c)
		}
		seen[c] = p
	}
}

// The worker's events become the console's: a phase event on a change, then
// the progress, percentages for firmware erases, warnings, the result.
func TestScreenEvents(t *testing.T) {
	ev := newScreenEvents(nil)
	got := ev.convert(worker.Event{Drive: "sda", Phase: worker.PhaseOverwrite, Method: "overwrite", Done: 50, Total: 100, Rate: 10})
	if len(got) != 2 || got[0].Kind != console.EventPhase || got[1].Kind != console.EventProgress {
		t.Errorf("first overwrite event → %+v; want a phase event then progress", got)
	}
	got = ev.convert(worker.Event{Drive: "sda", Phase: worker.PhaseOverwrite, Done: 60, Total: 100})
	if len(got) != 1 || got[0].Kind != console.EventProgress {
		t.Errorf("same phase again → %+v; want progress only", got)
	}
	got = ev.convert(worker.Event{Drive: "sda", Phase: worker.PhaseFirmware, Fraction: 0.5, Warning: "slow"})
	if len(got) != 3 || got[0].Kind != console.EventPhase || got[1].Kind != console.EventProgress || got[1].Total != 0 || got[2].Kind != console.EventWarning {
		t.Errorf("firmware progress with a warning → %+v; want phase, percent, warning", got)
	}
}

package jobview

import (
	"testing"
	"time"

	"github.com/kesu-erase/kesu/console"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
)

// Every phase the worker reports has a distinct phase on the screen; a phase
// added to one package and not the other fails here, not on a technician's
// console.
func TestEveryWorkerPhaseHasAScreenPhase(t *testing.T) {
	known := map[console.Phase]bool{
		console.PhaseProbe: true, console.PhaseUnfreeze: true, console.PhaseWaiting: true,
		console.PhaseRestoreHidden: true, console.PhaseCanaries: true, console.PhaseFirmwareErase: true,
		console.PhaseOverwrite: true, console.PhaseVerify: true, console.PhaseDone: true, console.PhasePSIDRevert: true,
	}
	seen := map[console.Phase]worker.Phase{}
	for _, p := range worker.Phases {
		c := consolePhase(p)
		if !known[c] {
			t.Errorf("consolePhase(%q) = %q, not a console phase", p, c)
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
	ev := NewEvents(nil)
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

// The machine is named by vendor, product and serial, else by host name.
func TestHost(t *testing.T) {
	for _, tc := range []struct {
		h    report.Host
		want string
	}{
		{report.Host{SysVendor: "HPE", ProductName: "ProLiant DL380 Gen10", ProductSerial: "CZ2049ABCD", Hostname: "srv1"}, "HPE ProLiant DL380 Gen10 (CZ2049ABCD)"},
		{report.Host{Hostname: "srv1"}, "srv1"},
	} {
		if got := Host(tc.h); got != tc.want {
			t.Errorf("Host(%+v) = %q; want %q", tc.h, got, tc.want)
		}
	}
}

// The appliance's summary ends as the policy's run.after says.
func TestNext(t *testing.T) {
	c := &policy.Config{}
	c.Run.After, c.Run.AfterDelay = policy.AfterPowerOff, 30
	if n := Next(c); n.Action != console.ActionPowerOff || n.Delay != 30*time.Second {
		t.Errorf("Next(poweroff after 30) = %+v; want power-off after 30s", n)
	}
	c.Run.After = ""
	if n := Next(c); n.Action != console.ActionWait {
		t.Errorf("Next(no run.after) = %+v; want wait", n)
	}
}

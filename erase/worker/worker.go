// Package worker runs kesu's per-drive erasure: it probes every target drive,
// unfreezes frozen ATA drives once, plans each drive's methods, and then —
// one goroutine per drive — restores hidden areas, plants canaries before
// firmware erases, runs the plan with fallbacks, verifies every result by
// read-back, and journals each step. One drive hanging, erroring, vanishing
// or panicking never stops the others.
package worker

import (
	"context"
	"errors"
	"time"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/plan"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/smart"
)

// Drive is one drive as the worker drives it. Implementations wrap the
// protocol packages (package erase/drive); tests use emulated drives.
type Drive interface {
	// Name is the kernel name (sda, nvme0n1).
	Name() string
	// Probe reads identity, class, capabilities, health and hidden areas.
	// It sends no command that changes the drive.
	Probe(ctx context.Context) (*Probe, error)
	// RestoreHiddenAreas makes every hidden area (HPA, DCO, AMA) host
	// addressable and reports each area's outcome; the kernel's view of
	// the capacity is refreshed afterwards.
	RestoreHiddenAreas(ctx context.Context) ([]report.HiddenArea, error)
	// Erase runs one firmware erase method to completion.
	Erase(ctx context.Context, m report.Method, env Env) *Outcome
	// Open opens the drive's user data area for host I/O. Before returning
	// it confirms the device opened is the drive probed — the same kernel
	// device and, where the drive answers identify commands, the same
	// serial and WWN/EUI-64/NGUID from a fresh identify — and otherwise
	// fails with an error wrapping ErrDifferentDrive or
	// ErrIdentityUnconfirmed.
	Open(write bool) (erase.Target, error)
	Close() error
}

// Errors a Drive's Open returns when the device at the drive's path is not
// provably the drive that was probed. The worker then stops: it sends no
// further command and reads nothing back as this drive's proof.
var (
	// ErrDifferentDrive: the device number, serial or WWN now differs.
	ErrDifferentDrive = errors.New("a different drive answered at this path")
	// ErrIdentityUnconfirmed: the identity could not be read again.
	ErrIdentityUnconfirmed = errors.New("the drive's identity could not be confirmed")
)

// Grouper is implemented by drives that share hardware with others (the
// namespaces of one NVMe controller): drives of one group are erased one
// after the other, and a method acting on the whole group is only used
// when every member of it is erased in this run.
type Grouper interface {
	Group() string
}

// Probe is what probing found.
type Probe struct {
	Identity report.Identity
	Class    report.Class
	SMART    *smart.Summary
	Hidden   report.HiddenAreas
	// HWPartitions are an eMMC's hardware partitions, each marked covered
	// when the drive's Open includes it in the target after the user data
	// area.
	HWPartitions []report.HWPartition
	Caps         plan.Capabilities
	// SecurityFrozen is set for an ATA drive whose security or sanitize
	// feature is frozen: a suspend-to-RAM cycle may unfreeze it.
	SecurityFrozen bool
	// Security is the drive's TCG security state for the record (nil: no
	// TCG security subsystem); Caps.TCG is the plan's view of it.
	Security *report.Security
	Notes    []string
}

// PSIDReverter is a Drive with a TCG security subsystem that can be
// returned to its factory state with the PSID printed on its label.
type PSIDReverter interface {
	// PSIDRevert runs the revert and returns every step with its status;
	// psid never appears in a step or the error.
	PSIDRevert(ctx context.Context, psid []byte) ([]report.TCGStep, error)
}

// Env is what a firmware erase may use besides the drive.
type Env struct {
	// Progress receives the drive's own progress reports.
	Progress func(Progress)
	// Record writes a fact to the drive's journal and fsyncs it before
	// returning; an error means it is not on the stick. A method that sets
	// state someone must later undo (an ATA password) records it first and
	// does not proceed when Record fails.
	Record func(text string) error
}

// Progress is a firmware erase's progress as the drive reports it.
type Progress struct {
	Fraction float64       // 0..1; <0 when the drive reports none
	ETA      time.Duration // from the drive's own estimate; 0 when unknown
	Note     string
}

// Outcome is how one firmware erase ended.
type Outcome struct {
	Outcome   report.Outcome
	Mechanism string   // what actually ran, in the interface's words
	Details   []string // facts in plain words
	Errors    []string
	// Expect is the content the drive declares the erase leaves (zeros per
	// DRAT/RZAT or DLFEAT, a pattern); nil when not declared, which leaves
	// the canaries as the only content check.
	Expect    erase.Expectation
	ExpectWhy string
	// Recovery tells how to bring the drive back if the erase left it
	// locked or in a sanitize failure state.
	Recovery string
	// Pattern and Passes describe a firmware overwrite.
	Pattern string
	Passes  int
}

// Unfreezer lifts the firmware's security freeze on ATA drives, by a
// suspend-to-RAM cycle with an RTC wake alarm on real machines.
type Unfreezer interface {
	Unfreeze(ctx context.Context) error
}

// Phase is what a drive's worker is doing.
type Phase string

// Phases, in the order they happen.
const (
	PhaseProbe     Phase = "probe"
	PhaseUnfreeze  Phase = "unfreeze"
	PhaseWaiting   Phase = "waiting"
	PhasePSID      Phase = "PSID revert"
	PhaseHidden    Phase = "restore hidden area"
	PhaseCanary    Phase = "plant canaries"
	PhaseFirmware  Phase = "firmware erase"
	PhaseOverwrite Phase = "overwrite"
	PhaseVerify    Phase = "verify"
	PhaseDone      Phase = "done"
)

// Phases lists every phase, in order.
var Phases = []Phase{PhaseProbe, PhaseUnfreeze, PhaseWaiting, PhasePSID, PhaseHidden, PhaseCanary, PhaseFirmware, PhaseOverwrite, PhaseVerify, PhaseDone}

// Event reports a drive's progress to the screen.
type Event struct {
	Drive  string // kernel name
	Time   time.Time
	Phase  Phase
	Method report.Method
	// Done and Total count bytes for host I/O; Fraction is set (0..1) when
	// only a fraction is known (firmware progress), else -1.
	Done, Total int64
	Fraction    float64
	Rate        float64 // bytes per second
	ETA         time.Duration
	Warning     string
	Result      *Result // set when Phase is PhaseDone
}

// Result is a drive's final outcome.
type Result struct {
	Drive      string
	Identity   report.Identity
	Class      report.Class
	Status     report.Status
	Assessment report.Assessment
	// Reason is the outcome in plain words (the assessment's first line,
	// or why the drive failed or was skipped).
	Reason   string
	Started  time.Time
	Duration time.Duration
}

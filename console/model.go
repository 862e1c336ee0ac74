package console

import (
	"sort"
	"strings"
	"sync"
	"time"
)

// Lang selects the message catalogue.
type Lang string

// Languages.
const (
	English  Lang = "en"
	Japanese Lang = "ja"
)

// Health is a drive's SMART verdict before erasure.
type Health string

// Health verdicts.
const (
	HealthPass    Health = "PASS"
	HealthFail    Health = "FAIL"
	HealthUnknown Health = "UNKNOWN"
)

// Drive is one target drive as the plan shows it. All text is shown as
// given (after removing control characters).
type Drive struct {
	ID         string // key the worker's events use, e.g. "/dev/sda"
	Bay        string // bay or port label, e.g. "slot 3", "ata2", "0000:03:00.0"
	Transport  string // "nvme", "sata", "sas", "usb", "virtio", ...
	Model      string
	Serial     string
	Capacity   int64  // bytes
	Class      string // "HDD", "SATA SSD", "SAS HDD", "SAS SSD", "NVMe", "USB", "other"
	Health     Health
	HealthNote string // short reason when not PASS, e.g. "12 reallocated sectors"
	Method     string // first method of the plan, e.g. "NVMe Sanitize (crypto)"
	Level      string // the level it reaches, e.g. "Purge", "Clear only - destroy required"
	// BelowPolicy marks a drive whose plan does not reach the policy's
	// level; its level is shown as a warning.
	BelowPolicy bool
	// Security is one short line about the drive's self-encryption, e.g.
	// "TCG Opal 2, not owned: crypto erase available"; empty for none.
	Security string
	// Blocked says why the drive cannot be erased as planned, in words a
	// technician acts on (e.g. "locked by its owner (locking range 1): type
	// its PSID to reset it, or it FAILs"); empty when it is not blocked. It
	// is shown as a warning.
	Blocked string
}

// Excluded is a drive that will not be touched, with the reason.
type Excluded struct {
	Bay    string
	Model  string
	Serial string
	Path   string // e.g. "/dev/sdb"
	Reason string // e.g. "boot stick", "policy: serial excluded"
}

// Controller is a RAID controller on the "before" screen: its name and
// mode, then one line per bay or volume saying what will happen to it.
type Controller struct {
	Name  string // e.g. "megaraid_sas host0 (PERC H730P Mini) at PCI 0000:03:00.0, RAID mode"
	Lines []string
	// Unreached counts drives behind it that will not be reached; the
	// heading is then shown as a warning.
	Unreached int
}

// Policy is what the run must reach, for the policy line.
type Policy struct {
	Level  string   // e.g. "Purge (MIC category 2)"
	Verify string   // e.g. "10% sampled read-back"
	Notes  []string // further lines, e.g. "below level: fail"
}

// Confirm says how the run is confirmed.
type Confirm struct {
	// Word, when set, must be typed instead of the number of drives.
	Word string
	// Unattended starts the erase after Countdown unless a key is pressed.
	Unattended bool
	Countdown  time.Duration
}

// Plan is everything the "before" screen shows.
type Plan struct {
	Host     string // the machine, e.g. "HPE ProLiant DL380 Gen10 (CZ12345678)"
	Drives   []Drive
	Excluded []Excluded
	// Controllers are the RAID controllers, every bay and volume behind
	// them.
	Controllers []Controller
	Policy      Policy
	Confirm     Confirm
}

// Phase is a step of a drive's erasure.
type Phase string

// Phases, in the order a worker usually goes through them. Other values
// are shown as given.
const (
	PhaseWaiting       Phase = "waiting"
	PhaseProbe         Phase = "probe"
	PhaseUnfreeze      Phase = "unfreeze"
	PhasePSIDRevert    Phase = "PSID revert"
	PhaseRestoreHidden Phase = "restore hidden area"
	PhaseCanaries      Phase = "plant canaries"
	PhaseFirmwareErase Phase = "firmware erase"
	PhaseOverwrite     Phase = "overwrite"
	PhaseVerify        Phase = "verify"
	PhaseDone          Phase = "done"
)

// Status is a drive's final result.
type Status string

// Final results. The zero Status means "not finished".
const (
	StatusPass       Status = "PASS"
	StatusFail       Status = "FAIL"
	StatusSkipped    Status = "SKIPPED"
	StatusUnverified Status = "UNVERIFIED"
	StatusAborted    Status = "ABORTED"
)

// EventKind says which fields of an Event carry news.
type EventKind int

// Event kinds.
const (
	// EventPhase: the drive enters Phase, running Method; its progress
	// restarts at zero.
	EventPhase EventKind = iota + 1
	// EventProgress: Done/Total bytes (or Percent when Total is 0, e.g. a
	// firmware erase's own progress; negative when unknown), Rate in bytes
	// per second (0 when unknown), ETA (0 when unknown).
	EventProgress
	// EventWarning: Text is a warning (SMART failing, a retry, unwritable
	// sectors). Repeats of the latest warning only count up.
	EventWarning
	// EventDone: the drive finished with Status, Level (reached, for PASS)
	// and Reason.
	EventDone
)

// Event is one piece of news from a drive's worker. Build one with
// PhaseEvent, ProgressEvent, PercentEvent, WarningEvent or DoneEvent.
type Event struct {
	Drive string // Drive.ID
	Kind  EventKind

	Phase  Phase
	Method string

	Done, Total int64
	Percent     float64
	Rate        float64
	ETA         time.Duration

	Text string

	Status Status
	Level  string
	Reason string
}

// PhaseEvent says drive id entered phase, running method.
func PhaseEvent(id string, phase Phase, method string) Event {
	return Event{Drive: id, Kind: EventPhase, Phase: phase, Method: method}
}

// ProgressEvent reports done of total bytes at rate bytes/s, eta left.
func ProgressEvent(id string, done, total int64, rate float64, eta time.Duration) Event {
	return Event{Drive: id, Kind: EventProgress, Done: done, Total: total, Rate: rate, ETA: eta}
}

// PercentEvent reports progress as a percentage (a firmware erase's own
// progress; negative when the drive does not say) and the drive's own
// estimate of the time left (0 when unknown).
func PercentEvent(id string, percent float64, eta time.Duration) Event {
	return Event{Drive: id, Kind: EventProgress, Percent: percent, ETA: eta}
}

// WarningEvent reports a warning about drive id.
func WarningEvent(id, text string) Event {
	return Event{Drive: id, Kind: EventWarning, Text: text}
}

// DoneEvent reports drive id's final result.
func DoneEvent(id string, s Status, level, reason string) Event {
	return Event{Drive: id, Kind: EventDone, Status: s, Level: level, Reason: reason}
}

// Step is one phase a drive went through.
type Step struct {
	Phase  Phase
	Method string
	At     time.Time
}

// Warning is a warning with how often it was repeated in a row.
type Warning struct {
	Text  string
	Count int
	At    time.Time
}

// DriveState is a drive's plan and everything its worker reported.
type DriveState struct {
	Drive

	Phase   Phase
	Method  string  // method running now (or the planned one)
	Done    int64   // bytes of the current phase
	Total   int64   // 0 when progress is a percentage
	Percent float64 // 0..100; negative when unknown
	Rate    float64 // bytes per second; 0 when unknown
	ETA     time.Duration

	Started  time.Time // first event; zero when none yet
	Finished time.Time // final event; zero while running

	Steps    []Step
	Warnings []Warning

	Status Status // zero while running
	Level  string // level reached (PASS) or claimed
	Reason string
	// Unplanned marks a drive that events named but the plan did not.
	Unplanned bool
}

// Fraction is the current phase's progress in [0,1], or -1 when unknown.
func (d *DriveState) Fraction() float64 {
	if d.Total > 0 {
		f := float64(d.Done) / float64(d.Total)
		return min(max(f, 0), 1)
	}
	if d.Percent < 0 {
		return -1
	}
	return min(d.Percent, 100) / 100
}

// Elapsed is the time since the drive's first event (until its final one).
func (d *DriveState) Elapsed(now time.Time) time.Duration {
	if d.Started.IsZero() {
		return 0
	}
	if !d.Finished.IsZero() {
		return d.Finished.Sub(d.Started)
	}
	return now.Sub(d.Started)
}

// Stage is which screen is up.
type Stage int

// Stages.
const (
	StagePlan      Stage = iota // the plan and the confirmation
	StageRunning                // erasing
	StageDone                   // the summary
	StageCancelled              // confirmation refused; nothing erased
)

// Next is what happens after the summary.
type Next struct {
	Action Action
	Delay  time.Duration // before Action, for power-off and reboot
}

// Action is the appliance's final step.
type Action string

// Actions.
const (
	ActionPowerOff Action = "poweroff"
	ActionReboot   Action = "reboot"
	ActionWait     Action = "wait" // stay on the summary until P is pressed
	ActionExit     Action = "exit" // return at once (the CLI)
)

// Result is what the "after" screen shows besides the drives.
type Result struct {
	RecordPath  string // where the record was written
	Fingerprint string // the signing key's fingerprint
	RecordError string // set when the record could not be written
	// Unreached names drives behind RAID controllers the run did not
	// reach: the run is then not a completed erasure, whatever the drives
	// it did reach show.
	Unreached []string
	Notes     []string
	Next      Next
}

// Verdict is the run's overall outcome, shown in big letters.
type Verdict string

// Verdicts.
const (
	VerdictPass       Verdict = "PASS"       // every drive PASS and the record written
	VerdictFail       Verdict = "FAIL"       // a drive failed, or the record was not written
	VerdictIncomplete Verdict = "INCOMPLETE" // a drive was skipped, has no result, or was not reached behind a RAID controller
	VerdictUnverified Verdict = "UNVERIFIED" // every drive written, some not read back
	VerdictAborted    Verdict = "ABORTED"    // the operator aborted the run
	VerdictCancelled  Verdict = "CANCELLED"  // the operator refused the plan
	VerdictNone       Verdict = "NONE"       // there was nothing to erase
)

// Snapshot is a consistent copy of the model at one instant: what Frame
// draws.
type Snapshot struct {
	Now       time.Time
	Stage     Stage
	Plan      Plan
	Drives    []DriveState // the plan's order, then unplanned drives
	Started   time.Time    // the erase started (zero before)
	Finished  time.Time    // the summary came up (zero before)
	Aborting  bool         // the operator confirmed an abort
	AbortedBy string       // the terminal it was confirmed on
	AbortedAt time.Time    // when
	Result    Result
	Decision  Decision
	// Status is the run-wide status line another part of the appliance
	// keeps up to date (e.g. the record store's upload state), shown as
	// given (after removing control characters); "" shows nothing.
	Status string
}

// Verdict computes the overall outcome.
func (s *Snapshot) Verdict() Verdict {
	switch {
	case s.Stage == StageCancelled || s.Decision.refused():
		return VerdictCancelled
	case s.Result.RecordError != "":
		return VerdictFail
	case s.Aborting:
		return VerdictAborted
	case len(s.Drives) == 0 && len(s.Result.Unreached) > 0:
		return VerdictIncomplete
	case len(s.Drives) == 0:
		return VerdictNone
	}
	c := s.Counts()
	switch {
	case c[StatusFail] > 0:
		return VerdictFail
	case c[StatusSkipped]+c[StatusAborted]+c[""] > 0 || len(s.Result.Unreached) > 0:
		return VerdictIncomplete
	case c[StatusUnverified] > 0:
		return VerdictUnverified
	}
	return VerdictPass
}

// Counts counts drives by status ("" = still running).
func (s *Snapshot) Counts() map[Status]int {
	c := map[Status]int{}
	for i := range s.Drives {
		c[s.Drives[i].Status]++
	}
	return c
}

// Model holds the state of a run. It is safe for concurrent use: workers
// call Apply from their goroutines while the UI takes snapshots.
type Model struct {
	mu    sync.Mutex
	now   func() time.Time
	snap  Snapshot
	index map[string]int
}

// NewModel makes a model of plan; now is the clock (nil = time.Now).
func NewModel(p Plan, now func() time.Time) *Model {
	if now == nil {
		now = time.Now
	}
	m := &Model{now: now, index: map[string]int{}}
	m.snap.Plan = p
	for _, d := range p.Drives {
		m.index[d.ID] = len(m.snap.Drives)
		m.snap.Drives = append(m.snap.Drives, DriveState{Drive: d, Phase: PhaseWaiting, Method: d.Method})
	}
	return m
}

// Apply records one event. Events for a drive the plan does not name add
// a line for it (nothing is hidden); events after a drive's final one
// are ignored except warnings.
func (m *Model) Apply(e Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	i, ok := m.index[e.Drive]
	if !ok {
		i = len(m.snap.Drives)
		m.index[e.Drive] = i
		m.snap.Drives = append(m.snap.Drives, DriveState{
			Drive: Drive{ID: e.Drive, Bay: e.Drive}, Phase: PhaseWaiting, Unplanned: true})
	}
	d := &m.snap.Drives[i]
	if d.Started.IsZero() {
		d.Started = now
	}
	if d.Status != "" && e.Kind != EventWarning {
		return
	}
	switch e.Kind {
	case EventPhase:
		d.Phase = e.Phase
		if e.Method != "" {
			d.Method = e.Method
		}
		d.Done, d.Total, d.Percent, d.Rate, d.ETA = 0, 0, 0, 0, 0
		d.Steps = append(d.Steps, Step{Phase: e.Phase, Method: e.Method, At: now})
	case EventProgress:
		d.Done, d.Total, d.Rate, d.ETA = e.Done, e.Total, e.Rate, e.ETA
		d.Percent = e.Percent
		if e.Total > 0 {
			d.Percent = 100 * float64(e.Done) / float64(e.Total)
		}
	case EventWarning:
		text := strings.TrimSpace(e.Text)
		if text == "" {
			return
		}
		if n := len(d.Warnings); n > 0 && d.Warnings[n-1].Text == text {
			d.Warnings[n-1].Count++
			d.Warnings[n-1].At = now
		} else {
			d.Warnings = append(d.Warnings, Warning{Text: text, Count: 1, At: now})
		}
	case EventDone:
		d.Status, d.Level, d.Reason = e.Status, e.Level, e.Reason
		if d.Status == "" {
			d.Status = StatusFail
		}
		d.Phase = PhaseDone
		d.Finished = now
		d.Steps = append(d.Steps, Step{Phase: PhaseDone, At: now})
	}
}

// SetStatus replaces the run-wide status line (Snapshot.Status); ""
// clears it. Safe from any goroutine, like Apply.
func (m *Model) SetStatus(text string) {
	m.update(func(s *Snapshot, _ time.Time) { s.Status = text })
}

// Snapshot returns a deep copy of the state, stamped with the clock.
func (m *Model) Snapshot() Snapshot {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.snap
	s.Now = m.now()
	s.Drives = make([]DriveState, len(m.snap.Drives))
	for i, d := range m.snap.Drives {
		d.Steps = append([]Step(nil), d.Steps...)
		d.Warnings = append([]Warning(nil), d.Warnings...)
		s.Drives[i] = d
	}
	return s
}

// update changes the run-level state under the lock.
func (m *Model) update(f func(s *Snapshot, now time.Time)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f(&m.snap, m.now())
}

// finish closes the run: every drive without a final status gets one
// (ABORTED after an abort, else FAIL "no result reported").
func (m *Model) finish(r Result, noResult string) {
	m.update(func(s *Snapshot, now time.Time) {
		s.Stage = StageDone
		s.Finished = now
		s.Result = r
		for i := range s.Drives {
			d := &s.Drives[i]
			if d.Status != "" {
				continue
			}
			switch {
			case (s.Aborting || s.Decision.refused()) && d.Started.IsZero():
				d.Status = StatusSkipped
			case s.Aborting:
				d.Status = StatusAborted
			case d.Started.IsZero():
				d.Status, d.Reason = StatusSkipped, noResult
			default:
				d.Status, d.Reason = StatusFail, noResult
			}
			if !d.Started.IsZero() {
				d.Finished = now
			}
			d.Phase = PhaseDone
		}
	})
}

// warned lists the drives with warnings or a failure, most recent first.
func warned(s *Snapshot) []int {
	var idx []int
	for i := range s.Drives {
		if len(s.Drives[i].Warnings) > 0 {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool {
		wa, wb := s.Drives[idx[a]].Warnings, s.Drives[idx[b]].Warnings
		return wa[len(wa)-1].At.After(wb[len(wb)-1].At)
	})
	return idx
}

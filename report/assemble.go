package report

import (
	"encoding/json"
	"fmt"
	"time"
)

// Run is a journal folded into one value: the run's start, each drive with
// everything recorded about it, the notes and the seal. The journal builds it
// as it writes; the verifier builds it from a file.
type Run struct {
	Start  RunStart
	Drives []*DriveRun
	Notes  []Note // run-level and drive notes, in order
	// Controllers are the RAID controllers found, with every physical
	// drive and volume behind them.
	Controllers []Controller
	// ControllerChecks are the controllers' drive states read again after
	// the erasure.
	ControllerChecks []ControllerCheck
	// Seal is nil when the journal is not sealed.
	Seal     *Seal
	SealTime time.Time
	// Records is the number of records folded in; Head is the SHA-256 (hex)
	// of the last one; LastTime its time.
	Records  int64
	Head     string
	LastTime time.Time
}

// Unreached lists, controller by controller, the drives behind RAID
// controllers that the run did not reach (Controller.Unreached), each line
// starting with the controller's name.
func (r *Run) Unreached() []string { return UnreachedLines(r.Controllers) }

// UnreachedLines lists, controller by controller, the drives behind cs that
// were not reached (Controller.Unreached), each line starting with the
// controller's name: what a run's summary and its record both say.
func UnreachedLines(cs []Controller) []string {
	var out []string
	for _, c := range cs {
		for _, u := range c.Unreached() {
			out = append(out, c.Name()+": "+u)
		}
	}
	return out
}

// Rewritten lists the erased drives a RAID controller may have written
// after their verification (ControllerCheck.Rewritten), each line starting
// with the controller.
func (r *Run) Rewritten() []string { return RewrittenLines(r.ControllerChecks) }

// RewrittenLines lists the drives the checks cs name as written by their
// controller after their verification, one line each.
func RewrittenLines(cs []ControllerCheck) []string {
	var out []string
	for _, c := range cs {
		for _, w := range c.Rewritten {
			where := "every drive erased behind it"
			if w.Path != "" {
				where = fmt.Sprintf("%s (%s, %s)", w.Path, w.Address, w.Bay)
			}
			out = append(out, fmt.Sprintf("%s host%d: %s: %s", c.Driver, c.Host, where, w.Why))
		}
	}
	return out
}

// End returns the end of the run: the seal's time, or the last record's
// time when the journal is not sealed.
func (r *Run) End() time.Time {
	if r.Seal != nil {
		return r.SealTime
	}
	return r.LastTime
}

// DriveByID returns drive id, or nil.
func (r *Run) DriveByID(id int) *DriveRun {
	if id < 1 || id > len(r.Drives) {
		return nil
	}
	return r.Drives[id-1]
}

// DriveRun is everything recorded about one drive.
type DriveRun struct {
	Drive    Drive
	DriveSeq int64 // seq of the drive record
	// HiddenAreas is the final state: the drive record's, updated by
	// hidden-area records.
	HiddenAreas   HiddenAreas
	Starts        []AttemptStart
	Attempts      []Attempt
	Verifications []Verification
	Notes         []Note
	// TCG are the TCG actions run before the erase (a PSID revert).
	TCG []TCGAction
	// WrittenAfter says why the drive's controller may have written it
	// after its verification (a controller-check record); "" when not.
	WrittenAfter string
	// Result is the drive-result record; nil when the journal ended first.
	Result *DriveResult
	// ResultSeq and ResultHash locate the drive-result record: its seq and
	// the SHA-256 (hex) of its line, printed on the certificate.
	ResultSeq  int64
	ResultHash string

	hiddenLog  []hiddenChange // hidden-area records, in order
	startSeq   map[int]int64  // attempt number -> seq of its attempt-start or attempt record
	open       map[int]Method // attempts started but not ended
	ended      map[int]bool
	maxAttempt int
}

type hiddenChange struct {
	seq  int64
	area HiddenArea
}

// Assessment returns the drive's assessment recomputed by this kesu from
// the drive's recorded steps and the caller's account in its result (status
// INCOMPLETE when the journal ends before the result). Never the recorded
// assessment: a reader prints what the recorded facts prove, and the
// verifier compares the two (Verify).
func (d *DriveRun) Assessment(p Policy) Assessment {
	var fin *Finish
	if d.Result != nil {
		fin = &d.Result.Finish
	}
	return Assess(p, d, fin)
}

// hiddenAt returns the hidden-area state as it was just before seq.
func (d *DriveRun) hiddenAt(seq int64) HiddenAreas {
	h := d.Drive.HiddenAreas
	h.Areas = append([]HiddenArea(nil), h.Areas...)
	for _, c := range d.hiddenLog {
		if c.seq >= seq {
			break
		}
		h.Areas = setArea(h.Areas, c.area)
	}
	return h
}

func setArea(areas []HiddenArea, a HiddenArea) []HiddenArea {
	for i := range areas {
		if areas[i].Kind == a.Kind {
			areas[i] = a
			return areas
		}
	}
	return append(areas, a)
}

// assembler folds records into a Run, checking that each record fits what
// came before (drives numbered in order, attempts of known drives, nothing
// after a drive's result or after the seal).
type assembler struct {
	run Run
}

// decodeBody decodes a record body of the given kind into its type.
func decodeBody(kind Kind, raw json.RawMessage) (any, error) {
	var v any
	switch kind {
	case KindRunStart:
		v = new(RunStart)
	case KindDrive:
		v = new(Drive)
	case KindHiddenArea:
		v = new(HiddenAreaEvent)
	case KindAttemptStart:
		v = new(AttemptStart)
	case KindAttempt:
		v = new(Attempt)
	case KindVerification:
		v = new(Verification)
	case KindDriveResult:
		v = new(DriveResult)
	case KindNote:
		v = new(Note)
	case KindSeal:
		v = new(Seal)
	case KindController:
		v = new(Controller)
	case KindControllerCheck:
		v = new(ControllerCheck)
	case KindTCG:
		v = new(TCGAction)
	default:
		return nil, fmt.Errorf("unknown record kind %q", kind)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, fmt.Errorf("%s body: %v", kind, err)
	}
	return v, nil
}

// check reports whether a record of this kind and body may come next.
func (a *assembler) check(seq int64, kind Kind, body any) error {
	r := &a.run
	if r.Seal != nil {
		return fmt.Errorf("%s record after the seal", kind)
	}
	if seq == 0 {
		if kind != KindRunStart {
			return fmt.Errorf("first record is %q, want %q", kind, KindRunStart)
		}
		rs := body.(*RunStart)
		if rs.Schema != SchemaVersion && rs.Schema != SchemaVersion1 {
			return fmt.Errorf("schema %q is not supported (this kesu reads %q and %q)", rs.Schema, SchemaVersion, SchemaVersion1)
		}
		return nil
	}
	switch b := body.(type) {
	case *RunStart:
		return fmt.Errorf("second run-start record")
	case *Drive:
		if want := len(r.Drives) + 1; b.ID != want {
			return fmt.Errorf("drive record has id %d, want %d", b.ID, want)
		}
		if r.Start.Policy.Level == "" && r.Start.Policy.MICCategory == 0 {
			return fmt.Errorf("drive record in a run without a policy level or MIC category")
		}
	case *HiddenAreaEvent:
		_, err := a.openDrive(b.Drive)
		return err
	case *TCGAction:
		d, err := a.openDrive(b.Drive)
		if err != nil {
			return err
		}
		if len(d.open) > 0 || d.maxAttempt > 0 {
			return fmt.Errorf("drive %d: tcg record after an attempt started", b.Drive)
		}
	case *AttemptStart:
		d, err := a.openDrive(b.Drive)
		if err != nil {
			return err
		}
		if b.Attempt != d.maxAttempt+1 {
			return fmt.Errorf("drive %d: attempt-start number %d, want %d", b.Drive, b.Attempt, d.maxAttempt+1)
		}
	case *Attempt:
		d, err := a.openDrive(b.Drive)
		if err != nil {
			return err
		}
		if m, open := d.open[b.Attempt]; open {
			if m != b.Method {
				return fmt.Errorf("drive %d: attempt %d ended as %q but started as %q", b.Drive, b.Attempt, b.Method, m)
			}
		} else if b.Attempt != d.maxAttempt+1 {
			return fmt.Errorf("drive %d: attempt number %d, want %d or a started attempt", b.Drive, b.Attempt, d.maxAttempt+1)
		}
	case *Verification:
		d, err := a.openDrive(b.Drive)
		if err != nil {
			return err
		}
		if !d.ended[b.Attempt] {
			return fmt.Errorf("drive %d: verification of attempt %d, which has not ended", b.Drive, b.Attempt)
		}
	case *DriveResult:
		d, err := a.openDrive(b.Drive)
		if err != nil {
			return err
		}
		if b.Skipped != "" && len(d.Starts)+len(d.Attempts) > 0 {
			return fmt.Errorf("drive %d: marked skipped but has attempts", b.Drive)
		}
	case *Note:
		if b.Drive != 0 && r.DriveByID(b.Drive) == nil {
			return fmt.Errorf("note about unknown drive %d", b.Drive)
		}
	case *Seal:
		// The verifier checks the seal's fields against the chain.
	case *Controller, *ControllerCheck:
		// Nothing refers to them.
	default:
		return fmt.Errorf("unexpected body type %T", body)
	}
	return nil
}

func (a *assembler) openDrive(id int) (*DriveRun, error) {
	d := a.run.DriveByID(id)
	if d == nil {
		return nil, fmt.Errorf("unknown drive %d", id)
	}
	if d.Result != nil {
		return nil, fmt.Errorf("drive %d already has its result", id)
	}
	return d, nil
}

// apply checks and folds one record. hash is the SHA-256 (hex) of its line.
func (a *assembler) apply(seq int64, t time.Time, hash string, kind Kind, body any) error {
	if err := a.check(seq, kind, body); err != nil {
		return err
	}
	r := &a.run
	switch b := body.(type) {
	case *RunStart:
		r.Start = *b
	case *Drive:
		d := &DriveRun{
			Drive:       *b,
			DriveSeq:    seq,
			HiddenAreas: b.HiddenAreas,
			startSeq:    map[int]int64{},
			open:        map[int]Method{},
			ended:       map[int]bool{},
		}
		d.HiddenAreas.Areas = append([]HiddenArea(nil), b.HiddenAreas.Areas...)
		r.Drives = append(r.Drives, d)
	case *TCGAction:
		d := r.DriveByID(b.Drive)
		d.TCG = append(d.TCG, *b)
	case *HiddenAreaEvent:
		d := r.DriveByID(b.Drive)
		d.hiddenLog = append(d.hiddenLog, hiddenChange{seq, b.Area})
		d.HiddenAreas.Areas = setArea(d.HiddenAreas.Areas, b.Area)
	case *AttemptStart:
		d := r.DriveByID(b.Drive)
		d.Starts = append(d.Starts, *b)
		d.startSeq[b.Attempt] = seq
		d.open[b.Attempt] = b.Method
		d.maxAttempt = b.Attempt
	case *Attempt:
		d := r.DriveByID(b.Drive)
		if _, open := d.open[b.Attempt]; open {
			delete(d.open, b.Attempt)
		} else {
			d.startSeq[b.Attempt] = seq
			d.maxAttempt = b.Attempt
		}
		d.ended[b.Attempt] = true
		d.Attempts = append(d.Attempts, *b)
	case *Verification:
		d := r.DriveByID(b.Drive)
		d.Verifications = append(d.Verifications, *b)
	case *DriveResult:
		d := r.DriveByID(b.Drive)
		res := *b
		d.Result = &res
		d.ResultSeq = seq
		d.ResultHash = hash
	case *Note:
		r.Notes = append(r.Notes, *b)
		if d := r.DriveByID(b.Drive); d != nil {
			d.Notes = append(d.Notes, *b)
		}
	case *Controller:
		r.Controllers = append(r.Controllers, *b)
	case *ControllerCheck:
		r.ControllerChecks = append(r.ControllerChecks, *b)
		for _, rw := range b.Rewritten {
			for _, d := range r.Drives {
				c := d.Drive.Identity.Controller
				if c != nil && c.Host == b.Host && c.Driver == b.Driver && (rw.Path == "" || rw.Path == d.Drive.Identity.Path) {
					d.WrittenAfter = rw.Why
				}
			}
		}
	case *Seal:
		s := *b
		r.Seal = &s
		r.SealTime = t
	}
	r.Records = seq + 1
	r.Head = hash
	r.LastTime = t
	return nil
}

package destruction

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/kesu-erase/kesu/report"
)

// State is where a drive stands on physical destruction.
type State string

// Destruction states.
const (
	// NotRequired: the policy does not ask for destruction and none is
	// recorded.
	NotRequired State = "not-required"
	// Pending: destruction is required and not yet recorded; the deadline,
	// if any, has not passed.
	Pending State = "pending"
	// Overdue: destruction is required, not recorded, and the deadline
	// has passed.
	Overdue State = "overdue"
	// Destroyed: an intact, trusted addendum records it and every evidence
	// file matches its hash (or was not checked: read from a store).
	Destroyed State = "destroyed"
	// DestroyedLate: as Destroyed, but on a day after the deadline.
	DestroyedLate State = "destroyed-late"
	// EvidenceProblem: an intact addendum records it, but an evidence file
	// is missing, does not match its hash, or cannot be read. (Evidence
	// not checked, of an addendum read from a store, leaves the state
	// Destroyed or DestroyedLate, with a note.)
	EvidenceProblem State = "evidence-problem"
)

// Counts reports whether the state leaves nothing to flag.
func (s State) OK() bool { return s == NotRequired || s == Destroyed }

// DriveState is one drive's erasure joined with its destruction.
type DriveState struct {
	Drive  int    `json:"drive"`
	Serial string `json:"serial"`
	// Erased is the drive's recomputed erasure outcome.
	Erased report.Status `json:"erased_status"`
	Level  report.Level  `json:"erased_level"`
	// Required: the drive must be destroyed (MIC category (1), or it
	// missed its level).
	Required bool `json:"required"`
	// ErasedAt is when its erasure ended; Deadline is the last day for its
	// destruction (zero when the policy sets none).
	ErasedAt time.Time `json:"erased_at"`
	Deadline time.Time `json:"deadline,omitzero"`
	State    State     `json:"state"`
	// Addendum is the addendum that counts (nil when none does), Record
	// its destruction record.
	Addendum *Addendum `json:"-"`
	Record   *Record   `json:"destruction,omitempty"`
	// AddendumPath names its file.
	AddendumPath string `json:"addendum,omitempty"`
	// Problems says why addenda for this drive did not count, and what is
	// wrong with the evidence of the one that does.
	Problems []string `json:"problems,omitempty"`
	// Notes are facts about the addendum that counts that do not stop it
	// counting (it is signed by the key that signed the erasure).
	Notes []string `json:"notes,omitempty"`
}

// Link joins a verified journal's drives with the addenda that name it
// (others are ignored) at time now. Days (the deadline, a destruction's
// date) are counted in now's location: the office's, where the dates on
// the contractor's certificates are.
func Link(res *report.Result, adds []*Addendum, now time.Time) []DriveState {
	if res == nil || res.Run == nil {
		return nil
	}
	run := res.Run
	pol := run.Start.Policy
	var out []DriveState
	for _, d := range run.Drives {
		a := d.Facts(pol).Assessment
		ds := DriveState{Drive: d.Drive.ID, Serial: d.Drive.Identity.Serial, Erased: a.Status, Level: a.Reached,
			Required: a.DestroyRequired, ErasedAt: erasedAt(run, d)}
		if days := pol.DestructionDeadlineDays; days > 0 && ds.Required {
			ds.Deadline = dayIn(ds.ErasedAt, now.Location()).AddDate(0, 0, days)
		}
		var counting []*Addendum
		for _, ad := range adds {
			if ad.ClaimedRunID != run.Start.RunID || ad.ClaimedDrive != d.Drive.ID {
				continue
			}
			if why := ds.refuse(res, d, ad, now); why != "" {
				ds.Problems = append(ds.Problems, fmt.Sprintf("%s: %s", ad.Path, why))
				continue
			}
			counting = append(counting, ad)
		}
		// The latest recorded destruction counts; earlier ones are noted.
		sort.SliceStable(counting, func(i, j int) bool { return counting[i].Start.ID < counting[j].Start.ID })
		for _, ad := range counting[:max(0, len(counting)-1)] {
			ds.Notes = append(ds.Notes, fmt.Sprintf("%s: superseded by a later destruction record of this drive", ad.Path))
		}
		if n := len(counting); n > 0 {
			ds.Addendum = counting[n-1]
			ds.Record, ds.AddendumPath = ds.Addendum.Record, ds.Addendum.Path
		}
		if a := ds.Addendum; a != nil && a.Key != nil && res.Key != nil && a.Key.Fingerprint == res.Key.Fingerprint {
			ds.Notes = append(ds.Notes, "the destruction is signed with the key that signed the erasure record (the stick's key), not a separate office key")
		}
		ds.State = ds.state(now)
		if ds.Addendum != nil {
			for _, e := range ds.Addendum.Evidence {
				if e.State.Bad() {
					ds.Problems = append(ds.Problems, fmt.Sprintf("%s %s: %s", e.Role, e.Path, e.Detail))
				}
			}
			if ds.Addendum.EvidenceNotChecked() {
				ds.Notes = append(ds.Notes, "evidence not checked: "+NotHereDetail)
			}
		}
		out = append(out, ds)
	}
	return out
}

// refuse says why an addendum naming the drive does not count ("" when it
// does): it does not verify, it names another sealed journal, or its
// record fails Validate (a record kesu report destroy would not have
// written, however well signed).
func (ds *DriveState) refuse(res *report.Result, d *report.DriveRun, ad *Addendum, now time.Time) string {
	switch {
	case ad.Status != report.Intact || ad.Start == nil || ad.Record == nil:
		why := string(ad.Status)
		if ad.Problem != nil {
			why += " — " + ad.Problem.Error()
		}
		return "the addendum does not verify (" + why + ")"
	case !res.Sealed || ad.Start.Journal.SealHash != res.Head:
		return fmt.Sprintf("it names the journal sealed with hash %s…, but this journal's last record is %s…: it belongs to another copy or version of the run", short(ad.Start.Journal.SealHash), short(res.Head))
	}
	// What Write would have refused, as of the day it was written, in the
	// office's days (now's location).
	if err := ad.Record.Validate(res.Run, d, ad.Recorded.In(now.Location())); err != nil {
		return err.Error()
	}
	return ""
}

func (ds *DriveState) state(now time.Time) State {
	if ds.Addendum == nil {
		switch {
		case !ds.Required:
			return NotRequired
		case !ds.Deadline.IsZero() && now.After(ds.Deadline.Add(24*time.Hour)):
			return Overdue
		}
		return Pending
	}
	if ds.Addendum.EvidenceBad() {
		return EvidenceProblem
	}
	if day, err := parseDateIn(ds.Record.Date, now.Location()); err == nil && !ds.Deadline.IsZero() && day.After(ds.Deadline) {
		return DestroyedLate
	}
	return Destroyed
}

// Find lists the addenda beside the journal at journalPath: the files
// <run id>.destroy-*.jsonl in its directory.
func Find(journalPath, runID string) ([]string, error) {
	m, err := filepath.Glob(filepath.Join(filepath.Dir(journalPath), globEscape(runID)+".destroy-*.jsonl"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range m {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			out = append(out, p)
		}
	}
	return out, nil
}

func globEscape(s string) string {
	r := strings.NewReplacer(`*`, `\*`, `?`, `\?`, `[`, `\[`, `\`, `\\`)
	return r.Replace(s)
}

// Line is the drive's destruction in one line of plain words (en).
func (ds DriveState) Line() string {
	head := fmt.Sprintf("drive %d (serial %q): erased %s, %s", ds.Drive, ds.Serial, ds.Erased, ds.Level)
	deadline := ""
	if !ds.Deadline.IsZero() {
		deadline = " (deadline " + ds.Deadline.Format(DateLayout) + ")"
	}
	switch ds.State {
	case NotRequired:
		return head + " → destruction not required"
	case Pending:
		return head + " → MUST BE DESTROYED: no destruction recorded yet" + deadline
	case Overdue:
		return head + " → OVERDUE: must be destroyed, none recorded, and the deadline has passed" + deadline
	}
	r := ds.Record
	s := fmt.Sprintf("%s → destroyed %s by %s (%s); certificate sha256 %s…", head, r.Date, r.Contractor, r.Method, short(r.Certificate.SHA256))
	for i, p := range r.Photos {
		s += fmt.Sprintf("; photo %d sha256 %s…", i+1, short(p.SHA256))
	}
	switch ds.State {
	case DestroyedLate:
		s += " — LATE: after the deadline" + deadline
	case EvidenceProblem:
		s += " — " + ds.Addendum.EvidenceWords() + ": see below"
	}
	if ds.State != EvidenceProblem && ds.Addendum.EvidenceNotChecked() {
		s += " — evidence not checked (read from a store)"
	}
	return s
}

// EvidenceWords says in capitals what is wrong with the evidence, by the
// worst state found: a file changed or replaced, then one not found, then
// one that could not be read.
func (a *Addendum) EvidenceWords() string {
	has := func(s EvidenceState) bool {
		for _, e := range a.Evidence {
			if e.State == s {
				return true
			}
		}
		return false
	}
	switch {
	case has(EvidenceMismatch):
		return "EVIDENCE DOES NOT MATCH"
	case has(EvidenceMissing):
		return "EVIDENCE MISSING"
	case has(EvidenceError):
		return "EVIDENCE UNREADABLE"
	case len(a.Evidence) == 0:
		return "NO EVIDENCE"
	}
	return "EVIDENCE NOT CHECKED"
}

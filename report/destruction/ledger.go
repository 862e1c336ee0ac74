package destruction

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/kesu-erase/kesu/report"
)

// Ledger is one journal's drives joined with their destruction records.
type Ledger struct {
	Journal string       `json:"journal"`
	Drives  []DriveState `json:"drives"`
	// Addenda are the addenda read for the journal, whether they count or
	// not.
	Addenda []*Addendum `json:"-"`
}

// Drive is the state of drive id in the ledger; nil when the ledger (nil
// too) has none.
func (l *Ledger) Drive(id int) *DriveState {
	if l == nil {
		return nil
	}
	for i := range l.Drives {
		if l.Drives[i].Drive == id {
			return &l.Drives[i]
		}
	}
	return nil
}

// Collect reads, for each verified journal, the addenda beside it (Find)
// and those of given that name its run, and links them at time now. It
// returns one ledger per journal (nil for a nil result), and the addenda
// of given that name none of the journals.
//
// opts, when not nil, gives the ReadOptions of each file read (by its path
// on disk): its name, and whether its evidence is there. The ledger of a
// journal is named by its journal's options' Name too.
func Collect(results []*report.Result, given []string, trusted report.KeyRing, now time.Time, opts func(path string) ReadOptions) ([]*Ledger, []*Addendum, error) {
	if opts == nil {
		opts = func(string) ReadOptions { return ReadOptions{} }
	}
	// One file named two ways (./A and A, or found beside its journal and
	// given too) is one addendum.
	read := map[string]*Addendum{}
	get := func(p string) (*Addendum, bool, error) {
		key := p
		if abs, err := filepath.Abs(p); err == nil {
			key = abs
		}
		if a, ok := read[key]; ok {
			return a, false, nil
		}
		a, err := ReadWith(p, trusted, opts(p))
		if err != nil {
			return nil, false, err
		}
		read[key] = a
		return a, true, nil
	}
	var givenAdds []*Addendum
	for _, p := range given {
		a, fresh, err := get(p)
		if err != nil {
			return nil, nil, err
		}
		if fresh {
			givenAdds = append(givenAdds, a)
		}
	}
	used := map[*Addendum]bool{}
	var out []*Ledger
	for _, res := range results {
		if res == nil || res.Run == nil {
			out = append(out, nil)
			continue
		}
		l := &Ledger{Journal: res.Path}
		if n := opts(res.Path).Name; n != "" {
			l.Journal = n
		}
		found, err := Find(res.Path, res.Run.Start.RunID)
		if err != nil {
			return nil, nil, err
		}
		seen := map[*Addendum]bool{}
		for _, p := range found {
			a, _, err := get(p)
			if err != nil {
				return nil, nil, err
			}
			if !seen[a] {
				seen[a] = true
				l.Addenda = append(l.Addenda, a)
			}
		}
		for _, a := range givenAdds {
			if a.ClaimedRunID == res.Run.Start.RunID && !seen[a] {
				seen[a] = true
				l.Addenda = append(l.Addenda, a)
			}
		}
		for _, a := range l.Addenda {
			used[a] = true
		}
		if res.Status != report.Invalid {
			l.Drives = Link(res, l.Addenda, now)
		}
		out = append(out, l)
	}
	var orphans []*Addendum
	for _, a := range givenAdds {
		if !used[a] {
			orphans = append(orphans, a)
		}
	}
	return out, orphans, nil
}

// Relevant reports whether the ledger has anything to say: a drive that
// must be destroyed, or an addendum.
func (l *Ledger) Relevant() bool {
	if l == nil {
		return false
	}
	for _, d := range l.Drives {
		if d.Required {
			return true
		}
	}
	return len(l.Addenda) > 0
}

// Flagged reports whether something needs the office's attention: a drive
// to destroy that is not (or not in time, or not with matching evidence)
// recorded destroyed, or an addendum that does not verify.
func (l *Ledger) Flagged() bool {
	if l == nil {
		return false
	}
	for _, d := range l.Drives {
		if !d.State.OK() || len(d.Problems) > 0 {
			return true
		}
	}
	for _, a := range l.Addenda {
		if a.Status != report.Intact {
			return true
		}
	}
	return false
}

// WriteText prints the ledger under a journal's verify result.
func (l *Ledger) WriteText(w io.Writer) {
	if !l.Relevant() {
		return
	}
	required, destroyed, unchecked := 0, 0, 0
	for _, d := range l.Drives {
		if d.Required {
			required++
		}
		if d.State == Destroyed || d.State == DestroyedLate {
			if d.Addendum.EvidenceNotChecked() {
				unchecked++
			} else {
				destroyed++
			}
		}
	}
	fmt.Fprintf(w, "  destruction: %d of %d drives must be physically destroyed; %d recorded destroyed with matching evidence", required, len(l.Drives), destroyed)
	if unchecked > 0 {
		fmt.Fprintf(w, "; %d recorded destroyed, evidence not checked (read from a store)", unchecked)
	}
	fmt.Fprintln(w)
	for _, d := range l.Drives {
		if !d.Required && d.Addendum == nil && len(d.Problems) == 0 {
			continue
		}
		fmt.Fprintf(w, "    %s\n", d.Line())
		if d.Addendum != nil {
			for _, e := range d.Addendum.Evidence {
				state := "matches its SHA-256"
				if e.State != EvidenceOK {
					state = fmt.Sprintf("%s — %s", e.State, e.Detail)
				}
				fmt.Fprintf(w, "      %s %s (%s): %s\n", e.Role, e.Path, e.SHA256, state)
			}
		}
		for _, p := range d.Problems {
			fmt.Fprintf(w, "      not counted: %s\n", p)
		}
		for _, n := range d.Notes {
			fmt.Fprintf(w, "      note: %s\n", n)
		}
	}
	drives := map[int]bool{}
	for _, d := range l.Drives {
		drives[d.Drive] = true
	}
	for _, a := range l.Addenda {
		// One that names a drive of the run is said under the drive.
		if a.Status != report.Intact && !drives[a.ClaimedDrive] {
			fmt.Fprintf(w, "    addendum %s: %s", a.Path, a.Status)
			if a.Problem != nil {
				fmt.Fprintf(w, " — %s", a.Problem.Error())
			}
			fmt.Fprintln(w)
		}
	}
}

// WriteOrphan says of an addendum given on its own that no journal given
// is the one it names.
func WriteOrphan(w io.Writer, a *Addendum) {
	fmt.Fprintf(w, "%s\n  destruction addendum: %s", a.Path, a.Status)
	if a.Problem != nil {
		fmt.Fprintf(w, " — %s", a.Problem.Error())
	}
	fmt.Fprintf(w, "\n  it names run %q, drive %d: give that run's journal to check it against\n", a.ClaimedRunID, a.ClaimedDrive)
}

// CSVColumns are the destruction columns of kesu report csv, after
// report.CSVColumns.
var CSVColumns = []string{
	"destruction_state", "destruction_deadline", "destroyed_on", "destruction_method", "destruction_contractor",
	"destruction_certificate_sha256", "destruction_photos_sha256", "destruction_evidence", "destruction_record",
	"destruction_notes",
}

// CSV is the destruction columns for results, ledgers[i] being results[i]'s.
func CSV(results []*report.Result, ledgers []*Ledger) report.CSVExtra {
	byResult := map[*report.Result]*Ledger{}
	for i, res := range results {
		if i < len(ledgers) {
			byResult[res] = ledgers[i]
		}
	}
	return report.CSVExtra{Columns: CSVColumns, Cells: func(res *report.Result, d *report.DriveRun) []string {
		cells := make([]string, len(CSVColumns))
		if ds := byResult[res].Drive(d.Drive.ID); ds != nil {
			cells[0] = string(ds.State)
			if !ds.Deadline.IsZero() {
				cells[1] = ds.Deadline.Format(DateLayout)
			}
			if r := ds.Record; r != nil {
				var photos []string
				for _, p := range r.Photos {
					photos = append(photos, p.SHA256)
				}
				cells[2], cells[3], cells[4], cells[5], cells[6] = r.Date, string(r.Method), r.Contractor, r.Certificate.SHA256, strings.Join(photos, " ")
				switch a := ds.Addendum; {
				case a.EvidenceBad():
					var bad []string
					for _, e := range a.Evidence {
						if e.State.Bad() {
							bad = append(bad, fmt.Sprintf("%s %s %s", e.Role, e.Path, e.State))
						}
					}
					cells[7] = strings.Join(bad, "; ")
				case a.EvidenceNotChecked():
					cells[7] = string(EvidenceNotChecked)
				default:
					cells[7] = "ok"
				}
				cells[8] = filepath.Base(ds.AddendumPath)
			}
			cells[9] = strings.Join(append(append([]string(nil), ds.Problems...), ds.Notes...), "; ")
		}
		return cells
	}}
}

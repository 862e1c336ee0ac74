package destruction

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/kesu-erase/kesu/report"
)

// Addendum is an addendum file as read and checked.
type Addendum struct {
	Path string
	// Status is the addendum's own integrity: Intact only when every line
	// is intact, it is sealed, and its key is trusted.
	Status  report.VerifyStatus
	Problem *report.Problem
	Key     *report.KeyInfo
	// Start and Record are the bodies, nil where they were not intact.
	Start  *Start
	Record *Record
	// Recorded is the signed time of the destruction record: when it was
	// written (zero when Record is nil).
	Recorded time.Time
	// Evidence is the check of each evidence file, the certificate first;
	// empty when Record is nil.
	Evidence []EvidenceCheck
	// ClaimedRunID and ClaimedDrive are what the file's lines say, read
	// without trusting them, so that an addendum that does not verify is
	// still reported against its drive.
	ClaimedRunID string
	ClaimedDrive int
}

// EvidenceState is what the check of one evidence file found.
type EvidenceState string

// Evidence states.
const (
	EvidenceOK       EvidenceState = "ok"       // the file is there and its SHA-256 matches
	EvidenceMissing  EvidenceState = "missing"  // no file at the recorded path: moved or deleted
	EvidenceMismatch EvidenceState = "mismatch" // the file's content is not the one recorded
	EvidenceError    EvidenceState = "error"    // the file could not be read
	// EvidenceNotChecked: the addendum was read where its evidence files
	// are not (a copy from a record store, which holds records only), so
	// no file was looked for. It is no problem of the evidence: it says
	// where to check it.
	EvidenceNotChecked EvidenceState = "not-checked"
)

// NotHereDetail is the detail of evidence not checked because the addendum
// was read from a store.
const NotHereDetail = "read from a store: the evidence files are not in it; verify the addendum's folder on disk to check them"

// Bad reports whether the check found something wrong with the file
// (missing, changed, unreadable); evidence not checked is not.
func (s EvidenceState) Bad() bool { return s != EvidenceOK && s != EvidenceNotChecked }

// EvidenceCheck is one evidence file checked.
type EvidenceCheck struct {
	Role string `json:"role"` // "certificate" or "photo"
	Evidence
	// Resolved is the path the file was looked for at ("" when it was
	// not looked for: EvidenceNotChecked).
	Resolved string        `json:"resolved"`
	State    EvidenceState `json:"state"`
	Detail   string        `json:"detail,omitempty"`
}

// IsAddendum reports whether the file at path starts with a
// destruction-start record (an addendum, not an erasure journal).
func IsAddendum(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	line, err := bufio.NewReader(io.LimitReader(f, 1<<20)).ReadBytes('\n')
	if err != nil && len(line) == 0 {
		return false
	}
	var env struct {
		Kind report.Kind `json:"kind"`
	}
	return json.Unmarshal(line, &env) == nil && env.Kind == KindStart
}

// ReadOptions say how to read an addendum that is not simply a file on
// disk beside its evidence.
type ReadOptions struct {
	// Name is what the addendum is called in everything said of it (its
	// Path): the s3:// address of a copy read from a store ("": the path
	// read).
	Name string
	// EvidenceNotHere: the evidence files are not where the addendum was
	// read (a store's copy in a temporary directory): each is
	// EvidenceNotChecked, and no file is looked for.
	EvidenceNotHere bool
}

// Read reads and checks the addendum at path against the trusted keys,
// and checks each evidence file it names. The error is for a file that
// cannot be read at all.
func Read(path string, trusted report.KeyRing) (*Addendum, error) {
	return ReadWith(path, trusted, ReadOptions{})
}

// ReadWith is Read with options.
func ReadWith(path string, trusted report.KeyRing, opt ReadOptions) (*Addendum, error) {
	raw, err := report.ReadJournal(path)
	if err != nil {
		return nil, err
	}
	a := &Addendum{Path: path}
	if opt.Name != "" {
		a.Path = opt.Name
	}
	c := report.VerifyChain(raw, KindStart, func(body json.RawMessage) (*report.KeyInfo, error) {
		var s Start
		if err := decodeStrict(body, &s); err != nil {
			return nil, err
		}
		return s.Key, nil
	})
	a.Key, a.Problem = c.Key, c.Problem
	a.Status = c.Status(trusted)
	if a.Problem == nil && a.Status == report.Untrusted {
		detail := "the addendum is not signed"
		if c.Key != nil {
			detail = fmt.Sprintf("signed by key %s, which is not among the trusted public keys", report.FormatFingerprint(c.Key.Fingerprint))
		}
		a.Problem = &report.Problem{Kind: report.ProblemUnknownKey, Seq: -1, Detail: detail}
	}
	for _, l := range c.Lines {
		switch l.Kind {
		case KindStart:
			var s Start
			if err := decodeStrict(l.Body, &s); err == nil {
				a.Start = &s
			}
		case KindDestruction:
			var r Record
			if err := decodeStrict(l.Body, &r); err != nil {
				return a.malformed(l.Seq, "destruction body: %v", err), nil
			}
			if a.Record != nil {
				return a.malformed(l.Seq, "a second destruction record: an addendum records one drive"), nil
			}
			a.Record, a.Recorded = &r, l.Time
		case report.KindSeal:
		default:
			return a.malformed(l.Seq, "record kind %q has no place in a destruction addendum", l.Kind), nil
		}
	}
	a.claim(raw)
	if a.Start != nil && a.Start.Schema != Schema {
		return a.malformed(0, "schema %q: this kesu reads %s", a.Start.Schema, Schema), nil
	}
	if c.Sealed && a.Record == nil {
		return a.malformed(1, "sealed without a destruction record"), nil
	}
	if a.Record != nil {
		a.Evidence = checkEvidence(filepath.Dir(path), a.Record, opt.EvidenceNotHere)
	}
	return a, nil
}

// claim reads the run ID and drive number from the lines as they stand.
func (a *Addendum) claim(raw *report.RawJournal) {
	for _, line := range raw.Lines {
		var l struct {
			Kind report.Kind `json:"kind"`
			Body struct {
				Journal struct {
					RunID string `json:"run_id"`
				} `json:"journal"`
				Drive int `json:"drive"`
			} `json:"body"`
		}
		if json.Unmarshal(line, &l) != nil {
			continue
		}
		switch l.Kind {
		case KindStart:
			a.ClaimedRunID = l.Body.Journal.RunID
		case KindDestruction:
			a.ClaimedDrive = l.Body.Drive
		}
	}
}

func (a *Addendum) malformed(seq int64, format string, args ...any) *Addendum {
	a.Status = report.Invalid
	a.Problem = &report.Problem{Kind: report.ProblemMalformed, Line: int(seq) + 1, Seq: seq, Detail: fmt.Sprintf(format, args...)}
	return a
}

// EvidenceOK reports whether every evidence file is there and matches.
func (a *Addendum) EvidenceOK() bool {
	for _, e := range a.Evidence {
		if e.State != EvidenceOK {
			return false
		}
	}
	return len(a.Evidence) > 0
}

// EvidenceBad reports whether an evidence file was found missing, changed
// or unreadable (or none is named). Evidence not checked is not bad.
func (a *Addendum) EvidenceBad() bool {
	for _, e := range a.Evidence {
		if e.State.Bad() {
			return true
		}
	}
	return len(a.Evidence) == 0
}

// EvidenceNotChecked reports whether an evidence file was not checked
// (the addendum was read from a store).
func (a *Addendum) EvidenceNotChecked() bool {
	for _, e := range a.Evidence {
		if e.State == EvidenceNotChecked {
			return true
		}
	}
	return false
}

func checkEvidence(dir string, r *Record, notHere bool) []EvidenceCheck {
	one := func(role string, e Evidence) EvidenceCheck {
		if notHere {
			return EvidenceCheck{Role: role, Evidence: e, State: EvidenceNotChecked, Detail: NotHereDetail}
		}
		return check(dir, role, e)
	}
	out := []EvidenceCheck{one("certificate", r.Certificate)}
	for _, p := range r.Photos {
		out = append(out, one("photo", p))
	}
	return out
}

func check(dir, role string, e Evidence) EvidenceCheck {
	c := EvidenceCheck{Role: role, Evidence: e, Resolved: filepath.FromSlash(e.Path)}
	if !filepath.IsAbs(c.Resolved) {
		c.Resolved = filepath.Join(dir, c.Resolved)
	}
	st, err := os.Stat(c.Resolved)
	if err == nil && !st.Mode().IsRegular() {
		c.State, c.Detail = EvidenceError, c.Resolved+" is not a regular file"
		return c
	}
	f, err := os.Open(c.Resolved)
	if errors.Is(err, fs.ErrNotExist) {
		c.State, c.Detail = EvidenceMissing, fmt.Sprintf("not found at %s (moved or deleted?): its SHA-256 cannot be checked; the addendum itself is not affected", c.Resolved)
		return c
	}
	if err != nil {
		c.State, c.Detail = EvidenceError, err.Error()
		return c
	}
	defer f.Close()
	got, n, _, err := sumFile(f)
	if err != nil {
		c.State, c.Detail = EvidenceError, err.Error()
		return c
	}
	if got != e.SHA256 || n != e.Size {
		c.State = EvidenceMismatch
		c.Detail = fmt.Sprintf("%s is not the file recorded: SHA-256 %s… (%d bytes), recorded %s… (%d bytes): it was changed or replaced", c.Resolved, got[:16], n, short(e.SHA256), e.Size)
		return c
	}
	c.State = EvidenceOK
	return c
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16]
	}
	return h
}

// AddendumSummary is an addendum as kesu report verify --json shows it.
type AddendumSummary struct {
	Path      string              `json:"path"`
	Integrity report.VerifyStatus `json:"integrity"`
	Problem   string              `json:"problem,omitempty"`
	// RunID and Drive are what the file says it records, whether or not
	// it verifies.
	RunID    string          `json:"run_id,omitempty"`
	Drive    int             `json:"drive,omitempty"`
	Evidence []EvidenceCheck `json:"evidence,omitempty"`
}

// Summary is the addendum for JSON.
func (a *Addendum) Summary() AddendumSummary {
	s := AddendumSummary{Path: a.Path, Integrity: a.Status, RunID: a.ClaimedRunID, Drive: a.ClaimedDrive, Evidence: a.Evidence}
	if a.Problem != nil {
		s.Problem = a.Problem.Error()
	}
	return s
}

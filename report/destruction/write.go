package destruction

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kesu-erase/kesu/internal/outfile"
	"github.com/kesu-erase/kesu/report"
)

// Request is a destruction to record.
type Request struct {
	// Journal is the erasure journal, verified: it must be intact, sealed
	// and signed by a trusted key.
	Journal *report.Result
	// Drive (its number in the journal) or Serial selects the drive.
	Drive  int
	Serial string

	Contractor string
	Date       string // YYYY-MM-DD
	Method     Method
	// Certificate and Photos are the evidence files' paths.
	Certificate string
	Photos      []string
	Note        string
	Recorder    report.Person

	// Dir is where the addendum is written (the journal's directory when
	// empty).
	Dir string
	// Now is the time of the records (time.Now when zero); Rand makes the
	// addendum's ID unique (crypto/rand when nil).
	Now  time.Time
	Rand io.Reader
}

// Write records a destruction: it checks the request against the journal,
// hashes every evidence file, and writes the signed addendum to a new file
// in req.Dir, returning its path. Nothing is written when a check fails.
func Write(req Request, s *report.Signer) (string, error) {
	if s == nil {
		return "", fmt.Errorf("%w: a destruction record must be signed: give the office's signing key", ErrBad)
	}
	res := req.Journal
	if res == nil || res.Run == nil {
		return "", fmt.Errorf("%w: no journal", ErrBad)
	}
	if res.Status != report.Intact || !res.Sealed {
		why := string(res.Status)
		if len(res.Problems) > 0 {
			why += " — " + res.Problems[0].Error()
		}
		return "", fmt.Errorf("%w: %s does not verify (%s): a destruction can be recorded only against an intact, sealed journal signed by a trusted key", ErrBad, res.Path, why)
	}
	d, err := pickDrive(res.Run, req.Drive, req.Serial)
	if err != nil {
		return "", err
	}
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	dir := req.Dir
	if dir == "" {
		dir = filepath.Dir(res.Path)
	}
	hash := func(path, role string) (Evidence, error) {
		e, err := hashFile(path, dir)
		if err != nil {
			return e, fmt.Errorf("%w: %s %s: %v", ErrBad, role, path, err)
		}
		return e, nil
	}
	rec := Record{Drive: d.Drive.ID, Serial: d.Drive.Identity.Serial, Model: d.Drive.Identity.Model, WWN: d.Drive.Identity.WWN,
		Contractor: strings.TrimSpace(req.Contractor), Date: req.Date, Method: req.Method, Note: req.Note}
	a := d.Facts(res.Run.Start.Policy).Assessment
	rec.ErasedStatus, rec.ErasedLevel = a.Status, a.Reached
	if req.Certificate != "" {
		if rec.Certificate, err = hash(req.Certificate, "certificate"); err != nil {
			return "", err
		}
	}
	for _, p := range req.Photos {
		e, err := hash(p, "photo")
		if err != nil {
			return "", err
		}
		rec.Photos = append(rec.Photos, e)
	}
	// The one check of the record's content, which Link makes again of
	// every addendum it reads.
	if err := rec.Validate(res.Run, d, now); err != nil {
		return "", fmt.Errorf("%w: %v", ErrBad, err)
	}

	r := req.Rand
	if r == nil {
		r = rand.Reader
	}
	var b [3]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	id := fmt.Sprintf("%s.destroy-d%d-%s-%s", res.Run.Start.RunID, d.Drive.ID, now.UTC().Format("20060102T150405Z"), hex.EncodeToString(b[:]))
	fp := ""
	if res.Key != nil {
		fp = res.Key.Fingerprint
	}
	info := s.KeyInfo()
	start := Start{Schema: Schema, ID: id, Recorder: req.Recorder, Key: &info,
		Journal: JournalRef{RunID: res.Run.Start.RunID, File: filepath.Base(res.Path), SealHash: res.Head, Records: res.Records - 1, KeyFingerprint: fp}}
	data, _, err := report.EncodeChain([]report.ChainRecord{
		{Time: now, Kind: KindStart, Body: &start},
		{Time: now, Kind: KindDestruction, Body: &rec},
	}, s, now)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, id+".jsonl")
	f, err := outfile.Create(path, false)
	if err != nil {
		return "", err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return "", err
	}
	if err := f.Sync(); err != nil {
		f.Abort()
		return "", err
	}
	if err := f.Commit(); err != nil {
		return "", err
	}
	if report.RecordWritten != nil {
		for _, line := range bytes.Split(bytes.TrimSuffix(data, []byte{'\n'}), []byte{'\n'}) {
			report.RecordWritten(path, line)
		}
	}
	return path, report.SyncDir(dir)
}

func pickDrive(run *report.Run, id int, serial string) (*report.DriveRun, error) {
	switch {
	case id != 0 && serial != "":
		return nil, fmt.Errorf("%w: give the drive by its number or by its serial, not both", ErrBad)
	case id != 0:
		if d := run.DriveByID(id); d != nil {
			return d, nil
		}
		return nil, fmt.Errorf("%w: the journal has no drive %d (it has %d)", ErrBad, id, len(run.Drives))
	case serial != "":
		var found []*report.DriveRun
		for _, d := range run.Drives {
			if d.Drive.Identity.Serial == serial {
				found = append(found, d)
			}
		}
		switch len(found) {
		case 1:
			return found[0], nil
		case 0:
			return nil, fmt.Errorf("%w: no drive of the journal has serial %q", ErrBad, serial)
		}
		return nil, fmt.Errorf("%w: %d drives of the journal have serial %q: give the drive's number", ErrBad, len(found), serial)
	}
	return nil, fmt.Errorf("%w: which drive? give its number or its serial", ErrBad)
}

// erasedAt is when the drive's erasure ended: its result record's end, or
// the journal's last record when the drive has no result.
func erasedAt(run *report.Run, d *report.DriveRun) time.Time {
	if d.Result != nil && !d.Result.End.IsZero() {
		return d.Result.End
	}
	return run.LastTime
}

// dayIn is the start of t's day in loc.
func dayIn(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// hashFile reads path and returns its Evidence, the path made relative to
// dir where one exists.
func hashFile(path, dir string) (Evidence, error) {
	f, err := os.Open(path)
	if err != nil {
		return Evidence{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Evidence{}, err
	}
	if !st.Mode().IsRegular() {
		return Evidence{}, fmt.Errorf("not a regular file")
	}
	sum, size, head, err := sumFile(f)
	if err != nil {
		return Evidence{}, err
	}
	if size == 0 {
		return Evidence{}, fmt.Errorf("the file is empty")
	}
	return Evidence{Size: size, SHA256: sum, MediaType: sniff(head), Path: recordPath(path, dir)}, nil
}

// sumFile reads f to its end: its SHA-256 (hex), its size, and its first
// 16 bytes (what sniff reads). Evidence is hashed this one way when it is
// recorded and when it is checked.
func sumFile(f io.Reader) (sum string, size int64, head []byte, err error) {
	h := sha256.New()
	head = make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	h.Write(head[:n])
	size, err = io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil)), size + int64(n), head[:n], err
}

// recordPath is path as an addendum in dir records it.
func recordPath(path, dir string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	absDir, err := filepath.Abs(dir)
	if err == nil {
		if rel, err := filepath.Rel(absDir, abs); err == nil {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(abs)
}

// sniff recognises the evidence formats kesu prints.
func sniff(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return "application/pdf"
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	}
	return ""
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

package destruction

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kesu-erase/kesu/report"
)

// Validate checks a destruction record against drive d of the run it
// names, as of at, the time it is (or was) recorded; days are counted in
// at's location. It is the one check of a record's content: Write refuses
// a record that fails it, and Link does not count an addendum whose record
// fails it, however well signed. The error is a plain sentence (Write
// wraps it in ErrBad).
func (r *Record) Validate(run *report.Run, d *report.DriveRun, at time.Time) error {
	switch {
	case r.Drive != d.Drive.ID:
		return fmt.Errorf("it names drive %d, but this is drive %d of the journal", r.Drive, d.Drive.ID)
	case r.Serial != d.Drive.Identity.Serial:
		return fmt.Errorf("it names serial %q, but drive %d of the journal is %q", r.Serial, d.Drive.ID, d.Drive.Identity.Serial)
	case strings.TrimSpace(r.Contractor) == "":
		return fmt.Errorf("the contractor is missing")
	case !slices.Contains(Methods, r.Method):
		return fmt.Errorf("method %q: want shredding, crushing, degaussing or drilling", r.Method)
	}
	day, err := time.ParseInLocation(DateLayout, r.Date, at.Location())
	if err != nil {
		return fmt.Errorf("date %q: want YYYY-MM-DD", r.Date)
	}
	if day.After(at.Add(24 * time.Hour)) {
		return fmt.Errorf("date %s is in the future (recorded on %s)", r.Date, at.Format(DateLayout))
	}
	if erasedDay := dayIn(erasedAt(run, d), at.Location()); day.Before(erasedDay) {
		return fmt.Errorf("date %s is before the drive's erasure (%s)", r.Date, erasedDay.Format(DateLayout))
	}
	if r.Certificate == (Evidence{}) {
		return fmt.Errorf("the contractor's certificate of destruction is missing")
	}
	if err := r.Certificate.check(); err != nil {
		return fmt.Errorf("certificate %s: %v", r.Certificate.Path, err)
	}
	if r.Certificate.MediaType == "" {
		return fmt.Errorf("certificate %s is not a PDF, JPEG or PNG file", r.Certificate.Path)
	}
	if len(r.Photos) == 0 {
		return fmt.Errorf("no photograph of the destroyed drive")
	}
	seen := map[string]string{r.Certificate.SHA256: "certificate " + r.Certificate.Path}
	for _, p := range r.Photos {
		if err := p.check(); err != nil {
			return fmt.Errorf("photo %s: %v", p.Path, err)
		}
		if p.MediaType != "image/jpeg" && p.MediaType != "image/png" {
			return fmt.Errorf("photo %s is not a JPEG or PNG image", p.Path)
		}
		if other, dup := seen[p.SHA256]; dup {
			return fmt.Errorf("photo %s has the same content as %s: each evidence file must be a different file", p.Path, other)
		}
		seen[p.SHA256] = "photo " + p.Path
	}
	return nil
}

// check checks that an evidence entry names a file and holds a hash of
// content.
func (e Evidence) check() error {
	if e.Path == "" {
		return fmt.Errorf("no path recorded")
	}
	if b, err := hex.DecodeString(e.SHA256); err != nil || len(b) != 32 {
		return fmt.Errorf("SHA-256 %q is not a SHA-256", e.SHA256)
	}
	if e.Size <= 0 {
		return fmt.Errorf("size %d: an evidence file is never empty", e.Size)
	}
	return nil
}

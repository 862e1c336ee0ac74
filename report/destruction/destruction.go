// Package destruction holds the destruction addendum: the office's signed
// record that a drive of a sealed erasure journal was then physically
// destroyed by a contractor (MIC 2020 category (1): erase on premises, then
// destroy, proven by the contractor's completion certificate and photos).
//
// An addendum is a chain file in the journal's line format (report's
// EncodeChain and VerifyChain): a destruction-start record naming the
// journal by its run ID and the hash of its seal line, one destruction
// record, and a seal, each line signed. The evidence files are named and
// hashed (SHA-256), never copied in: moving one breaks nothing but the
// check of its hash, and the check says so.
package destruction

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kesu-erase/kesu/report"
)

// Schema names the version of the addendum format.
const Schema = "kesu-destruction/1"

// Record kinds of an addendum, in order (then report.KindSeal).
const (
	KindStart       report.Kind = "destruction-start"
	KindDestruction report.Kind = "destruction"
)

// Method is how the drive was destroyed.
type Method string

// Destruction methods.
const (
	Shredding  Method = "shredding"
	Crushing   Method = "crushing"
	Degaussing Method = "degaussing"
	Drilling   Method = "drilling"
)

// Methods lists the methods in the order help texts show them.
var Methods = []Method{Shredding, Crushing, Degaussing, Drilling}

// ParseMethod checks a method name.
func ParseMethod(s string) (Method, error) {
	for _, m := range Methods {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("%w: method %q: want shredding, crushing, degaussing or drilling", ErrBad, s)
}

// Title is the method's name in a language ("ja" or "en").
func (m Method) Title(lang string) string {
	ja := map[Method]string{Shredding: "破砕（シュレッダー）", Crushing: "圧壊", Degaussing: "磁気消去（消磁）", Drilling: "穿孔"}
	if lang == "ja" && ja[m] != "" {
		return ja[m]
	}
	return string(m)
}

// ErrBad is returned for an addendum that cannot be written as asked.
var ErrBad = errors.New("destruction record")

// Start is the body of the first record: which journal, who recorded,
// which key signs.
type Start struct {
	Schema string `json:"schema"`
	// ID names the addendum (and its file: <ID>.jsonl).
	ID      string     `json:"id"`
	Journal JournalRef `json:"journal"`
	// Recorder is the office's person who recorded the destruction.
	Recorder report.Person `json:"recorder"`
	// Key is the signing key (nil: unsigned).
	Key *report.KeyInfo `json:"key"`
}

// JournalRef names the erasure journal the addendum belongs to.
type JournalRef struct {
	RunID string `json:"run_id"`
	// File is the journal's file name when the addendum was written.
	File string `json:"file"`
	// SealHash is the SHA-256 (hex) of the journal's seal line: the
	// addendum belongs to exactly that sealed journal.
	SealHash string `json:"seal_hash"`
	// Records is the number of records before the seal.
	Records int64 `json:"records"`
	// KeyFingerprint is the key that signed the journal.
	KeyFingerprint string `json:"key_fingerprint,omitempty"`
}

// Record is the body of the destruction record.
type Record struct {
	// Drive is the drive's number in the journal; Serial, Model and WWN
	// repeat its identity there.
	Drive  int    `json:"drive"`
	Serial string `json:"serial"`
	Model  string `json:"model"`
	WWN    string `json:"wwn,omitempty"`
	// Erased is the drive's outcome in the journal when the destruction
	// was recorded: its status and the level reached.
	ErasedStatus report.Status `json:"erased_status"`
	ErasedLevel  report.Level  `json:"erased_level"`

	Contractor string `json:"contractor"`
	// Date is the day of the destruction, YYYY-MM-DD (the certificate's).
	Date   string `json:"date"`
	Method Method `json:"method"`
	// Certificate is the contractor's certificate of destruction; Photos
	// the photographs of the destroyed drive.
	Certificate Evidence   `json:"certificate"`
	Photos      []Evidence `json:"photos"`
	Note        string     `json:"note,omitempty"`
}

// Evidence is one evidence file: where it was, its size and SHA-256.
type Evidence struct {
	// Path is the file's path relative to the addendum's directory (slash
	// separated), or absolute where no relative path exists.
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// MediaType is what the file's content was recognised as
	// (application/pdf, image/jpeg, image/png), "" when none of them.
	MediaType string `json:"media_type,omitempty"`
}

// DateLayout is the layout of Record.Date.
const DateLayout = "2006-01-02"

// ParseDate checks a destruction date.
func ParseDate(s string) (time.Time, error) { return parseDateIn(s, time.UTC) }

// parseDateIn is the start of the day s in loc.
func parseDateIn(s string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(DateLayout, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: date %q: want YYYY-MM-DD", ErrBad, s)
	}
	return t, nil
}

func decodeStrict(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytesReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

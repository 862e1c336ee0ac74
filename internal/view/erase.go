package view

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/internal/human"
	"github.com/kesu-erase/kesu/report"
)

// OverwritePlan is the plan of kesu erase DEVICE in words: size bytes
// overwritten with pat, then pct percent read back.
func OverwritePlan(size int64, pat erase.Pattern, pct float64) []string {
	plan := []string{fmt.Sprintf("overwrite every block (%s) with %s, one pass, host writes", human.Size(size), pat)}
	switch {
	case pct == 0:
		plan = append(plan, "no read-back (--verify none): the result will be UNVERIFIED, not PASS")
	case pct >= 100:
		plan = append(plan, "then read back every block (full verification)")
	default:
		plan = append(plan, fmt.Sprintf("then read back %g%% of the blocks (sampled, NIST SP 800-88 plan; canaries planted first)", pct))
	}
	return plan
}

// RecordWords says where the record goes.
func RecordWords(journal string, signer *report.Signer) string {
	switch {
	case journal == "":
		return "none (no --journal)"
	case signer != nil:
		return fmt.Sprintf("a journal in %s, signed by key %s", journal, report.FormatFingerprint(signer.Fingerprint()))
	}
	return fmt.Sprintf("an UNSIGNED journal in %s", journal)
}

// DryRun is kesu erase --dry-run's result.
type DryRun struct {
	DryRun bool   `json:"dry_run"`
	Target Target `json:"target"`
	// Record says whether the record could be started; "" without
	// --journal.
	Record string `json:"record_check,omitempty"`
	// Refused is why a real run would stop; "" when it would start.
	Refused string `json:"refused,omitempty"`
}

// MethodList names every method --method takes, one a line.
func MethodList() string {
	var b strings.Builder
	for i, m := range report.Methods() {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "  %-30s %s", m, m.Title("en"))
	}
	return b.String()
}

// Erase is the result of kesu erase DEVICE (its --json object).
type Erase struct {
	Device string `json:"device"`
	Kind   string `json:"kind"` // "block device" or "file"
	// Scope says what the overwrite reached: a whole block device, or a
	// file's logical content only (never a sanitization of a medium).
	Scope             string           `json:"scope"`
	SizeBytes         int64            `json:"size_bytes"`
	LogicalBlockSize  int              `json:"logical_block_size"`
	PhysicalBlockSize int              `json:"physical_block_size"`
	Pattern           string           `json:"pattern"`
	KeyID             string           `json:"key_id,omitempty"`
	BytesWritten      int64            `json:"bytes_written"`
	Unwritable        []erase.LBARange `json:"unwritable"`
	WriteSeconds      float64          `json:"write_seconds"`
	WriteBytesPerSec  float64          `json:"write_bytes_per_second"`
	Verification      *Verification    `json:"verification"`
	Started           time.Time        `json:"started"`
	Finished          time.Time        `json:"finished"`
	Seconds           float64          `json:"seconds"`
	Status            erase.Status     `json:"status"`
	Reason            string           `json:"reason,omitempty"`
	// Record is the signed record written with --journal.
	Record *Record           `json:"record,omitempty"`
	Detail *erase.PassResult `json:"detail"`
}

// Record says where the record went and what it concludes.
type Record struct {
	Journal     string        `json:"journal"`
	Fingerprint string        `json:"key_fingerprint,omitempty"`
	Status      report.Status `json:"status,omitempty"`
	Wording     []string      `json:"wording,omitempty"`
	// Error says why the record could not be completed; the media result
	// stands beside it.
	Error string `json:"error,omitempty"`
}

// Verification is a read-back's result, as the erase and verify results
// show it.
type Verification struct {
	Method           string           `json:"method"`
	Expect           string           `json:"expect"`
	Seed             string           `json:"seed,omitempty"`
	PercentRequested float64          `json:"percent_requested"`
	PercentRead      float64          `json:"percent_read"`
	Subsections      int64            `json:"subsections"`
	Samples          int64            `json:"samples"`
	BlocksRead       int64            `json:"blocks_read"`
	Mismatches       int64            `json:"mismatched_blocks"`
	FirstMismatches  []int64          `json:"first_mismatches"`
	Unreadable       []erase.LBARange `json:"unreadable"`
	Seconds          float64          `json:"seconds"`
	BytesPerSec      float64          `json:"bytes_per_second"`
	Outcome          erase.Outcome    `json:"outcome"`
	Reason           string           `json:"reason,omitempty"`
	Skipped          string           `json:"skipped,omitempty"`
}

// SummarizeVerify is the view of a read-back.
func SummarizeVerify(v *erase.VerifyResult) *Verification {
	return &Verification{
		Method: v.Method, Expect: v.Expect, Seed: v.Plan.Seed, PercentRequested: v.Plan.Percent,
		PercentRead: v.PercentRead, Subsections: v.Plan.Subsections, Samples: v.Locations,
		BlocksRead: v.BlocksRead, Mismatches: v.MismatchedBlocks, FirstMismatches: nonNil(v.FirstMismatches),
		Unreadable: nonNil(v.Unreadable), Seconds: v.Duration.Seconds(), BytesPerSec: v.Throughput(),
		Outcome: v.Outcome, Reason: v.Reason,
	}
}

// FileScope is what overwriting a regular file reaches.
const FileScope = "file overwrite — logical content only: no sanitization level (NIST SP 800-88 Clear/Purge do not apply to a file; the filesystem and the device below it may keep earlier copies)"

// WriteText writes the result as "key:  value" lines.
func (r *Erase) WriteText(w io.Writer) {
	fmt.Fprintf(w, "device:    %s (%s, %d bytes, %d/%d-byte blocks)\n", r.Device, r.Kind, r.SizeBytes, r.LogicalBlockSize, r.PhysicalBlockSize)
	fmt.Fprintf(w, "scope:     %s\n", r.Scope)
	pat := r.Pattern
	if r.KeyID != "" {
		pat += " (key id " + r.KeyID + ")"
	}
	fmt.Fprintf(w, "pattern:   %s\n", pat)
	fmt.Fprintf(w, "written:   %d bytes in %.1f s (%s)\n", r.BytesWritten, r.WriteSeconds, human.Rate(r.WriteBytesPerSec))
	for _, u := range r.Unwritable {
		fmt.Fprintf(w, "unwritable: %s\n", u)
	}
	if c := r.Detail.Canaries; c != nil {
		fmt.Fprintf(w, "canaries:  %d planned, %d written, %d read back from the medium before the overwrite", c.Planned, c.Planted, c.ReadBack)
		if v := r.Detail.Verify; v != nil {
			fmt.Fprintf(w, "; %d read after it, %d survived", v.CanariesChecked, v.CanariesSurvived)
		}
		if c.Error != "" {
			fmt.Fprintf(w, " (%s: every block is read back)", c.Error)
		}
		fmt.Fprintln(w)
	}
	r.Verification.WriteText(w)
	fmt.Fprintf(w, "result:    %s", r.Status)
	if r.Reason != "" {
		fmt.Fprintf(w, " — %s", r.Reason)
	}
	fmt.Fprintln(w)
	if r.Record != nil && r.Record.Error != "" {
		fmt.Fprintf(w, "record:    %s — NOT completed: %s\n", r.Record.Journal, r.Record.Error)
	} else if r.Record != nil {
		fmt.Fprintf(w, "record:    %s (%s)\n", r.Record.Journal, r.Record.Status)
		for _, l := range r.Record.Wording {
			fmt.Fprintf(w, "           %s\n", l)
		}
		if r.Record.Fingerprint != "" {
			fmt.Fprintf(w, "signed by: %s\n", report.FormatFingerprint(r.Record.Fingerprint))
		} else {
			fmt.Fprintln(w, "signed by: nobody (unsigned record)")
		}
	}
}

// WriteText writes the read-back's lines of a result; nothing for nil.
func (v *Verification) WriteText(w io.Writer) {
	if v == nil {
		return
	}
	if v.Skipped != "" {
		fmt.Fprintf(w, "verified:  no — %s\n", v.Skipped)
		return
	}
	fmt.Fprintf(w, "verified:  %s read-back, expect %s: %.2f%% of blocks read (%d locations in %d subsections), %d mismatched, %d unreadable, %.1f s\n",
		v.Method, v.Expect, v.PercentRead, v.Samples, v.Subsections, v.Mismatches, len(v.Unreadable), v.Seconds)
	if v.Seed != "" {
		fmt.Fprintf(w, "plan seed: %s\n", v.Seed)
	}
	if len(v.FirstMismatches) > 0 {
		fmt.Fprintf(w, "first mismatching LBAs: %v\n", v.FirstMismatches)
	}
}

// WriteText writes the dry run: the drive and the plan, the record check,
// and whether every check passed.
func (r *DryRun) WriteText(w io.Writer) {
	r.Target.Write(w, "kesu: dry run: "+r.Target.Device+" would be erased:")
	if r.Record != "" {
		fmt.Fprintf(w, "  check      %s\n", r.Record)
	}
	if r.Refused == "" {
		fmt.Fprintln(w, "dry run: every check passed; nothing was written. The same command with --yes (or the typed confirmation) erases it.")
	}
}

// Verify is the result of kesu verify (its --json object).
type Verify struct {
	Device            string        `json:"device"`
	SizeBytes         int64         `json:"size_bytes"`
	LogicalBlockSize  int           `json:"logical_block_size"`
	PhysicalBlockSize int           `json:"physical_block_size"`
	Verification      *Verification `json:"verification"`
	Started           time.Time     `json:"started"`
	Finished          time.Time     `json:"finished"`
	Status            erase.Status  `json:"status"`
	Reason            string        `json:"reason,omitempty"`
}

// WriteText writes the result as "key:  value" lines.
func (r *Verify) WriteText(w io.Writer) {
	fmt.Fprintf(w, "device:    %s (%d bytes, %d/%d-byte blocks)\n", r.Device, r.SizeBytes, r.LogicalBlockSize, r.PhysicalBlockSize)
	r.Verification.WriteText(w)
	fmt.Fprintf(w, "result:    %s", r.Status)
	if r.Reason != "" {
		fmt.Fprintf(w, " — %s", r.Reason)
	}
	fmt.Fprintln(w)
}

// NewErase is the result of the overwrite pass res with pat on d, which
// the record names as class (a file, or a loop device over one — model
// names it — has its logical content overwritten, never a medium).
func NewErase(d *erase.Device, class report.Class, model string, pat erase.Pattern, res *erase.PassResult) Erase {
	kind, scope := "file", "every addressable block of the device"
	if d.IsBlockDevice() {
		kind = "block device"
	}
	switch {
	case class == report.ClassFile && d.IsBlockDevice():
		scope = "a " + model + ": " + FileScope
	case class == report.ClassFile:
		scope = FileScope
	}
	r := Erase{
		Device: d.Path(), Kind: kind, Scope: scope, SizeBytes: d.Size(), LogicalBlockSize: d.LogicalBlockSize(),
		PhysicalBlockSize: d.PhysicalBlockSize(), Pattern: pat.String(), KeyID: pat.KeyID(),
		BytesWritten: res.Overwrite.BytesWritten, Unwritable: nonNil(res.Overwrite.Unwritable),
		WriteSeconds: res.Overwrite.Duration.Seconds(), WriteBytesPerSec: res.Overwrite.Throughput(),
		Started: res.Started, Finished: res.Finished, Seconds: res.Duration.Seconds(),
		Status: res.Status, Reason: res.Reason, Detail: res,
	}
	if res.Verify != nil {
		r.Verification = SummarizeVerify(res.Verify)
	} else {
		r.Verification = &Verification{Skipped: res.VerifySkipped}
	}
	return r
}

// SetRecord says where the record went (journal, signed by the key with
// fingerprint, "" for none) and what it concludes: a, or why it could not
// be completed (err).
func (r *Erase) SetRecord(journal, fingerprint string, a *report.Assessment, err error) {
	r.Record = &Record{Journal: journal, Fingerprint: fingerprint}
	if a != nil {
		r.Record.Status, r.Record.Wording = a.Status, a.Lines("en")
	} else if err != nil {
		r.Record.Error = "the record could not be completed: " + err.Error()
	}
}

package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// VerifySummary is one journal's verification as `kesu report verify
// --json` prints it: the record's integrity and, apart from it, the drives'
// outcome recomputed from their recorded steps.
type VerifySummary struct {
	Path string `json:"path"`
	// Integrity is INTACT, INCOMPLETE, UNTRUSTED or INVALID (or ERROR when
	// the file could not be read).
	Integrity VerifyStatus  `json:"integrity"`
	Problems  []ProblemJSON `json:"problems"`
	Warnings  []string      `json:"warnings,omitempty"`
	// CRLF is set when the file's line endings were converted to CRLF
	// and the records were verified with the CRs removed.
	CRLF    bool   `json:"crlf_converted,omitempty"`
	Records int64  `json:"records"`
	Head    string `json:"head,omitempty"`
	Sealed  bool   `json:"sealed"`
	Key     string `json:"key_fingerprint,omitempty"`
	Trusted bool   `json:"trusted"`
	// Trust is what the signature vouches for (TrustOf); nil when the
	// file could not be read.
	Trust     *Trust         `json:"trust,omitempty"`
	RunID     string         `json:"run_id,omitempty"`
	Outcome   DriveCounts    `json:"outcome"`
	AllPassed bool           `json:"all_drives_passed"`
	Drives    []DriveSummary `json:"drives"`
}

// ProblemJSON is a Problem as JSON.
type ProblemJSON struct {
	Kind   ProblemKind `json:"kind"`
	Line   int         `json:"line,omitempty"`
	Seq    int64       `json:"seq"`
	Detail string      `json:"detail"`
}

// DriveSummary is one drive's recomputed outcome.
type DriveSummary struct {
	ID        int      `json:"id"`
	Bay       string   `json:"bay"`
	Model     string   `json:"model"`
	Serial    string   `json:"serial"`
	Status    Status   `json:"status"`
	Reached   Level    `json:"reached"`
	Method    Method   `json:"method,omitempty"`
	Wording   []string `json:"wording"`
	RecordSHA string   `json:"record_sha256,omitempty"`
}

// Summary returns the result in the form `kesu report verify --json`
// prints. The drives are listed unless the journal is INVALID.
func (r *Result) Summary() VerifySummary {
	v := VerifySummary{Path: r.Path, Integrity: r.Status, Warnings: r.Warnings, CRLF: r.CRLF, Records: r.Records, Head: r.Head,
		Sealed: r.Sealed, Trusted: r.Trusted, Problems: []ProblemJSON{}, Drives: []DriveSummary{},
		Outcome: r.Outcome, AllPassed: r.Outcome.AllPassed()}
	for _, p := range r.Problems {
		v.Problems = append(v.Problems, ProblemJSON{p.Kind, p.Line, p.Seq, p.Detail})
	}
	if r.Key != nil {
		v.Key = r.Key.Fingerprint
	}
	t := TrustOf(r)
	v.Trust = &t
	if r.Run == nil || r.Status == Invalid {
		return v
	}
	v.RunID = r.Run.Start.RunID
	for _, d := range r.Run.Drives {
		f := d.Facts(r.Run.Start.Policy)
		s := DriveSummary{ID: d.Drive.ID, Bay: d.Drive.Identity.Bay, Model: d.Drive.Identity.Model, Serial: d.Drive.Identity.Serial,
			Status: f.Assessment.Status, Reached: f.Assessment.Reached, Wording: f.Assessment.Lines("en"), RecordSHA: d.ResultHash}
		if f.Attempt != nil {
			s.Method = f.Attempt.Method
		}
		v.Drives = append(v.Drives, s)
	}
	return v
}

// WriteText writes the result for a reader: the record's integrity and its
// problems, then — unless the record is INVALID — the drives' outcome, one
// line per drive and its wording. The two are kept apart: an intact record
// of a failed erase says INTACT and then FAIL.
func (r *Result) WriteText(w io.Writer) {
	fmt.Fprintln(w, r.Path)
	fmt.Fprintf(w, "  record: %s", r.Status)
	switch {
	case r.Status == Intact:
		fmt.Fprintf(w, " — %d records, sealed %s, signed by trusted key %s\n",
			r.Records, r.Run.SealTime.Format(time.RFC3339), FormatFingerprint(r.Key.Fingerprint))
	default:
		fmt.Fprintln(w)
		for _, p := range r.Problems {
			fmt.Fprintf(w, "    %s\n", p.Error())
		}
		if r.Status != Invalid && r.Records > 0 {
			fmt.Fprintf(w, "    %d records verified intact", r.Records)
			if r.Status == Untrusted {
				fmt.Fprint(w, "; the content below is NOT vouched for by a trusted key")
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintf(w, "  trust: %s\n", TrustOf(r).Text)
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
	if r.Run == nil || r.Status == Invalid {
		fmt.Fprintln(w, "  drives: not shown — the record cannot be trusted")
		return
	}
	switch {
	case r.Outcome.AllPassed():
		fmt.Fprintf(w, "  drives: %s — every drive passed\n", r.Outcome)
	default:
		fmt.Fprintf(w, "  drives: %s — NOT every drive passed: this run is not a completed erasure\n", r.Outcome)
	}
	for _, u := range r.Outcome.Unreached {
		fmt.Fprintf(w, "    not reached: %s\n", u)
	}
	for _, u := range r.Outcome.Rewritten {
		fmt.Fprintf(w, "    written by its controller after the erase: %s\n", u)
	}
	st := r.Run.Start
	fmt.Fprintf(w, "  run %s on %s %s (serial %s)\n", st.RunID, orNone(st.Host.SysVendor), orNone(st.Host.ProductName), orNone(st.Host.ProductSerial))
	pol := string(st.Policy.Level)
	if st.Policy.MICCategory != 0 {
		pol = strings.TrimPrefix(fmt.Sprintf("%s, MIC category (%d)", pol, st.Policy.MICCategory), ", ")
	}
	fmt.Fprintf(w, "  policy %s; verification %s", orNone(pol), st.Policy.Verify.Mode)
	if st.Policy.Verify.Percent > 0 {
		fmt.Fprintf(w, " %g%%", st.Policy.Verify.Percent)
	}
	if st.Policy.ExtraOverwrite {
		fmt.Fprint(w, "; extra host overwrite after a firmware erase")
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  DRIVE\tBAY\tMODEL\tSERIAL\tSTATUS\tLEVEL\tMETHOD")
	facts := make([]DriveFacts, len(r.Run.Drives))
	for i, d := range r.Run.Drives {
		facts[i] = d.Facts(st.Policy)
		f := facts[i]
		method := "-"
		if f.Attempt != nil {
			method = string(f.Attempt.Method)
		}
		id := d.Drive.Identity
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\n", d.Drive.ID, orNone(id.Bay), orNone(id.Model), orNone(id.Serial),
			f.Assessment.Status, f.Assessment.Reached, method)
	}
	tw.Flush()
	for i, d := range r.Run.Drives {
		a := facts[i].Assessment
		line := strings.Join(a.Lines("en"), "; ")
		if c := a.Cause("en"); c != "" {
			line += " — " + c
		}
		fmt.Fprintf(w, "  drive %d: %s\n", d.Drive.ID, line)
	}
	if len(r.Run.Drives) > 0 {
		fmt.Fprintln(w, "  "+VerificationNote)
	}
}

// VerificationNote says, in NIST SP 800-88 Rev. 2's words, what a drive's
// status from kesu is and what it is not.
const VerificationNote = "each drive's status is the verification of its sanitization (NIST SP 800-88 Rev. 2 §4.5.1), recomputed from the recorded steps; " +
	"validation (§4.5.2), the organization's review of it against the data's sensitivity and its acceptance, is not kesu's to give"

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

package report_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/reporttest"
)

func sampleRing() report.KeyRing {
	ring := report.KeyRing{}
	ring.Add(reporttest.Signer().PublicKey())
	return ring
}

// A journal whose line endings were converted to CRLF (copied through
// Windows) is recognised and named: its records are verified with the CRs
// removed — the bytes kesu wrote — and the result says so in a warning. It
// used to be INVALID: "not a valid record (json: unknown field "sig")".
func TestVerifyCRLFJournal(t *testing.T) {
	data, err := os.ReadFile(reporttest.WriteSample(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	want := report.Verify(report.SplitJournal(data), sampleRing())
	crlf := bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))

	got := report.Verify(report.SplitJournal(crlf), sampleRing())
	if got.Status != report.Intact || !got.CRLF || got.Records != want.Records || got.Head != want.Head || got.Outcome.String() != want.Outcome.String() {
		t.Errorf("Verify(CRLF journal) = %s, crlf %v, %d records, head %.12s, %s; want %s, true, %d, %.12s, %s (the LF journal's)",
			got.Status, got.CRLF, got.Records, got.Head, got.Outcome, want.Status, want.Records, want.Head, want.Outcome)
	}
	if len(got.Warnings) == 0 || !strings.Contains(got.Warnings[0], "converted to CRLF") || !strings.Contains(got.Warnings[0], "dos2unix") {
		t.Errorf("Verify(CRLF journal) warnings = %q; want the CRLF conversion named first", got.Warnings)
	}
	if s := got.Summary(); !s.CRLF {
		t.Errorf("Summary().CRLF = false for a CRLF journal")
	}
	var text bytes.Buffer
	got.WriteText(&text)
	if !strings.Contains(text.String(), "warning: the file's line endings were converted to CRLF") || !strings.Contains(text.String(), `tr -d '\r'`) {
		t.Errorf("WriteText(CRLF journal) does not name the conversion:\n%s", text.String())
	}

	// The CRs removed, an altered record is still found.
	bad := bytes.Clone(crlf)
	i := bytes.Index(bad, []byte(`"serial":"ZC1ABCDE"`))
	if i < 0 {
		t.Fatal("the sample has no serial ZC1ABCDE")
	}
	bad[i+len(`"serial":"`)] = 'X'
	if r := report.Verify(report.SplitJournal(bad), sampleRing()); r.Status != report.Invalid || !r.CRLF {
		t.Errorf("Verify(altered CRLF journal) = %s, crlf %v; want INVALID, true", r.Status, r.CRLF)
	}

	// Only some lines with a CR: not a conversion of the whole file. The
	// lines stay as read (the one with a CR fails), and the CRs are named.
	lines := bytes.SplitAfter(data, []byte("\n"))
	lines[3] = bytes.Replace(lines[3], []byte("\n"), []byte("\r\n"), 1)
	mixed := report.Verify(report.SplitJournal(bytes.Join(lines, nil)), sampleRing())
	if mixed.Status != report.Invalid || mixed.CRLF || len(mixed.Warnings) == 0 || !strings.Contains(mixed.Warnings[0], "1 of the file's") {
		t.Errorf("Verify(one CRLF line) = %s, crlf %v, warnings %q; want INVALID, false, the CR named", mixed.Status, mixed.CRLF, mixed.Warnings)
	}
}

package report_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/reporttest"
)

// TestSampleJournalValidates checks the golden journal against
// docs/record.schema.json with the independent validator.
func TestSampleJournalValidates(t *testing.T) {
	b, err := os.ReadFile("testdata/sample.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	n, err := reporttest.CheckJournal(b)
	if err != nil {
		t.Fatalf("testdata/sample.jsonl: %v", err)
	}
	if want := bytes.Count(b, []byte{'\n'}); n != want {
		t.Errorf("CheckJournal(sample.jsonl) checked %d lines, want %d", n, want)
	}
}

// TestRecord1JournalValidates checks a journal written by a kesu-record/1
// kesu (testdata/sample-record1.jsonl: the golden sample as commit 235b9e5^
// wrote it, signed with the test key) against the schema, which describes
// both versions.
func TestRecord1JournalValidates(t *testing.T) {
	const path = "testdata/sample-record1.jsonl"
	ring := report.KeyRing{}
	ring.Add(reporttest.Signer().PublicKey())
	res, err := report.VerifyFile(path, ring)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != report.Intact || res.Run.Start.Schema != report.SchemaVersion1 {
		t.Fatalf("%s: %s, schema %q, problems %v; want an intact %s journal", path, res.Status, res.Run.Start.Schema, res.Problems, report.SchemaVersion1)
	}
	reporttest.ValidateJournalFile(t, path)
}

// TestSchemaRejects shows that the schema, through the validator, refuses
// a line of the sample journal with one thing wrong: a misspelled,
// missing or unknown member, a wrong type or value, a broken envelope.
func TestSchemaRejects(t *testing.T) {
	b, err := os.ReadFile("testdata/sample.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	find := func(kind, with string) string {
		t.Helper()
		for _, l := range lines {
			if strings.Contains(l, `"kind":"`+kind+`"`) && strings.Contains(l, with) {
				return l
			}
		}
		t.Fatalf("sample.jsonl has no %s record", kind)
		return ""
	}
	start, attempt, result, seal := find("run-start", ""), find("attempt", `"bytes_written"`), find("drive-result", `"FAIL"`), find("seal", "")
	attemptSeq, _, _ := strings.Cut(attempt, ",") // {"seq":N
	for _, c := range []struct {
		name, line, old, new string
	}{
		{"misspelled body member", attempt, `"bytes_written":`, `"bytes_writen":`},
		{"unknown body member", attempt, `"passes":1,`, `"passes":1,"colour":"red",`},
		{"wrong type", attempt, `"passes":1,`, `"passes":"1",`},
		{"negative size", attempt, `"target_bytes":`, `"target_bytes":-`},
		{"missing required member", attempt, `"mechanism":"pwrite O_DIRECT, 1 MiB blocks",`, ``},
		{"unknown method", attempt, `"method":"overwrite"`, `"method":"shred"`},
		{"unknown outcome", attempt, `"outcome":"success"`, `"outcome":"ok"`},
		{"member of another kind's body", attempt, `"passes":1,`, `"passes":1,"assessment":{},`},
		{"unknown status", result, `"status":"FAIL"`, `"status":"FAILED"`},
		{"misspelled nested member", result, `"destroy_required":`, `"destroy_requried":`},
		{"unknown schema version", start, `"schema":"kesu-record/2"`, `"schema":"kesu-record/3"`},
		{"misspelled run-start member", start, `"sanitizer":`, `"sanitiser":`},
		{"bad fingerprint", seal, `"fingerprint":"5647`, `"fingerprint":"XX47`},
		{"unknown kind", attempt, `"kind":"attempt"`, `"kind":"attempts"`},
		{"body of another kind", attempt, `"kind":"attempt"`, `"kind":"seal"`},
		{"run-start after seq 0", start, `"seq":0,`, `"seq":1,`},
		{"seq 0 not a run-start", attempt, attemptSeq + ",", `{"seq":0,`},
		{"prev not 64 hex digits", attempt, `"prev":"`, `"prev":"0`},
		{"prev in upper case", attempt, `"prev":"`, `"prev":"A`},
		{"sig in upper case", attempt, `"sig":"`, `"sig":"A`},
		{"time not in UTC", attempt, `Z","kind"`, `+09:00","kind"`},
		{"time not a date-time", attempt, `"time":"2026-05-14T`, `"time":"2026-13-14T`},
		{"unknown envelope member", attempt, `"sig":`, `"signature":`},
		{"missing body", seal, `"body":`, `"bogy":`},
	} {
		bad := strings.Replace(c.line, c.old, c.new, 1)
		if bad == c.line {
			t.Fatalf("%s: %q is not in the line", c.name, c.old)
		}
		if err := reporttest.CheckLine([]byte(c.line)); err != nil {
			t.Fatalf("%s: the original line does not validate: %v", c.name, err)
		}
		if err := reporttest.CheckLine([]byte(bad)); err != nil {
			t.Logf("%s: %v", c.name, err)
		} else {
			t.Errorf("%s: CheckLine(%s) = nil; want a schema error", c.name, bad)
		}
	}
}

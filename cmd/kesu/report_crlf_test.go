package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/report/cert"
)

// A journal copied through Windows (CRLF line endings) is named as such by
// every report reader, and verifies as the journal it was: report verify
// exits as for the original (8: intact, drives failed), not 7 (INVALID,
// "bad signature"); report csv writes its rows and warns.
func TestReportReadersNameCRLF(t *testing.T) {
	journal, pub := sampleFiles(t)
	data, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	crlf := filepath.Join(t.TempDir(), "copied.jsonl")
	if err := os.WriteFile(crlf, bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := kesuCmd(t, "report", "verify", crlf, "--pubkey", pub)
	if code != exitDrivesNotPassed || !strings.Contains(out, "record: INTACT — 19 records") ||
		!strings.Contains(out, "warning: the file's line endings were converted to CRLF (e.g. by a Windows copy); the signature covers the original bytes: convert it back with `dos2unix` or `tr -d '\\r'`") {
		t.Errorf("kesu report verify CRLF journal: exit %d; want %d, INTACT and the conversion named\n%s%s", code, exitDrivesNotPassed, out, stderr)
	}
	out, stderr, code = kesuCmd(t, "report", "verify", "--json", crlf, "--pubkey", pub)
	if code != exitDrivesNotPassed || !strings.Contains(out, `"crlf_converted": true`) {
		t.Errorf("kesu report verify --json CRLF journal: exit %d; want %d and crlf_converted\n%s%s", code, exitDrivesNotPassed, out, stderr)
	}
	lfCSV, _, _ := kesuCmd(t, "report", "csv", journal, "--pubkey", pub)
	out, stderr, code = kesuCmd(t, "report", "csv", crlf, "--pubkey", pub)
	if code != 0 || !strings.Contains(stderr, "warning: "+crlf+": the file's line endings were converted to CRLF") {
		t.Errorf("kesu report csv CRLF journal: exit %d, stderr %q; want 0 and the conversion named", code, stderr)
	}
	if want := strings.ReplaceAll(lfCSV, filepath.Base(journal), filepath.Base(crlf)); out != want {
		t.Errorf("kesu report csv of the CRLF journal differs from the original's:\n%s\nwant\n%s", out, want)
	}
	if _, err := cert.FindFont(""); err != nil {
		t.Skip(err)
	}
	out, stderr, code = kesuCmd(t, "report", "pdf", crlf, "--pubkey", pub, "--out", t.TempDir(), "--drive", "1")
	if code != 0 || out == "" || !strings.Contains(stderr, "warning: "+crlf+": the file's line endings were converted to CRLF") {
		t.Errorf("kesu report pdf CRLF journal: exit %d, stdout %q, stderr %q; want 0, a certificate and the conversion named", code, out, stderr)
	}
}

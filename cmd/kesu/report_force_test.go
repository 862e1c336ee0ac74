package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/report/cert"
)

// dirNames lists a directory's entries.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// report pdf never overwrites a certificate without --force: it refuses
// (exit 3) before writing any, and with --force replaces them, leaving no
// temporary file.
func TestReportPDFRefusesOverwrite(t *testing.T) {
	if _, err := cert.FindFont(""); err != nil {
		t.Skip(err)
	}
	journal, pub := sampleFiles(t)
	out := t.TempDir()
	stdout, stderr, code := kesuCmd(t, "report", "pdf", journal, "--out", out, "--pubkey", pub, "--drive", "2")
	if code != 0 {
		t.Fatalf("kesu report pdf: exit %d\n%s", code, stderr)
	}
	existing := strings.TrimSpace(stdout)
	old := []byte("a certificate already filed\n")
	if err := os.WriteFile(existing, old, 0o644); err != nil {
		t.Fatal(err)
	}

	// All drives: one of the three exists, so none is written.
	stdout, stderr, code = kesuCmd(t, "report", "pdf", journal, "--out", out, "--pubkey", pub)
	if code != exitRefused || stdout != "" || !strings.Contains(stderr, existing+" already exists") || !strings.Contains(stderr, "--force") {
		t.Errorf("kesu report pdf over an existing certificate: exit %d, stdout %q, stderr %q; want %d, the file named and --force", code, stdout, stderr, exitRefused)
	}
	if got, _ := os.ReadFile(existing); !bytes.Equal(got, old) {
		t.Error("kesu report pdf without --force overwrote an existing certificate")
	}
	if names := dirNames(t, out); len(names) != 1 {
		t.Errorf("after the refusal %s holds %q; want only the existing certificate", out, names)
	}

	stdout, stderr, code = kesuCmd(t, "report", "pdf", journal, "--out", out, "--pubkey", pub, "--force")
	if code != 0 || len(strings.Fields(stdout)) != 3 {
		t.Fatalf("kesu report pdf --force: exit %d, stdout %q\n%s", code, stdout, stderr)
	}
	if got, _ := os.ReadFile(existing); !bytes.HasPrefix(got, []byte("%PDF-")) {
		t.Errorf("kesu report pdf --force left %s as %.30q; want a new PDF", existing, got)
	}
	if names := dirNames(t, out); len(names) != 3 {
		t.Errorf("after --force %s holds %q; want the 3 certificates and nothing else", out, names)
	}
}

// report csv --out refuses the same way.
func TestReportCSVRefusesOverwrite(t *testing.T) {
	journal, pub := sampleFiles(t)
	dir := t.TempDir()
	ledger := filepath.Join(dir, "ledger.csv")
	old := []byte("the office's ledger\n")
	if err := os.WriteFile(ledger, old, 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := kesuCmd(t, "report", "csv", journal, "--pubkey", pub, "--out", ledger)
	if code != exitRefused || !strings.Contains(stderr, ledger+" already exists") {
		t.Errorf("kesu report csv --out over an existing file: exit %d, stderr %q; want %d and the file named", code, stderr, exitRefused)
	}
	if got, _ := os.ReadFile(ledger); !bytes.Equal(got, old) {
		t.Error("kesu report csv without --force overwrote the file")
	}
	want, _, _ := kesuCmd(t, "report", "csv", journal, "--pubkey", pub)
	if _, stderr, code := kesuCmd(t, "report", "csv", journal, "--pubkey", pub, "--out", ledger, "--force"); code != 0 {
		t.Fatalf("kesu report csv --force: exit %d\n%s", code, stderr)
	}
	if got, _ := os.ReadFile(ledger); string(got) != want {
		t.Errorf("kesu report csv --force wrote %q; want the CSV", got)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("after --force %s holds %q; want only the ledger", dir, names)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/cert"
	"github.com/kesu-erase/kesu/report/reporttest"
)

// kesuCmd runs the CLI in-process and returns stdout, stderr and the exit
// status main would have used.
func kesuCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), append([]string{"kesu"}, args...), &out, &errb)
	code := exitCode(err, &errb)
	return out.String(), errb.String(), code
}

// sampleFiles writes the sample journal and the test public key and
// returns their paths.
func sampleFiles(t *testing.T) (journal, pubkey string) {
	t.Helper()
	dir := t.TempDir()
	return reporttest.WriteSample(t, dir), reporttest.WritePublicKey(t, dir, "trusted.pub", reporttest.Key())
}

func TestKeygen(t *testing.T) {
	dir := t.TempDir()
	out, stderr, code := kesuCmd(t, "keygen", "--out", dir)
	if code != 0 {
		t.Fatalf("kesu keygen: exit %d\n%s", code, stderr)
	}
	s, err := report.LoadSigner(filepath.Join(dir, report.PrivateKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	// The fingerprint is printed in groups of four hex digits.
	grouped := report.FormatFingerprint(s.Fingerprint())
	if !strings.Contains(out, grouped[:39]) || !strings.Contains(out, grouped[40:]) {
		t.Errorf("kesu keygen output lacks the fingerprint %s:\n%s", grouped, out)
	}
	fi, err := os.Stat(filepath.Join(dir, report.PrivateKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("private key mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	if _, stderr, code := kesuCmd(t, "keygen", "--out", dir); code == 0 || !strings.Contains(stderr, "refusing to overwrite") {
		t.Errorf("kesu keygen over existing keys: exit %d, stderr %q; want a refusal", code, stderr)
	}
	if _, _, code := kesuCmd(t, "keygen"); code != 2 {
		t.Errorf("kesu keygen without --out: exit %d; want 2", code)
	}
}

// Issue 12 item 5: the sample run holds one drive that passed and two that
// failed. Its record is intact, but it is not a completed erasure: verify
// says both, and exits 8 (fe5492b said VERIFIED and exited 0).
func TestReportVerify(t *testing.T) {
	journal, pub := sampleFiles(t)
	// Flags after the journals, as the usage line shows them.
	out, stderr, code := kesuCmd(t, "report", "verify", journal, "--pubkey", pub)
	if code != exitDrivesNotPassed {
		t.Fatalf("kesu report verify: exit %d; want %d (drives failed)\n%s%s", code, exitDrivesNotPassed, out, stderr)
	}
	for _, want := range []string{
		"record: INTACT — 19 records",
		"5647 5aa7 5463 474c",
		"drives: 1 PASS, 2 FAIL — NOT every drive passed",
		"Bay 0  SAMSUNG MZQL21T9HCJR-00A07  S64GNE0R812345        PASS    Purge  nvme-sanitize-crypto-erase",
		"Bay 1  ST4000NM0035-1V4107         ZC1ABCDE              FAIL    Clear  overwrite",
		"drive 2: Clear reached; Purge not reached — destroy required; Clear under NIST SP 800-88 Rev. 2 (§3.1.1, §4.4) and IEEE 2883-2022; the same under Rev. 1 (App. A); MIC category (2): requirement met",
		"each drive's status is the verification of its sanitization (NIST SP 800-88 Rev. 2 §4.5.1)",
		"validation (§4.5.2), the organization's review of it",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("kesu report verify output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "VERIFIED") {
		t.Errorf("output says VERIFIED for a run with failed drives:\n%s", out)
	}
	// A run whose every drive passed: exit 0.
	small := reporttest.WriteSmall(t, t.TempDir())
	out, stderr, code = kesuCmd(t, "report", "verify", small, "--pubkey", pub)
	if code != 0 || !strings.Contains(out, "drives: 1 PASS — every drive passed") {
		t.Errorf("all-PASS journal: exit %d; want 0\n%s%s", code, out, stderr)
	}
	// With several journals the worst wins; a failed drive outweighs a pass.
	if _, _, code := kesuCmd(t, "report", "verify", small, journal, "--pubkey", pub); code != exitDrivesNotPassed {
		t.Errorf("passing and failing journals together: exit %d; want %d", code, exitDrivesNotPassed)
	}
}

// An interrupted erase leaves an unsealed journal: exit 5, never 0.
func TestReportVerifyInterrupted(t *testing.T) {
	dir := t.TempDir()
	pub := reporttest.WritePublicKey(t, dir, "trusted.pub", reporttest.Key())
	j, err := report.Create(dir, reporttest.Signer(), reporttest.Start(reporttest.PurgePolicy))
	if err != nil {
		t.Fatal(err)
	}
	dl, err := j.Drive(reporttest.NVMeDrive())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dl.BeginAttempt(report.MethodNVMeSanitizeCryptoErase, reporttest.Epoch); err != nil {
		t.Fatal(err)
	}
	j.Close() // the power went out
	out, _, code := kesuCmd(t, "report", "verify", j.Path(), "--pubkey", pub)
	if code != exitJournalIncomplete || !strings.Contains(out, "record: INCOMPLETE") {
		t.Errorf("interrupted run: exit %d; want %d\n%s", code, exitJournalIncomplete, out)
	}
}

func TestReportVerifyFailures(t *testing.T) {
	journal, pub := sampleFiles(t)
	data, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	lines := report.SplitJournal(data).Lines
	flipped := append([]byte(nil), data...)
	i := bytes.Index(flipped, []byte(`"serial":"ZC1ABCDE"`)) + len(`"serial":"`)
	flipped[i] = 'X' // one byte of drive 2's serial
	removed := bytes.Join(append(append([][]byte{}, lines[:5]...), lines[6:]...), []byte("\n"))
	removed = append(removed, '\n')
	other := reporttest.WritePublicKey(t, dir, "other.pub", reporttest.OtherKey())

	tests := []struct {
		name    string
		args    []string
		code    int
		want    []string
		notWant string
	}{
		{"one byte changed", []string{write("flipped.jsonl", flipped), "--pubkey", pub}, exitJournalInvalid,
			[]string{"INVALID", "line 3 (record 2): bad-signature"}, "PASS"},
		{"record removed", []string{write("removed.jsonl", removed), "--pubkey", pub}, exitJournalInvalid,
			[]string{"INVALID", "line 6 (record 6): removed: record 5 is missing"}, "PASS"},
		{"cut short by a power loss", []string{write("cut.jsonl", data[:len(data)-100]), "--pubkey", pub}, exitJournalIncomplete,
			[]string{"INCOMPLETE", "truncated", "18 records verified intact", "S64GNE0R812345"}, ""},
		{"wrong key", []string{journal, "--pubkey", other}, exitJournalUntrusted,
			[]string{"UNTRUSTED", "unknown-key", "NOT vouched for"}, ""},
		{"worst of several wins", []string{journal, write("flipped2.jsonl", flipped), write("cut2.jsonl", data[:len(data)-100]), "--pubkey", pub}, exitJournalInvalid,
			[]string{"INTACT", "INVALID", "INCOMPLETE"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := kesuCmd(t, append([]string{"report", "verify"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d; want %d\n%s%s", code, tc.code, out, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if tc.notWant != "" && strings.Contains(out, tc.notWant) {
				t.Errorf("output of an invalid journal shows %q:\n%s", tc.notWant, out)
			}
		})
	}
	if _, _, code := kesuCmd(t, "report", "verify", journal); code != 2 {
		t.Errorf("kesu report verify without --pubkey: exit %d; want 2", code)
	}
	if _, _, code := kesuCmd(t, "report", "verify", filepath.Join(dir, "missing.jsonl"), "--pubkey", pub); code != 1 {
		t.Errorf("kesu report verify of a missing file: exit %d; want 1", code)
	}
}

func TestReportVerifyJSON(t *testing.T) {
	journal, pub := sampleFiles(t)
	out, _, code := kesuCmd(t, "report", "verify", "--json", "--pubkey", pub, journal)
	if code != exitDrivesNotPassed {
		t.Fatalf("exit %d; want %d", code, exitDrivesNotPassed)
	}
	var got []report.VerifySummary
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if len(got) != 1 || got[0].Integrity != report.Intact || got[0].AllPassed || got[0].Outcome.Pass != 1 || got[0].Outcome.Fail != 2 ||
		len(got[0].Drives) != 3 || got[0].Drives[0].Serial != "S64GNE0R812345" || got[0].Drives[0].Status != report.StatusPass {
		t.Errorf("kesu report verify --json = %+v", got)
	}
}

func pdftotext(t *testing.T, path string) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed; run scripts/deps.sh")
	}
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", path, err)
	}
	return string(out)
}

func TestReportPDF(t *testing.T) {
	if _, err := cert.FindFont(""); err != nil {
		t.Skip(err)
	}
	journal, pub := sampleFiles(t)
	out := t.TempDir()
	stdout, stderr, code := kesuCmd(t, "report", "pdf", journal, "--out", out, "--pubkey", pub, "--tz", "Asia/Tokyo")
	if code != 0 {
		t.Fatalf("kesu report pdf: exit %d\n%s", code, stderr)
	}
	files := strings.Fields(stdout)
	if len(files) != 3 {
		t.Fatalf("kesu report pdf wrote %q; want 3 certificates", files)
	}
	text := pdftotext(t, files[0])
	for _, want := range []string{"データ消去証明書", "S64GNE0R812345", "NVMe Sanitize（暗号化消去）", "2026-05-14 18:00:00 JST"} {
		if !strings.Contains(text, want) {
			t.Errorf("certificate %s lacks %q:\n%s", files[0], want, text)
		}
	}
	// English, one drive.
	stdout, stderr, code = kesuCmd(t, "report", "pdf", "--lang", "en", "--drive", "2", "--out", out, "--pubkey", pub, "--tz", "UTC", journal)
	if code != 0 {
		t.Fatalf("kesu report pdf --lang en --drive 2: exit %d\n%s", code, stderr)
	}
	text = pdftotext(t, strings.TrimSpace(stdout))
	for _, want := range []string{"Certificate of Sanitization", "ZC1ABCDE", "Overwrite of every addressable block by the host", "Clear reached; Purge not reached — destroy required"} {
		if !strings.Contains(text, want) {
			t.Errorf("English certificate lacks %q:\n%s", want, text)
		}
	}
}

func TestReportPDFRefusesUnverified(t *testing.T) {
	if _, err := cert.FindFont(""); err != nil {
		t.Skip(err)
	}
	journal, pub := sampleFiles(t)
	data, _ := os.ReadFile(journal)
	data[len(data)/2] ^= 0x01
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, data, 0o644)
	out := t.TempDir()
	stdout, stderr, code := kesuCmd(t, "report", "pdf", bad, "--out", out, "--pubkey", pub)
	if code != exitJournalInvalid || stdout != "" || !strings.Contains(stderr, "no certificates printed") {
		t.Errorf("kesu report pdf of an altered journal: exit %d, stdout %q, stderr %q; want %d and a refusal", code, stdout, stderr, exitJournalInvalid)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("kesu report pdf of an altered journal wrote %d files", len(entries))
	}
	// A journal cut short: printable only when asked, and then marked.
	cut := filepath.Join(t.TempDir(), "cut.jsonl")
	orig, _ := os.ReadFile(journal)
	os.WriteFile(cut, orig[:len(orig)-100], 0o644)
	stdout, stderr, code = kesuCmd(t, "report", "pdf", cut, "--out", out, "--pubkey", pub, "--unverified", "--drive", "1")
	if code != 0 {
		t.Fatalf("kesu report pdf --unverified: exit %d\n%s", code, stderr)
	}
	text := pdftotext(t, strings.TrimSpace(stdout))
	if !strings.Contains(text, "UNVERIFIED") || !strings.Contains(text, "INCOMPLETE") {
		t.Errorf("certificate from an incomplete journal is not marked UNVERIFIED/INCOMPLETE:\n%s", text)
	}
}

func TestReportPDFFontMissing(t *testing.T) {
	journal, pub := sampleFiles(t)
	_, stderr, code := kesuCmd(t, "report", "pdf", journal, "--out", t.TempDir(), "--pubkey", pub, "--font", filepath.Join(t.TempDir(), "none.ttf"))
	if code != 1 || !strings.Contains(stderr, "font") {
		t.Errorf("kesu report pdf with a missing font: exit %d, stderr %q; want 1 and a font error", code, stderr)
	}
}

// The CLI's CSV of the sample is the golden file of package report.
func TestReportCSV(t *testing.T) {
	journal, pub := sampleFiles(t)
	out, stderr, code := kesuCmd(t, "report", "csv", journal, "--pubkey", pub)
	if code != 0 {
		t.Fatalf("kesu report csv: exit %d\n%s", code, stderr)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "report", "testdata", "sample.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("kesu report csv differs from report/testdata/sample.csv:\n%s", out)
	}
	// An altered journal: no CSV at all unless asked.
	data, _ := os.ReadFile(journal)
	data[100] ^= 0x01
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, data, 0o644)
	out, _, code = kesuCmd(t, "report", "csv", journal, bad, "--pubkey", pub)
	if code != exitJournalInvalid || out != "" {
		t.Errorf("kesu report csv with an altered journal: exit %d, output %q; want %d and nothing", code, out, exitJournalInvalid)
	}
	out, _, code = kesuCmd(t, "report", "csv", journal, bad, "--pubkey", pub, "--unverified")
	if code != 0 || !regexp.MustCompile(`(?m)^[^\n]*,INTACT,`).MatchString(out) {
		t.Errorf("kesu report csv --unverified: exit %d, output:\n%s", code, out)
	}
}

// report verify says, for each journal, what vouches for it: the trusted
// key and where the run held it, or that nothing does.
func TestReportVerifyStatesTrust(t *testing.T) {
	dir := t.TempDir()
	pub := reporttest.WritePublicKey(t, dir, "trusted.pub", reporttest.Key())
	var journals []string
	for _, c := range []struct {
		custody string
		signer  *report.Signer
	}{{report.CustodyStick, reporttest.Signer()}, {report.CustodyConsole, reporttest.Signer()}, {report.CustodyFile, reporttest.Signer()},
		{"", reporttest.Signer()}, {"", report.NewSigner(reporttest.OtherKey())}, {"", nil}} {
		name := "c-" + c.custody
		switch {
		case c.signer == nil:
			name = "unsigned"
		case c.custody == "" && len(journals) == 4:
			name = "other-key"
		case c.custody == "":
			name = "not-stated"
		}
		j, err := report.CreateWith(dir, c.signer, report.RunStart{RunID: name, Tool: report.Tool{Name: "kesu", Version: "t"}, KeyCustody: c.custody,
			Policy: report.Policy{Level: report.LevelClear, Verify: report.VerifyPolicy{Mode: report.VerifyNone}, Unsigned: c.signer == nil}},
			report.Options{Now: reporttest.NewClock(reporttest.Epoch).Now})
		if err != nil {
			t.Fatal(err)
		}
		if err := j.Seal(); err != nil {
			t.Fatal(err)
		}
		journals = append(journals, j.Path())
	}
	out, stderr, _ := kesuCmd(t, append(append([]string{"report", "verify"}, journals...), "--pubkey", pub)...)
	fp := report.FormatFingerprint(reporttest.Signer().Fingerprint())
	for i, want := range []string{
		"trust: signed with key " + fp + " (in your trusted keys), held on the boot stick\n",
		"trust: signed with key " + fp + " (in your trusted keys), opened at the machine's console from a passphrase-sealed key served on the boot network\n",
		"trust: signed with key " + fp + " (in your trusted keys), held in a key file given to the command line",
		"trust: signed with key " + fp + " (in your trusted keys), custody not stated",
		"trust: signed with key " + report.FormatFingerprint(report.NewSigner(reporttest.OtherKey()).Fingerprint()) + ", NOT in your trusted keys",
		"trust: unsigned — nothing but the policy's permission",
	} {
		// Each journal's block, from its path to the next one's.
		block := out[strings.Index(out, journals[i]+"\n"):]
		if i+1 < len(journals) {
			block = block[:strings.Index(block, journals[i+1]+"\n")]
		}
		if !strings.Contains(block, "  "+want) {
			t.Errorf("kesu report verify, journal %s: no line %q in\n%s%s", filepath.Base(journals[i]), want, block, stderr)
		}
	}
	out, _, _ = kesuCmd(t, append(append([]string{"report", "verify"}, journals...), "--pubkey", pub, "--json")...)
	var got []struct {
		Trust report.Trust `json:"trust"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	wantKinds := []report.TrustKind{report.TrustedKey, report.TrustedKey, report.TrustedKey, report.TrustedKey, report.UntrustedKey, report.Unsigned}
	wantCustody := []string{"stick", "console", "file", "", "", ""}
	for i := range wantKinds {
		if i >= len(got) || got[i].Trust.Kind != wantKinds[i] || got[i].Trust.Custody != wantCustody[i] {
			t.Errorf("--json journal %d trust = %+v; want kind %s, custody %q", i, got[min(i, len(got)-1)].Trust, wantKinds[i], wantCustody[i])
		}
	}
}

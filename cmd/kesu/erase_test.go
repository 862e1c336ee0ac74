package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/internal/loopdev"
	"github.com/kesu-erase/kesu/internal/view"
	"github.com/kesu-erase/kesu/report"
)

// kesu runs the CLI in-process and returns stdout, stderr and the exit
// status main would have used.
func kesu(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), append([]string{"kesu"}, args...), &out, &errb)
	code := exitCode(err, &errb)
	return out.String(), errb.String(), code
}

func fillFile(t *testing.T, path string, b byte) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, bytes.Repeat([]byte{b}, int(st.Size())), 0o600); err != nil {
		t.Fatal(err)
	}
}

func allBytes(t *testing.T, path string, b byte) bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return len(data) > 0 && bytes.Count(data, []byte{b}) == len(data)
}

func TestEraseRefusesWithoutYes(t *testing.T) {
	l := loopdev.New(t, "", 4<<20, 512)
	fillFile(t, l.Backing, 0x5a)
	_, stderr, code := kesu(t, "erase", "--device", l.Path, "--pattern", "zero")
	if code != exitRefused || !strings.Contains(stderr, "--yes") {
		t.Errorf("kesu erase without --yes: exit %d, stderr %q; want %d and a hint about --yes", code, stderr, exitRefused)
	}
	if !allBytes(t, l.Backing, 0x5a) {
		t.Error("kesu erase without --yes changed the device")
	}
}

func TestEraseRefusesMounted(t *testing.T) {
	if _, err := exec.LookPath("mkfs.ext4"); err != nil {
		t.Skip("mkfs.ext4 not installed")
	}
	l := loopdev.New(t, "", 16<<20, 512)
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", l.Path).CombinedOutput(); err != nil {
		t.Fatalf("mkfs.ext4: %v: %s", err, out)
	}
	// A marker in the filesystem's last (free) block: mounting leaves it
	// alone, an erase would not.
	marker := []byte("KESU-MARKER-do-not-erase")
	f, err := os.OpenFile(l.Backing, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(marker, 16<<20-512)
	f.Close()
	mnt := t.TempDir()
	if out, err := exec.Command("mount", l.Path, mnt).CombinedOutput(); err != nil {
		t.Fatalf("mount: %v: %s", err, out)
	}
	_, stderr, code := kesu(t, "erase", "--device", l.Path, "--yes")
	if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
		t.Fatalf("umount: %v: %s", err, out)
	}
	if code != exitRefused || !strings.Contains(stderr, "mounted at "+mnt) {
		t.Errorf("kesu erase of a mounted device: exit %d, stderr %q; want %d naming the mount point", code, stderr, exitRefused)
	}
	after, _ := os.ReadFile(l.Backing)
	if !bytes.Equal(after[16<<20-512:][:len(marker)], marker) {
		t.Error("the marker on the mounted device is gone: kesu wrote to it")
	}
}

func TestEraseLoopJSON(t *testing.T) {
	l := loopdev.New(t, "", 12<<20+512*3, 512)
	fillFile(t, l.Backing, 0x5a)
	stdout, stderr, code := kesu(t, "erase", "--device", l.Path, "--pattern", "0x00", "--verify", "10%", "--yes", "--json")
	if code != exitPass {
		t.Fatalf("kesu erase: exit %d; stderr:\n%s", code, stderr)
	}
	var rep view.Erase
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("--json output is not one JSON object: %v\n%s", err, stdout)
	}
	size := int64(12<<20 + 512*3)
	if rep.Status != erase.StatusPass || rep.SizeBytes != size || rep.BytesWritten != size || rep.Pattern != "zero" ||
		rep.LogicalBlockSize != 512 || len(rep.Unwritable) != 0 {
		t.Errorf("report = %+v; want PASS, %d bytes written with zero", rep, size)
	}
	v := rep.Verification
	if v == nil || v.Method != "sampled" || len(v.Seed) != 64 || v.PercentRequested != 10 || v.PercentRead < 10 ||
		v.Subsections != 1000 || v.Samples < 2000 || v.BlocksRead == 0 || v.Mismatches != 0 {
		t.Errorf("verification = %+v; want a 10%% sampled plan over 1000 subsections that read blocks", v)
	}
	if !allBytes(t, l.Backing, 0) {
		t.Error("after kesu erase --pattern zero the backing file is not all zeros")
	}
}

func TestVerifyFindsCorruptSector(t *testing.T) {
	l := loopdev.New(t, "", 8<<20, 512)
	// Zero the device, then plant one non-zero sector behind kesu's back.
	if _, stderr, code := kesu(t, "erase", "--device", l.Path, "--verify", "none", "--yes"); code != exitUnverified {
		t.Fatalf("kesu erase --verify none: exit %d; want %d (written, unverified)\n%s", code, exitUnverified, stderr)
	}
	f, err := os.OpenFile(l.Backing, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("secret"), 7777*512+10)
	f.Close()
	stdout, stderr, code := kesu(t, "verify", "--device", l.Path, "--expect", "zero", "--sample", "full", "--json")
	if code != exitFail {
		t.Fatalf("kesu verify over a planted sector: exit %d; want %d\n%s", code, exitFail, stderr)
	}
	var rep view.Verify
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Status != erase.StatusFail || rep.Verification.Mismatches != 1 || len(rep.Verification.FirstMismatches) != 1 || rep.Verification.FirstMismatches[0] != 7777 {
		t.Errorf("verify report = %+v; want FAIL with one mismatch at LBA 7777", rep.Verification)
	}
	// verify never writes.
	data, _ := os.ReadFile(l.Backing)
	if !bytes.Contains(data, []byte("secret")) {
		t.Error("kesu verify changed the device")
	}
}

func TestCLIUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"nosuchcommand"},
		{"erase"},
		{"erase", "--device", "/nonexistent", "--pattern", "twos", "--yes"},
		{"erase", "--device", "/nonexistent", "--verify", "200%", "--yes"},
		{"verify", "--device", "/nonexistent", "--expect", "random"},
		{"verify", "--device", "/nonexistent", "--sample", "none"},
	} {
		if _, _, code := kesu(t, args...); code != 2 {
			t.Errorf("kesu %q: exit %d; want 2", args, code)
		}
	}
}

func TestEraseRefusesCharDevice(t *testing.T) {
	_, stderr, code := kesu(t, "erase", "--device", "/dev/null", "--yes")
	if code != exitRefused {
		t.Errorf("kesu erase /dev/null: exit %d (%s); want %d", code, stderr, exitRefused)
	}
}

func TestEraseJournalVerifies(t *testing.T) {
	keys := t.TempDir()
	if _, stderr, code := kesu(t, "keygen", "--out", keys); code != 0 {
		t.Fatalf("kesu keygen: exit %d\n%s", code, stderr)
	}
	key := filepath.Join(keys, "kesu-signing.key")
	pub := filepath.Join(keys, "kesu-signing.pub")
	l := loopdev.New(t, "", 8<<20, 512)
	fillFile(t, l.Backing, 0x5a)
	records := t.TempDir()
	stdout, stderr, code := kesu(t, "erase", "--device", l.Path, "--yes", "--journal", records, "--key", key, "--json")
	if code != exitPass {
		t.Fatalf("kesu erase --journal: exit %d\n%s", code, stderr)
	}
	var rep view.Erase
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Record == nil || rep.Record.Status != report.StatusPass || rep.Record.Fingerprint == "" {
		t.Fatalf("record summary = %+v; want a signed PASS record", rep.Record)
	}
	journal := rep.Record.Journal
	if _, stderr, code := kesu(t, "report", "verify", journal, "--pubkey", pub); code != 0 {
		t.Fatalf("kesu report verify of a fresh journal: exit %d\n%s", code, stderr)
	}
	// One changed byte anywhere in the record must be caught.
	data, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(data, []byte(`"bytes_written":`)) + len(`"bytes_written":`)
	data[i] ^= 0x01 // 8388608 -> 9388608 or similar
	if err := os.WriteFile(journal, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, code := kesu(t, "report", "verify", journal, "--pubkey", pub); code == 0 {
		t.Fatal("kesu report verify accepted a journal with one byte changed")
	}
}

func TestEraseJournalFailsClosedWithoutKey(t *testing.T) {
	l := loopdev.New(t, "", 4<<20, 512)
	fillFile(t, l.Backing, 0x5a)
	_, stderr, code := kesu(t, "erase", "--device", l.Path, "--yes", "--journal", t.TempDir(), "--key", filepath.Join(t.TempDir(), "missing.key"))
	if code != exitRefused || !strings.Contains(stderr, "nothing was erased") {
		t.Errorf("kesu erase with a missing key: exit %d, %q; want %d, nothing erased", code, stderr, exitRefused)
	}
	if !allBytes(t, l.Backing, 0x5a) {
		t.Error("the device changed although the key was missing")
	}
	if _, _, code := kesu(t, "erase", "--device", l.Path, "--yes", "--journal", t.TempDir()); code != 2 {
		t.Errorf("--journal without --key or --unsigned: exit %d; want 2", code)
	}
}

func TestEraseAllBadConfigErasesNothing(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "kesu.toml")
	os.WriteFile(cfg, []byte("version = 1\n[policy]\nlevel = 'wipe-it-all'\n"), 0o644)
	_, stderr, code := kesu(t, "erase", "--all", "--config", cfg, "--yes")
	if code != exitRefused || !strings.Contains(stderr, "line 3") || !strings.Contains(stderr, "nothing will be erased") {
		t.Errorf("kesu erase --all with a bad policy: exit %d, %q; want %d naming line 3", code, stderr, exitRefused)
	}
	if _, err := os.Stat(filepath.Join(dir, "records")); err == nil {
		t.Error("a bad policy started a record: it must stop before anything")
	}
	if _, _, code := kesu(t, "erase", "--all", "--config", cfg); code != exitRefused {
		t.Errorf("kesu erase --all without --yes: exit %d; want %d", code, exitRefused)
	}
}

func TestEraseJournalNeedsVerification(t *testing.T) {
	if _, _, code := kesu(t, "erase", "--device", "/nonexistent", "--yes", "--journal", t.TempDir(), "--unsigned", "--verify", "none"); code != 2 {
		t.Errorf("--journal with --verify none: exit %d; want 2 (a record needs read-back)", code)
	}
}

func TestEraseRefusesTinyTarget(t *testing.T) {
	p := filepath.Join(t.TempDir(), "tiny")
	os.WriteFile(p, []byte("secret"), 0o600)
	if _, stderr, code := kesu(t, "erase", "--device", p, "--yes", "--journal", t.TempDir(), "--unsigned"); code != exitRefused {
		t.Errorf("kesu erase of a 6-byte file: exit %d (%s); want %d", code, stderr, exitRefused)
	}
}

// Issue 12 item 6: a file's result and certificate say "file overwrite —
// logical content only", never a NIST level of a medium (fe5492b recorded
// such a run as Clear).
func TestEraseFileIsLogicalContentOnly(t *testing.T) {
	keys := t.TempDir()
	if _, stderr, code := kesu(t, "keygen", "--out", keys); code != 0 {
		t.Fatalf("kesu keygen: exit %d\n%s", code, stderr)
	}
	file := filepath.Join(t.TempDir(), "data.img")
	if err := os.WriteFile(file, bytes.Repeat([]byte{0x5a}, 4<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	records := t.TempDir()
	stdout, stderr, code := kesu(t, "erase", "--device", file, "--yes", "--journal", records, "--key", filepath.Join(keys, "kesu-signing.key"), "--json")
	if code != exitPass {
		t.Fatalf("kesu erase FILE --journal: exit %d\n%s", code, stderr)
	}
	var rep view.Erase
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rep.Scope, "file overwrite — logical content only") {
		t.Errorf("scope = %q; want file overwrite — logical content only", rep.Scope)
	}
	words := strings.Join(rep.Record.Wording, " ")
	if rep.Record.Status != report.StatusPass || !strings.Contains(words, "logical content only") || strings.Contains(words, "Clear reached") {
		t.Errorf("record: %s %q; want PASS, logical content only, no level", rep.Record.Status, rep.Record.Wording)
	}
	vr, err := report.VerifyFile(rep.Record.Journal, report.KeyRing{})
	if err != nil {
		t.Fatal(err)
	}
	if c := vr.Run.Start.KeyCustody; c != report.CustodyFile {
		t.Errorf("run-start key_custody = %q; want %q (signed with --key)", c, report.CustodyFile)
	}
	d := vr.Run.Drives[0]
	a := d.Assessment(vr.Run.Start.Policy)
	if d.Drive.Class != report.ClassFile || a.Reached != report.LevelNone || a.NISTRev1 != report.LevelNone || a.MICMet != 0 {
		t.Errorf("record: class %s, reached %s, Rev.1 %s, MIC %d; want file, none, none, 0", d.Drive.Class, a.Reached, a.NISTRev1, a.MICMet)
	}
	out := t.TempDir()
	if _, stderr, code := kesu(t, "report", "pdf", rep.Record.Journal, "--out", out, "--lang", "en",
		"--pubkey", filepath.Join(keys, "kesu-signing.pub")); code != 0 {
		t.Fatalf("kesu report pdf: exit %d\n%s", code, stderr)
	}
	pdfs, _ := filepath.Glob(filepath.Join(out, "*.pdf"))
	if len(pdfs) != 1 {
		t.Fatalf("certificates: %v", pdfs)
	}
	text := strings.Join(strings.Fields(pdftotext(t, pdfs[0])), " ")
	if !strings.Contains(text, "logical content only") || strings.Contains(text, "Clear reached") {
		t.Errorf("file certificate does not say logical content only, or claims Clear:\n%s", text)
	}
}

// A loop device is a file in a block device's clothes: its record says file
// overwrite — logical content only, never Clear of a medium (found by
// review).
func TestEraseLoopDeviceIsLogicalContentOnly(t *testing.T) {
	l := loopdev.New(t, "", 4<<20, 512)
	stdout, stderr, code := kesu(t, "erase", "--device", l.Path, "--yes", "--journal", t.TempDir(), "--unsigned", "--json")
	if code != exitPass {
		t.Fatalf("kesu erase LOOP --journal: exit %d\n%s", code, stderr)
	}
	var rep view.Erase
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.Scope, "a loop device over "+l.Backing) || !strings.Contains(rep.Scope, "logical content only") {
		t.Errorf("scope = %q; want a loop device over %s, logical content only", rep.Scope, l.Backing)
	}
	vr, err := report.VerifyFile(rep.Record.Journal, report.KeyRing{})
	if err != nil {
		t.Fatal(err)
	}
	if c := vr.Run.Start.KeyCustody; c != "" {
		t.Errorf("unsigned run-start key_custody = %q; want none", c)
	}
	d := vr.Run.Drives[0]
	a := d.Assessment(vr.Run.Start.Policy)
	if d.Drive.Class != report.ClassFile || a.Reached != report.LevelNone || strings.Contains(strings.Join(a.Wording, " "), "Clear reached") {
		t.Errorf("loop device record: class %s, reached %s, wording %q; want file, none, no Clear", d.Drive.Class, a.Reached, a.Wording)
	}
}

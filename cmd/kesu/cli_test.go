package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/target"
	"github.com/kesu-erase/kesu/internal/loopdev"
	"github.com/kesu-erase/kesu/internal/view"
	"github.com/kesu-erase/kesu/report"
)

// These tests run the built kesu binary, as a technician would, against
// files and loop devices they create.

// Stamped into the test binary (internal/version's -X variables).
const (
	testRelease = "v9.9.9-test"
	testCommit  = "0123456789abcdef0123456789abcdef01234567"
	testDate    = "2026-01-02T03:04:05Z"
)

var built struct {
	once sync.Once
	path string
	err  error
}

// kesuBinary builds cmd/kesu once, stamped with the test version.
func kesuBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "kesu-cli-test-")
		if err != nil {
			built.err = err
			return
		}
		built.path = filepath.Join(dir, "kesu")
		const v = "github.com/kesu-erase/kesu/internal/version"
		ld := fmt.Sprintf("-X %s.release=%s -X %s.commit=%s -X %s.modified=true -X %s.date=%s", v, testRelease, v, testCommit, v, v, testDate)
		out, err := exec.Command("go", "build", "-buildvcs=false", "-ldflags", ld, "-o", built.path, ".").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// kesuBin runs the binary and returns stdout, stderr and the exit status.
func kesuBin(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(kesuBinary(t), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("kesu %q: %v", args, err)
	}
	return out.String(), errb.String(), cmd.ProcessState.ExitCode()
}

func sha(t *testing.T, path string) [32]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	var s [32]byte
	copy(s[:], h.Sum(nil))
	return s
}

// randomFile writes n pseudo-random bytes (a fixed seed) to a new file.
func randomFile(t *testing.T, dir, name string, n int) string {
	t.Helper()
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHelpExitsZeroOnStdout(t *testing.T) {
	for _, args := range [][]string{
		{"--help"}, {"-h"}, {"help"}, {"help", "erase"}, {"help", "report", "pdf"},
		{"erase", "--help"}, {"erase", "-h"}, {"erase", "/dev/null", "--yes", "-h"}, {"plan", "-h"}, {"probe", "--help"},
		{"verify", "-h"}, {"list", "--help"}, {"keygen", "-h"}, {"unlock", "--help"}, {"version", "--help"},
		{"report", "--help"}, {"report", "verify", "-h"}, {"report", "pdf", "--help"}, {"report", "csv", "-h"},
	} {
		stdout, stderr, code := kesuBin(t, args...)
		if code != 0 || stderr != "" || !strings.Contains(stdout, "usage:") {
			t.Errorf("kesu %q: exit %d, stderr %q, stdout %.60q; want 0, nothing on stderr, usage on stdout", args, code, stderr, stdout)
		}
		// Flags are shown as --flag, never Go's -flag.
		for _, l := range strings.Split(stdout, "\n") {
			if f := strings.Fields(l); len(f) > 0 && strings.HasPrefix(f[0], "-") && !strings.HasPrefix(f[0], "--") {
				t.Errorf("kesu %q shows a single-dash flag: %q", args, l)
			}
		}
	}
	stdout, _, _ := kesuBin(t, "erase", "--help")
	for _, want := range []string{"--device DEVICE", "--dry-run", "--operator NAME", "--yes", "(default 10%)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("kesu erase --help does not show %q:\n%s", want, stdout)
		}
	}
}

// Unknown positional arguments are usage errors everywhere (kesu plan
// /dev/loop3 /dev/loop4 used to plan every drive of the machine).
func TestUnexpectedArgumentsAreUsageErrors(t *testing.T) {
	dir := t.TempDir()
	a := randomFile(t, dir, "a.img", 1<<20)
	b := randomFile(t, dir, "b.img", 1<<20)
	sa, sb := sha(t, a), sha(t, b)
	for _, args := range [][]string{
		{"list", "extra"},
		{"plan", a, b},
		{"probe", a, b},
		{"verify", a, b},
		{"keygen", "--out", dir, "extra"},
		{"version", "extra"},
		{"erase", a, b, "--yes"},
		{"erase", "--device", a, b, "--yes"}, // two devices
		{"erase", "--all", a, "--yes"},
		{"unlock", a, b, "--password", "x", "--yes"},
		{"erase", a, "--bogus-flag", "--yes"},
	} {
		_, stderr, code := kesuBin(t, args...)
		if code != exitUsage || !strings.HasPrefix(stderr, "kesu: usage: ") {
			t.Errorf("kesu %q: exit %d, stderr %q; want 2 and a usage line", args, code, stderr)
		}
	}
	if sha(t, a) != sa || sha(t, b) != sb {
		t.Error("a refused command line changed a file")
	}
}

func TestPositionalDevice(t *testing.T) {
	dir := t.TempDir()
	f := randomFile(t, dir, "disk.img", 2<<20)
	stdout, stderr, code := kesuBin(t, "erase", f, "--yes", "--verify", "full", "--json")
	if code != 0 {
		t.Fatalf("kesu erase FILE --yes: exit %d\n%s", code, stderr)
	}
	var rep view.Erase
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || rep.Device != f || rep.Status != erase.StatusPass {
		t.Fatalf("kesu erase FILE: %v, %+v; want a PASS of %s", err, rep, f)
	}
	if !allBytes(t, f, 0) {
		t.Error("kesu erase FILE --yes did not zero the file")
	}
	// The same device twice is one device.
	if _, stderr, code := kesuBin(t, "verify", "--device", f, f, "--sample", "full"); code != 0 {
		t.Errorf("kesu verify --device F F: exit %d\n%s", code, stderr)
	}
	// Flags after "--" are arguments.
	if _, stderr, code := kesuBin(t, "verify", "--sample", "full", "--", f); code != 0 {
		t.Errorf("kesu verify -- F: exit %d\n%s", code, stderr)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		stdout, stderr, code := kesuBin(t, args...)
		if code != 0 || stderr != "" {
			t.Fatalf("kesu %q: exit %d, stderr %q", args, code, stderr)
		}
		for _, want := range []string{"kesu " + testRelease, testCommit + "-dirty", testDate, "go1."} {
			if !strings.Contains(stdout, want) {
				t.Errorf("kesu %q does not print %q:\n%s", args, want, stdout)
			}
		}
	}
	// The record names the same build.
	f := randomFile(t, t.TempDir(), "disk.img", 1<<20)
	records := t.TempDir()
	stdout, stderr, code := kesuBin(t, "erase", f, "--yes", "--journal", records, "--unsigned", "--json")
	if code != 0 {
		t.Fatalf("kesu erase --journal: exit %d\n%s", code, stderr)
	}
	var rep view.Erase
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	vr, err := report.VerifyFile(rep.Record.Journal, report.KeyRing{})
	if err != nil {
		t.Fatal(err)
	}
	if tool := vr.Run.Start.Tool; tool.Version != testRelease || tool.Commit != testCommit+"-dirty" {
		t.Errorf("record's tool = %+v; want version %s, commit %s-dirty (what kesu version says)", tool, testRelease, testCommit)
	}
}

func TestEraseShowsIdentityAndContentsFirst(t *testing.T) {
	for _, tool := range []string{"sfdisk", "mkfs.ext4", "mkfs.vfat"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	img := filepath.Join(t.TempDir(), "disk.img")
	os.WriteFile(img, nil, 0o600)
	os.Truncate(img, 48<<20)
	cmd := exec.Command("sfdisk", "--quiet", img)
	cmd.Stdin = strings.NewReader("label: gpt\nstart=2048, size=16384, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=\"boot\"\nstart=18432, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=\"data\"\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sfdisk: %v\n%s", err, out)
	}
	putFS(t, img, 2048*512, 8<<20, "mkfs.vfat", "-n", "ESP")
	putFS(t, img, 18432*512, 39<<20-512*18432+(9<<20)-(1<<20), "mkfs.ext4", "-q", "-F", "-L", "customer-data")
	l := loopdev.AttachFile(t, img, 512)
	stdout, stderr, code := kesuBin(t, "erase", l.Path, "--yes", "--verify", "1%", "--json")
	if code != 0 {
		t.Fatalf("kesu erase LOOP: exit %d\n%s", code, stderr)
	}
	if err := json.Unmarshal([]byte(stdout), new(view.Erase)); err != nil {
		t.Errorf("stdout is no longer one JSON object: %v", err)
	}
	shown, _, found := strings.Cut(stderr, "kesu: erasing ")
	if !found {
		t.Fatalf("no 'kesu: erasing' line:\n%s", stderr)
	}
	for _, want := range []string{
		"about to erase " + l.Path, "model", "loop device over " + img, "serial", "wwn", "48.0 MiB (50.3 MB, 50331648 bytes)",
		"transport  loop", "bay", "GPT, 2 partitions", `EFI System "boot"  vfat "ESP"`, `Linux filesystem "data"  ext4 "customer-data"`,
		"overwrite every block (48.0 MiB) with zero", "read back 1% of the blocks", "record     none",
	} {
		if !strings.Contains(shown, want) {
			t.Errorf("before erasing, kesu does not show %q:\n%s", want, shown)
		}
	}
}

// putFS makes a filesystem of size bytes with mkfs and writes it into img
// at off.
func putFS(t *testing.T, img string, off, size int64, mkfs string, args ...string) {
	t.Helper()
	fsimg := filepath.Join(t.TempDir(), "fs.img")
	os.WriteFile(fsimg, nil, 0o600)
	os.Truncate(fsimg, size)
	if out, err := exec.Command(mkfs, append(args, fsimg)...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", mkfs, err, out)
	}
	data, _ := os.ReadFile(fsimg)
	f, err := os.OpenFile(img, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(data, off); err != nil {
		t.Fatal(err)
	}
}

// --dry-run probes, plans and checks everything a run would, and writes
// nothing: the device's checksum is the same before and after, and no
// journal is left.
func TestEraseDryRunWritesNothing(t *testing.T) {
	keys := t.TempDir()
	if _, stderr, code := kesuBin(t, "keygen", "--out", keys); code != 0 {
		t.Fatalf("keygen: %s", stderr)
	}
	key := filepath.Join(keys, "kesu-signing.key")
	l := loopdev.AttachFile(t, randomFile(t, t.TempDir(), "disk.img", 8<<20), 512)
	file := randomFile(t, t.TempDir(), "file.img", 4<<20)
	for _, target := range []string{l.Path, file} {
		before := sha(t, target)
		records := filepath.Join(t.TempDir(), "records")
		stdout, stderr, code := kesuBin(t, "erase", target, "--dry-run", "--journal", records, "--key", key, "--pattern", "random", "--operator", "Sato")
		if code != 0 {
			t.Fatalf("kesu erase %s --dry-run: exit %d\n%s", target, code, stderr)
		}
		for _, want := range []string{"dry run", target, "plan", "random", "signed by key", "a journal can be created in " + records, "nothing was written"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("dry run of %s does not say %q:\n%s", target, want, stdout)
			}
		}
		if sha(t, target) != before {
			t.Errorf("kesu erase %s --dry-run changed it", target)
		}
		if _, err := os.Stat(records); err == nil {
			t.Errorf("kesu erase --dry-run created the journal directory %s", records)
		}
		// A run that could not start its record: the dry run says so
		// and refuses, still writing nothing.
		_, stderr, code = kesuBin(t, "erase", target, "--dry-run", "--journal", filepath.Join(file, "records"), "--unsigned")
		if code != exitRefused || !strings.Contains(stderr, "not a directory") {
			t.Errorf("dry run with a journal under a file: exit %d, %q; want 3, not a directory", code, stderr)
		}
		if sha(t, target) != before {
			t.Errorf("kesu erase %s --dry-run changed it", target)
		}
	}
	stdout, stderr, code := kesuBin(t, "erase", file, "--dry-run", "--json")
	var rep view.DryRun
	if err := json.Unmarshal([]byte(stdout), &rep); code != 0 || err != nil || !rep.DryRun || rep.Target.Device != file || rep.Refused != "" {
		t.Errorf("kesu erase --dry-run --json: exit %d, %v, %+v\n%s", code, err, rep, stderr)
	}
}

// eraseOnTerminal runs kesu erase FILE without --yes on a terminal, types
// answer at the prompt and returns what the terminal showed and the exit
// status.
func eraseOnTerminal(t *testing.T, file, answer string) (string, int) {
	t.Helper()
	m, s := openPTY(t)
	defer m.Close()
	cmd := exec.Command(kesuBinary(t), "erase", file, "--verify", "full")
	cmd.Stdin, cmd.Stderr, cmd.Stdout = s, s, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	var screen strings.Builder
	r := bufio.NewReader(m)
	// Up to the prompt, then type the answer.
	for !strings.Contains(screen.String(), "anything else stops): ") {
		b, err := r.ReadByte()
		if err != nil {
			t.Fatalf("terminal closed before the prompt: %v\n%s", err, screen.String())
		}
		screen.WriteByte(b)
	}
	fmt.Fprintf(m, "%s\n", answer)
	rest, _ := io.ReadAll(r) // EIO once kesu has exited
	screen.Write(rest)
	cmd.Wait()
	return screen.String(), cmd.ProcessState.ExitCode()
}

func TestEraseTypedConfirmation(t *testing.T) {
	dir := t.TempDir()
	file := randomFile(t, dir, "disk-7f3a", 1<<20)
	before := sha(t, file)
	screen, code := eraseOnTerminal(t, file, "nope")
	if code != exitRefused || !strings.Contains(screen, "nothing was erased") || !strings.Contains(screen, "about to erase "+file) {
		t.Errorf("wrong confirmation: exit %d; want 3, the drive shown, nothing erased:\n%s", code, screen)
	}
	if sha(t, file) != before {
		t.Fatal("a wrong confirmation let kesu write")
	}
	screen, code = eraseOnTerminal(t, file, "7F3A") // the name's last 4 characters, any case
	if code != 0 || !strings.Contains(screen, "result:") && !strings.Contains(screen, "erasing") {
		t.Errorf("right confirmation: exit %d; want 0:\n%s", code, screen)
	}
	if !allBytes(t, file, 0) {
		t.Error("after the confirmation the file is not zeroed")
	}
}

// SIGINT or SIGTERM during an erase: the pass stops, the record is
// completed (interrupted) and sealed, the result is printed, and kesu
// exits 130.
func TestEraseInterruptedExits130(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			// A sparse 16 GiB file: far more than can be written before
			// the signal lands.
			file := filepath.Join(t.TempDir(), "big.img")
			os.WriteFile(file, nil, 0o600)
			if err := os.Truncate(file, 16<<30); err != nil {
				t.Fatal(err)
			}
			records := t.TempDir()
			cmd := exec.Command(kesuBinary(t), "erase", file, "--yes", "--journal", records, "--unsigned", "--json")
			var stdout bytes.Buffer
			cmd.Stdout = &stdout
			errPipe, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			r := bufio.NewReader(errPipe)
			var seen strings.Builder
			for !strings.Contains(seen.String(), "kesu: erasing ") {
				l, err := r.ReadString('\n')
				if err != nil {
					t.Fatalf("kesu exited before erasing: %v\n%s", err, seen.String())
				}
				seen.WriteString(l)
			}
			cmd.Process.Signal(sig)
			rest, _ := io.ReadAll(r)
			cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != exitInterrupted || !strings.Contains(string(rest), "kesu: interrupted") {
				t.Fatalf("after %v: exit %d; want 130 and 'interrupted':\n%s", sig, code, rest)
			}
			var rep view.Erase
			if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
				t.Fatalf("no result printed: %v\n%s\nstderr: %s", err, stdout.String(), rest)
			}
			if rep.Status != erase.StatusFail || !strings.Contains(rep.Reason, "cancel") || rep.Record == nil || rep.Record.Error != "" {
				t.Errorf("result = %s %q, record %+v; want FAIL, cancelled, a completed record", rep.Status, rep.Reason, rep.Record)
			}
			vr, err := report.VerifyFile(rep.Record.Journal, report.KeyRing{})
			if err != nil {
				t.Fatal(err)
			}
			if vr.Status == report.Incomplete || vr.Run == nil || len(vr.Run.Drives) != 1 || vr.Run.Drives[0].Assessment(vr.Run.Start.Policy).Status == report.StatusPass {
				t.Errorf("record after %v: %s; want sealed, one drive, not PASS", sig, vr.Status)
			}
		})
	}
}

// When the record fails after the erasure, the media result is still
// printed, and the error says the record is incomplete.
func TestEraseRecordFailureStillPrintsResult(t *testing.T) {
	saved := finishRecord
	defer func() { finishRecord = saved }()
	finishRecord = func(r *target.Record, ctx context.Context, res *erase.PassResult, pat erase.Pattern, tg erase.Target) (report.Assessment, error) {
		return report.Assessment{}, errors.New("write records/x.jsonl: no space left on device")
	}
	file := randomFile(t, t.TempDir(), "disk.img", 1<<20)
	stdout, stderr, code := kesu(t, "erase", file, "--yes", "--journal", t.TempDir(), "--unsigned")
	if code != exitFail {
		t.Errorf("exit %d; want 1", code)
	}
	for _, want := range []string{"result:    PASS", "NOT completed", "no space left on device"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout does not say %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "the erasure ran (PASS, above) but its record could not be completed") {
		t.Errorf("stderr = %q", stderr)
	}
}

func TestMethodErrorsListMethods(t *testing.T) {
	file := randomFile(t, t.TempDir(), "disk.img", 1<<20)
	_, stderr, code := kesuBin(t, "erase", file, "--method", "nvme-sanitize", "--journal", t.TempDir(), "--unsigned", "--yes")
	if code != exitUsage {
		t.Errorf("unknown method: exit %d; want 2", code)
	}
	for _, m := range report.Methods() {
		if !strings.Contains(stderr, string(m)) {
			t.Errorf("the unknown-method error does not list %s:\n%s", m, stderr)
		}
	}
	stdout, _, code := kesuBin(t, "erase", "--method", "list")
	if code != 0 || !strings.Contains(stdout, "nvme-sanitize-crypto-erase") {
		t.Errorf("kesu erase --method list: exit %d\n%s", code, stdout)
	}
}

// --operator, --organization, --customer and --location (over --config's
// [record]) name the people in a single-device record.
func TestErasePeopleInRecord(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "kesu.toml")
	if err := os.WriteFile(cfg, []byte("version = 1\n[policy]\nlevel = 'clear'\n[record]\noperator = 'Tanaka'\noperator_title = 'technician'\ncontact = 'it@example.jp'\norganization = 'Example City IT'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := randomFile(t, dir, "disk.img", 1<<20)
	stdout, stderr, code := kesuBin(t, "erase", file, "--yes", "--journal", t.TempDir(), "--unsigned", "--json", "--config", cfg,
		"--operator", "Sato Hanako", "--customer", "Finance Dept.", "--location", "Server room 3")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var rep view.Erase
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	vr, err := report.VerifyFile(rep.Record.Journal, report.KeyRing{})
	if err != nil {
		t.Fatal(err)
	}
	st := vr.Run.Start
	want := report.Person{Name: "Sato Hanako", Title: "technician", Organization: "Example City IT", Location: "Server room 3", Contact: "it@example.jp"}
	if st.Sanitizer != want || st.Customer != "Finance Dept." {
		t.Errorf("record: sanitizer %+v, customer %q; want %+v, Finance Dept.", st.Sanitizer, st.Customer, want)
	}
}

func TestPlanOneDevice(t *testing.T) {
	l := loopdev.New(t, "", 8<<20, 512)
	for _, args := range [][]string{{"plan", l.Path, "--json"}, {"plan", "--json", "--device", l.Path}} {
		stdout, stderr, code := kesuBin(t, args...)
		if code != 0 {
			t.Fatalf("kesu %q: exit %d\n%s", args, code, stderr)
		}
		var out struct {
			Drives []view.PlanRow `json:"drives"`
		}
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Drives) != 1 || out.Drives[0].Drive != l.Path || out.Drives[0].First != report.MethodOverwrite {
			t.Errorf("kesu %q planned %+v; want %s alone, by overwrite", args, out.Drives, l.Path)
		}
	}
	file := randomFile(t, t.TempDir(), "disk.img", 1<<20)
	if _, stderr, code := kesuBin(t, "plan", file); code != exitRefused || !strings.Contains(stderr, "not a block device") {
		t.Errorf("kesu plan FILE: exit %d, %q; want 3, not a block device", code, stderr)
	}
}

// make install puts the binary, the manual page and the bash completion
// under DESTDIR/PREFIX.
func TestMakeInstall(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make not installed")
	}
	dest, out := t.TempDir(), t.TempDir()
	cmd := exec.Command("make", "install", "DESTDIR="+dest, "PREFIX=/opt/kesu", "OUT="+out, "VERSION=v0.0.0-install-test")
	cmd.Dir = filepath.Join("..", "..")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make install: %v\n%s", err, b)
	}
	for _, f := range []string{"opt/kesu/bin/kesu", "opt/kesu/share/man/man1/kesu.1", "opt/kesu/share/bash-completion/completions/kesu"} {
		if _, err := os.Stat(filepath.Join(dest, f)); err != nil {
			t.Errorf("make install did not install %s: %v", f, err)
		}
	}
	b, err := exec.Command(filepath.Join(dest, "opt/kesu/bin/kesu"), "--version").Output()
	if err != nil || !strings.Contains(string(b), "kesu v0.0.0-install-test") || !strings.Contains(string(b), "built ") {
		t.Errorf("installed kesu --version: %v\n%s", err, b)
	}
	man, _ := os.ReadFile(filepath.Join(dest, "opt/kesu/share/man/man1/kesu.1"))
	if want, _ := os.ReadFile(filepath.Join("..", "..", "docs", "kesu.1")); !bytes.Equal(man, want) {
		t.Error("the installed manual page is not docs/kesu.1")
	}
}

package appliance

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kesu-erase/kesu/report"
)

// fakeSystem is the machine the appliance runs on in these tests: a fake
// sysfs and devices, a stick "mounted" on a temp dir, a fake clock, and
// console input the test scripts.
type fakeSystem struct {
	*fakeBlock
	cmdline   string
	stickDir  string
	now       time.Time
	lines     chan string
	mounted   string // device mounted, "" if none
	unmounted bool
	power     string // "poweroff" or "reboot" once called
	modErr    error
	// eraseRunning is set while the erase part runs; linesAsked records a
	// console read started then (it would steal the screen's keys).
	eraseRunning, linesAsked bool
	// site is the network boot's site files (nil: none); secrets are the
	// passphrases typed.
	site    fs.FS
	secrets chan string
	network func(context.Context) ([]string, error)
}

func newFakeSystem(t *testing.T) *fakeSystem {
	f := newFakeBlock()
	f.sys["kernel/security/lockdown"] = &fstest.MapFile{Data: []byte("none [integrity] confidentiality\n")}
	f.sys["firmware/efi/efivars/SecureBoot-"+efiGlobalVariable] = efivar(1)
	f.sys["firmware/efi/efivars/SetupMode-"+efiGlobalVariable] = efivar(0)
	f.disk("sda", gptDisk(stickGUID))
	f.part("sda", "sda1", 1, fat32Sector("KESU"))
	f.disk("nvme0n1", make([]byte, 4096))
	lines := make(chan string, 1)
	lines <- "" // the technician presses Enter once
	return &fakeSystem{
		fakeBlock: f,
		cmdline:   "console=ttyS0 kesu.stick=PARTUUID=3d849898-0fcb-41b5-b0cb-4660c75d5978",
		stickDir:  t.TempDir(),
		now:       time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC),
		lines:     lines,
	}
}

func (s *fakeSystem) LoadModules(ctx context.Context) ([]ModuleResult, error) {
	return []ModuleResult{{Name: "nvme"}, {Name: "efivarfs"}, {Name: "mpt3sas", Err: errors.New("no device")}}, s.modErr
}
func (s *fakeSystem) MountEfivarfs() error                    { return nil }
func (s *fakeSystem) Sys() fs.FS                              { return s.sys }
func (s *fakeSystem) Cmdline() string                         { return s.cmdline }
func (s *fakeSystem) Open(name string) (io.ReadCloser, error) { return s.open(name) }
func (s *fakeSystem) MountStick(dev, dir string) error {
	if dir != s.stickDir {
		return errors.New("unexpected mount point " + dir)
	}
	s.mounted = dev
	return nil
}
func (s *fakeSystem) UnmountStick(dir string) error { s.unmounted = true; return nil }
func (s *fakeSystem) PowerOff() error               { s.power = "poweroff"; return nil }
func (s *fakeSystem) Network(ctx context.Context) ([]string, error) {
	if s.network != nil {
		return s.network(ctx)
	}
	return nil, errors.New("no network in this fake")
}
func (s *fakeSystem) Reboot() error { s.power = "reboot"; return nil }
func (s *fakeSystem) Lines(ctx context.Context) <-chan string {
	s.linesAsked = s.power == "" && s.eraseRunning
	return s.lines
}
func (s *fakeSystem) Consoles() []string                         { return []string{"tty0", "ttyS0"} }
func (s *fakeSystem) Sleep(ctx context.Context, d time.Duration) { s.now = s.now.Add(d) }
func (s *fakeSystem) Now() time.Time                             { return s.now }

// stickFiles puts kesu.toml (and a signing key if key) on the fake stick.
func (s *fakeSystem) stickFiles(t *testing.T, toml string, key bool) report.KeyFiles {
	t.Helper()
	if err := os.WriteFile(filepath.Join(s.stickDir, "kesu.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	if !key {
		return report.KeyFiles{}
	}
	kf, err := report.GenerateKeyFiles(t.TempDir(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(kf.Private)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.stickDir, "kesu.key"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return kf
}

type eraseSpy struct {
	sys     *fakeSystem
	called  bool
	session *Session
	out     Outcome
	err     error
	panics  bool
}

func (e *eraseSpy) erase(ctx context.Context, s *Session) (Outcome, error) {
	e.called, e.session = true, s
	if e.sys != nil {
		e.sys.eraseRunning = true
		defer func() { e.sys.eraseRunning = false }()
	}
	if e.panics {
		panic("worker bug")
	}
	return e.out, e.err
}

func runApp(t *testing.T, sys *fakeSystem, spy *eraseSpy) (string, string) {
	t.Helper()
	var out bytes.Buffer
	o := Options{System: sys, Out: &out, Version: "test", StickDir: sys.stickDir}
	if spy != nil {
		spy.sys = sys
		o.Erase = spy.erase
	}
	action := Run(context.Background(), o)
	return action, out.String()
}

const goodConfig = "version = 1\n[policy]\nlevel = \"clear\"\n[run]\nafter = \"poweroff\"\nafter_delay = 30\n"

func TestRunErases(t *testing.T) {
	sys := newFakeSystem(t)
	sys.lines = make(chan string) // nobody presses Enter
	sys.stickFiles(t, goodConfig, true)
	spy := &eraseSpy{out: Outcome{Passed: 1, Journal: "records/x.jsonl"}}
	action, out := runApp(t, sys, spy)

	if !spy.called {
		t.Fatalf("the erase part was not called; console:\n%s", out)
	}
	s := spy.session
	if s.Stick.Disk != "sda" || s.Stick.Name != "sda1" {
		t.Errorf("session stick = %+v; want sda1 on disk sda", s.Stick)
	}
	if s.Signer == nil || s.Config == nil || s.Config.Run.After != "poweroff" {
		t.Errorf("session = signer %v, config %+v; want the stick's key and kesu.toml", s.Signer, s.Config)
	}
	if s.RecordsDir != filepath.Join(sys.stickDir, "records") || len(s.ConfigSHA256) != 64 {
		t.Errorf("session records dir %q, config hash %q", s.RecordsDir, s.ConfigSHA256)
	}
	if !s.Firmware.SecureBoot || s.Firmware.Lockdown != "integrity" {
		t.Errorf("session firmware = %+v; want Secure Boot on, lockdown integrity", s.Firmware)
	}
	if len(s.Modules) != 1 || s.Modules[0].Name != "mpt3sas" {
		t.Errorf("session modules = %+v; want the one that failed (mpt3sas)", s.Modules)
	}
	if sys.mounted != "/dev/sda1" || !sys.unmounted {
		t.Errorf("stick mounted %q, unmounted %v; want /dev/sda1 mounted then unmounted", sys.mounted, sys.unmounted)
	}
	if action != "poweroff" || sys.power != "poweroff" {
		t.Errorf("Run = %q, power %q; want poweroff", action, sys.power)
	}
	if d := sys.now.Sub(time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)); d < 29*time.Second {
		t.Errorf("powered off %v after start; want the policy's 30 s delay first (Enter was not pressed)", d)
	}
	if sys.linesAsked {
		t.Errorf("the appliance read the consoles while the erase part ran")
	}
	if len(s.Consoles) != 2 {
		t.Errorf("session consoles = %v; want tty0 and ttyS0", s.Consoles)
	}
	for _, want := range []string{MarkerStart, MarkerFirmware + "on; kernel lockdown: integrity", MarkerStick + "/dev/sda1", MarkerErased, MarkerUnmounted, MarkerPowerOff} {
		if !strings.Contains(out, want) {
			t.Errorf("console lacks %q:\n%s", want, out)
		}
	}
}

func TestRunBrokenConfig(t *testing.T) {
	sys := newFakeSystem(t)
	kf := sys.stickFiles(t, "version = 1\n[policy]\nlevel = \"wipe\"\n", true)
	spy := &eraseSpy{}
	action, out := runApp(t, sys, spy)
	if spy.called {
		t.Errorf("the erase part was called with a broken kesu.toml")
	}
	if action != "wait" || sys.power != "poweroff" || !sys.unmounted {
		t.Errorf("Run = %q, power %q, unmounted %v; want wait, then power off on Enter, stick unmounted", action, sys.power, sys.unmounted)
	}
	for _, want := range []string{MarkerConfigBad, `line 3: policy.level: "wipe"`, MarkerNoErase, MarkerWaiting} {
		if !strings.Contains(out, want) {
			t.Errorf("console lacks %q:\n%s", want, out)
		}
	}
	// The refusal is a sealed journal signed with the stick's key.
	files, _ := filepath.Glob(filepath.Join(sys.stickDir, "records", "*.jsonl"))
	if len(files) != 1 {
		t.Fatalf("records: %v; want one journal", files)
	}
	raw, err := report.ReadJournal(files[0])
	if err != nil {
		t.Fatal(err)
	}
	ring, err := report.LoadPublicKeys(kf.Public)
	if err != nil {
		t.Fatal(err)
	}
	if v := report.Verify(raw, ring); !v.OK() {
		t.Errorf("refusal journal does not verify: %+v", v)
	}
	b, _ := os.ReadFile(files[0])
	if !strings.Contains(string(b), `"code":"config-error"`) {
		t.Errorf("journal lacks the config-error note:\n%s", b)
	}
}

func TestRunNoKey(t *testing.T) {
	sys := newFakeSystem(t)
	sys.stickFiles(t, goodConfig, false)
	spy := &eraseSpy{}
	_, out := runApp(t, sys, spy)
	if spy.called {
		t.Errorf("the erase part was called without a signing key")
	}
	if !strings.Contains(out, "signing key") || !strings.Contains(out, MarkerNoErase) {
		t.Errorf("console does not say the key is missing and nothing was erased:\n%s", out)
	}
	// No key to sign with: the refusal is a plain text file.
	files, _ := filepath.Glob(filepath.Join(sys.stickDir, "records", "*-signing-key.txt"))
	if len(files) != 1 {
		t.Fatalf("records: %v; want one signing-key text file", files)
	}
	b, _ := os.ReadFile(files[0])
	if !strings.Contains(string(b), "Nothing was erased") {
		t.Errorf("text record:\n%s", b)
	}
}

func TestRunUnsignedAllowed(t *testing.T) {
	sys := newFakeSystem(t)
	sys.stickFiles(t, "version = 1\n[policy]\nlevel = \"clear\"\n[signing]\nunsigned = true\n[run]\nafter = \"reboot\"\nafter_delay = 0\n", false)
	spy := &eraseSpy{}
	action, _ := runApp(t, sys, spy)
	if !spy.called || spy.session.Signer != nil {
		t.Errorf("erase called %v with signer %v; want called, unsigned", spy.called, spy.session)
	}
	if action != "reboot" || sys.power != "reboot" {
		t.Errorf("Run = %q, power %q; want reboot", action, sys.power)
	}
}

func TestRunNoStick(t *testing.T) {
	sys := newFakeSystem(t)
	delete(sys.devs, "sda1") // the stick's partition cannot be read
	spy := &eraseSpy{}
	action, out := runApp(t, sys, spy)
	if spy.called || sys.mounted != "" {
		t.Errorf("erase called %v, mounted %q; want neither without a stick", spy.called, sys.mounted)
	}
	if action != "wait" || !strings.Contains(out, ErrNoStick.Error()) || !strings.Contains(out, MarkerNoErase) {
		t.Errorf("Run = %q; console:\n%s", action, out)
	}
	// It waited for the stick (fake clock) before giving up.
	if d := sys.now.Sub(time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)); d < 60*time.Second {
		t.Errorf("gave up after %v; want the 60 s stick wait", d)
	}
}

func TestRunAmbiguousStick(t *testing.T) {
	sys := newFakeSystem(t)
	sys.cmdline = "console=ttyS0" // no PARTUUID from GRUB
	sys.disk("sdb", fat32Sector("KESU"))
	sys.stickFiles(t, goodConfig, true)
	spy := &eraseSpy{}
	_, out := runApp(t, sys, spy)
	if spy.called || sys.mounted != "" {
		t.Errorf("erase called %v, mounted %q; want neither with two KESU volumes", spy.called, sys.mounted)
	}
	if !strings.Contains(out, "sda1, sdb") {
		t.Errorf("console does not name both volumes:\n%s", out)
	}
}

func TestRunErasePanics(t *testing.T) {
	sys := newFakeSystem(t)
	sys.stickFiles(t, goodConfig, true)
	spy := &eraseSpy{panics: true}
	action, out := runApp(t, sys, spy)
	if action != "wait" || !sys.unmounted {
		t.Errorf("Run = %q, unmounted %v; want wait with the stick unmounted", action, sys.unmounted)
	}
	if !strings.Contains(out, "INTERNAL ERROR: worker bug") {
		t.Errorf("console lacks the panic:\n%s", out)
	}
}

func TestRunOutcomeAction(t *testing.T) {
	sys := newFakeSystem(t)
	sys.stickFiles(t, goodConfig, true) // run.after = poweroff after 30 s
	spy := &eraseSpy{out: Outcome{Action: "reboot"}}
	action, _ := runApp(t, sys, spy)
	if action != "reboot" || sys.power != "reboot" {
		t.Errorf("Run = %q, power %q; want the erase part's reboot", action, sys.power)
	}
	// The only wait is the stick search's settle time (5 s): no second
	// countdown of run.after_delay (30 s).
	if moved := sys.now.Sub(time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)); moved > 6*time.Second {
		t.Errorf("the clock moved %v; want no second countdown", moved)
	}
}

// With kesu.cpuprofile on the command line the erase run is profiled into
// the stick's profiles directory; without it nothing is written there.
func TestRunCPUProfile(t *testing.T) {
	for _, want := range []bool{true, false} {
		sys := newFakeSystem(t)
		sys.lines = make(chan string)
		if want {
			sys.cmdline += " " + CPUProfileFlag
		}
		sys.stickFiles(t, goodConfig, true)
		spy := &eraseSpy{out: Outcome{Passed: 1, Journal: "records/x.jsonl"}}
		_, out := runApp(t, sys, spy)
		names, _ := filepath.Glob(filepath.Join(sys.stickDir, ProfileDir, "cpu-*.pprof"))
		if !want {
			if len(names) != 0 || strings.Contains(out, "CPU profile") {
				t.Errorf("without %s: profiles %v, console:\n%s; want none", CPUProfileFlag, names, out)
			}
			continue
		}
		if len(names) != 1 || !strings.Contains(out, "CPU profile: "+names[0]+" written") {
			t.Fatalf("with %s: profiles %v; console:\n%s; want one, said written", CPUProfileFlag, names, out)
		}
		b, err := os.ReadFile(names[0])
		// runtime/pprof writes a gzip-compressed profile.proto.
		if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			t.Errorf("profile %s: % x…, %v; want a gzip stream", names[0], b[:min(len(b), 4)], err)
		}
	}
}

func (s *fakeSystem) Site() fs.FS { return s.site }
func (s *fakeSystem) ReadSecret(ctx context.Context, prompt func()) ([]byte, error) {
	prompt()
	select {
	case l := <-s.secrets:
		return []byte(l), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

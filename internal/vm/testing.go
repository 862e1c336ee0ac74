package vm

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kesu-erase/kesu/image"
)

// Skip reasons are checked in this order by Require.
func skipReason(firmware bool) string {
	if testing.Short() {
		return "VM test: skipped under -short"
	}
	if os.Geteuid() != 0 {
		return "VM test: needs root"
	}
	if _, err := exec.LookPath(QEMU); err != nil {
		return "VM test: " + QEMU + " not found (apt-get install qemu-system-x86, or run make deps)"
	}
	if firmware {
		for _, f := range []string{OVMFCode, OVMFVars} {
			if _, err := os.Stat(f); err != nil {
				return "VM test: " + f + " not found (apt-get install ovmf, or run make deps)"
			}
		}
	}
	return ""
}

// Require skips the test under -short, when not root, or when QEMU (or,
// with firmware, OVMF) is missing.
func Require(t testing.TB, firmware bool) {
	t.Helper()
	if why := skipReason(firmware); why != "" {
		t.Skip(why)
	}
}

var (
	artifactsOnce sync.Once
	artifacts     *Artifacts
	artifactsErr  error
)

// Get returns the artifacts, built once per test process (and cached on
// disk). It calls Require(t, false) first; a build failure fails the test.
func Get(t testing.TB) *Artifacts {
	t.Helper()
	Require(t, false)
	artifactsOnce.Do(func() {
		var log strings.Builder
		artifacts, artifactsErr = Build(context.Background(), &log)
		if artifactsErr != nil {
			artifactsErr = fmt.Errorf("%w\n%s", artifactsErr, log.String())
		}
	})
	if artifactsErr != nil {
		t.Fatalf("vm: build artifacts: %v", artifactsErr)
	}
	return artifacts
}

// NewMachine returns a Machine whose Dir is a fresh directory of the test;
// when the test fails, the end of each boot's console log is printed.
func NewMachine(t testing.TB, disks ...Disk) Machine {
	t.Helper()
	return Machine{Dir: t.TempDir(), Disks: disks}
}

// NewDisk creates a zero-filled image of size bytes in the test's temp dir
// and returns a Disk of that kind and serial.
func NewDisk(t testing.TB, kind Kind, serial string, size int64) Disk {
	t.Helper()
	p := filepath.Join(t.TempDir(), fmt.Sprintf("%s-%s.img", kind, serial))
	if err := CreateImage(p, size); err != nil {
		t.Fatal(err)
	}
	return Disk{Kind: kind, Path: p, Serial: serial}
}

// RunScript runs cmds in a VM with m's disks (see Artifacts.Script) and
// fails the test unless the runner reported every command back. Command
// exit statuses are the test's to judge.
func RunScript(t testing.TB, m Machine, cmds ...Command) *ScriptResult {
	t.Helper()
	a := Get(t)
	res, err := a.Script(context.Background(), m, cmds...)
	logOnFailure(t, m, res.VM)
	if err != nil {
		t.Fatalf("vm: %v", err)
	}
	for _, mod := range res.Boot.Modules {
		t.Logf("vm: module %s: %s", mod.Name, mod.Err)
	}
	return res
}

// BootStick boots a stick image under OVMF (Secure Boot enforced when
// secureBoot) with the stick as a USB disk (first in the boot order) and
// m's disks, until it powers off or shows one of m.Until. It fails the test
// on a QEMU error or a timeout; the Result is the test's to judge.
func BootStick(t testing.TB, m Machine, stick string, secureBoot bool) *Result {
	t.Helper()
	Require(t, true)
	m.Disks = append([]Disk{{Kind: USB, Path: stick, Serial: "KESUSTICK", Boot: true}}, m.Disks...)
	res, err := m.Run(context.Background(), Boot{Firmware: true, SecureBoot: secureBoot})
	logOnFailure(t, m, res)
	if err != nil {
		t.Fatalf("vm: %v", err)
	}
	return res
}

// BootDirect boots the stick's kernel and initramfs directly (no firmware,
// no Secure Boot) with the stick attached as a USB disk, so the appliance
// runs as it would from the stick. Faster than BootStick.
func BootDirect(t testing.TB, m Machine, stick string) *Result {
	t.Helper()
	a := Get(t)
	m.Disks = append([]Disk{{Kind: USB, Path: stick, Serial: "KESUSTICK"}}, m.Disks...)
	cmdline, err := StickCmdline(stick)
	if err != nil {
		t.Fatalf("vm: %v", err)
	}
	res, err := m.Run(context.Background(), Boot{Kernel: a.Boot.Kernel, Initramfs: a.Boot.Initramfs.Path, Cmdline: cmdline})
	logOnFailure(t, m, res)
	if err != nil {
		t.Fatalf("vm: %v", err)
	}
	return res
}

// KeepLogsEnv names a directory where every VM test's console log is
// copied (as <test name>.log), for reading a passing run's screens.
const KeepLogsEnv = "KESU_VM_LOGS"

func logOnFailure(t testing.TB, m Machine, res *Result) {
	t.Cleanup(func() {
		if dir := os.Getenv(KeepLogsEnv); dir != "" && res != nil {
			name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + ".log"
			if err := os.MkdirAll(dir, 0o755); err == nil {
				os.WriteFile(filepath.Join(dir, name), []byte(res.Serial), 0o644)
			}
		}
		if !t.Failed() || res == nil {
			return
		}
		t.Logf("vm: %s\nconsole (%s), last 80 lines:\n%s", strings.Join(res.Cmd, " "), filepath.Join(m.Dir, serialLog), res.Tail(80))
		if res.Results != "" {
			t.Logf("vm: result port:\n%s", tail(res.Results, 20))
		}
	})
}

// StickCmdline returns the kernel command line of a stick image's GRUB
// menu (its first "linux" line), as GRUB would pass it.
func StickCmdline(stick string) (string, error) {
	cfg, err := image.ReadDiskFile(stick, image.StickGrubCfg)
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(string(cfg), "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && f[0] == "linux" {
			return strings.Join(f[2:], " "), nil
		}
	}
	return "", fmt.Errorf("%s: no linux line in %s", stick, image.StickGrubCfg)
}

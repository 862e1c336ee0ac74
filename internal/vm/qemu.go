package vm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// QEMU and the firmware the harness uses (Debian packages qemu-system-x86
// and ovmf). OVMF_CODE_4M.ms.fd is the Secure Boot build (it needs SMM); the
// .ms VARS template has Microsoft's keys enrolled and Secure Boot on, and is
// copied for every boot because the firmware writes to it.
const (
	QEMU       = "qemu-system-x86_64"
	OVMFCode   = "/usr/share/OVMF/OVMF_CODE_4M.ms.fd"
	OVMFVars   = "/usr/share/OVMF/OVMF_VARS_4M.ms.fd"
	serialLog  = "serial.log"  // ttyS0: firmware, GRUB, kernel and kesu console
	resultLog  = "results.log" // ttyS1: the test runner's result lines
	defaultMem = 1024
	defaultCPU = 2
)

// DefaultTimeout bounds a boot when Machine.Timeout is zero.
const DefaultTimeout = 10 * time.Minute

// PanicMarker ends a boot early: the kernel panicked and will not go on.
const PanicMarker = "Kernel panic - not syncing"

// Machine describes one VM: its disks, size, time limit, where its logs go,
// and which serial-console markers to time or stop at.
type Machine struct {
	Disks     []Disk
	MemoryMiB int           // default 1024
	CPUs      int           // default 2
	Timeout   time.Duration // default DefaultTimeout; the VM is killed after it
	// Dir receives serial.log (the console), results.log (the runner's
	// result port) and the firmware's variable store. Required.
	Dir string
	// Watch lists console markers whose first appearance is timed
	// (Result.Seen), e.g. "Run /init" or a kesu message.
	Watch []string
	// Until lists console markers at which the VM is stopped (after a short
	// grace period for the rest of the line). Result.Stopped names the one
	// seen. The VM also stops at PanicMarker, and when it powers off.
	Until []string
	// ScreenEvery, if positive, saves the display (the VGA of a firmware
	// boot; a direct boot has none) as a PPM image in Dir every ScreenEvery
	// while the VM runs, through QEMU's QMP screendump (Result.Screens).
	ScreenEvery time.Duration
	// Acts are done through QMP while the machine runs, each once, in
	// the watch loop: Delay after its marker first appears on the console
	// (Result.Acted says when each was done, Result.ActErr the first
	// failure).
	Acts []Act
	// Args are extra QEMU arguments.
	Args []string
}

// Screen is one saved image of the display.
type Screen struct {
	At   time.Duration // since QEMU start
	Path string        // PPM (P6) image in Machine.Dir
}

// Boot says what the VM boots. Use Direct or Firmware.
type Boot struct {
	// Direct boot: QEMU loads Kernel and Initramfs itself (no firmware, no
	// Secure Boot); fast, for protocol tests.
	Kernel    string
	Initramfs string
	Cmdline   string
	// Firmware boot: OVMF boots the stick (a Disk of kind USB with Boot
	// set). SecureBoot false uses the same firmware build with an empty
	// variable store (Secure Boot off).
	Firmware   bool
	SecureBoot bool
}

// Result is what a boot left behind.
type Result struct {
	Serial   string                   // the whole console log (also Dir/serial.log)
	Results  string                   // the result port's output (Dir/results.log)
	Duration time.Duration            // from QEMU start to its end
	Seen     map[string]time.Duration // Watch and Until markers: when first seen, since QEMU start
	Stopped  string                   // the Until marker (or PanicMarker) that ended the boot; "" if QEMU exited by itself
	TimedOut bool                     // killed at Machine.Timeout
	Exit     error                    // QEMU's exit status (nil: 0)
	Cmd      []string                 // the QEMU command line
	// Screens are the display images saved (Machine.ScreenEvery), in
	// order; ScreenErr is the first error taking one, if any.
	Screens   []Screen
	ScreenErr error
	// Acted holds when each of Machine.Acts was done (since QEMU start),
	// in the order of Machine.Acts; zero for one never done.
	Acted  []time.Duration
	ActErr error
}

// Panicked reports whether the kernel panicked.
func (r *Result) Panicked() bool { return strings.Contains(r.Serial, PanicMarker) }

// Tail returns the last n lines of the console log.
func (r *Result) Tail(n int) string { return tail(r.Serial, n) }

// ErrTimeout is returned when a boot hit Machine.Timeout.
var ErrTimeout = errors.New("vm: timed out")

// Run boots the machine and waits until it powers off, shows an Until
// marker or PanicMarker, or times out (then the error wraps ErrTimeout).
// A kernel panic is not an error of Run: check Result.Panicked. The
// Result is returned in every case where QEMU started.
func (m Machine) Run(ctx context.Context, boot Boot) (*Result, error) {
	if m.Dir == "" {
		return nil, errors.New("vm: Machine.Dir is required")
	}
	if err := os.MkdirAll(m.Dir, 0o755); err != nil {
		return nil, err
	}
	args, err := m.qemuArgs(boot)
	if err != nil {
		return nil, err
	}
	timeout := m.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	serialPath := filepath.Join(m.Dir, serialLog)
	resultPath := filepath.Join(m.Dir, resultLog)
	for _, p := range []string{serialPath, resultPath} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			return nil, err
		}
	}
	var stderr bytes.Buffer
	cmd := exec.Command(QEMU, args...)
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	res := &Result{Seen: map[string]time.Duration{}, Cmd: append([]string{QEMU}, args...)}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("vm: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	markers := append(append([]string{}, m.Until...), PanicMarker)
	watch := append(append([]string{}, m.Watch...), markers...)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var mon *qmp
	var nextScreen time.Time
	if m.ScreenEvery > 0 {
		mon, res.ScreenErr = dialQMP(filepath.Join(m.Dir, qmpSocket), 10*time.Second)
		if mon != nil {
			defer mon.Close()
		}
		nextScreen = start.Add(m.ScreenEvery)
	}
	var ctl *qmp
	res.Acted = make([]time.Duration, len(m.Acts))
	if len(m.Acts) > 0 {
		// A connection of its own: QEMU serves one QMP client per socket
		// at a time, so the screen dumps' socket cannot be shared.
		if ctl, res.ActErr = dialQMP(filepath.Join(m.Dir, actSocket), 10*time.Second); ctl != nil {
			defer ctl.Close()
		}
	}
	due := make([]time.Time, len(m.Acts)) // when an act's marker was seen, plus its delay
	var stopAt time.Time                  // set when a stop marker was seen: kill after a grace period
loop:
	for {
		select {
		case err := <-exited:
			res.Exit = err
			break loop
		case <-ctx.Done():
			cmd.Process.Kill()
			res.Exit = <-exited
			if res.Stopped == "" {
				res.TimedOut = ctx.Err() == context.DeadlineExceeded
			}
			break loop
		case <-tick.C:
			if mon != nil && time.Now().After(nextScreen) {
				nextScreen = time.Now().Add(m.ScreenEvery)
				p := filepath.Join(m.Dir, fmt.Sprintf("screen-%04d.ppm", len(res.Screens)))
				at := time.Since(start)
				if err := mon.screendump(p); err != nil {
					// One failure is enough: a hung monitor must not hold
					// up the watch loop on every tick.
					mon.Close()
					mon = nil
					// A machine that powered off while the dump was asked
					// for closed its monitor: that is the end of the run,
					// not a failing monitor.
					select {
					case e := <-exited:
						res.Exit = e
						break loop
					case <-time.After(2 * time.Second):
					}
					if res.ScreenErr == nil {
						res.ScreenErr = err
					}
				} else {
					res.Screens = append(res.Screens, Screen{At: at, Path: p})
				}
			}
			if !stopAt.IsZero() {
				if time.Now().After(stopAt) {
					cmd.Process.Kill()
					res.Exit = <-exited
					break loop
				}
				continue
			}
			log, _ := os.ReadFile(serialPath)
			for _, w := range watch {
				if _, ok := res.Seen[w]; !ok && bytes.Contains(log, []byte(w)) {
					res.Seen[w] = time.Since(start)
				}
			}
			for i, act := range m.Acts {
				if ctl == nil || res.Acted[i] != 0 {
					continue
				}
				if due[i].IsZero() && bytes.Contains(log, []byte(act.After)) {
					due[i] = time.Now().Add(act.Delay)
				}
				if !due[i].IsZero() && !time.Now().Before(due[i]) {
					res.Acted[i] = time.Since(start)
					if err := act.Do(&Control{q: ctl}); err != nil && res.ActErr == nil {
						res.ActErr = fmt.Errorf("act after %q: %w", act.After, err)
					}
				}
			}
			for _, mk := range markers {
				if _, ok := res.Seen[mk]; ok {
					res.Stopped = mk
					stopAt = time.Now().Add(2 * time.Second)
					break
				}
			}
		}
	}
	res.Duration = time.Since(start)
	b, _ := os.ReadFile(serialPath)
	res.Serial = string(b)
	b, _ = os.ReadFile(resultPath)
	res.Results = string(b)
	for _, w := range watch {
		if _, ok := res.Seen[w]; !ok && strings.Contains(res.Serial, w) {
			res.Seen[w] = res.Duration
		}
	}
	if res.TimedOut {
		return res, fmt.Errorf("%w after %v; console ends:\n%s", ErrTimeout, timeout, res.Tail(30))
	}
	if res.Exit != nil && res.Stopped == "" && ctx.Err() == nil {
		return res, fmt.Errorf("vm: qemu: %v: %s", res.Exit, strings.TrimSpace(stderr.String()))
	}
	if res.Stopped == "" && ctx.Err() != nil {
		return res, fmt.Errorf("vm: %w", ctx.Err())
	}
	return res, nil
}

// qemuArgs builds the QEMU command line.
func (m Machine) qemuArgs(boot Boot) ([]string, error) {
	mem, cpus := m.MemoryMiB, m.CPUs
	if mem == 0 {
		mem = defaultMem
	}
	if cpus == 0 {
		cpus = defaultCPU
	}
	machine := "q35"
	if boot.Firmware {
		machine = "q35,smm=on"
	}
	a := []string{
		"-accel", "tcg", // KVM hangs on this machine kind (nested hypervisor)
		"-machine", machine,
		"-cpu", "max",
		"-m", fmt.Sprint(mem),
		"-smp", fmt.Sprint(cpus),
		"-nodefaults",
		"-no-reboot",
		"-display", "none",
		"-monitor", "none",
	}
	if m.ScreenEvery > 0 {
		a = append(a, "-qmp", "unix:"+filepath.Join(m.Dir, qmpSocket)+",server=on,wait=off")
	}
	if len(m.Acts) > 0 {
		a = append(a, "-qmp", "unix:"+filepath.Join(m.Dir, actSocket)+",server=on,wait=off")
	}
	a = append(a,
		"-chardev", "file,id=ser0,path="+filepath.Join(m.Dir, serialLog),
		"-serial", "chardev:ser0",
		"-chardev", "file,id=ser1,path="+filepath.Join(m.Dir, resultLog),
		"-serial", "chardev:ser1",
	)
	switch {
	case boot.Firmware:
		if _, err := os.Stat(OVMFCode); err != nil {
			return nil, fmt.Errorf("vm: firmware: %w", err)
		}
		vars := filepath.Join(m.Dir, "OVMF_VARS.fd")
		src := OVMFVars
		if !boot.SecureBoot {
			src = "/usr/share/OVMF/OVMF_VARS_4M.fd" // no keys enrolled: Secure Boot off
		}
		if err := copyFile(src, vars); err != nil {
			return nil, fmt.Errorf("vm: firmware variables: %w", err)
		}
		a = append(a,
			"-global", "driver=cfi.pflash01,property=secure,value=on",
			"-drive", "if=pflash,format=raw,unit=0,readonly=on,file="+OVMFCode,
			"-drive", "if=pflash,format=raw,unit=1,file="+vars,
			"-vga", "std",
		)
	case boot.Kernel != "":
		a = append(a, "-kernel", boot.Kernel, "-initrd", boot.Initramfs, "-append", boot.Cmdline)
	default:
		return nil, errors.New("vm: Boot needs a Kernel or Firmware")
	}
	da, err := diskArgs(m.Dir, m.Disks)
	if err != nil {
		return nil, err
	}
	a = append(a, da...)
	return append(a, m.Args...), nil
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// LinesFrom returns the console's lines that contain prefix, each from
// the prefix on (the kernel's timestamps and other output before it cut
// off): an appliance's own lines, when prefix is its prefix.
func (r *Result) LinesFrom(prefix string) []string {
	var out []string
	for _, l := range strings.Split(r.Serial, "\n") {
		if i := strings.Index(l, prefix); i >= 0 {
			out = append(out, strings.TrimRight(l[i:], "\r"))
		}
	}
	return out
}

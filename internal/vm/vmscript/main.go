//go:build linux

// Command vmscript is the uinit of the VM harness's test initramfs: it loads
// the kernel modules, waits for the test's disks, runs the kesu commands of
// the script the harness put at /etc/kesu-vmscript.json, writes each result
// to the second serial port, and powers the VM off.
//
// It exists only in test initramfs files the harness assembles (the stick's
// initramfs plus an overlay holding this binary); the image builder never
// puts it on a stick, and kesu itself has no way to run a script.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/kesu-erase/kesu/appliance"
	"github.com/kesu-erase/kesu/internal/vm/proto"
)

const kesuPath = "/bbin/kesu"

func main() {
	err := run()
	if err != nil {
		fmt.Fprintln(os.Stdout, "vmscript:", err)
	}
	unix.Sync()
	// Power off; with QEMU's -no-reboot a reboot would end the VM as well.
	if err := unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF); err != nil {
		fmt.Fprintln(os.Stdout, "vmscript: power off:", err)
	}
	select {}
}

func run() error {
	b, err := os.ReadFile("/" + proto.ScriptPath)
	if err != nil {
		return err
	}
	var s proto.Script
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("%s: %w", proto.ScriptPath, err)
	}
	port, err := os.OpenFile(proto.ResultPort, os.O_WRONLY|unix.O_NOCTTY, 0)
	if err != nil {
		return fmt.Errorf("result port: %w", err)
	}
	defer func() {
		unix.IoctlSetInt(int(port.Fd()), unix.TCSBRK, 1) // drain before power off
		port.Close()
	}()
	emit := func(kind string, v any) {
		line, err := proto.FormatLine(s.Nonce, kind, v)
		if err != nil {
			line = fmt.Sprintf("encode %s: %v", kind, err)
		}
		io.WriteString(port, line+"\n")
	}

	boot := proto.Boot{Uptime: uptime()}
	if c, err := os.ReadFile("/proc/cmdline"); err == nil {
		boot.Cmdline = strings.TrimSpace(string(c))
	}
	ctx := context.Background()
	loader, err := appliance.NewModuleLoader("/", 0, os.Stdout)
	if err != nil {
		boot.Modules = append(boot.Modules, proto.Module{Name: "*", Err: err.Error()})
	} else {
		res, err := loader.LoadAll(ctx)
		if err != nil {
			boot.Modules = append(boot.Modules, proto.Module{Name: "*", Err: err.Error()})
		}
		_, uefi := os.Stat("/sys/firmware/efi")
		for _, r := range res {
			if r.Err != nil && !(r.Name == "efivarfs" && uefi != nil) { // efivarfs needs UEFI; direct boots have none
				boot.Modules = append(boot.Modules, proto.Module{Name: r.Name, Err: r.Err.Error()})
			}
		}
	}
	if err := waitDisks(s.WaitDisks, s.WaitFor); err != nil {
		boot.WaitErr = err.Error()
	}
	boot.Disks = diskSerials()
	emit(proto.KindBoot, boot)

	for i, c := range s.Commands {
		r := runCommand(ctx, c, boot.Disks)
		r.Index = i
		emit(proto.KindResult, r)
	}
	emit(proto.KindDone, nil)
	return nil
}

func runCommand(ctx context.Context, c proto.Command, disks map[string]string) proto.Result {
	r := proto.Result{ExitCode: -1}
	for _, a := range c.Args {
		s, err := substitute(a, disks)
		if err != nil {
			r.Args = c.Args
			r.Err = err.Error()
			return r
		}
		r.Args = append(r.Args, s)
	}
	start := time.Now()
	defer func() { r.Duration = time.Since(start) }()
	switch c.Builtin {
	case "cat":
		r.Stdout, r.Err = cat(r.Args)
		if r.Err == "" {
			r.ExitCode = 0
		}
		return r
	case "write":
		r.Err = write(r.Args)
		if r.Err == "" {
			r.ExitCode = 0
		}
		return r
	case "":
	default:
		r.Err = fmt.Sprintf("unknown builtin %q", c.Builtin)
		return r
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fmt.Fprintf(os.Stdout, "vmscript: $ kesu %s\n", strings.Join(r.Args, " "))
	cmd := exec.CommandContext(ctx, kesuPath, r.Args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r.Stdout, r.Stderr = stdout.String(), stderr.String()
	if cmd.ProcessState != nil && cmd.ProcessState.Exited() {
		r.ExitCode = cmd.ProcessState.ExitCode()
	}
	if ctx.Err() != nil {
		r.Err = fmt.Sprintf("killed after %v", timeout)
	} else if err != nil && r.ExitCode < 0 {
		r.Err = err.Error()
	}
	fmt.Fprintf(os.Stdout, "vmscript: exit %d %s\n", r.ExitCode, r.Err)
	return r
}

// substitute replaces every {dev:SERIAL} and {name:SERIAL} in arg.
func substitute(arg string, disks map[string]string) (string, error) {
	for _, prefix := range []string{proto.DevPrefix, proto.NamePrefix} {
		for {
			i := strings.Index(arg, prefix)
			if i < 0 {
				break
			}
			j := strings.Index(arg[i:], "}")
			if j < 0 {
				return "", fmt.Errorf("unterminated %s in %q", prefix, arg)
			}
			serial := arg[i+len(prefix) : i+j]
			dev, ok := disks[serial]
			if !ok {
				return "", fmt.Errorf("no disk with serial %q (have %v)", serial, disks)
			}
			if prefix == proto.NamePrefix {
				dev = filepath.Base(dev)
			}
			arg = arg[:i] + dev + arg[i+j+1:]
		}
	}
	return arg, nil
}

// write creates the file Args[0] (and its directory) holding the
// base64-decoded Args[1], mode Args[2] (octal, default 0644): how a test puts
// a policy or a key into the VM.
func write(args []string) string {
	if len(args) < 2 || len(args) > 3 {
		return "write wants PATH BASE64 [MODE]"
	}
	data, err := base64.StdEncoding.DecodeString(args[1])
	if err != nil {
		return "write: " + err.Error()
	}
	mode := os.FileMode(0o644)
	if len(args) == 3 {
		m, err := strconv.ParseUint(args[2], 8, 32)
		if err != nil {
			return "write: mode: " + err.Error()
		}
		mode = os.FileMode(m)
	}
	if err := os.MkdirAll(filepath.Dir(args[0]), 0o755); err != nil {
		return "write: " + err.Error()
	}
	if err := os.WriteFile(args[0], data, mode); err != nil {
		return "write: " + err.Error()
	}
	return ""
}

func cat(patterns []string) (string, string) {
	var b strings.Builder
	var errs []string
	for _, p := range patterns {
		matches, _ := filepath.Glob(p)
		if len(matches) == 0 {
			errs = append(errs, p+": no match")
		}
		for _, m := range matches {
			data, err := os.ReadFile(m)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			fmt.Fprintf(&b, "==> %s <==\n%s", m, data)
			if len(data) > 0 && data[len(data)-1] != '\n' {
				b.WriteByte('\n')
			}
		}
	}
	return b.String(), strings.Join(errs, "; ")
}

// wholeDisks lists /sys/block entries that are disks (not loop, RAM or
// optical devices).
func wholeDisks() []string {
	ents, _ := os.ReadDir("/sys/block")
	var names []string
	for _, e := range ents {
		n := e.Name()
		if strings.HasPrefix(n, "loop") || strings.HasPrefix(n, "ram") || strings.HasPrefix(n, "zram") || strings.HasPrefix(n, "sr") {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func waitDisks(n int, max time.Duration) error {
	if max <= 0 {
		max = time.Minute
	}
	deadline := time.Now().Add(max)
	for {
		have := wholeDisks()
		if len(have) >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d disks after %v: %v", len(have), n, max, have)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// diskSerials maps each disk's serial number to its /dev path, from the
// attribute its driver exports: virtio-blk /sys/block/X/serial, NVMe the
// controller's serial, SCSI (and libata) the VPD page 0x80 the kernel read.
func diskSerials() map[string]string {
	m := map[string]string{}
	for _, n := range wholeDisks() {
		base := filepath.Join("/sys/block", n)
		serial := ""
		if b, err := os.ReadFile(filepath.Join(base, "serial")); err == nil {
			serial = string(b)
		} else if b, err := os.ReadFile(filepath.Join(base, "device", "serial")); err == nil {
			serial = string(b)
		} else if b, err := os.ReadFile(filepath.Join(base, "device", "vpd_pg80")); err == nil && len(b) >= 4 {
			l := int(b[2])<<8 | int(b[3])
			if 4+l <= len(b) {
				serial = string(b[4 : 4+l])
			}
		}
		if serial = strings.TrimSpace(strings.Trim(serial, "\x00")); serial != "" {
			m[serial] = "/dev/" + n
		}
	}
	return m
}

func uptime() time.Duration {
	b, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	s, _ := strconv.ParseFloat(f[0], 64)
	return time.Duration(s * float64(time.Second))
}

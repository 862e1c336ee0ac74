package vm

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/u-root/u-root/pkg/cpio"

	"github.com/kesu-erase/kesu/image"
	"github.com/kesu-erase/kesu/internal/vm/proto"
)

// modulePath is the kesu module's path, to find its root from a test's
// working directory.
const modulePath = "github.com/kesu-erase/kesu"

// Artifacts are what VM boots are made of, built from the working tree: the
// boot chain and initramfs of a stick (image.Boot: Debian's signed kernel,
// the module tree, u-root with the current kesu as uinit), and the test
// runner. Everything is cached on disk by content (under .cache in the
// repository, shared by parallel test processes); the first build takes a
// minute or two, later ones seconds.
type Artifacts struct {
	RepoDir  string
	CacheDir string
	Boot     *image.Boot
	Runner   string // the vmscript binary (test initramfs only)
}

// Build builds (or finds in the cache) the artifacts. Progress goes to log.
func Build(ctx context.Context, log io.Writer) (*Artifacts, error) {
	repo, err := RepoDir()
	if err != nil {
		return nil, err
	}
	a := &Artifacts{RepoDir: repo, CacheDir: filepath.Join(repo, ".cache")}
	if a.Boot, err = image.BuildBoot(ctx, image.BootSpec{RepoDir: repo, CacheDir: a.CacheDir, Log: log}); err != nil {
		return nil, err
	}
	if a.Runner, err = buildRunner(ctx, repo, a.CacheDir); err != nil {
		return nil, err
	}
	return a, nil
}

// RepoDir finds the kesu module root: $KESU_REPO, or the nearest parent of
// the working directory whose go.mod declares the kesu module.
func RepoDir() (string, error) {
	if d := os.Getenv("KESU_REPO"); d != "" {
		return filepath.Abs(d)
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(b, []byte("module "+modulePath+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("vm: not inside the kesu module (set KESU_REPO)")
		}
		dir = parent
	}
}

// buildRunner builds internal/vm/vmscript as a static binary. The Go build
// cache makes this quick when nothing changed.
func buildRunner(ctx context.Context, repo, cache string) (string, error) {
	dir := filepath.Join(cache, "vm")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	out := filepath.Join(dir, "vmscript")
	tmp := fmt.Sprintf("%s.%d.tmp", out, os.Getpid())
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", tmp, "./internal/vm/vmscript")
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("vm: build the runner: %w\n%s", err, b)
	}
	return out, os.Rename(tmp, out)
}

// Stick writes a stick image into dir with the given kesu.toml and signing
// key ("" for none), as `make image` would (the GRUB menu without delay).
// Extra files are added to the FAT volume or replace the standard file of
// the same name (e.g. an unsigned /EFI/BOOT/BOOTX64.EFI).
func (a *Artifacts) Stick(dir, policy, key string, extra ...image.DiskFile) (string, error) {
	return a.StickWithCmdline(dir, policy, key, nil, extra...)
}

// StickWithCmdline is Stick with extra words on the kernel command line of
// the GRUB menu, e.g. fbcon=font:TER16x32, which makes the framebuffer
// console of a VM's 1280x800 display 80x25.
func (a *Artifacts) StickWithCmdline(dir, policy, key string, cmdline []string, extra ...image.DiskFile) (string, error) {
	out := filepath.Join(dir, "kesu.img")
	_, err := image.WriteStick(image.StickSpec{
		Boot:         a.Boot,
		Output:       out,
		Policy:       policy,
		Key:          key,
		GrubTemplate: filepath.Join(a.RepoDir, "configs", "grub.cfg"),
		GrubTimeout:  0,
		Cmdline:      cmdline,
		Files:        extra,
	})
	return out, err
}

// Command is one step of a script: a kesu invocation, or a builtin.
type Command = proto.Command

// Kesu runs `kesu args...` in the VM. An argument may hold Dev(serial)
// placeholders.
func Kesu(args ...string) Command { return Command{Args: args} }

// Cat prints the files matching the glob patterns (e.g. sysfs attributes).
func Cat(patterns ...string) Command { return Command{Builtin: "cat", Args: patterns} }

// Write is a step that creates a file in the VM (a policy, a key) with the
// given content and mode.
func Write(path string, data []byte, mode os.FileMode) Command {
	return Command{Builtin: "write", Args: []string{path, base64.StdEncoding.EncodeToString(data), strconv.FormatUint(uint64(mode.Perm()), 8)}}
}

// Dev is a placeholder for the /dev path of the disk with that serial
// number; the runner substitutes it inside the VM.
func Dev(serial string) string { return proto.DevPrefix + serial + "}" }

// DevName is a placeholder for the kernel name of the disk with that serial
// (sda, nvme0n1: its /sys/block entry).
func DevName(serial string) string { return proto.NamePrefix + serial + "}" }

// ScriptResult is the outcome of a script boot.
type ScriptResult struct {
	VM      *Result
	Boot    proto.Boot     // modules that failed, disks found (serial -> /dev)
	Results []proto.Result // one per command that ran, in order
	Done    bool           // the runner got to the end
}

// Script boots the kernel directly with the test initramfs (the stick's
// initramfs plus the runner as uinit), waits for all of m's disks, runs the
// commands and powers off. It fails if the runner did not report back for
// every command.
func (a *Artifacts) Script(ctx context.Context, m Machine, cmds ...Command) (*ScriptResult, error) {
	nonce := make([]byte, 8)
	rand.Read(nonce)
	s := proto.Script{
		Nonce:     hex.EncodeToString(nonce),
		WaitDisks: len(m.Disks),
		WaitFor:   time.Minute,
		Commands:  cmds,
	}
	initrd := filepath.Join(m.Dir, "initramfs-test.cpio")
	if err := os.MkdirAll(m.Dir, 0o755); err != nil {
		return nil, err
	}
	if err := a.writeTestInitramfs(initrd, s); err != nil {
		return nil, err
	}
	res, err := m.Run(ctx, Boot{
		Kernel:    a.Boot.Kernel,
		Initramfs: initrd,
		Cmdline:   strings.Join(image.BaseCmdline, " "),
	})
	sr := &ScriptResult{VM: res}
	if res == nil {
		return sr, err
	}
	lines, perr := proto.ParseLines(res.Results, s.Nonce)
	for _, l := range lines {
		switch l.Kind {
		case proto.KindBoot:
			json.Unmarshal(l.JSON, &sr.Boot)
		case proto.KindResult:
			var r proto.Result
			if err := json.Unmarshal(l.JSON, &r); err != nil {
				return sr, fmt.Errorf("vm: result line: %w", err)
			}
			sr.Results = append(sr.Results, r)
		case proto.KindDone:
			sr.Done = true
		}
	}
	if err != nil {
		return sr, err
	}
	if perr != nil {
		return sr, perr
	}
	if res.Panicked() {
		return sr, fmt.Errorf("vm: kernel panic; console ends:\n%s", res.Tail(40))
	}
	if !sr.Done || len(sr.Results) != len(cmds) {
		return sr, fmt.Errorf("vm: runner reported %d of %d results (done=%v); console ends:\n%s", len(sr.Results), len(cmds), sr.Done, res.Tail(40))
	}
	return sr, nil
}

// writeTestInitramfs writes the stick's initramfs followed by an
// uncompressed cpio overlay (the kernel unpacks concatenated archives in
// order, later entries replacing earlier ones) that adds the runner, the
// script, and points /bin/uinit at the runner instead of kesu.
func (a *Artifacts) writeTestInitramfs(path string, s proto.Script) error {
	base, err := os.ReadFile(a.Boot.Initramfs.Path)
	if err != nil {
		return err
	}
	runner, err := os.ReadFile(a.Runner)
	if err != nil {
		return err
	}
	script, err := json.Marshal(s)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	b.Write(base)
	for b.Len()%4 != 0 { // the next archive starts 4-byte aligned
		b.WriteByte(0)
	}
	w := cpio.Newc.Writer(&b)
	recs := []cpio.Record{
		cpio.StaticFile(proto.RunnerPath, string(runner), 0o755),
		cpio.StaticFile(proto.ScriptPath, string(script), 0o644),
		cpio.Symlink("bin/uinit", "vmscript"),
	}
	if err := cpio.WriteRecordsAndDirs(w, recs); err != nil {
		return err
	}
	if err := cpio.WriteTrailer(w); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

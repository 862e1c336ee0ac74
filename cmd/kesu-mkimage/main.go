// Command kesu-mkimage builds the kesu boot stick image (out/kesu.img):
//
//	kesu-mkimage -config configs/kesu.toml -key kesu.key -o out/kesu.img
//
// It is a separate command so that the image builder (apt, u-root, go-diskfs)
// stays out of the kesu binary that runs in the initramfs. See docs/stick.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/image"
	"github.com/kesu-erase/kesu/internal/version"
	"github.com/kesu-erase/kesu/report"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kesu-mkimage:", err)
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kesu-mkimage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	repo := fs.String("repo", ".", "kesu source tree (the module root holding go.mod)")
	config := fs.String("config", "", "kesu.toml to put on the stick (required)")
	key := fs.String("key", "", "signing key file to put on the stick (none if empty: the policy must then say unsigned)")
	out := fs.String("o", "out/kesu.img", "image file to write")
	cache := fs.String("cache", "", "cache directory (default REPO/.cache)")
	modules := fs.String("modules", "", "kernel module list (default REPO/configs/modules.txt)")
	grub := fs.String("grub", "", "grub.cfg template (default REPO/configs/grub.cfg)")
	sizeMiB := fs.Int64("size", image.DefaultStickSize>>20, "image size in MiB")
	timeout := fs.Int("grub-timeout", 3, "seconds GRUB shows its menu")
	release := fs.String("release", "", "release name stamped into the stick's kesu (default `git describe --always --dirty` of REPO)")
	netboot := fs.String("netboot", "", "instead of a stick image, write the network boot tree (shim, network GRUB, grub/grub.cfg, kernel, initramfs) into this `DIR`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	repoDir, err := filepath.Abs(*repo)
	if err != nil {
		return err
	}
	if *grub == "" {
		*grub = filepath.Join(repoDir, "configs", "grub.cfg")
	}
	if *netboot != "" {
		return writeNetboot(ctx, repoDir, *cache, *modules, *release, *grub, *timeout, *netboot, stdout, stderr)
	}
	if *config == "" {
		return errors.New("-config is required (e.g. -config configs/kesu.toml)")
	}
	// A stick whose policy is broken or whose key is missing erases
	// nothing; say so now rather than at the server.
	cfg, err := policy.Load(*config)
	if err != nil {
		return err
	}
	switch {
	case cfg.Signing.Unsigned && *key != "":
		return fmt.Errorf("%s says signing.unsigned = true, but -key was given", *config)
	case !cfg.Signing.Unsigned && *key == "":
		return fmt.Errorf("%s needs a signing key: pass -key FILE (make a pair with `kesu keygen --out DIR`), or set signing.unsigned = true", *config)
	case *key != "":
		if _, err := report.LoadSigner(*key); err != nil {
			return err
		}
	}
	stamp, err := stampFor(ctx, repoDir, *release, stderr)
	if err != nil {
		return err
	}
	start := time.Now()
	boot, err := image.BuildBoot(ctx, image.BootSpec{RepoDir: repoDir, CacheDir: *cache, ModuleList: *modules, Version: &stamp, Log: stderr})
	if err != nil {
		return err
	}
	stick, err := image.WriteStick(image.StickSpec{
		Boot:         boot,
		Output:       *out,
		Policy:       *config,
		Key:          *key,
		KeyName:      cfg.Signing.Key,
		RecordsDir:   cfg.Record.Dir,
		Size:         *sizeMiB << 20,
		GrubTemplate: *grub,
		GrubTimeout:  *timeout,
	})
	if err != nil {
		return err
	}
	cached := ""
	if boot.Initramfs.FromCache {
		cached = " (cached)"
	}
	fmt.Fprintf(stdout, "%s: %d MiB stick image, kernel %s, %d modules (%d listed, %d built in)\n",
		stick.Path, *sizeMiB, boot.Release, len(boot.Modules.Modules), len(boot.Modules.Listed), len(boot.Modules.Builtin))
	fmt.Fprintf(stdout, "initramfs: %d bytes xz, %d bytes cpio%s\n", boot.Initramfs.Size, boot.Initramfs.CPIOSize, cached)
	fmt.Fprintf(stdout, "kesu: %s\n", stampText(stamp))
	fmt.Fprintf(stdout, "built in %s\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// stampFor is the version stamped into the stick's kesu: the checkout's
// (image.GitStamp: reproducible, dated by SOURCE_DATE_EPOCH or the commit),
// with release, when given, as its release name. Outside a git checkout only
// release is stamped.
func stampFor(ctx context.Context, repoDir, release string, log io.Writer) (version.Stamp, error) {
	s, err := image.GitStamp(ctx, repoDir)
	if errors.Is(err, image.ErrNoGit) {
		fmt.Fprintf(log, "kesu-mkimage: %v: the stick's kesu names no commit\n", err)
	} else if err != nil {
		return version.Stamp{}, err
	}
	if release != "" {
		s.Release = release
	}
	return s, nil
}

// stampText is a stamp as one line: "v1.2.0 (commit C-dirty, built D)".
func stampText(s version.Stamp) string {
	in := version.Info{Version: s.Release, Commit: s.Commit, Modified: s.Modified, BuildDate: s.Date}
	if in.Version == "" {
		in.Version = "(devel)"
	}
	var parts []string
	if c := in.CommitWord(); c != "" {
		parts = append(parts, "commit "+c)
	}
	if in.BuildDate != "" {
		parts = append(parts, "built "+in.BuildDate)
	}
	if len(parts) == 0 {
		return in.Version
	}
	return in.Version + " (" + strings.Join(parts, ", ") + ")"
}

// writeNetboot builds the boot chain and writes the network boot tree.
func writeNetboot(ctx context.Context, repoDir, cache, modules, release, grub string, timeout int, dir string, stdout, stderr io.Writer) error {
	stamp, err := stampFor(ctx, repoDir, release, stderr)
	if err != nil {
		return err
	}
	start := time.Now()
	boot, err := image.BuildBoot(ctx, image.BootSpec{RepoDir: repoDir, CacheDir: cache, ModuleList: modules, Version: &stamp, Log: stderr})
	if err != nil {
		return err
	}
	cmdline, err := image.WriteNetboot(image.NetbootSpec{Boot: boot, Dir: dir, GrubTemplate: grub, GrubTimeout: timeout})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: network boot tree for a TFTP server (%s, %s, %s, %s, %s); kernel %s\n",
		dir, image.NetShim, image.NetGrub, image.NetGrubCfg, image.NetKernel, image.NetInitramfs, boot.Release)
	fmt.Fprintf(stdout, "kernel command line: %s\n", cmdline)
	fmt.Fprintf(stdout, "kesu: %s\n", stampText(stamp))
	fmt.Fprintf(stdout, "built in %s\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}

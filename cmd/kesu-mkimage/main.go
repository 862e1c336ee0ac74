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
	config := fs.String("config", "", "kesu.toml to put on the stick (required); with -netboot, the site policy of a stick-less run (it must name a [record] store)")
	key := fs.String("key", "", "signing key file to put on the stick (none if empty: the policy must then say unsigned); with -netboot, the key sealed by `kesu keygen --seal`")
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
		site, err := netbootSite(*config, *key)
		if err != nil {
			return err
		}
		return writeNetboot(ctx, repoDir, *cache, *modules, *release, *grub, *timeout, *netboot, site, stdout, stderr)
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
func writeNetboot(ctx context.Context, repoDir, cache, modules, release, grub string, timeout int, dir string, site []image.SiteFile, stdout, stderr io.Writer) error {
	stamp, err := stampFor(ctx, repoDir, release, stderr)
	if err != nil {
		return err
	}
	start := time.Now()
	boot, err := image.BuildBoot(ctx, image.BootSpec{RepoDir: repoDir, CacheDir: cache, ModuleList: modules, Version: &stamp, Log: stderr})
	if err != nil {
		return err
	}
	cmdline, err := image.WriteNetboot(image.NetbootSpec{Boot: boot, Dir: dir, GrubTemplate: grub, GrubTimeout: timeout, Site: site})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: network boot tree for a TFTP server (%s, %s, %s, %s, %s); kernel %s\n",
		dir, image.NetShim, image.NetGrub, image.NetGrubCfg, image.NetKernel, image.NetInitramfs, boot.Release)
	if len(site) > 0 {
		var names []string
		for _, f := range site {
			names = append(names, f.Name)
		}
		fmt.Fprintf(stdout, "%s: the site's %s for a stick-less run (served in the clear: no private key, only a sealed one)\n",
			image.NetSite, strings.Join(names, " and "))
	}
	fmt.Fprintf(stdout, "kernel command line: %s\n", cmdline)
	fmt.Fprintf(stdout, "kesu: %s\n", stampText(stamp))
	fmt.Fprintf(stdout, "built in %s\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// netbootSite checks a network boot's policy and key and returns them as
// site files; none without -config (the machine then needs a stick). The
// boot tree is served in the clear, so its policy must name a record store
// (there may be no stick) and its key must be sealed under a passphrase.
func netbootSite(config, key string) ([]image.SiteFile, error) {
	if config == "" {
		if key != "" {
			return nil, errors.New("-key without -config: a network boot's key goes with its policy")
		}
		return nil, nil
	}
	data, err := os.ReadFile(config)
	if err != nil {
		return nil, err
	}
	cfg, err := policy.Parse(data, config)
	if err != nil {
		return nil, err
	}
	if cfg.Record.Store == "" {
		return nil, fmt.Errorf("%s: a network boot without a stick keeps its record in a store: set [record] store (docs/netboot.md)", config)
	}
	site := []image.SiteFile{{Name: "kesu.toml", Data: data, Mode: 0o644}}
	switch {
	case cfg.Signing.Unsigned && key != "":
		return nil, fmt.Errorf("%s says signing.unsigned = true, but -key was given", config)
	case cfg.Signing.Unsigned:
		return site, nil
	case key == "":
		return nil, fmt.Errorf("%s needs a signing key: pass -key with a sealed key (`kesu keygen --seal`)", config)
	}
	k, err := os.ReadFile(key)
	if err != nil {
		return nil, err
	}
	if !report.IsSealedKey(k) {
		return nil, fmt.Errorf("%s is not a sealed key: the boot tree is served in the clear, and a private key in it could sign anyone's record; seal it with `kesu keygen --seal %s --sealed-out FILE`", key, key)
	}
	if _, err := report.SealedKeyFingerprint(k); err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	if strings.ContainsAny(cfg.Signing.Key, "/\\") {
		return nil, fmt.Errorf("%s: signing.key = %q: a network boot's key is a plain file name beside kesu.toml", config, cfg.Signing.Key)
	}
	return append(site, image.SiteFile{Name: cfg.Signing.Key, Data: k, Mode: 0o600}), nil
}

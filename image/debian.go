package image

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// Package is one Debian binary package, fetched with `apt-get download` and
// unpacked with `dpkg -x` into the cache. Nothing is installed on the host.
type Package struct {
	Name    string
	Version string
	SHA256  string // of the .deb, from the archive's Packages index
	Depends string // the Depends field as apt-cache shows it
	Deb     string // path of the verified .deb in the cache
	Root    string // directory the package was unpacked into
}

// Apt resolves packages with apt-cache and fetches them into CacheDir,
// keyed by the SHA-256 the archive index gives for each .deb: a warm cache
// needs no network.
type Apt struct {
	CacheDir string    // e.g. .cache/debian
	Log      io.Writer // progress lines; nil for none
}

// ErrNoCandidate means apt knows no installable version of a package; run
// `apt-get update` (the index may be older than the archive).
var ErrNoCandidate = errors.New("no candidate version (run apt-get update?)")

// Show returns the candidate version of a package as `apt-cache show
// --no-all-versions` reports it, without fetching it.
func (a *Apt) Show(ctx context.Context, name string) (Package, error) {
	out, err := command(ctx, "", "apt-cache", "show", "--no-all-versions", name)
	if err != nil {
		if bytes.Contains(out, []byte("No packages found")) || bytes.Contains(out, []byte("Unable to locate")) {
			return Package{}, fmt.Errorf("apt-cache show %s: %w", name, ErrNoCandidate)
		}
		return Package{}, fmt.Errorf("apt-cache show %s: %w", name, err)
	}
	return parseAptShow(name, out)
}

// parseAptShow reads the first stanza of `apt-cache show` output.
func parseAptShow(name string, out []byte) (Package, error) {
	p := Package{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if p.Name != "" {
				break
			}
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // continuation of a multi-line field
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "Package":
			p.Name = v
		case "Version":
			p.Version = v
		case "SHA256":
			p.SHA256 = v
		case "Depends":
			p.Depends = v
		}
	}
	if p.Name != name {
		return Package{}, fmt.Errorf("apt-cache show %s: got package %q: %w", name, p.Name, ErrNoCandidate)
	}
	if p.Version == "" || len(p.SHA256) != 64 {
		return Package{}, fmt.Errorf("apt-cache show %s: no Version or SHA256 field: %w", name, ErrNoCandidate)
	}
	return p, nil
}

// kernelDep matches the signed kernel package linux-image-amd64 depends on,
// e.g. "linux-image-6.1.0-57-amd64 (= 6.1.192-3)".
var kernelDep = regexp.MustCompile(`^linux-image-([0-9][0-9a-z.+~-]*-amd64)(\s|$)`)

// KernelRelease resolves the kernel release (ABI) the metapackage
// linux-image-amd64 currently points at, e.g. "6.1.0-57-amd64". It changes
// with security updates, so it is resolved at build time.
func (a *Apt) KernelRelease(ctx context.Context) (string, error) {
	meta, err := a.Show(ctx, "linux-image-amd64")
	if err != nil {
		return "", err
	}
	return kernelReleaseFromDepends(meta.Depends)
}

func kernelReleaseFromDepends(depends string) (string, error) {
	for _, alt := range strings.Split(depends, ",") {
		alt = strings.TrimSpace(alt)
		if m := kernelDep.FindStringSubmatch(alt); m != nil {
			return m[1], nil
		}
	}
	return "", fmt.Errorf("linux-image-amd64 depends on no linux-image-*-amd64 package: %q", depends)
}

// Fetch returns the candidate version of a package unpacked in the cache,
// downloading and unpacking it first if the cache does not hold it.
func (a *Apt) Fetch(ctx context.Context, name string) (Package, error) {
	p, err := a.Show(ctx, name)
	if err != nil {
		return Package{}, err
	}
	debDir := filepath.Join(a.CacheDir, "debs")
	rootDir := filepath.Join(a.CacheDir, "root", p.SHA256[:32])
	p.Deb = filepath.Join(debDir, p.SHA256[:32]+".deb")
	p.Root = rootDir
	unlock, err := lockFile(ctx, filepath.Join(a.CacheDir, "lock"))
	if err != nil {
		return Package{}, err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(rootDir, ".kesu-complete")); err == nil {
		return p, nil
	}
	if err := os.MkdirAll(debDir, 0o755); err != nil {
		return Package{}, err
	}
	if sum, err := fileSHA256(p.Deb); err != nil || sum != p.SHA256 {
		a.logf("fetch %s %s", p.Name, p.Version)
		if err := a.download(ctx, p); err != nil {
			return Package{}, err
		}
	}
	a.logf("unpack %s %s", p.Name, p.Version)
	tmp := rootDir + ".tmp"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return Package{}, err
	}
	if out, err := command(ctx, "", "dpkg", "-x", p.Deb, tmp); err != nil {
		return Package{}, fmt.Errorf("dpkg -x %s: %w: %s", p.Deb, err, out)
	}
	if err := os.WriteFile(filepath.Join(tmp, ".kesu-complete"), []byte(p.Name+" "+p.Version+"\n"), 0o644); err != nil {
		return Package{}, err
	}
	os.RemoveAll(rootDir)
	if err := os.Rename(tmp, rootDir); err != nil {
		return Package{}, err
	}
	return p, nil
}

// download runs `apt-get download name=version` in a scratch directory and
// moves the .deb into the cache after checking its SHA-256.
func (a *Apt) download(ctx context.Context, p Package) error {
	tmp, err := os.MkdirTemp(a.CacheDir, "download-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// apt drops privileges to _apt for downloads; a private 0700 directory
	// only makes it warn, so open the scratch directory up.
	os.Chmod(tmp, 0o777)
	if out, err := command(ctx, tmp, "apt-get", "download", "-q", p.Name+"="+p.Version); err != nil {
		return fmt.Errorf("apt-get download %s=%s: %w: %s", p.Name, p.Version, err, lastLines(out, 5))
	}
	debs, _ := filepath.Glob(filepath.Join(tmp, "*.deb"))
	if len(debs) != 1 {
		return fmt.Errorf("apt-get download %s=%s: got %d .deb files, want 1", p.Name, p.Version, len(debs))
	}
	sum, err := fileSHA256(debs[0])
	if err != nil {
		return err
	}
	if sum != p.SHA256 {
		return fmt.Errorf("apt-get download %s=%s: SHA-256 %s; the index says %s", p.Name, p.Version, sum, p.SHA256)
	}
	return os.Rename(debs[0], p.Deb)
}

func (a *Apt) logf(format string, args ...any) { logf(a.Log, format, args...) }

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// command runs a program and returns its combined output.
func command(ctx context.Context, dir, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "DEBIAN_FRONTEND=noninteractive")
	return cmd.CombinedOutput()
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

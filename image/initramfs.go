package image

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/kesu-erase/kesu/internal/version"
)

// urootModule is the u-root command the initramfs is built with; its version
// comes from the kesu module's go.mod.
const urootModule = "github.com/u-root/u-root"

// urootInit is u-root's init, /init in the initramfs: it sets up /dev,
// /proc, /sys (and securityfs) and runs /bin/uinit, here kesu.
const urootInit = "github.com/u-root/u-root/cmds/core/init"

// KesuPackage is the kesu command's package path inside its module.
const KesuPackage = "./cmd/kesu"

// initramfsRecipe changes whenever the way the initramfs is built changes,
// so that cached initramfs files built the old way are not reused.
const initramfsRecipe = "u-root bb; -uinitcmd=kesu -defaultsh= -skip-ldd; -ldflags=-s -w -buildid= + stamp; modules at lib/modules; xz --check=crc32 -6 -T1; v2"

// urootLinkerFlags are the flags u-root links with by default (no symbols,
// no build ID: reproducible). A -ldflags of our own replaces them, so the
// version stamp is added to these.
const urootLinkerFlags = "-s -w -buildid="

// InitramfsSpec says what goes into the initramfs.
type InitramfsSpec struct {
	RepoDir    string // the kesu module root (holds go.mod and cmd/kesu)
	ModuleRoot string // a directory holding lib/modules/<release> (see ModuleTree.Write)
	CacheDir   string // where the u-root tool and built initramfs files are kept
	// Version is stamped into kesu (what `kesu version` and the record
	// say); Stamp{} leaves kesu saying "(devel)".
	Version version.Stamp
	Log     io.Writer
}

// Initramfs is a built, xz-compressed initramfs.
type Initramfs struct {
	Path      string        // the .cpio.xz file (in the cache)
	Key       string        // content key it was cached under
	CPIOSize  int64         // uncompressed size
	Size      int64         // compressed size
	FromCache bool          // true if no build was needed
	Version   version.Stamp // stamped into kesu
}

// BuildInitramfs builds a u-root initramfs with u-root's init as /init, kesu
// as /bin/uinit, no shell, and the module tree under /lib/modules, then
// compresses it with `xz --check=crc32` (the kernel's xz decoder rejects
// xz's default CRC64 check). The result is cached under a key computed from
// every source file compiled into kesu, the version stamp, the module tree
// and the recipe; a second call with nothing changed returns the cached file.
func BuildInitramfs(ctx context.Context, s InitramfsSpec) (*Initramfs, error) {
	ldflags, err := s.Version.LinkerFlags()
	if err != nil {
		return nil, err
	}
	ldflags = strings.TrimSpace(urootLinkerFlags + " " + ldflags)
	key, err := initramfsKey(ctx, s, ldflags)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(s.CacheDir, "initramfs")
	out := filepath.Join(dir, key[:32]+".cpio.xz")
	unlock, err := lockFile(ctx, filepath.Join(dir, "lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()
	res := &Initramfs{Path: out, Key: key, Version: s.Version}
	if st, err := os.Stat(out); err == nil {
		res.Size = st.Size()
		res.FromCache = true
		if b, err := os.ReadFile(out + ".cpiosize"); err == nil {
			fmt.Sscan(string(b), &res.CPIOSize)
		}
		return res, nil
	}
	tool, err := urootTool(ctx, s.RepoDir, s.CacheDir)
	if err != nil {
		return nil, err
	}
	cpio := out + ".cpio.tmp"
	defer os.Remove(cpio)
	// u-root keeps its work directory when a build fails; keep it in the
	// cache and remove it either way.
	work, err := os.MkdirTemp(dir, "u-root-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	logf(s.Log, "build initramfs (u-root, kesu %s from %s)", orDevel(s.Version.Release), s.RepoDir)
	args := []string{
		"-o", cpio,
		"-tmp-dir", work,
		"-uinitcmd=kesu",
		"-defaultsh=",
		"-skip-ldd",
		"-go-extra-args=-ldflags=" + ldflags,
		"-files", filepath.Join(s.ModuleRoot, "lib", "modules") + ":lib/modules",
		urootInit, KesuPackage,
	}
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Dir = s.RepoDir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("u-root: %w\n%s", err, lastLines(b, 30))
	}
	st, err := os.Stat(cpio)
	if err != nil {
		return nil, err
	}
	res.CPIOSize = st.Size()
	tmp := out + ".tmp"
	if err := xzFile(ctx, cpio, tmp); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, out); err != nil {
		return nil, err
	}
	os.WriteFile(out+".cpiosize", []byte(fmt.Sprint(res.CPIOSize)), 0o644)
	st, err = os.Stat(out)
	if err != nil {
		return nil, err
	}
	res.Size = st.Size()
	return res, nil
}

// xzFile compresses src into dst with the settings the kernel accepts:
// CRC32 check, single-threaded (deterministic output).
func xzFile(ctx context.Context, src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "xz", "--check=crc32", "-6", "-T1", "-c")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = in, out, &stderr
	if err := cmd.Run(); err != nil {
		out.Close()
		return fmt.Errorf("xz: %w: %s", err, stderr.String())
	}
	return out.Close()
}

// urootTool builds the u-root command pinned by the kesu module's go.mod
// into the cache once.
func urootTool(ctx context.Context, repoDir, cacheDir string) (string, error) {
	ver, err := goList(ctx, repoDir, "-m", "-f", "{{.Version}}", urootModule)
	if err != nil {
		return "", err
	}
	tool := filepath.Join(cacheDir, "tools", "u-root-"+strings.TrimSpace(ver)+"-"+runtime.Version())
	if _, err := os.Stat(tool); err == nil {
		return tool, nil
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", tool+".tmp", urootModule)
	cmd.Dir = repoDir
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", urootModule, err, b)
	}
	return tool, os.Rename(tool+".tmp", tool)
}

// initramfsKey hashes everything the initramfs is made of: the recipe, the
// Go toolchain, the linker flags (the version stamp), go.mod and go.sum,
// every file of the kesu module compiled into cmd/kesu (for linux/amd64),
// and every file of the module tree.
func initramfsKey(ctx context.Context, s InitramfsSpec, ldflags string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", initramfsRecipe, runtime.Version(), ldflags)
	files, err := sourceFiles(ctx, s.RepoDir, KesuPackage)
	if err != nil {
		return "", err
	}
	files = append(files, filepath.Join(s.RepoDir, "go.mod"), filepath.Join(s.RepoDir, "go.sum"))
	for _, f := range files {
		if err := hashFile(h, s.RepoDir, f); err != nil {
			return "", err
		}
	}
	var mods []string
	err = filepath.Walk(filepath.Join(s.ModuleRoot, "lib", "modules"), func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			mods = append(mods, p)
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("initramfs key: %w", err)
	}
	sort.Strings(mods)
	for _, f := range mods {
		if err := hashFile(h, s.ModuleRoot, f); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashFile(h io.Writer, base, path string) error {
	rel, _ := filepath.Rel(base, path)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(rel), st.Size())
	_, err = io.Copy(h, f)
	return err
}

// sourceFiles lists the files of the main module compiled into pkg (and the
// packages it imports) for linux/amd64 without cgo.
func sourceFiles(ctx context.Context, repoDir, pkg string) ([]string, error) {
	out, err := goList(ctx, repoDir, "-deps", "-f",
		`{{if .Module}}{{if .Module.Main}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{end}}{{end}}`,
		pkg)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, l := range strings.Split(out, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			files = append(files, l)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("go list %s: no source files", pkg)
	}
	sort.Strings(files)
	return files, nil
}

func goList(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", append([]string{"list"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return string(b), nil
}

func orDevel(release string) string {
	if release == "" {
		return "(devel)"
	}
	return release
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, "kesu-mkimage: "+format+"\n", args...)
	}
}

package image

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/kesu-erase/kesu/internal/version"
)

// Paths on the stick's FAT volume. Shim is the removable-media boot loader
// and loads grubx64.efi (and MokManager, mmx64.efi) from its own directory;
// Debian's signed GRUB has /EFI/debian built in as its prefix.
const (
	StickShim       = "/EFI/BOOT/BOOTX64.EFI"
	StickGrub       = "/EFI/BOOT/grubx64.efi"
	StickMokManager = "/EFI/BOOT/mmx64.efi"
	StickGrubCfg    = "/EFI/debian/grub.cfg"
	StickKernel     = "/boot/vmlinuz"
	StickInitramfs  = "/boot/initramfs.xz"
	StickConfig     = "/kesu.toml" // the policy the appliance follows
	StickKey        = "/kesu.key"  // the signing key (when the image is built with one)
	StickRecords    = "/records"   // where the appliance writes its records
)

// Debian files of the boot chain, inside the unpacked packages.
const (
	debShim       = "usr/lib/shim/shimx64.efi.signed"                   // shim-signed
	debMokManager = "usr/lib/shim/mmx64.efi.signed"                     // shim-helpers-amd64-signed
	debGrub       = "usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed" // grub-efi-amd64-signed
	debGrubNet    = "usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed"
)

// moduleRecipe changes when the module tree layout changes.
const moduleRecipe = "modules.dep+modules.builtin+kesu.modules; v1"

// BootSpec says where the boot chain comes from.
type BootSpec struct {
	RepoDir    string // the kesu module root
	CacheDir   string // downloads and builds; default RepoDir/.cache
	ModuleList string // default RepoDir/configs/modules.txt
	// Version is stamped into kesu; nil stamps GitStamp(RepoDir), or
	// nothing (kesu says "(devel)") when RepoDir is not a git checkout.
	Version *version.Stamp
	Log     io.Writer // progress; nil for none
}

// Boot is everything a kesu stick boots, fetched and built into the cache.
type Boot struct {
	Release    string // kernel release, e.g. 6.1.0-57-amd64
	Kernel     string // Debian's signed vmlinuz
	Shim       string // shimx64.efi.signed (Microsoft-signed)
	MokManager string // mmx64.efi.signed
	Grub       string // grubx64.efi.signed (Debian-signed)
	GrubNet    string // grubnetx64.efi.signed (Debian-signed; network boot)
	ModuleRoot string // holds lib/modules/<release> for the initramfs
	Modules    *ModuleTree
	Initramfs  *Initramfs
	Packages   []Package // the Debian packages used
}

// BuildBoot fetches Debian's signed kernel (the release linux-image-amd64
// points at now), shim, MokManager and signed GRUB, builds the module tree
// for the module list, and builds the initramfs with the current kesu. Every
// step is cached by content; with a warm cache this takes seconds.
func BuildBoot(ctx context.Context, s BootSpec) (*Boot, error) {
	if s.CacheDir == "" {
		s.CacheDir = filepath.Join(s.RepoDir, ".cache")
	}
	if s.ModuleList == "" {
		s.ModuleList = filepath.Join(s.RepoDir, "configs", "modules.txt")
	}
	apt := &Apt{CacheDir: filepath.Join(s.CacheDir, "debian"), Log: s.Log}
	rel, err := apt.KernelRelease(ctx)
	if err != nil {
		return nil, err
	}
	b := &Boot{Release: rel}
	for _, name := range []string{"linux-image-" + rel, "shim-signed", "shim-helpers-amd64-signed", "grub-efi-amd64-signed"} {
		p, err := apt.Fetch(ctx, name)
		if err != nil {
			return nil, err
		}
		b.Packages = append(b.Packages, p)
	}
	kpkg := b.Packages[0]
	b.Kernel = filepath.Join(kpkg.Root, "boot", "vmlinuz-"+rel)
	b.Shim = filepath.Join(b.Packages[1].Root, debShim)
	b.MokManager = filepath.Join(b.Packages[2].Root, debMokManager)
	b.Grub = filepath.Join(b.Packages[3].Root, debGrub)
	b.GrubNet = filepath.Join(b.Packages[3].Root, debGrubNet)
	for _, f := range []string{b.Kernel, b.Shim, b.MokManager, b.Grub} {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("boot chain: %w", err)
		}
	}

	listData, err := os.ReadFile(s.ModuleList)
	if err != nil {
		return nil, err
	}
	list, err := ParseModuleList(bytes.NewReader(listData))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.ModuleList, err)
	}
	b.Modules, err = SelectModules(filepath.Join(kpkg.Root, "lib", "modules", rel), list)
	if err != nil {
		return nil, err
	}
	b.ModuleRoot, err = writeModuleRoot(ctx, s.CacheDir, kpkg, b.Modules, listData)
	if err != nil {
		return nil, err
	}
	var stamp version.Stamp
	if s.Version != nil {
		stamp = *s.Version
	} else if stamp, err = GitStamp(ctx, s.RepoDir); errors.Is(err, ErrNoGit) {
		logf(s.Log, "%v: kesu will say (devel)", err)
	} else if err != nil {
		return nil, err
	}
	b.Initramfs, err = BuildInitramfs(ctx, InitramfsSpec{RepoDir: s.RepoDir, ModuleRoot: b.ModuleRoot, CacheDir: s.CacheDir, Version: stamp, Log: s.Log})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// writeModuleRoot writes the module tree into the cache under a key of the
// kernel package and the module list, unless it is there already.
func writeModuleRoot(ctx context.Context, cacheDir string, kpkg Package, t *ModuleTree, list []byte) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", moduleRecipe, kpkg.SHA256)
	h.Write(list)
	key := hex.EncodeToString(h.Sum(nil))[:32]
	dir := filepath.Join(cacheDir, "modules")
	root := filepath.Join(dir, key)
	unlock, err := lockFile(ctx, filepath.Join(dir, "lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(root, ".kesu-complete")); err == nil {
		return root, nil
	}
	tmp := root + ".tmp"
	os.RemoveAll(tmp)
	if err := t.Write(filepath.Join(tmp, "lib", "modules", t.Release)); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(tmp, ".kesu-complete"), nil, 0o644); err != nil {
		return "", err
	}
	os.RemoveAll(root)
	return root, os.Rename(tmp, root)
}

// StickSpec says what goes on a stick image besides the boot chain.
type StickSpec struct {
	Boot         *Boot
	Output       string     // image file to create (replaced if it exists)
	Policy       string     // kesu.toml to put on the stick (required)
	Key          string     // signing key file to put on the stick; "" for none
	KeyName      string     // where on the stick the key goes; default StickKey
	RecordsDir   string     // the records folder on the stick; default StickRecords
	Size         int64      // image size in bytes; default DefaultStickSize
	GrubTemplate string     // default RepoDir/configs/grub.cfg (given as path)
	GrubTimeout  int        // seconds GRUB shows its menu
	Cmdline      []string   // extra kernel command-line words
	Files        []DiskFile // extra files; one with the name of a standard file replaces it (tests)
}

// DefaultStickSize leaves room for years of records beside the ~20 MB boot
// chain, and is quick to dd to a stick.
const DefaultStickSize = 128 << 20

// Stick is a written stick image.
type Stick struct {
	Path     string
	PartGUID string // the KESU partition's GPT GUID (PARTUUID)
	Cmdline  string // the kernel command line in grub.cfg
	GrubCfg  []byte
}

// grubData fills configs/grub.cfg.
type grubData struct {
	Timeout   int
	Kernel    string
	Initramfs string
	Cmdline   string
}

// BaseCmdline is the kernel command line of the stick (and of the VM
// harness's direct boots): output on every console, the serial console last
// so that it is /dev/console (the VM tests read it); libata.allow_tpm=1 so
// that libata passes the TCG commands (TRUSTED SEND/RECEIVE) through ATA
// PASS-THROUGH, which it refuses by default (kesu's module loader passes
// command-line module parameters on, as modprobe does).
var BaseCmdline = []string{"console=tty0", "console=ttyS0,115200", "libata.allow_tpm=1"}

// StickCmdlineKey names the partition the appliance booted from on the
// kernel command line, so that it can tell its own stick from another KESU
// volume (a drive that once held a kesu image).
const StickCmdlineKey = "kesu.stick"

// WriteStick writes the stick image: GPT, one EFI system partition named and
// labelled KESU, FAT32, holding shim as the removable-media boot loader with
// GRUB and MokManager beside it, grub.cfg, the kernel and initramfs, the
// policy, the signing key and an empty records folder.
func WriteStick(s StickSpec) (*Stick, error) {
	if s.Size == 0 {
		s.Size = DefaultStickSize
	}
	if s.Policy == "" {
		return nil, fmt.Errorf("stick: no kesu.toml given")
	}
	policy, err := os.ReadFile(s.Policy)
	if err != nil {
		return nil, fmt.Errorf("stick: %w", err)
	}
	var key []byte
	if s.Key != "" {
		if key, err = os.ReadFile(s.Key); err != nil {
			return nil, fmt.Errorf("stick: %w", err)
		}
	}
	tmplText, err := os.ReadFile(s.GrubTemplate)
	if err != nil {
		return nil, fmt.Errorf("stick: %w", err)
	}
	seed := []string{s.Boot.Initramfs.Key, s.Boot.Release, string(policy), string(key), fmt.Sprint(s.Size)}
	st := &Stick{Path: s.Output, PartGUID: guidFrom(append(seed, "partition")...)}
	words := append(append([]string{}, BaseCmdline...), StickCmdlineKey+"=PARTUUID="+strings.ToLower(st.PartGUID))
	st.Cmdline = strings.Join(append(words, s.Cmdline...), " ")
	tmpl, err := template.New("grub.cfg").Option("missingkey=error").Parse(string(tmplText))
	if err != nil {
		return nil, fmt.Errorf("stick: %s: %w", s.GrubTemplate, err)
	}
	var cfg bytes.Buffer
	if err := tmpl.Execute(&cfg, grubData{Timeout: s.GrubTimeout, Kernel: StickKernel, Initramfs: StickInitramfs, Cmdline: st.Cmdline}); err != nil {
		return nil, fmt.Errorf("stick: %s: %w", s.GrubTemplate, err)
	}
	st.GrubCfg = cfg.Bytes()
	files := []DiskFile{
		{Name: StickShim, Source: s.Boot.Shim},
		{Name: StickGrub, Source: s.Boot.Grub},
		{Name: StickMokManager, Source: s.Boot.MokManager},
		{Name: StickGrubCfg, Data: st.GrubCfg},
		{Name: StickKernel, Source: s.Boot.Kernel},
		{Name: StickInitramfs, Source: s.Boot.Initramfs.Path},
		{Name: StickConfig, Data: policy},
	}
	if key != nil {
		name := s.KeyName
		if name == "" {
			name = StickKey
		}
		files = append(files, DiskFile{Name: "/" + strings.TrimPrefix(name, "/"), Data: key})
	}
	records := s.RecordsDir
	if records == "" {
		records = StickRecords
	}
extra:
	for _, f := range s.Files {
		for i := range files {
			if files[i].Name == f.Name {
				files[i] = f
				continue extra
			}
		}
		files = append(files, f)
	}
	if err := os.MkdirAll(filepath.Dir(s.Output), 0o755); err != nil {
		return nil, err
	}
	tmp := s.Output + ".tmp"
	os.Remove(tmp)
	err = WriteDisk(tmp, DiskSpec{
		Size:     s.Size,
		Label:    StickLabel,
		DiskGUID: guidFrom(append(seed, "disk")...),
		PartGUID: st.PartGUID,
		Files:    files,
		Dirs:     []string{records},
	})
	if err != nil {
		return nil, err
	}
	return st, os.Rename(tmp, s.Output)
}

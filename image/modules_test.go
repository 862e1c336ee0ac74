package image

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestModuleName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"nvme", "nvme"},
		{"nvme-core", "nvme_core"},
		{"kernel/drivers/nvme/host/nvme-core.ko", "nvme_core"},
		{"nls_iso8859-1", "nls_iso8859_1"}, // '-' and '_' mixed in one file name
		{"kernel/fs/nls/nls_iso8859-1.ko", "nls_iso8859_1"},
		{"crct10dif-pclmul.ko.xz", "crct10dif_pclmul"},
		{"usb-storage.ko.zst", "usb_storage"},
		{"sd_mod.ko.gz", "sd_mod"},
	} {
		if got := ModuleName(c.in); got != c.want {
			t.Errorf("ModuleName(%q) = %q; want %q", c.in, got, c.want)
		}
	}
}

func TestParseModuleList(t *testing.T) {
	in := "# storage\nnvme\n\n  ahci   # SATA\nusb-storage\nusb_storage\nnls_iso8859-1\n"
	got, err := ParseModuleList(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"nvme", "ahci", "usb_storage", "nls_iso8859_1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseModuleList = %v; want %v (-want +got):\n%s", got, want, diff)
	}
	for _, bad := range []string{"nvme core\n", "kernel/nvme.ko\n", "a:b\n"} {
		if _, err := ParseModuleList(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseModuleList(%q) = nil error; want an error", bad)
		}
	}
}

// testTree builds a module tree by hand: a -> b -> c, a -> c, d alone, e -> b.
func testTree() *ModuleTree {
	mod := func(name, path string, deps ...string) *Module {
		return &Module{Name: name, Path: path, Depends: deps}
	}
	return &ModuleTree{
		Release: "6.1.0-test",
		Listed:  []string{"mod_a", "mod_d", "mod_e"},
		Modules: map[string]*Module{
			"mod_a": mod("mod_a", "kernel/x/mod-a.ko", "mod_b", "mod_c"),
			"mod_b": mod("mod_b", "kernel/x/mod_b.ko", "mod_c"),
			"mod_c": mod("mod_c", "kernel/y/mod-c.ko"),
			"mod_d": mod("mod_d", "kernel/y/mod_d.ko"),
			"mod_e": mod("mod_e", "kernel/z/mod_e.ko", "mod_b", "builtin_f"), // builtin_f is built in
		},
	}
}

func TestModulesDep(t *testing.T) {
	// depmod's format: every transitive dependency, each listed before what
	// it depends on (loaders go from the end), no space after a bare colon.
	want := "kernel/x/mod-a.ko: kernel/x/mod_b.ko kernel/y/mod-c.ko\n" +
		"kernel/x/mod_b.ko: kernel/y/mod-c.ko\n" +
		"kernel/y/mod-c.ko:\n" +
		"kernel/y/mod_d.ko:\n" +
		"kernel/z/mod_e.ko: kernel/x/mod_b.ko kernel/y/mod-c.ko\n"
	if got := string(testTree().ModulesDep()); got != want {
		t.Errorf("ModulesDep =\n%s\nwant\n%s", got, want)
	}
}

func TestKernelReleaseFromDepends(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"linux-image-6.1.0-57-amd64 (= 6.1.192-3)", "6.1.0-57-amd64"},
		{"linux-image-6.1.0-13-amd64 (= 6.1.55-1)", "6.1.0-13-amd64"},
		{"foo, linux-image-6.12.9+bpo-amd64 (= 6.12.9-1~bpo12+1)", "6.12.9+bpo-amd64"},
	} {
		got, err := kernelReleaseFromDepends(c.in)
		if err != nil || got != c.want {
			t.Errorf("kernelReleaseFromDepends(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	// The unsigned kernel package must never be taken for the signed one.
	if got, err := kernelReleaseFromDepends("linux-image-6.1.0-57-amd64-unsigned (= 6.1.192-3)"); err == nil {
		t.Errorf("kernelReleaseFromDepends(unsigned package) = %q; want an error", got)
	}
}

// aptShow is `apt-cache show --no-all-versions linux-image-amd64` output as
// apt 2.6 prints it on Debian 12 (trimmed description).
const aptShow = `Package: linux-image-amd64
Source: linux-signed-amd64 (6.1.192+3)
Version: 6.1.192-3
Installed-Size: 13
Maintainer: Debian Kernel Team <debian-kernel@lists.debian.org>
Architecture: amd64
Provides: linux-latest-modules-6.1.0-57-amd64, wireguard-modules (= 1.0.0)
Depends: linux-image-6.1.0-57-amd64 (= 6.1.192-3)
Description-en: Linux for 64-bit PCs (meta-package)
 This package depends on the latest Linux kernel and modules for use on
 PCs with AMD64, Intel 64 or VIA Nano processors.
Description-md5: 7d6a4ab1ab7ef1bb1e3b1ee63a1eef10
Section: kernel
Priority: optional
Filename: pool/updates/main/l/linux-signed-amd64/linux-image-amd64_6.1.192-3_amd64.deb
Size: 1476
MD5sum: 0b5bfd1e2ba0a5ab0f0c6a7bd1de8f1c
SHA256: 4bf758c7753f48c545ecc23a3a56438f0b0acdf4d32c3ce8d4ec72361c1171bb

`

func TestParseAptShow(t *testing.T) {
	p, err := parseAptShow("linux-image-amd64", []byte(aptShow))
	if err != nil {
		t.Fatal(err)
	}
	want := Package{
		Name:    "linux-image-amd64",
		Version: "6.1.192-3",
		SHA256:  "4bf758c7753f48c545ecc23a3a56438f0b0acdf4d32c3ce8d4ec72361c1171bb",
		Depends: "linux-image-6.1.0-57-amd64 (= 6.1.192-3)",
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("parseAptShow (-want +got):\n%s", diff)
	}
	if _, err := parseAptShow("shim-signed", []byte(aptShow)); err == nil {
		t.Errorf("parseAptShow for another package's stanza = nil error; want an error")
	}
}

func TestGUIDFrom(t *testing.T) {
	g := guidFrom("a", "b")
	if len(g) != 36 || g[14] != '4' || !strings.ContainsRune("89AB", rune(g[19])) {
		t.Errorf("guidFrom = %s; want an RFC 4122 version 4 layout", g)
	}
	if g != guidFrom("a", "b") || g == guidFrom("a", "c") || g == guidFrom("ab") {
		t.Errorf("guidFrom must be a function of its seeds, fields kept apart")
	}
}

// A listed module shipped compressed is refused at build time: the
// appliance's loader takes plain .ko files only, and a stick without its
// storage drivers would find nothing to erase.
func TestSelectModulesRefusesCompressed(t *testing.T) {
	rel := t.TempDir()
	dir := filepath.Join(rel, "kernel", "drivers", "nvme", "host")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nvme.ko.xz"), []byte("not really xz"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(rel, "modules.builtin"), nil, 0o644)
	_, err := SelectModules(rel, []string{"nvme"})
	if err == nil || !strings.Contains(err.Error(), "compressed") {
		t.Errorf("SelectModules with nvme.ko.xz = %v; want a 'compressed' error", err)
	}
}

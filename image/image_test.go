package image_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kesu-erase/kesu/image"
	"github.com/kesu-erase/kesu/internal/version"
	"github.com/kesu-erase/kesu/internal/vm"
)

// These tests fetch Debian packages and build the initramfs (slow the first
// time, cached in .cache afterwards); they are skipped under -short.

func needTools(t *testing.T, tools ...string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds from Debian packages: skipped under -short")
	}
	for _, tool := range append([]string{"apt-get", "dpkg"}, tools...) {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found (run make deps)", tool)
		}
	}
}

func repo(t *testing.T) string {
	t.Helper()
	d, err := vm.RepoDir()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestModuleTreeAgainstDepmod checks the module tree for configs/modules.txt
// with kmod's own tools as the oracle: depmod run over our tree must find
// the same dependencies we wrote into modules.dep, modinfo must read the
// same "depends" as our ELF reader, and every listed module must resolve.
func TestModuleTreeAgainstDepmod(t *testing.T) {
	needTools(t, "depmod", "modinfo")
	root := repo(t)
	apt := &image.Apt{CacheDir: filepath.Join(root, ".cache", "debian")}
	ctx := context.Background()
	rel, err := apt.KernelRelease(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kpkg, err := apt.Fetch(ctx, "linux-image-"+rel)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(root, "configs", "modules.txt"))
	if err != nil {
		t.Fatal(err)
	}
	list, err := image.ParseModuleList(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(kpkg.Root, "lib", "modules", rel)
	tree, err := image.SelectModules(src, list)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(list, append(append([]string{}, tree.Listed...), tree.Builtin...), cmpSorted); diff != "" {
		t.Errorf("listed modules not all found (-list +found):\n%s", diff)
	}

	base := t.TempDir()
	dst := filepath.Join(base, "lib", "modules", rel)
	if err := tree.Write(dst); err != nil {
		t.Fatal(err)
	}
	ours := parseDep(t, string(tree.ModulesDep()))
	written, err := os.ReadFile(filepath.Join(dst, "modules.dep"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(written, tree.ModulesDep()) {
		t.Errorf("modules.dep written differs from ModulesDep()")
	}
	if bytes.Contains(written, []byte(": \n")) {
		t.Errorf("modules.dep has a space after a bare colon (u-root's kmodule parser misreads it)")
	}

	// Oracle: depmod over the same tree (it overwrites modules.dep).
	run(t, "depmod", "-b", base, rel)
	theirsData, err := os.ReadFile(filepath.Join(dst, "modules.dep"))
	if err != nil {
		t.Fatal(err)
	}
	theirs := parseDep(t, string(theirsData))
	if len(theirs) != len(ours) {
		t.Errorf("depmod lists %d modules, we list %d", len(theirs), len(ours))
	}
	for path, deps := range theirs {
		got, ok := ours[path]
		if !ok {
			t.Errorf("depmod lists %s; our modules.dep does not", path)
			continue
		}
		if diff := cmp.Diff(deps, got, cmpSorted); diff != "" {
			t.Errorf("dependencies of %s (-depmod +ours):\n%s", path, diff)
		}
		// Loaders go from the end of the list: each dependency must come
		// before the ones it depends on itself.
		for i, d := range got {
			for _, dd := range ours[d] {
				if j := indexOf(got, dd); j < i {
					t.Errorf("%s: %s is listed before %s, which depends on it", path, dd, d)
				}
			}
		}
	}
	// Every listed module resolves through depmod's index (modprobe's view).
	for _, name := range tree.Listed {
		out := run(t, "modprobe", "-d", base, "-S", rel, "--show-depends", name)
		if !strings.Contains(out, "insmod ") {
			t.Errorf("modprobe --show-depends %s = %q; want insmod lines", name, out)
		}
	}
	// Our .modinfo reader against modinfo(8).
	for _, name := range []string{"nvme", "uas", "vfat", "mpt3sas", "t10_pi"} {
		m := tree.Modules[name]
		if m == nil {
			t.Errorf("module %s not in the tree", name)
			continue
		}
		info, err := image.ModInfo(filepath.Join(dst, m.Path))
		if err != nil {
			t.Fatal(err)
		}
		want := strings.TrimSpace(run(t, "modinfo", "-F", "depends", filepath.Join(dst, m.Path)))
		if got := strings.Join(info["depends"], ","); got != want {
			t.Errorf("ModInfo(%s)[depends] = %q; modinfo says %q", name, got, want)
		}
	}
}

var cmpSorted = cmp.Transformer("sorted", func(in []string) []string {
	out := append([]string{}, in...)
	sort.Strings(out)
	return out
})

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func parseDep(t *testing.T, s string) map[string][]string {
	t.Helper()
	m := map[string][]string{}
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		p, rest, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("modules.dep line %q", l)
		}
		m[p] = strings.Fields(rest)
		if m[p] == nil {
			m[p] = []string{}
		}
	}
	return m
}

// TestStickImage builds the stick image and checks it with reference tools:
// sfdisk (GPT, one EFI system partition named KESU), fsck.vfat (clean),
// mtools (the boot chain in place, byte for byte, and grub.cfg), and cpio
// (the initramfs has /init, kesu as uinit, no shell, the module tree), and
// xz (CRC32 check, the only one the kernel accepts).
func TestStickImage(t *testing.T) {
	needTools(t, "sfdisk", "fsck.vfat", "mcopy", "mtype", "cpio", "xz")
	root := repo(t)
	boot, err := image.BuildBoot(context.Background(), image.BootSpec{RepoDir: root})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	policy := filepath.Join(root, "configs", "kesu.toml")
	key := filepath.Join(dir, "test.key")
	if err := os.WriteFile(key, []byte("not a real key: the builder copies it as is\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "kesu.img")
	st, err := image.WriteStick(image.StickSpec{
		Boot: boot, Output: out, Policy: policy, Key: key,
		GrubTemplate: filepath.Join(root, "configs", "grub.cfg"), GrubTimeout: 3,
	})
	if err != nil {
		t.Fatal(err)
	}

	dump := run(t, "sfdisk", "--dump", out)
	for _, want := range []string{
		"label: gpt",
		"type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B", // EFI system partition
		"uuid=" + st.PartGUID,
		`name="KESU"`,
		"start=        2048",
	} {
		if !strings.Contains(dump, want) {
			t.Errorf("sfdisk --dump lacks %q:\n%s", want, dump)
		}
	}
	if n := strings.Count(dump, out+"1 :") + strings.Count(dump, out+"2 :"); n != 1 {
		t.Errorf("sfdisk --dump shows %d partitions; want 1:\n%s", n, dump)
	}

	// The FAT volume, cut out of the image at the partition's offset.
	m := regexp.MustCompile(`start=\s*(\d+), size=\s*(\d+)`).FindStringSubmatch(dump)
	if m == nil {
		t.Fatalf("no partition in sfdisk --dump")
	}
	part := filepath.Join(dir, "part.img")
	cutPartition(t, out, part, m[1], m[2])
	fsck := run(t, "fsck.vfat", "-n", part)
	if strings.Contains(fsck, "differences") || strings.Contains(fsck, "Free cluster summary wrong") {
		t.Errorf("fsck.vfat -n reports problems:\n%s", fsck)
	}
	label := run(t, "mlabel", "-s", "-i", part, "::")
	if !strings.Contains(label, "KESU") {
		t.Errorf("mlabel -s = %q; want the label KESU", label)
	}
	for name, src := range map[string]string{
		image.StickShim:       boot.Shim,
		image.StickGrub:       boot.Grub,
		image.StickMokManager: boot.MokManager,
		image.StickKernel:     boot.Kernel,
		image.StickInitramfs:  boot.Initramfs.Path,
		image.StickConfig:     policy,
		image.StickKey:        key,
	} {
		got := filepath.Join(dir, "got")
		os.Remove(got)
		run(t, "mcopy", "-n", "-i", part, "::"+name, got)
		if !sameFile(t, got, src) {
			t.Errorf("%s on the stick differs from %s", name, src)
		}
	}
	if out := run(t, "mdir", "-b", "-i", part, "::"+image.StickRecords); strings.TrimSpace(out) != "" {
		t.Errorf("records folder is not empty: %q", out)
	}
	grub := run(t, "mtype", "-i", part, "::"+image.StickGrubCfg)
	for _, want := range []string{
		"linux " + image.StickKernel + " console=tty0 console=ttyS0,115200 libata.allow_tpm=1 kesu.stick=PARTUUID=" + strings.ToLower(st.PartGUID),
		"initrd " + image.StickInitramfs,
		"set timeout=3",
	} {
		if !strings.Contains(grub, want) {
			t.Errorf("grub.cfg lacks %q:\n%s", want, grub)
		}
	}

	// The initramfs.
	list := run(t, "xz", "--robot", "--list", boot.Initramfs.Path)
	if !strings.Contains(list, "CRC32") || strings.Contains(list, "CRC64") {
		t.Errorf("xz --list: want the CRC32 check only:\n%s", list)
	}
	cpioList := initramfsList(t, boot.Initramfs.Path)
	rel := "lib/modules/" + boot.Release + "/"
	for _, want := range []string{
		"init -> bbin/init",
		"bin/uinit -> ../bbin/kesu",
		"bbin/kesu -> bb",
		"bbin/bb",
		"dev/console",
		rel + "modules.dep",
		rel + "kesu.modules",
		rel + boot.Modules.Modules["nvme"].Path,
		rel + boot.Modules.Modules["usb_storage"].Path,
	} {
		if !containsLine(cpioList, want) {
			t.Errorf("cpio -t of the initramfs lacks %q", want)
		}
	}
	for _, shell := range []string{"bin/sh", "bin/defaultsh", "bbin/gosh", "bbin/elvish"} {
		if containsPrefix(cpioList, shell) {
			t.Errorf("the initramfs has a shell: %s", shell)
		}
	}
	t.Logf("image %d MiB; initramfs %d bytes xz (%d cpio); kernel %s, %d modules",
		image.DefaultStickSize>>20, boot.Initramfs.Size, boot.Initramfs.CPIOSize, boot.Release, len(boot.Modules.Modules))
}

func cutPartition(t *testing.T, img, part, start, size string) {
	t.Helper()
	run(t, "dd", "if="+img, "of="+part, "bs=512", "skip="+start, "count="+size, "status=none")
}

func sameFile(t *testing.T, a, b string) bool {
	t.Helper()
	x, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(x, y)
}

// initramfsList returns `cpio -tv`'s names (with "-> target" for symlinks).
func initramfsList(t *testing.T, path string) []string {
	t.Helper()
	xz := exec.Command("xz", "-dc", path)
	cpio := exec.Command("cpio", "-tv", "--quiet")
	pipe, err := xz.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cpio.Stdin = pipe
	var out bytes.Buffer
	cpio.Stdout = &out
	if err := xz.Start(); err != nil {
		t.Fatal(err)
	}
	if err := cpio.Run(); err != nil {
		t.Fatalf("cpio -t: %v", err)
	}
	if err := xz.Wait(); err != nil {
		t.Fatalf("xz -d: %v", err)
	}
	var names []string
	for _, l := range strings.Split(out.String(), "\n") {
		f := strings.Fields(l)
		if len(f) >= 9 {
			// mode links owner group size month day time|year name [-> target]
			i := 8
			if strings.HasPrefix(f[0], "c") || strings.HasPrefix(f[0], "b") {
				i = 9 // devices show "major, minor"
			}
			if i < len(f) {
				names = append(names, strings.Join(f[i:], " "))
			}
		}
	}
	return names
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

func containsPrefix(lines []string, p string) bool {
	for _, l := range lines {
		if l == p || strings.HasPrefix(l, p+" ") {
			return true
		}
	}
	return false
}

// ReadDiskFile returns a file's exact bytes: go-diskfs v1.9.4 returned
// 20,992 bytes for a 20,828-byte file (its last cluster whole, the tail
// zeros made a journal look altered); seen with a journal Linux's vfat
// wrote on the stick, and with an image go-diskfs itself wrote.
func TestReadDiskFileExactSize(t *testing.T) {
	img := filepath.Join(t.TempDir(), "stick.img")
	var files []image.DiskFile
	for _, n := range []int{1, 511, 512, 513, 19721, 20828, 65537} {
		files = append(files, image.DiskFile{Name: fmt.Sprintf("/records/f%d", n), Data: bytes.Repeat([]byte("kesu journal line\n"), n/18+1)[:n]})
	}
	// And one in the root directory, as kesu.toml is.
	files = append(files, image.DiskFile{Name: "/top", Data: bytes.Repeat([]byte("x"), 20828)})
	if err := image.WriteDisk(img, image.DiskSpec{Size: image.MinDiskSize, Label: image.StickLabel,
		DiskGUID: "89952DD6-1285-481C-9A2D-E2C712A5B96F", PartGUID: "3D849898-0FCB-41B5-B0CB-4660C75D5978", Files: files}); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		for _, name := range []string{f.Name, strings.TrimPrefix(f.Name, "/")} {
			got, err := image.ReadDiskFile(img, name)
			if err != nil || !bytes.Equal(got, f.Data) {
				t.Errorf("ReadDiskFile(%s) = %d bytes, %v; want the file's %d", name, len(got), err, len(f.Data))
			}
		}
	}
}

// TestStickKesuVersion runs the kesu of the initramfs (`kesu version
// --json`, which touches no drive) and checks it names the checkout's
// release, commit and commit date as git states them, then builds the
// initramfs again in an empty cache and compares the bytes: the stamp must
// keep one commit's initramfs reproducible.
func TestStickKesuVersion(t *testing.T) {
	needTools(t, "cpio", "xz", "git")
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("runs the stick's linux/amd64 kesu")
	}
	root := repo(t)
	ctx := context.Background()
	boot, err := image.BuildBoot(ctx, image.BootSpec{RepoDir: root})
	if err != nil {
		t.Fatal(err)
	}

	// The oracle: git itself (not image.GitStamp).
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", root}, args...)...)
		cmd.Env = append(os.Environ(), "TZ=UTC")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git %s: %v", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out))
	}
	want := version.Info{
		Version:   git("describe", "--always", "--dirty"),
		Commit:    git("rev-parse", "HEAD"),
		Modified:  git("status", "--porcelain", "--untracked-files=no") != "",
		BuildDate: git("log", "-1", "--format=%cd", "--date=format-local:%Y-%m-%dT%H:%M:%SZ"),
	}
	if sde, ok := os.LookupEnv("SOURCE_DATE_EPOCH"); ok {
		want.BuildDate = strings.TrimSpace(run(t, "date", "-u", "-d", "@"+sde, "+%Y-%m-%dT%H:%M:%SZ"))
	}

	dir := t.TempDir()
	extract := exec.Command("sh", "-c", `xz -dc "$1" | cpio -id --quiet bbin/bb`, "sh", boot.Initramfs.Path)
	extract.Dir = dir
	if out, err := extract.CombinedOutput(); err != nil {
		t.Fatalf("extract bbin/bb: %v\n%s", err, out)
	}
	// The busybox runs the command its file is named after.
	kesu := filepath.Join(dir, "kesu")
	if err := os.Rename(filepath.Join(dir, "bbin", "bb"), kesu); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(kesu, "version", "--json").Output()
	if err != nil {
		t.Fatalf("the stick's kesu version --json: %v", err)
	}
	var got version.Info
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("the stick's kesu version --json printed %q: %v", out, err)
	}
	want.Go = got.Go
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the stick's kesu version (-git +kesu):\n%s", diff)
	}

	// Again from scratch (only the u-root tool shared): the same bytes.
	cache := t.TempDir()
	if err := os.Symlink(filepath.Join(root, ".cache", "tools"), filepath.Join(cache, "tools")); err != nil {
		t.Fatal(err)
	}
	again, err := image.BuildInitramfs(ctx, image.InitramfsSpec{RepoDir: root, ModuleRoot: boot.ModuleRoot, CacheDir: cache, Version: boot.Initramfs.Version})
	if err != nil {
		t.Fatal(err)
	}
	if again.FromCache || again.Key != boot.Initramfs.Key {
		t.Fatalf("second build: FromCache %v, key %s; want a fresh build under key %s", again.FromCache, again.Key, boot.Initramfs.Key)
	}
	if !sameFile(t, again.Path, boot.Initramfs.Path) {
		t.Errorf("two builds of the initramfs for commit %s differ: %s, %s", want.Commit, boot.Initramfs.Path, again.Path)
	}
}

package image

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteDiskReferenceTools writes a small image with go-diskfs and checks
// it with sfdisk, fsck.fat and mtools (independent FAT readers).
func TestWriteDiskReferenceTools(t *testing.T) {
	for _, tool := range []string{"sfdisk", "fsck.vfat", "mtype", "mdir"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found (run make deps)", tool)
		}
	}
	dir := t.TempDir()
	img := filepath.Join(dir, "d.img")
	big := strings.Repeat("0123456789abcdef", 4096) // 64 KiB: many clusters
	err := WriteDisk(img, DiskSpec{
		Size:     MinDiskSize,
		Label:    StickLabel,
		DiskGUID: "89952DD6-1285-481C-9A2D-E2C712A5B96F",
		PartGUID: "3D849898-0FCB-41B5-B0CB-4660C75D5978",
		Files: []DiskFile{
			{Name: "/EFI/BOOT/BOOTX64.EFI", Data: []byte("shim")},
			{Name: "/EFI/debian/grub.cfg", Data: []byte("set timeout=0\n")},
			{Name: "/kesu.toml", Data: []byte("version = 1\n")},
			{Name: "/boot/big.bin", Data: []byte(big)},
		},
		Dirs: []string{"records"},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("sfdisk", "--dump", img).CombinedOutput()
	if err != nil {
		t.Fatalf("sfdisk --dump: %v\n%s", err, out)
	}
	want := img + "1 : start=        2048, size=       77824, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=3D849898-0FCB-41B5-B0CB-4660C75D5978, name=\"KESU\""
	if !strings.Contains(string(out), want) || !strings.Contains(string(out), "label-id: 89952DD6-1285-481C-9A2D-E2C712A5B96F") {
		t.Errorf("sfdisk --dump =\n%s\nwant the line\n%s", out, want)
	}
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	part := filepath.Join(dir, "p.img")
	if err := os.WriteFile(part, b[2048*512:(2048+77824)*512], 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("fsck.vfat", "-n", part).CombinedOutput(); err != nil || strings.Contains(string(out), "Fixing") {
		t.Errorf("fsck.vfat -n: %v\n%s", err, out)
	}
	for name, want := range map[string]string{"::/EFI/debian/grub.cfg": "set timeout=0\n", "::/boot/big.bin": big, "::/kesu.toml": "version = 1\n"} {
		out, err := exec.Command("mtype", "-i", part, name).Output()
		if err != nil || string(out) != want {
			t.Errorf("mtype %s = %d bytes, %v; want %d bytes", name, len(out), err, len(want))
		}
	}
	if got, err := ReadDiskFile(img, "/EFI/BOOT/BOOTX64.EFI"); err != nil || string(got) != "shim" {
		t.Errorf("ReadDiskFile = %q, %v; want shim", got, err)
	}
	if got, err := ListDiskDir(img, "/EFI"); err != nil || strings.Join(got, ",") != "BOOT,debian" {
		t.Errorf("ListDiskDir(/EFI) = %v, %v; want BOOT, debian", got, err)
	}
	if err := WriteDisk(filepath.Join(dir, "small.img"), DiskSpec{Size: 8 << 20}); err == nil {
		t.Errorf("WriteDisk(8 MiB) = nil error; want too small for FAT32")
	}
}

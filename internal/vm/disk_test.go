package vm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiskArgs(t *testing.T) {
	dir := t.TempDir()
	disks := []Disk{
		{Kind: NVMe, Path: "/i/n.img", Serial: "N1"},
		{Kind: AHCI, Path: "/i/a.img", Serial: "A1", Model: "KESU, TEST"},
		{Kind: AHCI, Path: "/i/b.img", Serial: "A2"},
		{Kind: SCSI, Path: "/i/s.img", Serial: "S1", Vendor: "KESU", Product: "DISK"},
		{Kind: VirtioBlk, Path: "/i/v.img", Serial: "V1", ReadOnly: true},
		{Kind: USB, Path: "/i/u.img", Boot: true},
		{Kind: SCSI, Path: "/i/e.img", Serial: "S2", Errors: WriteErrors()},
		{Kind: NVMe, Path: "/i/m1.img", Serial: "M1", Controller: "nvmec0"},
		{Kind: NVMe, Path: "/i/m2.img", Serial: "M1", Controller: "nvmec0"},
	}
	got, err := diskArgs(dir, disks)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"-drive", "if=none,id=disk0,format=raw,file=/i/n.img",
		"-device", "nvme,drive=disk0,serial=N1",
		"-drive", "if=none,id=disk1,format=raw,file=/i/a.img",
		"-device", "ide-hd,drive=disk1,bus=ide.0,model=KESU,, TEST,serial=A1",
		"-drive", "if=none,id=disk2,format=raw,file=/i/b.img",
		"-device", "ide-hd,drive=disk2,bus=ide.1,serial=A2",
		"-drive", "if=none,id=disk3,format=raw,file=/i/s.img",
		"-device", "virtio-scsi-pci,id=scsi0",
		"-device", "scsi-hd,drive=disk3,bus=scsi0.0,serial=S1,vendor=KESU,product=DISK",
		"-drive", "if=none,id=disk4,format=raw,file=/i/v.img,readonly=on",
		"-device", "virtio-blk-pci,drive=disk4,serial=V1",
		"-drive", "if=none,id=disk5,format=raw,file=/i/u.img",
		"-device", "qemu-xhci,id=xhci",
		"-device", "usb-storage,bus=xhci.0,removable=on,drive=disk5,bootindex=0",
		"-drive", "if=none,id=disk6,format=raw,file.driver=blkdebug,file.config=" + filepath.Join(dir, "disk6.blkdebug") + ",file.image.driver=file,file.image.filename=/i/e.img",
		"-device", "scsi-hd,drive=disk6,bus=scsi0.0,serial=S2",
		// QEMU docs/system/devices/nvme.rst: a controller without a drive,
		// its namespaces as nvme-ns devices on its bus.
		"-drive", "if=none,id=disk7,format=raw,file=/i/m1.img",
		"-device", "nvme,id=nvmec0,serial=M1",
		"-device", "nvme-ns,drive=disk7,bus=nvmec0,nsid=1",
		"-drive", "if=none,id=disk8,format=raw,file=/i/m2.img",
		"-device", "nvme-ns,drive=disk8,bus=nvmec0,nsid=2",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diskArgs (-want +got):\n%s", diff)
	}
	conf, err := os.ReadFile(filepath.Join(dir, "disk6.blkdebug"))
	if err != nil {
		t.Fatal(err)
	}
	// QEMU docs/devel/blkdebug.txt: [inject-error] with event and errno.
	if want := "[inject-error]\nevent = \"write_aio\"\nerrno = \"5\"\n\n"; string(conf) != want {
		t.Errorf("blkdebug config = %q; want %q", conf, want)
	}

	for _, bad := range [][]Disk{
		{{Kind: NVMe, Path: "/i/n.img"}},                                 // NVMe needs a serial
		{{Kind: NVMe, Path: "/i/n.img", Serial: "N", Controller: "c,1"}}, // QEMU option syntax
		{{Kind: VirtioBlk, Path: "/i/a,b.img"}},                          // QEMU option syntax
		{{Kind: Kind(99), Path: "/i/x.img"}},                             // unknown kind
		{{Kind: VirtioBlk}},                                              // no image
		append(make([]Disk, 0), ahcis(7)...),                             // more than six AHCI ports
	} {
		if _, err := diskArgs(dir, bad); err == nil {
			t.Errorf("diskArgs(%+v) = nil error; want an error", bad)
		}
	}
}

func ahcis(n int) []Disk {
	var d []Disk
	for i := 0; i < n; i++ {
		d = append(d, Disk{Kind: AHCI, Path: "/i/a.img"})
	}
	return d
}

func TestBlkdebugConfig(t *testing.T) {
	got := blkdebugConfig([]ErrorRule{{Event: "read_aio", Errno: 5, Sector: 2048, Once: true}})
	want := "[inject-error]\nevent = \"read_aio\"\nerrno = \"5\"\nsector = \"2048\"\nonce = \"on\"\n\n"
	if got != want {
		t.Errorf("blkdebugConfig = %q; want %q", got, want)
	}
}

func TestMarkers(t *testing.T) {
	p := filepath.Join(t.TempDir(), "d.img")
	if err := CreateImage(p, 3<<20+512); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkers(p, "disk1"); err != nil {
		t.Fatal(err)
	}
	n, first, err := CountMarkers(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(3<<20/512 + 1); n != want || first != 0 {
		t.Errorf("CountMarkers after WriteMarkers = %d, first %d; want %d, 0", n, first, want)
	}
	b, _ := os.ReadFile(p)
	if s := string(b[512*7 : 512*7+40]); !strings.HasPrefix(s, "KESU-MARKER:disk1:7:") {
		t.Errorf("sector 7 starts %q; want KESU-MARKER:disk1:7:", s)
	}
	// Erase all but sector 5000 and the last one.
	f, _ := os.OpenFile(p, os.O_RDWR, 0)
	zero := make([]byte, len(b))
	f.WriteAt(zero[:5000*512], 0)
	f.WriteAt(zero[:len(b)-5001*512-512], 5001*512)
	f.Close()
	n, first, _ = CountMarkers(p)
	if n != 2 || first != 5000 {
		t.Errorf("CountMarkers after a partial erase = %d, first %d; want 2, 5000", n, first)
	}
}

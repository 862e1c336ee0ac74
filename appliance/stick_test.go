package appliance

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// mkfsBootSector formats a file with mkfs.fat (dosfstools, the oracle) and
// returns its boot sector.
func mkfsBootSector(t *testing.T, fatBits, mib int, label string) []byte {
	t.Helper()
	if _, err := exec.LookPath("mkfs.fat"); err != nil {
		t.Skip("mkfs.fat not found (apt-get install dosfstools)")
	}
	p := filepath.Join(t.TempDir(), "fat.img")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(int64(mib) << 20)
	f.Close()
	args := []string{"-F", map[int]string{12: "12", 16: "16", 32: "32"}[fatBits]}
	if label != "" {
		args = append(args, "-n", label)
	}
	if out, err := exec.Command("mkfs.fat", append(args, p)...).CombinedOutput(); err != nil {
		t.Fatalf("mkfs.fat: %v\n%s", err, out)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b[:512]
}

func TestFATLabelMkfs(t *testing.T) {
	for _, c := range []struct {
		bits, mib int
		label     string
		want      string
	}{
		{32, 40, "KESU", "KESU"},
		{16, 16, "KESU", "KESU"},
		{12, 1, "KESU", "KESU"},
		{32, 40, "OFFICE DATA", "OFFICE DATA"},
		{32, 40, "", "NO NAME"}, // mkfs.fat's default label
	} {
		bs := mkfsBootSector(t, c.bits, c.mib, c.label)
		got, ok := FATLabel(bs)
		if !ok || got != c.want {
			t.Errorf("FATLabel(mkfs.fat -F %d -n %q) = %q, %v; want %q, true", c.bits, c.label, got, ok, c.want)
		}
	}
}

func TestFATLabelNotFAT(t *testing.T) {
	zero := make([]byte, 512)
	if _, ok := FATLabel(zero); ok {
		t.Errorf("FATLabel(zeros) ok; want not FAT")
	}
	// An MBR: boot signature but no BPB (bytes per sector 0).
	mbr := make([]byte, 512)
	mbr[510], mbr[511] = 0x55, 0xAA
	if _, ok := FATLabel(mbr); ok {
		t.Errorf("FATLabel(MBR without BPB) ok; want not FAT")
	}
	if _, ok := FATLabel(mbr[:100]); ok {
		t.Errorf("FATLabel(short) ok; want not FAT")
	}
}

// fat32Sector builds a FAT32 boot sector by hand (Microsoft FAT spec:
// BPB_BytsPerSec at 11, BPB_SecPerClus 13, BPB_NumFATs 16, BPB_FATSz16 22,
// BS_BootSig 66, BS_VolLab 71, signature 0x55AA at 510).
func fat32Sector(label string) []byte {
	b := make([]byte, 512)
	binary.LittleEndian.PutUint16(b[11:], 512)
	b[13], b[16] = 1, 2
	b[66] = 0x29
	copy(b[71:82], []byte(label + "           ")[:11])
	b[510], b[511] = 0x55, 0xAA
	return b
}

func TestFATLabelHandBuilt(t *testing.T) {
	if got, ok := FATLabel(fat32Sector("KESU")); !ok || got != "KESU" {
		t.Errorf("FATLabel(hand-built FAT32 KESU) = %q, %v; want KESU", got, ok)
	}
	b := fat32Sector("KESU")
	b[66] = 0 // no extended boot signature: the label field means nothing
	if got, ok := FATLabel(b); !ok || got != "" {
		t.Errorf("FATLabel(no BS_BootSig) = %q, %v; want \"\", true", got, ok)
	}
}

func TestGPTPartUUIDSfdisk(t *testing.T) {
	if _, err := exec.LookPath("sfdisk"); err != nil {
		t.Skip("sfdisk not found (apt-get install fdisk)")
	}
	p := filepath.Join(t.TempDir(), "gpt.img")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(8 << 20)
	f.Close()
	script := "label: gpt\n" +
		"start=2048, size=4096, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=3D849898-0FCB-41B5-B0CB-4660C75D5978\n" +
		"start=6144, size=4096, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=01234567-89AB-CDEF-0123-456789ABCDEF\n"
	cmd := exec.Command("sfdisk", "-q", p)
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sfdisk: %v\n%s", err, out)
	}
	f, err = os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for part, want := range map[int]string{1: "3d849898-0fcb-41b5-b0cb-4660c75d5978", 2: "01234567-89ab-cdef-0123-456789abcdef"} {
		if got, err := GPTPartUUID(f, 512, part); err != nil || got != want {
			t.Errorf("GPTPartUUID(part %d) = %q, %v; want %q", part, got, err, want)
		}
	}
	if _, err := GPTPartUUID(f, 512, 200); err == nil {
		t.Errorf("GPTPartUUID(part 200) = nil error; want an error")
	}
	if _, err := GPTPartUUID(bytes.NewReader(make([]byte, 4096)), 512, 1); err == nil {
		t.Errorf("GPTPartUUID(no GPT) = nil error; want an error")
	}
}

// gptDisk builds a disk image by hand with one GPT entry (UEFI spec §5.3):
// header at LBA 1, entries at LBA 2, partition GUID at entry offset 16.
func gptDisk(partGUID [16]byte) []byte {
	d := make([]byte, 34*512)
	copy(d[512:], "EFI PART")
	binary.LittleEndian.PutUint64(d[512+72:], 2)   // PartitionEntryLBA
	binary.LittleEndian.PutUint32(d[512+80:], 128) // NumberOfPartitionEntries
	binary.LittleEndian.PutUint32(d[512+84:], 128) // SizeOfPartitionEntry
	copy(d[2*512+16:], partGUID[:])
	return d
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// fakeBlock is a sysfs tree plus device contents.
type fakeBlock struct {
	sys  fstest.MapFS
	devs map[string][]byte
}

func newFakeBlock() *fakeBlock {
	return &fakeBlock{sys: fstest.MapFS{}, devs: map[string][]byte{}}
}

func (f *fakeBlock) disk(name string, data []byte) {
	f.sys["block/"+name+"/size"] = &fstest.MapFile{Data: []byte("65536\n")}
	f.sys["block/"+name+"/queue/logical_block_size"] = &fstest.MapFile{Data: []byte("512\n")}
	f.devs[name] = data
}

func (f *fakeBlock) part(disk, name string, n int, data []byte) {
	f.sys["block/"+disk+"/"+name+"/partition"] = &fstest.MapFile{Data: []byte(fmt.Sprintf("%d\n", n))}
	f.devs[name] = data
}

func (f *fakeBlock) open(name string) (io.ReadCloser, error) {
	d, ok := f.devs[name]
	if !ok {
		return nil, os.ErrNotExist
	}
	return nopCloser{bytes.NewReader(d)}, nil
}

// The GUID 3d849898-0fcb-41b5-b0cb-4660c75d5978 in its on-disk byte order.
var stickGUID = [16]byte{0x98, 0x98, 0x84, 0x3d, 0xcb, 0x0f, 0xb5, 0x41, 0xb0, 0xcb, 0x46, 0x60, 0xc7, 0x5d, 0x59, 0x78}

func TestScanVolumes(t *testing.T) {
	f := newFakeBlock()
	f.disk("sda", gptDisk(stickGUID)) // the stick: GPT, partition 1 labelled KESU
	f.part("sda", "sda1", 1, fat32Sector("KESU"))
	f.disk("sdb", fat32Sector("KESU")) // an unpartitioned FAT labelled KESU
	f.disk("nvme0n1", make([]byte, 4096))
	f.part("nvme0n1", "nvme0n1p1", 1, fat32Sector("OFFICE"))
	f.disk("loop0", fat32Sector("KESU")) // never considered
	f.disk("sdc", nil)                   // unreadable (empty card reader)
	delete(f.devs, "sdc")

	got, err := ScanVolumes(f.sys, f.open)
	if err != nil {
		t.Fatal(err)
	}
	want := []Volume{
		{Name: "sda1", Disk: "sda", PartUUID: "3d849898-0fcb-41b5-b0cb-4660c75d5978"},
		{Name: "sdb", Disk: "sdb"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ScanVolumes (-want +got):\n%s", diff)
	}
}

func TestChooseStick(t *testing.T) {
	a := Volume{Name: "sda1", Disk: "sda", PartUUID: "aaaa"}
	b := Volume{Name: "sdb1", Disk: "sdb", PartUUID: "bbbb"}
	b2 := Volume{Name: "sdc1", Disk: "sdc", PartUUID: "bbbb"}
	c := Volume{Name: "sdd", Disk: "sdd"}
	for _, tc := range []struct {
		name string
		vols []Volume
		want string // Name, or "" for an error
		err  error
	}{
		{"only one", []Volume{c}, "sdd", nil},
		{"named by the command line", []Volume{a, b, c}, "sdb1", nil},
		{"named, upper case", []Volume{a, {Name: "sdb1", Disk: "sdb", PartUUID: "BBBB"}}, "sdb1", nil},
		{"name not found, one volume", []Volume{a}, "sda1", nil},
		{"name not found, two volumes", []Volume{a, c}, "", ErrAmbiguousStick},
		{"two with the named GUID", []Volume{b, b2}, "", ErrAmbiguousStick},
		{"none", nil, "", ErrNoStick},
	} {
		v, err := ChooseStick(tc.vols, "bbbb")
		switch {
		case tc.err != nil && !errors.Is(err, tc.err):
			t.Errorf("%s: ChooseStick = %v, %v; want error %v", tc.name, v, err, tc.err)
		case tc.err == nil && (err != nil || v.Name != tc.want):
			t.Errorf("%s: ChooseStick = %v, %v; want %s", tc.name, v, err, tc.want)
		}
	}
	// Without a name from the command line, only a single volume is taken.
	if v, err := ChooseStick([]Volume{a, c}, ""); err == nil {
		t.Errorf("ChooseStick(two, no name) = %v; want an error", v)
	}
}

func TestStickFromCmdline(t *testing.T) {
	for in, want := range map[string]string{
		"console=tty0 console=ttyS0,115200 kesu.stick=PARTUUID=3D849898-0FCB-41B5-B0CB-4660C75D5978": "3d849898-0fcb-41b5-b0cb-4660c75d5978",
		"console=ttyS0":         "",
		"kesu.stick=LABEL=KESU": "",
	} {
		if got := StickFromCmdline(in); got != want {
			t.Errorf("StickFromCmdline(%q) = %q; want %q", in, got, want)
		}
	}
}

// A device that never answers (a failing drive) does not hold up the scan.
func TestScanVolumesHungDevice(t *testing.T) {
	f := newFakeBlock()
	f.disk("sda", nil)
	release := make(chan struct{})
	defer close(release)
	open := func(name string) (io.ReadCloser, error) {
		<-release // never returns while the scan runs
		return nil, os.ErrNotExist
	}
	fired := make(chan time.Time)
	close(fired)
	old := scanAfter
	scanAfter = func(time.Duration) <-chan time.Time { return fired }
	defer func() { scanAfter = old }()
	vols, err := ScanVolumes(f.sys, open)
	if err != nil || len(vols) != 0 {
		t.Errorf("ScanVolumes with a hung device = %v, %v; want no volume, no error", vols, err)
	}
}

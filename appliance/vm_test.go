package appliance_test

import (
	"bytes"
	"crypto/rand"
	"debug/pe"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/appliance"
	"github.com/kesu-erase/kesu/image"
	"github.com/kesu-erase/kesu/internal/s3test"
	"github.com/kesu-erase/kesu/internal/vm"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/reporttest"
)

// markedDisk creates a target disk image filled with markers.
func markedDisk(t *testing.T, kind vm.Kind, serial string) vm.Disk {
	return markedDiskOf(t, kind, serial, 32<<20)
}

// markedDiskOf is markedDisk of size bytes.
func markedDiskOf(t *testing.T, kind vm.Kind, serial string, size int64) vm.Disk {
	t.Helper()
	d := vm.NewDisk(t, kind, serial, size)
	if err := vm.WriteMarkers(d.Path, serial); err != nil {
		t.Fatal(err)
	}
	return d
}

// testStick is a stick image built for a test, with the policy and the
// signing key it was built from.
type testStick struct {
	Path, Policy string
	Keys         report.KeyFiles
}

// newStick writes policy and a new signing key into a temp dir and builds
// a stick image from them, with extra kernel command-line words if any.
func newStick(t *testing.T, a *vm.Artifacts, policy string, cmdline ...string) testStick {
	t.Helper()
	dir := t.TempDir()
	st := testStick{Policy: filepath.Join(dir, "kesu.toml"), Keys: newKey(t)}
	if err := os.WriteFile(st.Policy, []byte(policy), 0o644); err != nil {
		t.Fatal(err)
	}
	var err error
	if len(cmdline) > 0 {
		st.Path, err = a.StickWithCmdline(dir, st.Policy, st.Keys.Private, cmdline)
	} else {
		st.Path, err = a.Stick(dir, st.Policy, st.Keys.Private)
	}
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// stickRecord returns the one record on the stick and its verification
// with the stick's public key; every line of it must validate against
// docs/record.schema.json (written inside the VM, it escapes
// reporttest.Main).
func stickRecord(t *testing.T, st testStick) ([]byte, *report.Result) {
	t.Helper()
	j := readOnlyRecord(t, st.Path)
	reporttest.ValidateJournal(t, j)
	ring, err := report.LoadPublicKeys(st.Keys.Public)
	if err != nil {
		t.Fatal(err)
	}
	return j, report.Verify(report.SplitJournal(j), ring)
}

// checkErased fails the test for every disk with a marker left.
func checkErased(t *testing.T, disks []vm.Disk) {
	t.Helper()
	for _, d := range disks {
		if n, first, err := vm.CountMarkers(d.Path); err != nil || n != 0 {
			t.Errorf("disk %s (%v): %d sectors still marked (first %d), %v; want none", d.Serial, d.Kind, n, first, err)
		}
	}
}

// newKey writes a signing key pair into a temp dir.
func newKey(t *testing.T) report.KeyFiles {
	t.Helper()
	kf, err := report.GenerateKeyFiles(t.TempDir(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return kf
}

// TestApplianceBrokenConfig boots a stick whose kesu.toml has errors (the
// kernel and initramfs directly, the stick on USB): the appliance must show
// every problem with its line on the console, record the refusal on the
// stick, and leave every target disk as it was.
func TestApplianceBrokenConfig(t *testing.T) {
	vm.Require(t, false)
	a := vm.Get(t)
	st := newStick(t, a, "version = 1\n[policy]\nlevel = \"wipe-it-all\"\n[run]\nafter = \"poweroff\"\nunknown_key = 3\n")
	nvme := markedDisk(t, vm.NVMe, "TNVME1")
	sata := markedDisk(t, vm.AHCI, "TSATA1")
	m := vm.NewMachine(t, nvme, sata)
	m.Until = []string{appliance.MarkerWaiting}
	m.Watch = []string{appliance.MarkerStart}
	res := vm.BootDirect(t, m, st.Path)

	if res.Stopped != appliance.MarkerWaiting {
		t.Fatalf("boot stopped at %q; want the appliance waiting (%q)", res.Stopped, appliance.MarkerWaiting)
	}
	for _, want := range []string{
		appliance.MarkerConfigBad,
		`line 3: policy.level: "wipe-it-all"`,
		"line 6: run.unknown_key: unknown key",
		appliance.MarkerNoErase,
		appliance.MarkerUnmounted,
	} {
		if !strings.Contains(res.Serial, want) {
			t.Errorf("console lacks %q", want)
		}
	}
	for _, d := range []vm.Disk{nvme, sata} {
		n, _, err := vm.CountMarkers(d.Path)
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(32 << 20 / 512); n != want {
			t.Errorf("disk %s: %d sectors still marked; want all %d (nothing erased)", d.Serial, n, want)
		}
	}
	// The refusal is recorded on the stick as a sealed, signed journal.
	j, v := stickRecord(t, st)
	if !v.OK() {
		t.Errorf("the refusal record does not verify: %+v", v)
	}
	if !strings.Contains(string(j), "config-error") || !strings.Contains(string(j), "wipe-it-all") {
		t.Errorf("record lacks the config-error note naming the bad value:\n%s", j)
	}
	t.Logf("boot to kesu: %v; to waiting: %v", res.Seen[appliance.MarkerStart], res.Seen[appliance.MarkerWaiting])
	logKesuLines(t, res.Serial)
}

// logKesuLines logs the appliance's console lines (go test -v shows them).
func logKesuLines(t *testing.T, serial string) {
	t.Helper()
	t.Logf("appliance console:\n%s", strings.Join((&vm.Result{Serial: serial}).LinesFrom(appliance.Prefix), "\n"))
}

// readOnlyRecord returns the one file in the stick image's records folder.
func readOnlyRecord(t *testing.T, stick string) []byte {
	t.Helper()
	names, err := image.ListDiskDir(stick, image.StickRecords)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 {
		t.Fatalf("records on the stick: %v; want one", names)
	}
	b, err := image.ReadDiskFile(stick, image.StickRecords+"/"+names[0])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// appliancePolicy is an unattended kesu.toml for the VM tests: Clear with a
// full read-back, a 5 s countdown, power off when done.
const appliancePolicy = `version = 1
language = "en"
[policy]
level = "clear"
verify = "full"
[run]
unattended = true
countdown = 5
after = "poweroff"
after_delay = 0
[record]
operator = "VM test"
`

// TestStickSecureBoot boots the whole stick image through OVMF with
// Microsoft's keys and Secure Boot enforced, the stick on usb-storage
// behind xHCI, with one target disk of each kind filled with markers. It
// checks, in that one boot: Secure Boot on and the kernel locked down; the
// stick found by the partition GUID GRUB passed; every target disk erased
// with no marker left; the stick's own files intact; the record on the
// stick verifying with the stick's public key.
func TestStickSecureBoot(t *testing.T) {
	vm.Require(t, true)
	a := vm.Get(t)
	st := newStick(t, a, appliancePolicy)
	cmdline, err := vm.StickCmdline(st.Path)
	if err != nil {
		t.Fatal(err)
	}
	partUUID := appliance.StickFromCmdline(cmdline)
	disks := []vm.Disk{
		markedDisk(t, vm.NVMe, "SBNVME1"),
		markedDisk(t, vm.AHCI, "SBSATA1"),
		markedDisk(t, vm.SCSI, "SBSCSI1"),
		markedDisk(t, vm.VirtioBlk, "SBVBLK1"),
	}
	m := vm.NewMachine(t, disks...)
	m.Timeout = 8 * time.Minute
	m.Watch = []string{"Welcome to GRUB", "EFI stub: UEFI Secure Boot is enabled", appliance.MarkerStart}
	m.Until = []string{appliance.MarkerWaiting}
	res := vm.BootStick(t, m, st.Path, true)
	logKesuLines(t, res.Serial)
	t.Logf("firmware to GRUB %v, to kesu %v, whole run %v", res.Seen["Welcome to GRUB"], res.Seen[appliance.MarkerStart], res.Duration)

	for _, want := range []string{
		"EFI stub: UEFI Secure Boot is enabled",
		appliance.MarkerFirmware + "on; kernel lockdown: integrity",
		appliance.MarkerStick,
		"PARTUUID " + partUUID,
		appliance.MarkerErased,
		appliance.MarkerUnmounted,
		appliance.MarkerPowerOff,
		// The technician's screen on the serial console (issue 8): the
		// plan table, the countdown, live lines per drive, the summary.
		"To erase: 4 drive(s)",
		"SBVBLK1",
		"4 PASS, 0 FAIL, 0 other, of 4",
		"Record: ",
	} {
		if !strings.Contains(res.Serial, want) {
			t.Errorf("console lacks %q", want)
		}
	}
	if !regexp.MustCompile(`\[\+\d+:\d\d:\d\d\] \S+ +(overwrite|verify|firmware erase)`).MatchString(res.Serial) {
		t.Error("console lacks live progress lines ([+h:mm:ss] bay phase ...)")
	}
	if res.Stopped != "" {
		t.Errorf("the appliance stopped at %q; want it to power off by itself", res.Stopped)
	}
	checkErased(t, disks)
	checkStickIntact(t, a, st)
	j, v := stickRecord(t, st)
	if !v.OK() {
		t.Errorf("the record does not verify: %+v", v)
	}
	for _, d := range disks {
		if !strings.Contains(string(j), d.Serial) {
			t.Errorf("the record does not name disk %s", d.Serial)
		}
	}
}

// checkStickIntact compares the stick's boot chain and configuration with
// what the image was built from, and has fsck.fat check the FAT volume the
// appliance wrote its record to.
func checkStickIntact(t *testing.T, a *vm.Artifacts, st testStick) {
	t.Helper()
	if _, err := exec.LookPath("fsck.vfat"); err == nil {
		img, err := os.ReadFile(st.Path)
		if err != nil {
			t.Fatal(err)
		}
		part := filepath.Join(t.TempDir(), "part.img")
		// The KESU partition starts at 1 MiB; the backup GPT takes the last 33 sectors.
		if err := os.WriteFile(part, img[1<<20:len(img)-(1<<20)], 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("fsck.vfat", "-n", part).CombinedOutput(); err != nil {
			t.Errorf("fsck.vfat -n of the stick after the run: %v\n%s", err, out)
		}
	}
	for name, src := range map[string]string{
		image.StickShim:       a.Boot.Shim,
		image.StickGrub:       a.Boot.Grub,
		image.StickMokManager: a.Boot.MokManager,
		image.StickKernel:     a.Boot.Kernel,
		image.StickInitramfs:  a.Boot.Initramfs.Path,
		image.StickConfig:     st.Policy,
		image.StickKey:        st.Keys.Private,
	} {
		got, err := image.ReadDiskFile(st.Path, name)
		if err != nil {
			t.Errorf("stick %s: %v", name, err)
			continue
		}
		want, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("stick %s changed (%d bytes, want %d)", name, len(got), len(want))
		}
	}
}

// stripSignature returns a PE image without its Authenticode signature: the
// certificate table (optional header data directory 4,
// IMAGE_DIRECTORY_ENTRY_SECURITY, PE/COFF spec "Optional Header Data
// Directories") zeroed and the certificates cut off the end of the file.
func stripSignature(t *testing.T, signed []byte) []byte {
	t.Helper()
	f, err := pe.NewFile(bytes.NewReader(signed))
	if err != nil {
		t.Fatal(err)
	}
	oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
	if !ok {
		t.Fatalf("not a PE32+ image")
	}
	sec := oh.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_SECURITY]
	if sec.Size == 0 || int(sec.VirtualAddress)+int(sec.Size) != len(signed) {
		t.Fatalf("certificate table at %d+%d in a %d-byte file; want it at the end", sec.VirtualAddress, sec.Size, len(signed))
	}
	peOff := int(binary.LittleEndian.Uint32(signed[0x3c:]))
	// PE signature (4) + COFF header (20), then the PE32+ optional header
	// whose data directories start at offset 112, 8 bytes each.
	dd := peOff + 4 + 20 + 112 + 8*pe.IMAGE_DIRECTORY_ENTRY_SECURITY
	if got := binary.LittleEndian.Uint32(signed[dd:]); got != sec.VirtualAddress {
		t.Fatalf("data directory 4 at file offset %d holds %d; debug/pe says %d", dd, got, sec.VirtualAddress)
	}
	out := append([]byte{}, signed[:sec.VirtualAddress]...)
	binary.LittleEndian.PutUint64(out[dd:], 0)
	return out
}

// TestStickUnsignedBootloaderRefused is the negative test of the Secure Boot
// setup: the same stick with shim's signature removed must be refused by
// the firmware; nothing of GRUB, Linux or kesu may run.
func TestStickUnsignedBootloaderRefused(t *testing.T) {
	vm.Require(t, true)
	a := vm.Get(t)
	dir := t.TempDir()
	signed, err := os.ReadFile(a.Boot.Shim)
	if err != nil {
		t.Fatal(err)
	}
	unsigned := stripSignature(t, signed)
	stick, err := a.Stick(dir, filepath.Join(a.RepoDir, "configs", "kesu.toml"), "",
		image.DiskFile{Name: image.StickShim, Data: unsigned})
	if err != nil {
		t.Fatal(err)
	}
	got, err := image.ReadDiskFile(stick, image.StickShim)
	if err != nil || !bytes.Equal(got, unsigned) {
		t.Fatalf("the stick's BOOTX64.EFI is not the unsigned shim (%d bytes, %v)", len(got), err)
	}
	m := vm.NewMachine(t)
	m.Timeout = 3 * time.Minute
	m.Until = []string{"Access Denied"}
	res := vm.BootStick(t, m, stick, true)
	if res.Stopped != "Access Denied" {
		t.Errorf("boot ended with %q; want the firmware's Access Denied", res.Stopped)
	}
	for _, never := range []string{"Welcome to GRUB", "Linux version", "EFI stub", appliance.MarkerStart} {
		if strings.Contains(res.Serial, never) {
			t.Errorf("console shows %q: the unsigned boot loader ran", never)
		}
	}
	t.Logf("refused after %v: %s", res.Seen["Access Denied"], lineWith(res.Serial, "Access Denied"))
}

func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

// TestApplianceFailingDisk boots the stick's kernel directly with three
// target disks, one behind a blkdebug layer that fails every write touching
// one sector with EIO: that disk must end FAIL in the signed record, the
// others PASS, and the run must still finish and power off.
func TestApplianceFailingDisk(t *testing.T) {
	vm.Require(t, false)
	a := vm.Get(t)
	// A record store is named, but the machine has no network: the copy
	// fails, says so, and changes nothing else (the stick holds the record).
	st := newStick(t, a, appliancePolicy+"store = \"s3://records\"\nstore_endpoint = \"http://10.0.2.2:1\"\n")
	good1 := markedDisk(t, vm.NVMe, "FGNVME1")
	bad := markedDisk(t, vm.SCSI, "FBSCSI1")
	bad.Errors = []vm.ErrorRule{{Event: "write_aio", Errno: 5, Sector: 4096}}
	good2 := markedDisk(t, vm.VirtioBlk, "FGVBLK1")
	m := vm.NewMachine(t, good1, bad, good2)
	m.Timeout = 6 * time.Minute
	m.Until = []string{appliance.MarkerWaiting}
	res := vm.BootDirect(t, m, st.Path)
	logKesuLines(t, res.Serial)
	if !strings.Contains(res.Serial, appliance.MarkerPowerOff) || res.Stopped != "" {
		t.Errorf("the appliance did not finish and power off (stopped at %q)", res.Stopped)
	}
	if !strings.Contains(res.Serial, appliance.MarkerStoreFailed) || !strings.Contains(res.Serial, "no wired interface") {
		t.Errorf("the console does not say the copy to the store failed for want of a network")
	}

	_, v := stickRecord(t, st)
	if !v.OK() {
		t.Fatalf("the record does not verify: %+v", v)
	}
	status := map[string]report.Status{}
	for _, d := range v.Run.Drives {
		if d.Result != nil {
			status[d.Drive.Identity.Serial] = d.Result.Assessment.Status
		}
	}
	want := map[string]report.Status{"FGNVME1": report.StatusPass, "FBSCSI1": report.StatusFail, "FGVBLK1": report.StatusPass}
	for serial, w := range want {
		if status[serial] != w {
			t.Errorf("record: drive %s is %q; want %s (all: %v)", serial, status[serial], w, status)
		}
	}
	for _, d := range []vm.Disk{good1, good2} {
		if n, _, _ := vm.CountMarkers(d.Path); n != 0 {
			t.Errorf("disk %s: %d markers left; want none", d.Serial, n)
		}
	}
	if n, first, _ := vm.CountMarkers(bad.Path); n == 0 || first > 4096 {
		t.Errorf("disk %s: %d markers left, first at %d; want sector 4096's marker kept (its writes failed)", bad.Serial, n, first)
	}
}

// TestApplianceRecordStore boots the appliance with a NIC on QEMU's user
// network and a policy that names a record store: a real S3-compatible
// server (versitygw) listening on the host's 127.0.0.1, which the guest
// reaches as 10.0.2.2. After the run the bucket holds the journal, byte for
// byte the stick's, and the console says it was read back intact.
func TestApplianceRecordStore(t *testing.T) {
	vm.Require(t, false)
	a := vm.Get(t)
	srv := s3test.Start(t)
	srv.MakeBucket(t, "records")
	st := newStick(t, a, appliancePolicy+storeKeys(t, srv, "s3://records/site-a"))
	disk := markedDisk(t, vm.VirtioBlk, "STVBLK1")
	m := vm.NewMachine(t, disk)
	m.Args = append(m.Args, "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0,romfile=")
	m.Timeout = 6 * time.Minute
	m.Until = []string{appliance.MarkerWaiting}
	res := vm.BootDirect(t, m, st.Path)
	logKesuLines(t, res.Serial)
	if !strings.Contains(res.Serial, appliance.MarkerStoreCopied+" s3://records/site-a/") || strings.Contains(res.Serial, appliance.MarkerStoreFailed) {
		t.Fatalf("the console does not say the record was copied to the store")
	}
	checkErased(t, []vm.Disk{disk})
	j, v := stickRecord(t, st)
	if !v.OK() {
		t.Fatalf("the record on the stick does not verify: %+v", v)
	}
	objs, _ := filepath.Glob(filepath.Join(srv.Dir, "records", "site-a", "*.jsonl"))
	if len(objs) != 1 {
		t.Fatalf("the bucket holds %v; want the run's journal", objs)
	}
	copied, err := os.ReadFile(objs[0])
	if err != nil || !bytes.Equal(copied, j) {
		t.Errorf("the bucket's copy (%d bytes, %v) is not the stick's journal (%d bytes)", len(copied), err, len(j))
	}
}

// storeKeys are the [record] keys of a policy that copies the record to a
// location of srv, a server on the host's loopback, which a VM on QEMU's
// user network reaches as 10.0.2.2.
func storeKeys(t *testing.T, srv *s3test.Server, location string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(strings.TrimPrefix(srv.Endpoint, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("store = %q\nstore_endpoint = \"http://10.0.2.2:%s\"\nstore_access_key = %q\nstore_secret_key = %q\n",
		location, port, srv.AccessKey, srv.SecretKey)
}

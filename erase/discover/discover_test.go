package discover

import (
	"io/fs"
	"os"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// tree builds a fake sysfs modelled on real layouts: /sys/block/NAME is a
// link into /sys/devices, and "device" links point at the SCSI device or
// NVMe controller, as the kernel lays them out.
type tree struct{ fstest.MapFS }

func newTree() *tree { return &tree{fstest.MapFS{}} }

func (t *tree) link(p, target string) {
	t.MapFS[p] = &fstest.MapFile{Mode: fs.ModeSymlink, Data: []byte(target)}
}
func (t *tree) file(p, data string) { t.MapFS[p] = &fstest.MapFile{Data: []byte(data + "\n")} }

// disk adds a block device at devdir (a path under sys/devices) with its
// queue attributes.
func (t *tree) disk(name, devdir string, sectors int64, lbs, pbs int, rot bool) string {
	bdir := devdir + "/block/" + name
	t.link("sys/block/"+name, "../"+bdir[len("sys/"):])
	t.link("sys/class/block/"+name, "../../"+bdir[len("sys/"):])
	t.file(bdir+"/size", itoa(sectors))
	t.file(bdir+"/dev", "8:0")
	t.file(bdir+"/queue/logical_block_size", itoa(int64(lbs)))
	t.file(bdir+"/queue/physical_block_size", itoa(int64(pbs)))
	r := "0"
	if rot {
		r = "1"
	}
	t.file(bdir+"/queue/rotational", r)
	t.file(bdir+"/removable", "0")
	t.file(bdir+"/ro", "0")
	return bdir
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

// vpd80 returns a Unit Serial Number VPD page as the kernel exposes it.
func vpd80(serial string) string {
	return string([]byte{0, 0x80, 0, byte(len(serial))}) + serial
}

func machine() *tree {
	t := newTree()
	// SATA HDD on AHCI port 3 (libata), with a partition.
	sdev := "sys/devices/pci0000:00/0000:00:1f.2/ata3/host2/target2:0:0/2:0:0:0"
	b := t.disk("sda", sdev, 1953525168, 512, 4096, true)
	t.link(b+"/device", "../../../2:0:0:0")
	t.file(sdev+"/vendor", "ATA     ")
	t.file(sdev+"/model", "WDC WD10EZEX-00B")
	t.file(sdev+"/rev", "1A01")
	t.file(sdev+"/wwid", "naa.50014ee2b5a1c0de")
	t.MapFS[sdev+"/vpd_pg80"] = &fstest.MapFile{Data: []byte(vpd80("WD-WCC3F1234567"))}
	t.file(b+"/sda1/partition", "1")
	t.file(b+"/sda1/dev", "8:1")
	t.link("sys/class/block/sda1", "../../"+b[len("sys/"):]+"/sda1")
	// SAS SSD behind an HBA, in enclosure slot 7.
	sas := "sys/devices/pci0000:00/0000:00:03.0/0000:03:00.0/host0/port-0:1/end_device-0:1/target0:0:1/0:0:1:0"
	b = t.disk("sdb", sas, 781422768, 512, 4096, false)
	t.link(b+"/device", "../../../0:0:1:0")
	t.file(sas+"/vendor", "SEAGATE ")
	t.file(sas+"/model", "XS400ME70004")
	t.file(sas+"/rev", "0004")
	t.file(sas+"/sas_address", "0x5000c500a1b2c3d5")
	t.link(sas+"/enclosure_device:Slot07", "../../../../port-0:2/end_device-0:2/target0:0:2/0:0:2:0/enclosure/0:0:2:0/Slot07")
	t.MapFS[sas+"/vpd_pg80"] = &fstest.MapFile{Data: []byte(vpd80("  7FA0B1C2 "))}
	// NVMe namespace on PCI 0000:01:00.0.
	nv := "sys/devices/pci0000:00/0000:00:1d.0/0000:01:00.0/nvme/nvme0"
	b = t.disk("nvme0n1", nv, 1000215216, 512, 512, false)
	t.link(b+"/device", "../../nvme0")
	t.file(b+"/wwid", "eui.0025388b91b2c3d4")
	t.link("sys/class/nvme/nvme0", "../../devices/pci0000:00/0000:00:1d.0/0000:01:00.0/nvme/nvme0")
	t.file(nv+"/model", "Samsung SSD 980 PRO 1TB")
	t.file(nv+"/serial", "S5GXNF0R123456")
	t.file(nv+"/firmware_rev", "5B2QGXA7")
	t.file(nv+"/address", "0000:01:00.0")
	// USB stick (the boot stick).
	usb := "sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0"
	b = t.disk("sdc", usb, 30031872, 512, 512, false)
	t.link(b+"/device", "../../../6:0:0:0")
	t.file(b+"/removable", "1")
	t.file(usb+"/vendor", "SanDisk ")
	t.file(usb+"/model", "Ultra")
	t.file("sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/serial", "4C530001230517111193")
	// virtio-blk and virtio-scsi.
	b = t.disk("vda", "sys/devices/pci0000:00/0000:00:05.0/virtio3", 2097152, 512, 512, true)
	t.file(b+"/serial", "vd-serial")
	vs := "sys/devices/pci0000:00/0000:00:04.0/virtio2/host1/target1:0:0/1:0:0:0"
	b = t.disk("sdd", vs, 2097152, 512, 512, true)
	t.link(b+"/device", "../../../1:0:0:0")
	t.file(vs+"/vendor", "QEMU    ")
	t.file(vs+"/model", "QEMU HARDDISK")
	// Not targets, and an empty card reader.
	t.disk("loop0", "sys/devices/virtual", 2048, 512, 512, false)
	t.disk("dm-0", "sys/devices/virtual", 2048, 512, 512, false)
	t.disk("sr0", "sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0", 2048, 2048, 2048, true)
	t.disk("zram0", "sys/devices/virtual", 2048, 4096, 4096, false)
	cr := "sys/devices/pci0000:00/0000:00:14.0/usb2/2-2/2-2:1.0/host7/target7:0:0/7:0:0:0"
	b = t.disk("sde", cr, 0, 512, 512, false)
	t.link(b+"/device", "../../../7:0:0:0")
	return t
}

func TestScan(t *testing.T) {
	disks, err := Scan(machine().MapFS)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Name, Transport, Model, Serial, Bay string
		Size                                int64
		Rot                                 bool
		LBS, PBS                            int
	}
	var got []row
	for _, d := range disks {
		got = append(got, row{d.Name, string(d.Transport), d.Model, d.Serial, d.Location.Bay, d.Size, d.Rotational, d.LogicalBlockSize, d.PhysicalBlockSize})
	}
	want := []row{
		{"nvme0n1", "nvme", "Samsung SSD 980 PRO 1TB", "S5GXNF0R123456", "0000:01:00.0 ns1", 1000215216 * 512, false, 512, 512},
		{"sda", "sata", "WDC WD10EZEX-00B", "WD-WCC3F1234567", "ata3", 1953525168 * 512, true, 512, 4096},
		{"sdb", "sas", "XS400ME70004", "7FA0B1C2", "encl 0:0:2:0 Slot07", 781422768 * 512, false, 512, 4096},
		{"sdc", "usb", "Ultra", "4C530001230517111193", "usb 2-1", 30031872 * 512, false, 512, 512},
		{"sdd", "virtio-scsi", "QEMU HARDDISK", "", "0000:00:04.0 tgt 0:0", 2097152 * 512, true, 512, 512},
		{"vda", "virtio-blk", "", "vd-serial", "0000:00:05.0", 2097152 * 512, true, 512, 512},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Scan (-want +got):\n%s", diff)
	}
	byName := map[string]Disk{}
	for _, d := range disks {
		byName[d.Name] = d
	}
	if d := byName["sda"]; d.WWN != "naa.50014ee2b5a1c0de" || d.Firmware != "1A01" || d.Location.SCSIAddress != "2:0:0:0" || len(d.Partitions) != 1 {
		t.Errorf("sda = %+v", d)
	}
	if d := byName["sdb"]; d.Location.SASAddress != "0x5000c500a1b2c3d5" || d.Location.EnclosureSlot != "Slot07" {
		t.Errorf("sdb location = %+v", d.Location)
	}
	if d := byName["nvme0n1"]; d.Controller != "nvme0" || d.WWN != "eui.0025388b91b2c3d4" || d.Firmware != "5B2QGXA7" {
		t.Errorf("nvme0n1 = %+v", d)
	}
	if d := byName["sdc"]; !d.Removable {
		t.Errorf("sdc removable = false; want true")
	}
}

func TestSelect(t *testing.T) {
	disks, _ := Scan(machine().MapFS)
	policy := func(d Disk) (bool, string) {
		if d.Serial == "7FA0B1C2" {
			return true, "serial excluded by the policy"
		}
		return false, ""
	}
	targets, excluded := Select(disks, BootStick("sdc"), policy)
	var tn []string
	for _, d := range targets {
		tn = append(tn, d.Name)
	}
	if diff := cmp.Diff([]string{"nvme0n1", "sda", "sdd", "vda"}, tn); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	got := map[string]string{}
	for _, e := range excluded {
		got[e.Disk.Name] = e.Reason
	}
	if diff := cmp.Diff(map[string]string{"sdb": "serial excluded by the policy", "sdc": "the kesu boot stick"}, got); diff != "" {
		t.Errorf("excluded (-want +got):\n%s", diff)
	}
}

func TestDiskOf(t *testing.T) {
	m := machine()
	for in, want := range map[string]string{"sda1": "sda", "sda": "sda", "nvme0n1": "nvme0n1"} {
		if got, err := DiskOf(m.MapFS, in); err != nil || got != want {
			t.Errorf("DiskOf(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := DiskOf(m.MapFS, "sdz"); err == nil {
		t.Error("DiskOf(sdz) succeeded; want an error")
	}
}

func TestNaturalLess(t *testing.T) {
	for _, tc := range [][2]string{{"sda", "sdb"}, {"sdz", "sdaa"}, {"nvme2n1", "nvme10n1"}, {"nvme0n1", "nvme0n2"}} {
		if !naturalLess(tc[0], tc[1]) || naturalLess(tc[1], tc[0]) {
			t.Errorf("naturalLess(%s, %s) wrong", tc[0], tc[1])
		}
	}
}

// On this machine (or CI's), the real sysfs parses and loop devices are not
// targets. It only reads sysfs.
func TestScanRealSysfs(t *testing.T) {
	if _, err := os.Stat("/sys/block"); err != nil {
		t.Skip("no /sys/block")
	}
	disks, err := Scan(os.DirFS("/"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range disks {
		if !IsTarget(d.Name) || d.Size <= 0 || d.LogicalBlockSize < 512 || d.Transport == "" {
			t.Errorf("real sysfs gave %+v", d)
		}
	}
}

// TestRotationAndWWN: sysfs queue/rotational = 1 is the kernel's default
// for disks that report no rotation rate (sd.c clears it only for VPD B1h
// rate 1; virtio-blk always sets it), so only 0 -- or 1 from the nvme
// driver, which sets it from the namespace's rotational-media bit -- says
// anything. And a sysfs wwid is a WWN only in its naa./eui./uuid. forms:
// "t10.ATA     QEMU HARDDISK ..." is a T10 vendor ID, "nvme.1b36-..." an
// NVMe subsystem id.
func TestRotationAndWWN(t *testing.T) {
	tr := newTree()
	ata := func(name, port string, rot bool, wwid string) {
		dev := "sys/devices/pci0000:00/0000:00:1f.2/" + port + "/host0/target0:0:0/0:0:0:0"
		b := tr.disk(name, dev, 131072, 512, 512, rot)
		tr.link(b+"/device", "../../../0:0:0:0")
		tr.file(dev+"/vendor", "ATA     ")
		tr.file(dev+"/model", "QEMU HARDDISK")
		tr.file(dev+"/wwid", wwid)
	}
	ata("sda", "ata1", true, "t10.ATA     QEMU HARDDISK                           QM00001")
	ata("sdb", "ata2", false, "naa.5002538f4372dd3a")
	nvme := func(name, ctrl string, rot bool, wwid string) {
		dev := "sys/devices/pci0000:00/0000:00:1d.0/0000:01:00.0/nvme/" + ctrl
		b := tr.disk(name, dev, 131072, 512, 512, rot)
		tr.link(b+"/device", "../../"+ctrl)
		tr.file(b+"/wwid", wwid)
	}
	nvme("nvme0n1", "nvme0", false, "eui.0025388b91b2c3d4")
	nvme("nvme1n1", "nvme1", true, "nvme.1b36-4b4553554e564d453031-51454d55204e564d65204374726c-00000001")
	nvme("nvme2n1", "nvme2", false, "uuid.6a1f0b12-3c4d-4e5f-8a9b-0c1d2e3f4a5b")
	tr.disk("vda", "sys/devices/pci0000:00/0000:00:05.0/virtio3", 2097152, 512, 512, true)
	disks, err := Scan(tr.MapFS)
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ Name, Rotation, WWN, WWID string }
	var got []row
	for _, d := range disks {
		got = append(got, row{d.Name, d.Rotation, d.WWN, d.WWID})
	}
	want := []row{
		{"nvme0n1", "non-rotational", "eui.0025388b91b2c3d4", "eui.0025388b91b2c3d4"},
		{"nvme1n1", "rotational", "", "nvme.1b36-4b4553554e564d453031-51454d55204e564d65204374726c-00000001"},
		{"nvme2n1", "non-rotational", "uuid.6a1f0b12-3c4d-4e5f-8a9b-0c1d2e3f4a5b", "uuid.6a1f0b12-3c4d-4e5f-8a9b-0c1d2e3f4a5b"},
		{"sda", "unknown", "", "t10.ATA     QEMU HARDDISK                           QM00001"},
		{"sdb", "non-rotational", "naa.5002538f4372dd3a", "naa.5002538f4372dd3a"},
		{"vda", "unknown", "", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Scan rotation/WWN (-want +got):\n%s", diff)
	}
	// The raw flag is still there, under a name that says what it is.
	for _, d := range disks {
		if d.Name == "sda" && !d.Rotational {
			t.Errorf("sda Rotational (sysfs queue/rotational) = false; want the raw 1")
		}
	}
}

package discover

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// emmc adds an eMMC card as the kernel lays it out: the user data area and
// its boot partitions are block devices of the same card (mmc0:0001); the
// RPMB size is the card's raw_rpmb_size_mult (hex, 128 KiB units).
func (t *tree) emmc(rpmbMult string) {
	card := "sys/devices/pci0000:00/0000:00:1c.0/mmc_host/mmc0/mmc0:0001"
	b := t.disk("mmcblk0", card, 30535680, 512, 512, false)
	t.link(b+"/device", "../../../mmc0:0001")
	t.file(card+"/name", "DG4016")
	t.file(card+"/serial", "0x8f2a19c4")
	t.file(card+"/type", "MMC")
	if rpmbMult != "" {
		t.file(card+"/raw_rpmb_size_mult", rpmbMult)
	}
	for _, p := range []string{"mmcblk0boot0", "mmcblk0boot1"} {
		pb := t.disk(p, card, 8192, 512, 512, false)
		t.link(pb+"/device", "../../../mmc0:0001")
		// As the kernel shows a boot partition by default: force_ro set,
		// and with it ro.
		t.file(pb+"/force_ro", "1")
		t.file(pb+"/ro", "1")
		t.file(pb+"/ro_lock_until_next_power_on", "0")
	}
	t.file(b+"/mmcblk0p1/partition", "1")
}

// Issue 12 item 7: an eMMC's boot partitions (and RPMB) are the same card
// as its user data area. fe5492b dropped them at discovery, so the user
// area passed while the boot partitions kept their data.
func TestScanEMMCHardwarePartitions(t *testing.T) {
	tr := newTree()
	tr.emmc("0x20")
	disks, err := Scan(tr.MapFS)
	if err != nil {
		t.Fatal(err)
	}
	if len(disks) != 1 || disks[0].Name != "mmcblk0" {
		t.Fatalf("Scan = %v; want only mmcblk0 (its hardware partitions are part of it)", names(disks))
	}
	d := disks[0]
	want := []HWPartition{
		{Name: "mmcblk0boot0", Path: "/dev/mmcblk0boot0", Kind: HWBoot, Size: 4 << 20, ForceRO: true},
		{Name: "mmcblk0boot1", Path: "/dev/mmcblk0boot1", Kind: HWBoot, Size: 4 << 20, ForceRO: true},
		{Name: "mmcblk0rpmb", Path: "/dev/mmcblk0rpmb", Kind: HWRPMB, Size: 0x20 * 128 << 10},
	}
	if diff := cmp.Diff(want, d.HWPartitions); diff != "" {
		t.Errorf("HWPartitions (-want +got):\n%s", diff)
	}
	if d.Transport != MMC || d.Model != "DG4016" || d.Serial != "0x8f2a19c4" {
		t.Errorf("mmcblk0 = %s %q %q", d.Transport, d.Model, d.Serial)
	}
	for _, p := range want[:2] {
		if !p.Writable() {
			t.Errorf("%s: not writable; want writable after clearing force_ro", p.Name)
		}
	}
	if want[2].Writable() {
		t.Error("the RPMB is reported writable through the block layer")
	}
	// Locked until the next power-on (1), or for good (2): not writable.
	// Write-protected by the card (ro set, force_ro not): not writable.
	dir := "sys/devices/pci0000:00/0000:00:1c.0/mmc_host/mmc0/mmc0:0001/block/"
	for _, tc := range []struct {
		attr, val string
		want      func(HWPartition) bool
	}{
		{"ro_lock_until_next_power_on", "1", func(p HWPartition) bool { return p.Locked && !p.Permanent }},
		{"ro_lock_until_next_power_on", "2", func(p HWPartition) bool { return p.Locked && p.Permanent }},
		{"force_ro", "0", func(p HWPartition) bool { return p.ReadOnly && !p.ForceRO }},
	} {
		tr := newTree()
		tr.emmc("")
		tr.file(dir+"mmcblk0boot1/"+tc.attr, tc.val)
		d, err := Lookup(tr.MapFS, "mmcblk0")
		if err != nil {
			t.Fatal(err)
		}
		if p := d.HWPartitions[1]; p.Writable() || !tc.want(p) || !d.HWPartitions[0].Writable() {
			t.Errorf("boot1 with %s=%s: %+v; want not writable, boot0 writable", tc.attr, tc.val, p)
		}
	}
}

// An SD card (no boot partitions, no RPMB) has no hardware partitions.
func TestScanSDCard(t *testing.T) {
	tr := newTree()
	card := "sys/devices/pci0000:00/0000:00:1c.0/mmc_host/mmc1/mmc1:aaaa"
	b := tr.disk("mmcblk1", card, 62333952, 512, 512, false)
	tr.link(b+"/device", "../../../mmc1:aaaa")
	tr.file(card+"/type", "SD")
	disks, err := Scan(tr.MapFS)
	if err != nil {
		t.Fatal(err)
	}
	if len(disks) != 1 || len(disks[0].HWPartitions) != 0 {
		t.Errorf("SD card: %+v; want one disk, no hardware partitions", disks)
	}
}

func names(ds []Disk) []string {
	var n []string
	for _, d := range ds {
		n = append(n, d.Name)
	}
	return n
}

// A loop device is looked up as what it is: a file behind a block device.
func TestLookupLoopDevice(t *testing.T) {
	tr := newTree()
	b := tr.disk("loop3", "sys/devices/virtual", 8192, 512, 512, false)
	tr.file(b+"/loop/backing_file", "/srv/images/disk.img")
	d, err := Lookup(tr.MapFS, "loop3")
	if err != nil {
		t.Fatal(err)
	}
	if d.Transport != Loop || d.Backing != "/srv/images/disk.img" || d.Model != "loop device over /srv/images/disk.img" {
		t.Errorf("loop3 = %s, backing %q, model %q; want loop over /srv/images/disk.img", d.Transport, d.Backing, d.Model)
	}
}

package view

import (
	"bytes"
	"encoding/json"
	"github.com/kesu-erase/kesu/internal/sysfstest"
	"regexp"
	"testing"
	"testing/fstest"

	"github.com/kesu-erase/kesu/erase/discover"
)

// listTree is a fake sysfs with QEMU's AHCI disk as Debian 12's kernel
// shows it (queue/rotational 1 by default, wwid a T10 vendor ID) and an
// NVMe namespace (rotational 0, EUI-64 wwid).
func listTree() fstest.MapFS {
	m := sysfstest.New()
	sd := "sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0"
	b := m.Disk("sda", sd, "131072", "1")
	m.Link(b+"/device", "../../../0:0:0:0")
	m.File(sd+"/vendor", "ATA     ")
	m.File(sd+"/model", "QEMU HARDDISK")
	m.File(sd+"/wwid", "t10.ATA     QEMU HARDDISK                           QM00001")
	nv := "sys/devices/pci0000:00/0000:00:1d.0/0000:01:00.0/nvme/nvme0"
	b = m.Disk("nvme0n1", nv, "131072", "0")
	m.Link(b+"/device", "../../nvme0")
	m.File(b+"/wwid", "eui.0025388b91b2c3d4")
	return m.MapFS
}

// TestListRotationAndWWN: kesu list must not turn the kernel's default
// queue/rotational = 1 into "hdd", and must not call a T10 vendor ID a WWN.
func TestListRotationAndWWN(t *testing.T) {
	rows, err := List(listTree())
	if err != nil {
		t.Fatal(err)
	}
	var txt bytes.Buffer
	if err := WriteList(&txt, rows, false); err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{`(?m)^DEVICE .* ROTATION `, `(?m)^/dev/sda .* unknown `, `(?m)^/dev/nvme0n1 .* non-rotational `} {
		if !regexp.MustCompile(re).Match(txt.Bytes()) {
			t.Errorf("list text lacks %s:\n%s", re, txt.String())
		}
	}
	if regexp.MustCompile(`(?i)\bhdd\b|\bssd\b`).Match(txt.Bytes()) {
		t.Errorf("list text claims a medium from sysfs:\n%s", txt.String())
	}
	var js bytes.Buffer
	if err := WriteList(&js, rows, true); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(js.Bytes(), &got); err != nil || len(got) != 2 {
		t.Fatalf("list JSON = %s (%v)", js.String(), err)
	}
	byName := map[string]map[string]any{}
	for _, r := range got {
		byName[r["name"].(string)] = r
	}
	sda, nvme := byName["sda"], byName["nvme0n1"]
	if sda["rotation"] != "unknown" || nvme["rotation"] != "non-rotational" {
		t.Errorf("rotation: sda %v, nvme0n1 %v; want unknown, non-rotational", sda["rotation"], nvme["rotation"])
	}
	if _, ok := sda["rotational"]; ok {
		t.Errorf("sda JSON still has \"rotational\": %v", sda["rotational"])
	}
	if _, ok := sda["wwn"]; ok || sda["wwid"] != "t10.ATA     QEMU HARDDISK                           QM00001" {
		t.Errorf("sda wwn %v (present %v), wwid %v; want no wwn, the T10 id as wwid", sda["wwn"], ok, sda["wwid"])
	}
	if nvme["wwn"] != "eui.0025388b91b2c3d4" {
		t.Errorf("nvme0n1 wwn = %v; want eui.0025388b91b2c3d4", nvme["wwn"])
	}
}

// An eMMC's hardware partitions are listed under their card.
func TestListEMMCHardwarePartitions(t *testing.T) {
	rows := []ListRow{{Disk: discover.Disk{Name: "mmcblk0", Path: "/dev/mmcblk0", Transport: discover.MMC, Size: 16 << 30,
		HWPartitions: []discover.HWPartition{{Name: "mmcblk0boot0", Path: "/dev/mmcblk0boot0", Kind: discover.HWBoot, Size: 4 << 20},
			{Name: "mmcblk0rpmb", Path: "/dev/mmcblk0rpmb", Kind: discover.HWRPMB, Size: 4 << 20}}}}}
	var txt bytes.Buffer
	if err := WriteList(&txt, rows, false); err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{`(?m)^  /dev/mmcblk0boot0 +eMMC boot +\(part of mmcblk0\) +4\.0 MiB`, `(?m)^  /dev/mmcblk0rpmb +eMMC rpmb `} {
		if !regexp.MustCompile(re).Match(txt.Bytes()) {
			t.Errorf("list text lacks %s:\n%s", re, txt.String())
		}
	}
}

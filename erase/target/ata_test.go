package target

import (
	"context"
	"errors"
	"github.com/kesu-erase/kesu/internal/sysfstest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/ata/atatest"
	"github.com/kesu-erase/kesu/scsi/scsitest"
)

// unlockTree is a fake sysfs with an NVMe namespace, a SCSI disk and a
// partition of it, a SATA disk and a virtio-blk disk.
func unlockTree() sysfstest.Tree {
	m := sysfstest.New()
	m.Disk("nvme0n1", "sys/devices/pci0000:00/0000:00:04.0/nvme/nvme0", "2097152", "0")
	m.File("sys/class/nvme/nvme0/model", "KESU NVME")
	sd := "sys/devices/pci0000:00/0000:00:05.0/host2/target2:0:0/2:0:0:0"
	b := m.Disk("sdb", sd, "2097152", "1")
	m.File(b+"/sdb1/partition", "1")
	m.File(b+"/sdb1/dev", "8:17")
	m.Link("sys/class/block/sdb1", "../../"+(b + "/sdb1")[len("sys/"):])
	m.Disk("sdc", "sys/devices/pci0000:00/0000:00:1f.2/ata4/host3/target3:0:0/3:0:0:0", "2097152", "1")
	m.Disk("vda", "sys/devices/pci0000:00/0000:00:06.0/virtio3", "2097152", "1")
	return m
}

// Which disks the unlock reaches is decided by sysfs, and for SCSI-attached
// disks by INQUIRY alone: an NVMe namespace, a virtio-blk disk and a
// partition are refused unopened; a SCSI drive is refused after its
// INQUIRY; a SATA disk, and an ATA drive behind a SCSI layer, are opened.
func TestUnlockReach(t *testing.T) {
	sys := unlockTree()
	neverOpen := func(p string) (SCSITransport, error) {
		t.Errorf("unlock opened %s", p)
		return nil, errors.New("must not be opened")
	}
	for _, tc := range []struct{ name, want string }{
		{"nvme0n1", "/dev/nvme0n1 is an NVMe namespace (KESU NVME): NVMe drives have no ATA security feature set"},
		{"vda", "/dev/vda is a virtio block device"},
		{"sdb1", "/dev/sdb1 is a partition of sdb"},
	} {
		_, err := reachATA(context.Background(), sys, tc.name, "/dev/"+tc.name, neverOpen)
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("reachATA(%s) error = %v; want refused, %q", tc.name, err, tc.want)
		}
	}

	sas, err := scsitest.NewDrive(filepath.Join(t.TempDir(), "sas.img"), scsitest.DriveConfig{
		Vendor: "SEAGATE", Product: "ST1200MM0009", Revision: "N003", Serial: "W3Z0ABCD", Blocks: 4096,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sas.Close()
	_, err = reachATA(context.Background(), sys, "sdb", "/dev/sdb", func(string) (SCSITransport, error) { return sas, nil })
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "/dev/sdb is a SCSI drive on scsi (SEAGATE ST1200MM0009), not an ATA drive") {
		t.Errorf("reachATA(SCSI drive) error = %v; want refused as a SCSI drive", err)
	}
	for _, e := range sas.Log() {
		if e.Name != "INQUIRY" {
			t.Errorf("reachATA sent %s to a SCSI drive; want INQUIRY (standard and VPD) only", e.Name)
		}
	}

	sat, err := atatest.New(filepath.Join(t.TempDir(), "sat.img"), atatest.Config{Sectors: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer sat.Close()
	for _, name := range []string{"sdb", "sdc"} {
		tr, err := reachATA(context.Background(), sys, name, "/dev/"+name, func(string) (SCSITransport, error) { return sat, nil })
		if err != nil || tr != SCSITransport(sat) {
			t.Errorf("reachATA(ATA drive as %s) = %v, %v; want the drive", name, tr, err)
		}
	}
}

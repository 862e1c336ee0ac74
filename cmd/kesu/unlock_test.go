package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/ata/atatest"
	"github.com/kesu-erase/kesu/internal/loopdev"
	"github.com/kesu-erase/kesu/scsi/scsitest"
)

// `kesu unlock` on something that is no ATA drive says what it is and
// sends nothing (it used to send SECURITY UNLOCK through SG_IO and print
// three "transport error" lines).
func TestUnlockRefusesNonATA(t *testing.T) {
	file := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(file, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, device, want string }{
		{"file", file, file + " is a regular file, not a drive"},
		{"directory", t.TempDir(), "is a directory, not a drive"},
		{"character device", "/dev/null", "/dev/null is a character device that is no drive"},
	}
	if loopdev.Available() == "" {
		l := loopdev.New(t, "", 1<<20, 512)
		cases = append(cases, struct{ name, device, want string }{"loop device", l.Path, l.Path + " is a loop device over " + l.Backing})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := kesu(t, "unlock", "--device", tc.device, "--password", "kesu", "--yes")
			if code != exitRefused || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "nothing was sent") {
				t.Errorf("kesu unlock --device %s: exit %d, stderr %q; want %d, %q and \"nothing was sent\"", tc.device, code, stderr, exitRefused, tc.want)
			}
			if strings.Contains(out+stderr, "sent SECURITY") || strings.Contains(stderr, "transport error") {
				t.Errorf("kesu unlock --device %s sent ATA commands: %q %q", tc.device, out, stderr)
			}
		})
	}
}

// unlockTree is a fake sysfs with an NVMe namespace, a SCSI disk and a
// partition of it, a SATA disk and a virtio-blk disk.
func unlockTree() fakeSys {
	m := newFakeSys()
	m.disk("nvme0n1", "sys/devices/pci0000:00/0000:00:04.0/nvme/nvme0", "2097152", "0")
	m.file("sys/class/nvme/nvme0/model", "KESU NVME")
	sd := "sys/devices/pci0000:00/0000:00:05.0/host2/target2:0:0/2:0:0:0"
	b := m.disk("sdb", sd, "2097152", "1")
	m.file(b+"/sdb1/partition", "1")
	m.file(b+"/sdb1/dev", "8:17")
	m.link("sys/class/block/sdb1", "../../"+(b + "/sdb1")[len("sys/"):])
	m.disk("sdc", "sys/devices/pci0000:00/0000:00:1f.2/ata4/host3/target3:0:0/3:0:0:0", "2097152", "1")
	m.disk("vda", "sys/devices/pci0000:00/0000:00:06.0/virtio3", "2097152", "1")
	return m
}

// withUnlockOpen swaps the SG_IO opener for the test's.
func withUnlockOpen(t *testing.T, open func(string) (unlockTransport, error)) {
	t.Helper()
	old := openUnlockSCSI
	openUnlockSCSI = open
	t.Cleanup(func() { openUnlockSCSI = old })
}

// Which disks the unlock reaches is decided by sysfs, and for SCSI-attached
// disks by INQUIRY alone: an NVMe namespace, a virtio-blk disk and a
// partition are refused unopened; a SCSI drive is refused after its
// INQUIRY; a SATA disk, and an ATA drive behind a SCSI layer, are opened.
func TestUnlockReach(t *testing.T) {
	sys := unlockTree()
	neverOpen := func(p string) (unlockTransport, error) {
		t.Errorf("unlock opened %s", p)
		return nil, errors.New("must not be opened")
	}
	for _, tc := range []struct{ name, want string }{
		{"nvme0n1", "/dev/nvme0n1 is an NVMe namespace (KESU NVME): NVMe drives have no ATA security feature set"},
		{"vda", "/dev/vda is a virtio block device"},
		{"sdb1", "/dev/sdb1 is a partition of sdb"},
	} {
		withUnlockOpen(t, neverOpen)
		_, err := unlockReach(context.Background(), sys, tc.name, "/dev/"+tc.name)
		if !errors.Is(err, errRefused) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("unlockReach(%s) error = %v; want refused, %q", tc.name, err, tc.want)
		}
	}

	sas, err := scsitest.NewDrive(filepath.Join(t.TempDir(), "sas.img"), scsitest.DriveConfig{
		Vendor: "SEAGATE", Product: "ST1200MM0009", Revision: "N003", Serial: "W3Z0ABCD", Blocks: 4096,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sas.Close()
	withUnlockOpen(t, func(string) (unlockTransport, error) { return sas, nil })
	_, err = unlockReach(context.Background(), sys, "sdb", "/dev/sdb")
	if !errors.Is(err, errRefused) || !strings.Contains(err.Error(), "/dev/sdb is a SCSI drive on scsi (SEAGATE ST1200MM0009), not an ATA drive") {
		t.Errorf("unlockReach(SCSI drive) error = %v; want refused as a SCSI drive", err)
	}
	for _, e := range sas.Log() {
		if e.Name != "INQUIRY" {
			t.Errorf("unlockReach sent %s to a SCSI drive; want INQUIRY (standard and VPD) only", e.Name)
		}
	}

	sat, err := atatest.New(filepath.Join(t.TempDir(), "sat.img"), atatest.Config{Sectors: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer sat.Close()
	for _, name := range []string{"sdb", "sdc"} {
		withUnlockOpen(t, func(string) (unlockTransport, error) { return sat, nil })
		tr, err := unlockReach(context.Background(), sys, name, "/dev/"+name)
		if err != nil || tr != unlockTransport(sat) {
			t.Errorf("unlockReach(ATA drive as %s) = %v, %v; want the drive", name, tr, err)
		}
	}
}

//go:build linux

package drive

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kesu-erase/kesu/ata/atatest"
	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/nvme"
	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/scsi/scsitest"
)

// silentNVMe fails the test on any admin command: opening a drive must not
// send one.
type silentNVMe struct {
	t    *testing.T
	path string
}

func (s silentNVMe) Admin(context.Context, *nvme.Command) (nvme.Completion, error) {
	s.t.Errorf("%s: admin command sent while opening", s.path)
	return nvme.Completion{}, errors.New("unexpected")
}

// deadSCSI answers nothing (a target whose INQUIRY fails).
type deadSCSI struct{ closed *bool }

func (d deadSCSI) Exec(context.Context, *scsi.Command) (*scsi.Response, error) {
	return nil, errors.New("EIO")
}
func (d deadSCSI) Close() error { *d.closed = true; return nil }

func TestOpenerDispatchByTransport(t *testing.T) {
	dir := t.TempDir()
	sataDrive, err := atatest.New(filepath.Join(dir, "sata.img"), atatest.Config{Sectors: 2048, RotationRate: 7200})
	if err != nil {
		t.Fatal(err)
	}
	defer sataDrive.Close()
	sasATA, err := atatest.New(filepath.Join(dir, "sasata.img"), atatest.Config{Sectors: 2048, RotationRate: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer sasATA.Close()
	sasNative, err := scsitest.NewDrive(filepath.Join(dir, "sas.img"), scsitest.DriveConfig{Vendor: "SEAGATE", Product: "ST600", Blocks: 2048, RotationRate: 10000})
	if err != nil {
		t.Fatal(err)
	}
	defer sasNative.Close()
	virtio, err := scsitest.NewDrive(filepath.Join(dir, "vscsi.img"), scsitest.DriveConfig{Vendor: "QEMU", Product: "QEMU HARDDISK", Blocks: 2048, NoRSOC: true})
	if err != nil {
		t.Fatal(err)
	}
	defer virtio.Close()
	var deadClosed bool

	transports := map[string]scsi.Transport{
		"/dev/sda": keepOpen{sataDrive}, "/dev/sdb": keepOpen{sasATA}, "/dev/sdc": keepOpen{sasNative},
		"/dev/sdd": keepOpen{virtio}, "/dev/sdg": deadSCSI{&deadClosed},
	}
	var mu sync.Mutex
	scsiOpened := map[string]int{}
	nvmeOpened := map[string]int{}
	var blockCalls int
	o := &Opener{
		SCSI: func(path string) (scsi.Transport, error) {
			mu.Lock()
			defer mu.Unlock()
			scsiOpened[path]++
			tr, ok := transports[path]
			if !ok {
				return nil, fmt.Errorf("no SG_IO device %s", path)
			}
			return tr, nil
		},
		NVMe: func(path string) (nvme.Transport, uint32, error) {
			mu.Lock()
			defer mu.Unlock()
			nvmeOpened[path]++
			if path == "/dev/nvme9n1" {
				return nil, 0, errors.New("permission denied")
			}
			var nsid uint32 = 1
			if strings.HasSuffix(path, "n2") {
				nsid = 2
			}
			return silentNVMe{t, path}, nsid, nil
		},
		Block: func(path string) BlockOpener {
			return func(bool) (erase.Target, error) {
				mu.Lock()
				blockCalls++
				mu.Unlock()
				return nil, errors.New("no block device in this test")
			}
		},
		SysRoot: dir,
	}
	disk := func(name string, tr discover.Transport, ctrl string) discover.Disk {
		return discover.Disk{Name: name, Path: "/dev/" + name, Transport: tr, Controller: ctrl, LogicalBlockSize: 512}
	}
	for _, tc := range []struct {
		disk discover.Disk
		want string // adapter type
		via  string // ATA: how commands reach the drive
	}{
		{disk("nvme0n1", discover.NVMe, "nvme0"), "*drive.NVMe", ""},
		{disk("nvme0n2", discover.NVMe, "nvme0"), "*drive.NVMe", ""},
		{disk("nvme1n1", discover.NVMe, ""), "*drive.NVMe", ""},
		{disk("sda", discover.SATA, ""), "*drive.ATA", "libata"},
		{disk("sdb", discover.SAS, ""), "*drive.ATA", "the SAS HBA's SATL"},
		{disk("sdc", discover.SAS, ""), "*drive.SCSI", ""},
		{disk("sdd", discover.VirtioSCSI, ""), "*drive.SCSI", ""},
		{disk("sdg", discover.SCSI, ""), "drive.notedDrive", ""},
		{disk("sde", discover.USB, ""), "*drive.Plain", ""},
		{disk("vda", discover.VirtioBlk, ""), "*drive.Plain", ""},
		{disk("mmcblk0", discover.MMC, ""), "*drive.Plain", ""},
		{disk("sdf", discover.Unknown, ""), "*drive.Plain", ""},
	} {
		drv, err := o.Open(tc.disk)
		if err != nil {
			t.Errorf("Open(%s) error %v", tc.disk.Name, err)
			continue
		}
		if got := fmt.Sprintf("%T", drv); got != tc.want {
			t.Errorf("Open(%s %s) = %s; want %s", tc.disk.Name, tc.disk.Transport, got, tc.want)
		}
		if a, ok := drv.(*ATA); ok {
			if a.opts.Via != tc.via || a.opts.Rescan == nil {
				t.Errorf("Open(%s): via %q, rescan set %v; want %q, set", tc.disk.Name, a.opts.Via, a.opts.Rescan != nil, tc.via)
			}
		}
		if drv.Name() != tc.disk.Name {
			t.Errorf("Open(%s).Name() = %s", tc.disk.Name, drv.Name())
		}
	}
	if _, err := o.Open(disk("nvme9n1", discover.NVMe, "nvme9")); err == nil {
		t.Error("Open of an NVMe namespace that cannot be opened succeeded; want the error")
	}

	// Transports: NVMe only for NVMe, SG_IO only for SATA/SAS/SCSI, never
	// for USB, virtio-blk, MMC or unknown devices.
	wantSCSI := map[string]int{"/dev/sda": 1, "/dev/sdb": 1, "/dev/sdc": 1, "/dev/sdd": 1, "/dev/sdg": 1}
	if fmt.Sprint(scsiOpened) != fmt.Sprint(wantSCSI) {
		t.Errorf("SG_IO opened %v; want %v", scsiOpened, wantSCSI)
	}
	wantNVMe := map[string]int{"/dev/nvme0n1": 1, "/dev/nvme0n2": 1, "/dev/nvme1n1": 1, "/dev/nvme9n1": 1}
	if fmt.Sprint(nvmeOpened) != fmt.Sprint(wantNVMe) {
		t.Errorf("NVMe opened %v; want %v", nvmeOpened, wantNVMe)
	}
	if blockCalls != 0 {
		t.Errorf("block devices opened %d times while opening drives; want 0", blockCalls)
	}
	if !deadClosed {
		t.Error("the SG_IO handle of a drive whose INQUIRY failed was not closed")
	}

	// No ATA command reached the SATA drives; the SAS drives saw only
	// read-only SCSI commands.
	for name, d := range map[string]*atatest.Drive{"sda": sataDrive, "sdb": sasATA} {
		for _, e := range d.Log() {
			switch e.Name {
			case "INQUIRY", "INQUIRY VPD", "READ CAPACITY(16)", "TEST UNIT READY", "REQUEST SENSE":
			default:
				t.Errorf("%s: %s sent while opening", name, e.Name)
			}
		}
	}
	if n := len(sataDrive.Log()); n != 0 {
		t.Errorf("sda (libata): %d commands sent while opening; want none", n)
	}
	for name, d := range map[string]*scsitest.Drive{"sdc": sasNative, "sdd": virtio} {
		for _, e := range d.Log() {
			switch e.Name {
			case "INQUIRY", "READ CAPACITY(16)", "TEST UNIT READY", "REQUEST SENSE", "REPORT SUPPORTED OPERATION CODES":
			default:
				t.Errorf("%s: %s sent while opening", name, e.Name)
			}
		}
	}
}

func TestOpenerSharesLockPerController(t *testing.T) {
	o := &Opener{
		NVMe:  func(path string) (nvme.Transport, uint32, error) { return silentNVMe{t, path}, 1, nil },
		Block: func(string) BlockOpener { return nil },
	}
	open := func(name, ctrl string) *NVMe {
		drv, err := o.Open(discover.Disk{Name: name, Path: "/dev/" + name, Transport: discover.NVMe, Controller: ctrl})
		if err != nil {
			t.Fatal(err)
		}
		return drv.(*NVMe)
	}
	a, b := open("nvme0n1", "nvme0"), open("nvme0n2", "nvme0")
	c, d := open("nvme1n1", ""), open("nvme1n2", "")
	e := open("nvme2n1", "nvme2")
	if a.lock != b.lock || c.lock != d.lock {
		t.Error("namespaces of one controller do not share a lock")
	}
	if a.lock == c.lock || a.lock == e.lock || c.lock == e.lock {
		t.Error("namespaces of different controllers share a lock")
	}
}

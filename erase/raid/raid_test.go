package raid

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kesu-erase/kesu/ciss"
	"github.com/kesu-erase/kesu/ciss/cisstest"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/mfi"
	"github.com/kesu-erase/kesu/mfi/mfitest"
	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/scsi/scsitest"
)

var (
	lunA = ciss.LUN{0, 0, 0, 0xC0, 0, 0, 0x00, 0x01} // hidden (a logical drive's member), drive 0
	lunB = ciss.LUN{0, 0, 0, 0xC0, 0, 0, 0x01, 0x01} // hidden, drive 1
	lunC = ciss.LUN{0, 0, 0, 0xC0, 0, 0, 0x02, 0x01} // hidden, drive 2
	lunD = ciss.LUN{0, 0, 0, 0x00, 0, 0, 0x03, 0x01} // exposed (HBA mode), drive 3: the host's sdf
	lunF = ciss.LUN{0, 0, 0, 0x00, 0, 0, 0x04, 0x01} // exposed, drive 4: no host disk has its serial
	lunE = ciss.LUN{0, 0, 0, 0x00, 0, 0, 0x7F, 0x01} // enclosure
	ld0  = ciss.LUN{0, 0, 0, 0x40, 0, 0, 0, 0}
)

func sasDrive(t *testing.T, serial string) *scsitest.Drive {
	t.Helper()
	d, err := scsitest.NewDrive(filepath.Join(t.TempDir(), serial), scsitest.DriveConfig{Serial: serial, Blocks: 2048, RotationRate: 15000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func hpsaHost() discover.Host {
	return discover.Host{Number: 3, Driver: discover.DriverHPSA, PCIAddress: "0000:5c:00.0", Firmware: "7.00", Kind: discover.KindRAID, Mode: discover.ModeRAID}
}

func volumeDisk() discover.Disk {
	h := 3
	return discover.Disk{Name: "sdd", Path: "/dev/sdd", Size: 2048 * 512, Host: &h, HostDriver: discover.DriverHPSA,
		Location: discover.Location{SCSIAddress: "3:1:0:1"},
		Volume:   &discover.Volume{Driver: discover.DriverHPSA, TargetID: 0, RAIDLevel: "RAID 1(+0)", Reason: "raid_level"}}
}

// TestScanCISS looks behind an emulated Smart Array: its disks (hidden
// members included, the enclosure left out) become pass-through disks
// named by box and bay; the volume matches the kernel's sdd; a refused
// drive's commands wrap scsi.ErrControllerRefused.
func TestScanCISS(t *testing.T) {
	a, b, c := sasDrive(t, "HPA0001"), sasDrive(t, "HPB0002"), sasDrive(t, "HPC0003")
	ctl := &cisstest.Controller{
		PDs: []*cisstest.PD{
			{LUN: lunA, Box: 1, Bay: 1, Serial: "HPA0001", Model: "HP      EG0600FBDSR", BlockSize: 512, Blocks: 2048, Dev: a},
			{LUN: lunB, Box: 1, Bay: 2, Serial: "HPB0002", Model: "HP      EG0600FBDSR", BlockSize: 512, Blocks: 2048, Dev: b},
			{LUN: lunE, Type: ciss.TypeEnclosure, Flags: ciss.FlagNonDisk},
			{LUN: lunC, Box: 1, Bay: 3, Serial: "HPC0003", Model: "HP      EG0600FBDSR", BlockSize: 512, Blocks: 2048, Dev: c, Refuse: true},
			{LUN: lunD, Box: 1, Bay: 4, Serial: "HPD0004", Model: "HP      EG0600FBDSR", BlockSize: 512, Blocks: 2048, Dev: sasDrive(t, "HPD0004")},
			{LUN: lunF, Box: 1, Bay: 5, Serial: "HPF0005", Model: "HP      EG0600FBDSR", BlockSize: 512, Blocks: 2048, Dev: sasDrive(t, "HPF0005")},
		},
		LDs: []*cisstest.LD{{LUN: ld0, RAIDLevel: 1}},
	}
	open := func(h discover.Host, _ []discover.Disk) (Backend, error) {
		if h.Driver != discover.DriverHPSA {
			return nil, ErrNoPassthrough
		}
		return &CISS{C: &ciss.Controller{T: ctl}, Node: "/dev/sg3"}, nil
	}
	other := discover.Host{Number: 0, Driver: "ahci", Kind: discover.KindHBA}
	h3 := 3
	sdf := discover.Disk{Name: "sdf", Path: "/dev/sdf", Serial: "HPD0004", Host: &h3, HostDriver: discover.DriverHPSA, HCTL: "3:0:3:0"}
	hostDisks := []discover.Disk{volumeDisk(), sdf}
	topo := Topology(Scan(context.Background(), []discover.Host{other, hpsaHost()}, hostDisks, open))
	if len(topo) != 1 {
		t.Fatalf("%d controllers; want the hpsa host only", len(topo))
	}
	c0 := topo[0]
	if c0.ListError != "" || len(c0.Drives) != 5 {
		t.Fatalf("controller: list error %q, %d drives; want 5", c0.ListError, len(c0.Drives))
	}
	if c0.Drives[3].Exposed != "sdf" || c0.Drives[4].Exposed != "" || c0.Drives[4].Unreachable == "" {
		t.Fatalf("exposed drives: %+v, %+v; want bay 4 as sdf, bay 5 unreachable", c0.Drives[3], c0.Drives[4])
	}
	topo.Annotate(hostDisks)
	if hostDisks[1].Location.Bay != "box 1 bay 4" {
		t.Fatalf("sdf's bay %q; want the controller's box 1 bay 4", hostDisks[1].Location.Bay)
	}
	disks := topo.Disks()
	var got []string
	for _, d := range disks {
		got = append(got, d.Name+" "+d.Location.Bay+" "+d.Serial)
		if d.Transport != discover.RAID || d.Passthrough == nil || d.Passthrough.Driver != discover.DriverHPSA {
			t.Errorf("%s: transport %s, passthrough %+v", d.Name, d.Transport, d.Passthrough)
		}
	}
	want := "host3-lun000000c000000001 box 1 bay 1 HPA0001|host3-lun000000c000000101 box 1 bay 2 HPB0002|host3-lun000000c000000201 box 1 bay 3 HPC0003"
	if strings.Join(got, "|") != want {
		t.Fatalf("disks %q; want %q", strings.Join(got, "|"), want)
	}
	if len(c0.Volumes) != 1 || c0.Volumes[0].Disk == nil || c0.Volumes[0].Disk.Name != "sdd" || c0.Volumes[0].MembersKnown {
		t.Fatalf("volumes %+v; want sdd, members unknown", c0.Volumes)
	}
	tr, max, err := topo.Reach(disks[1])
	if err != nil || max != ciss.MaxTransfer {
		t.Fatalf("Reach: %v, %d", err, max)
	}
	in, err := scsi.Inspect(context.Background(), scsi.NewDevice(tr, disks[1].Path))
	if err != nil || in.Serial != "HPB0002" {
		t.Fatalf("INQUIRY through the pass-through: serial %v, %v; want HPB0002", in, err)
	}
	tr, _, _ = topo.Reach(disks[2])
	_, err = scsi.NewDevice(tr, disks[2].Path).Inquiry(context.Background())
	if !errors.Is(err, scsi.ErrControllerRefused) || !errors.Is(err, ciss.ErrRefused) {
		t.Fatalf("INQUIRY to a refused drive: %v; want scsi.ErrControllerRefused and ciss.ErrRefused", err)
	}

	// The record: every pass-through drive and sdf reached, the volume
	// with unknown members; bay 5 not reached, with the reason.
	st := &Status{Reached: map[string]bool{"sdf": true}}
	for _, d := range disks {
		st.Reached[d.Name] = true
	}
	rec := c0.Record(st)
	u := rec.Unreached()
	if !rec.Listed || rec.Passthrough == "" || len(u) != 1 || !strings.Contains(u[0], "box 1 bay 5") ||
		!strings.Contains(u[0], "no disk of this host has its serial") || rec.Volumes[0].Name != "sdd" {
		t.Fatalf("record %+v; unreached %q", rec, u)
	}
	delete(st.Reached, disks[0].Name)
	if u := c0.Record(st).Unreached(); len(u) != 2 || !strings.Contains(u[0], "box 1 bay 1") {
		t.Fatalf("with bay 1 not a target, Unreached() = %q", u)
	}
	topo.Close()
}

// TestScanUnsupported: a controller kesu has no pass-through for is kept
// with the reason, its volume recorded with members unknown, and reported
// unreached.
func TestScanUnsupported(t *testing.T) {
	h := 1
	vol := discover.Disk{Name: "sdb", Path: "/dev/sdb", Size: 1 << 30, Host: &h, HostDriver: "mpt3sas",
		Volume: &discover.Volume{Driver: "mpt3sas", TargetID: 0, RAIDLevel: "raid1"}}
	mpt := discover.Host{Number: 1, Driver: "mpt3sas", Kind: discover.KindHBAIR}
	plain := discover.Host{Number: 2, Driver: "mpt3sas", Kind: discover.KindHBAIR} // IT mode, no volume
	topo := Scan(context.Background(), []discover.Host{mpt, plain}, []discover.Disk{vol},
		func(discover.Host, []discover.Disk) (Backend, error) { return nil, ErrNoPassthrough })
	if len(topo) != 1 {
		t.Fatalf("%d controllers; want the one carrying a volume", len(topo))
	}
	rec := topo[0].Record(nil)
	if rec.Listed || !strings.Contains(rec.ListError, "no pass-through") {
		t.Fatalf("record %+v", rec)
	}
	u := rec.Unreached()
	if len(u) != 1 || !strings.Contains(u[0], "volume sdb") {
		t.Fatalf("Unreached() = %q", u)
	}
	if len(Topology(topo).Disks()) != 0 {
		t.Fatal("an unlisted controller yields drives")
	}
}

// TestCascade: exclusions carry across a controller's volumes and drives,
// failing closed where the controller does not name a volume's members.
func TestCascade(t *testing.T) {
	h3, h4 := 3, 4
	sdd := discover.Disk{Name: "sdd", Host: &h3, Volume: &discover.Volume{TargetID: 0}}
	sde := discover.Disk{Name: "sde", Host: &h4, Volume: &discover.Volume{TargetID: 0}}
	pd := func(host int, addr string) discover.Disk {
		return discover.Disk{Name: fmt.Sprintf("host%d-%s", host, slug(addr)), Passthrough: &discover.Passthrough{Host: host, Address: addr}}
	}
	topo := Topology{
		// host3: sdd lies on devices 0 and 1; device 2 is a spare.
		{Host: discover.Host{Number: 3}, Drives: []PhysicalDrive{{Address: "device 0"}, {Address: "device 1"}, {Address: "device 2"}},
			Volumes: []VolumeView{{Volume: Volume{MembersKnown: true, Members: []string{"device 0", "device 1"}}, Disk: &sdd}}},
		// host4: sde's members are unknown (CISS).
		{Host: discover.Host{Number: 4}, Drives: []PhysicalDrive{{Address: "LUN a"}, {Address: "LUN b"}},
			Volumes: []VolumeView{{Volume: Volume{MembersKnown: false}, Disk: &sde}}},
	}
	rule := topo.Cascade([]discover.Excluded{{Disk: sdd, Reason: "in use: mounted on /"}, {Disk: sde, Reason: "the kesu boot stick"}})
	for _, tc := range []struct {
		d    discover.Disk
		want string // "" = not excluded
	}{
		{pd(3, "device 0"), "member of logical volume sdd, which is excluded (in use: mounted on /)"},
		{pd(3, "device 1"), "member of logical volume sdd"},
		{pd(3, "device 2"), ""},
		{pd(4, "LUN a"), "may be a member of logical volume sde"},
		{pd(4, "LUN b"), "may be a member of logical volume sde"},
		{pd(5, "device 0"), ""}, // no such controller
	} {
		ex, why := rule(tc.d)
		if ex != (tc.want != "") || !strings.Contains(why, tc.want) {
			t.Errorf("%s: excluded %v (%q); want %q", tc.d.Name, ex, why, tc.want)
		}
	}
	// A volume to be overwritten that lies (or may lie) on an excluded
	// drive is excluded.
	rule = topo.Cascade([]discover.Excluded{{Disk: pd(3, "device 1"), Reason: "serial excluded by the policy"}, {Disk: pd(4, "LUN b"), Reason: "serial excluded"}})
	if ex, why := rule(sdd); !ex || !strings.Contains(why, "lies on host3-dev1, which is excluded") {
		t.Errorf("sdd on an excluded member: %v %q", ex, why)
	}
	if ex, why := rule(sde); !ex || !strings.Contains(why, "may lie on host4-lunb") {
		t.Errorf("sde with unknown members, a drive of its controller excluded: %v %q", ex, why)
	}
	rule = topo.Cascade([]discover.Excluded{{Disk: pd(3, "device 2"), Reason: "serial excluded"}})
	if ex, why := rule(sdd); ex {
		t.Errorf("sdd excluded for a spare it does not lie on: %q", why)
	}
	// Settle carries a volume's exclusion to its members and no further.
	kept, ex := topo.Settle([]discover.Disk{pd(3, "device 0"), pd(3, "device 2"), pd(4, "LUN a")}, []discover.Excluded{{Disk: sdd, Reason: "boot"}})
	if len(kept) != 2 || len(ex) != 2 || ex[1].Disk.Name != "host3-dev0" {
		t.Errorf("Settle kept %v, excluded %v", kept, ex)
	}
}

func TestCISSNode(t *testing.T) {
	sys := fstest.MapFS{
		"sys/class/scsi_generic/sg0":  {Mode: fs.ModeSymlink, Data: []byte("../../devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/scsi_generic/sg0")},
		"sys/class/scsi_generic/sg12": {Mode: fs.ModeSymlink, Data: []byte("../../devices/pci0000:5b/0000:5c:00.0/host3/target3:1:0/3:1:0:0/scsi_generic/sg12")},
		"sys/class/scsi_generic/sg3":  {Mode: fs.ModeSymlink, Data: []byte("../../devices/pci0000:5b/0000:5c:00.0/host3/target3:3:0/3:3:0:0/scsi_generic/sg3")},
	}
	if got, err := cissNode(sys, 3, nil); err != nil || got != "/dev/sg3" {
		t.Fatalf("cissNode(host3) = %q, %v; want /dev/sg3 (the lowest of the host's nodes)", got, err)
	}
	vol := volumeDisk()
	if got, err := cissNode(fstest.MapFS{}, 3, []discover.Disk{vol}); err != nil || got != "/dev/sdd" {
		t.Fatalf("cissNode without sg nodes = %q, %v; want the host's disk /dev/sdd", got, err)
	}
	if _, err := cissNode(sys, 7, nil); err == nil {
		t.Fatal("cissNode found a node for a host that has none")
	}
}

// TestScanMFI looks behind an emulated MegaRAID: a RAID-1 of devices 8
// and 9 (the kernel's sdb), a hot spare, a JBOD drive the kernel shows as
// sdc at 0:0:11:0, and an enclosure; the volume's members come from the
// controller's configuration, the JBOD drive is erased as sdc, and a
// refused drive's commands wrap scsi.ErrControllerRefused.
func TestScanMFI(t *testing.T) {
	a, b, s, j := sasDrive(t, "MR8"), sasDrive(t, "MR9"), sasDrive(t, "MR10"), sasDrive(t, "MR11")
	emu := &mfitest.Controller{Host: 0, Product: "PERC H730P Mini", Serial: "66301T0", Firmware: "25.5.9.0001",
		PDs: []*mfitest.PD{
			{DeviceID: 8, Enclosure: 32, Slot: 0, State: mfi.PDOnline, Dev: a},
			{DeviceID: 9, Enclosure: 32, Slot: 1, State: mfi.PDOnline, Dev: b},
			{DeviceID: 10, Enclosure: 32, Slot: 2, State: mfi.PDHotSpare, Dev: s, RefusePassthrough: true},
			{DeviceID: 11, Enclosure: 32, Slot: 3, State: mfi.PDSystem, Dev: j},
		},
		LDs:       []*mfitest.LD{{TargetID: 0, RAIDLevel: 1, Members: []uint16{8, 9}}},
		HotSpares: []uint16{10},
	}
	h := 0
	ld := discover.Disk{Name: "sdb", Path: "/dev/sdb", Size: 2048 * 512, Host: &h, HostDriver: discover.DriverMegaRAID, HCTL: "0:2:0:0",
		Volume: &discover.Volume{Driver: discover.DriverMegaRAID, TargetID: 0}}
	jbod := discover.Disk{Name: "sdc", Path: "/dev/sdc", Size: 2048 * 512, Host: &h, HostDriver: discover.DriverMegaRAID, HCTL: "0:0:11:0"}
	host := discover.Host{Number: 0, Driver: discover.DriverMegaRAID, Kind: discover.KindRAID, Mode: discover.ModeMixed}
	topo := Topology(Scan(context.Background(), []discover.Host{host}, []discover.Disk{ld, jbod},
		func(discover.Host, []discover.Disk) (Backend, error) {
			return &MFI{C: &mfi.Controller{T: emu, Host: 0}, Node: "/dev/megaraid_sas_ioctl_node"}, nil
		}))
	c := topo[0]
	if c.Info.Model != "PERC H730P Mini" || c.ListError != "" || len(c.Drives) != 4 {
		t.Fatalf("controller: %+v, list error %q, %d drives", c.Info, c.ListError, len(c.Drives))
	}
	var got []string
	for _, d := range topo.Disks() {
		got = append(got, d.Name+" "+d.Location.Bay+" "+d.Passthrough.State+" "+strings.Join(d.Passthrough.Volumes, ","))
	}
	want := []string{"host0-dev8 32:0 online (RAID member) sdb", "host0-dev9 32:1 online (RAID member) sdb", "host0-dev10 32:2 hot spare "}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("pass-through disks %q; want %q (the JBOD drive is sdc's)", got, want)
	}
	if c.Drives[3].Exposed != "sdc" {
		t.Fatalf("JBOD drive exposed as %q; want sdc", c.Drives[3].Exposed)
	}
	v := c.Volumes[0]
	if v.Disk == nil || v.Disk.Name != "sdb" || v.RAIDLevel != "RAID-1" || strings.Join(v.Members, ",") != "device 8,device 9" || !v.MembersKnown {
		t.Fatalf("volume %+v", v)
	}
	tr, _, err := topo.Reach(topo.Disks()[1])
	if err != nil {
		t.Fatal(err)
	}
	if in, err := scsi.Inspect(context.Background(), scsi.NewDevice(tr, "pd9")); err != nil || in.Serial != "MR9" {
		t.Fatalf("INQUIRY through MFI: %v, %v; want serial MR9", in, err)
	}
	tr, _, _ = topo.Reach(topo.Disks()[2])
	if _, err := scsi.NewDevice(tr, "pd10").Inquiry(context.Background()); !errors.Is(err, scsi.ErrControllerRefused) || !errors.Is(err, mfi.ErrRefused) {
		t.Fatalf("INQUIRY to the refused hot spare: %v; want scsi.ErrControllerRefused and mfi.ErrRefused", err)
	}
	st := &Status{Reached: map[string]bool{"host0-dev8": true, "host0-dev9": true, "host0-dev10": true, "sdc": true}}
	rec := c.Record(st)
	if len(rec.Unreached()) != 0 || !rec.Drives[3].Reached || !strings.Contains(rec.Drives[3].Reason, "/dev/sdc") {
		t.Fatalf("record drives %+v; unreached %q", rec.Drives, rec.Unreached())
	}
	delete(st.Reached, "sdc")
	if u := c.Record(st).Unreached(); len(u) != 1 || !strings.Contains(u[0], "/dev/sdc") {
		t.Fatalf("with sdc not erased, Unreached() = %q", u)
	}
}

// TestRecheck: once the drives are done, a hot spare the controller took
// into a volume, or a drive it is rebuilding, is named; a drive that was
// not erased, or one whose state did not change, is not.
func TestRecheck(t *testing.T) {
	emu := &mfitest.Controller{PDs: []*mfitest.PD{
		{DeviceID: 8, Enclosure: 32, Slot: 0, State: mfi.PDOnline, Dev: sasDrive(t, "A")},
		{DeviceID: 9, Enclosure: 32, Slot: 1, State: mfi.PDOnline, Dev: sasDrive(t, "B")},
		{DeviceID: 10, Enclosure: 32, Slot: 2, State: mfi.PDHotSpare, Dev: sasDrive(t, "C")},
		{DeviceID: 11, Enclosure: 32, Slot: 3, State: mfi.PDUnconfiguredGood, Dev: sasDrive(t, "D")},
	}}
	host := discover.Host{Number: 0, Driver: discover.DriverMegaRAID, Kind: discover.KindRAID}
	c := Scan(context.Background(), []discover.Host{host}, nil, func(discover.Host, []discover.Disk) (Backend, error) {
		return &MFI{C: &mfi.Controller{T: emu}, Node: "emulated"}, nil
	})[0]
	erased := map[string]bool{"host0-dev8": true, "host0-dev9": true, "host0-dev10": true, "host0-dev11": true}
	if chk := c.Recheck(context.Background(), erased); len(chk.Rewritten) != 0 || len(chk.Drives) != 4 {
		t.Fatalf("nothing changed: %+v", chk)
	}
	emu.PDs[0].State = mfi.PDOffline // device 8: failed out of its volume, nothing written
	emu.PDs[1].State = mfi.PDRebuild // device 9: the controller rebuilds onto it
	emu.PDs[2].State = mfi.PDOnline  // device 10: the spare took a member's place
	emu.PDs[3].State = mfi.PDOnline  // device 11: used as an emergency spare
	chk := c.Recheck(context.Background(), erased)
	var got []string
	for _, r := range chk.Rewritten {
		got = append(got, r.Path+" "+r.Bay+": "+r.Why)
	}
	want := []string{
		"megaraid_sas host0 device 9 32:1: rebuilding after its erase: the controller writes volume data to it",
		"megaraid_sas host0 device 10 32:2: hot spare when the run began, online (RAID member) now: the controller has taken it into a volume",
		"megaraid_sas host0 device 11 32:3: unconfigured good when the run began, online (RAID member) now: the controller has taken it into a volume",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("Rewritten =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A drive not erased (it failed, or was excluded) is not named.
	delete(erased, "host0-dev9")
	if chk := c.Recheck(context.Background(), erased); len(chk.Rewritten) != 2 {
		t.Fatalf("with device 9 not erased: %+v", chk.Rewritten)
	}
	// The controller vanished after the run: its states cannot be read;
	// every erased drive behind it is in doubt — unless none was erased.
	bad := &Controller{Host: host, Drives: c.Drives, Backend: &MFI{C: &mfi.Controller{T: failing{}}, Node: "gone"}}
	if chk := bad.Recheck(context.Background(), erased); chk.Error == "" || len(chk.Rewritten) != 1 || chk.Rewritten[0].Path != "" {
		t.Fatalf("states unreadable after the run: %+v; want the error and one entry for every erased drive", chk)
	}
	if chk := bad.Recheck(context.Background(), map[string]bool{}); len(chk.Rewritten) != 0 {
		t.Fatalf("nothing erased behind it, states unreadable: %+v; want nothing named", chk)
	}
}

// failing is a controller whose ioctl fails.
type failing struct{}

func (failing) Exec(context.Context, *mfi.Packet) error { return errors.New("ENODEV") }

// TestBaysAcrossControllers: two controllers each report enclosure 252
// slot 0; both drives keep a bay of their own.
func TestBaysAcrossControllers(t *testing.T) {
	open := func(h discover.Host, _ []discover.Disk) (Backend, error) {
		emu := &mfitest.Controller{Host: uint16(h.Number), PDs: []*mfitest.PD{
			{DeviceID: 8, Enclosure: 252, Slot: 0, State: mfi.PDUnconfiguredGood, Dev: sasDrive(t, fmt.Sprint("S", h.Number))},
			{DeviceID: 9, Enclosure: 252, Slot: uint8(1 + h.Number), State: mfi.PDUnconfiguredGood, Dev: sasDrive(t, fmt.Sprint("T", h.Number))}}}
		return &MFI{C: &mfi.Controller{T: emu, Host: uint16(h.Number)}, Node: "emulated"}, nil
	}
	hosts := []discover.Host{{Number: 0, Driver: discover.DriverMegaRAID, Kind: discover.KindRAID},
		{Number: 1, Driver: discover.DriverMegaRAID, Kind: discover.KindRAID}}
	var bays []string
	for _, d := range Topology(Scan(context.Background(), hosts, nil, open)).Disks() {
		bays = append(bays, d.Location.Bay)
	}
	if want := "host0 252:0|252:1|host1 252:0|252:2"; strings.Join(bays, "|") != want {
		t.Fatalf("bays %q; want %q", strings.Join(bays, "|"), want)
	}
}

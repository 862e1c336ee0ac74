package mfitest_test

import (
	"context"
	"encoding/binary"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kesu-erase/kesu/mfi"
	"github.com/kesu-erase/kesu/mfi/mfitest"
	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/scsi/scsitest"
)

var le = binary.LittleEndian

// dcmdFrame writes a DCMD frame by hand: cmd 0x05 at 0, cmd_status 0xFF
// at 2, sge_count 7, flags 0x10 (DIR_READ), data_xfer_len 0x14, opcode
// 0x18, mbox 0x1C.
func dcmdFrame(opcode uint32, n int, mbox ...byte) (f [mfi.FrameSize]byte) {
	f[0], f[2] = 0x05, 0xFF
	if n > 0 {
		f[7] = 1
		le.PutUint16(f[0x10:], 0x10)
	}
	le.PutUint32(f[0x14:], uint32(n))
	le.PutUint32(f[0x18:], opcode)
	copy(f[0x1C:], mbox)
	return f
}

func exec(t *testing.T, c *mfitest.Controller, f [mfi.FrameSize]byte, n int) (status byte, data []byte) {
	t.Helper()
	p := &mfi.Packet{Host: c.Host, Frame: f, Data: make([]byte, n)}
	if n == 0 {
		p.Data = nil
	}
	if err := c.Exec(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	return p.Frame[2], p.Data
}

func newDrive(t *testing.T, serial string, blocks uint64) *scsitest.Drive {
	t.Helper()
	d, err := scsitest.NewDrive(filepath.Join(t.TempDir(), serial+".img"),
		scsitest.DriveConfig{Vendor: "SEAGATE", Product: "ST900MM0168", Serial: serial, Blocks: blocks})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// TestPDListOracle compares the emulator's PD_GET_LIST reply with bytes
// written from struct MR_PD_LIST / MR_PD_ADDRESS.
func TestPDListOracle(t *testing.T) {
	c := &mfitest.Controller{Host: 0, PDs: []*mfitest.PD{{DeviceID: 8, Enclosure: 252, Slot: 3, State: mfi.PDOnline}}}
	st, got := exec(t, c, dcmdFrame(0x02010000, 40), 40)
	want := []byte{
		0x20, 0, 0, 0, // size 32 = 8 + 24
		0x01, 0, 0, 0, // count 1
		0x08, 0x00, // deviceId 8
		0xFC, 0x00, // enclDeviceId 252
		0x00, 0x03, // enclIndex 0, slotNumber 3
		0x00, 0x01, // scsiDevType 0 (disk), connectedPortBitmap 1
		0x00, 0x08, 0, 0, 0, 0xC5, 0x00, 0x50, // sasAddr[0] 0x5000c50000000800
		0, 0, 0, 0, 0, 0, 0, 0, // sasAddr[1]
		0, 0, 0, 0, 0, 0, 0, 0, // unused buffer
	}
	if st != 0 {
		t.Fatalf("status %#x; want 0", st)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PD_GET_LIST reply mismatch (-want +got):\n%s", diff)
	}
}

// TestCtrlInfoOracle checks the fields of the CTRL_GET_INFO reply at the
// offsets of struct megasas_ctrl_info.
func TestCtrlInfoOracle(t *testing.T) {
	c := &mfitest.Controller{Product: "PERC H730P Mini", Serial: "66301T0", Firmware: "25.5.0.0018",
		VendorID: 0x1000, DeviceID: 0x005D, SubVendorID: 0x1028, SubDeviceID: 0x1F47, JBOD: true}
	if st, _ := exec(t, c, dcmdFrame(0x01010000, 0x7FF), 0x7FF); st != 0x03 {
		t.Errorf("CTRL_GET_INFO into 0x7FF bytes: status %#x; want 0x03 INVALID_PARAMETER", st)
	}
	st, b := exec(t, c, dcmdFrame(0x01010000, 0x800), 0x800)
	if st != 0 {
		t.Fatalf("status %#x", st)
	}
	checks := []struct {
		name string
		off  int
		want []byte
	}{
		{"pci", 0x00, []byte{0x00, 0x10, 0x5D, 0x00, 0x28, 0x10, 0x47, 0x1F}},
		{"image_component_count", 0xB4, []byte{1, 0, 0, 0}},
		{"image_component[0].name", 0xB8, []byte("APP\x00")},
		{"product_name", 0x540, []byte("PERC H730P Mini\x00")},
		{"serial_no", 0x590, []byte("66301T0\x00")},
		{"OnOffProperties", 0x620, []byte{0x00, 0x20, 0, 0}},
		{"package_version", 0x640, []byte("25.5.0.0018\x00")},
		{"adapterOperations2", 0x7A4, []byte{0x00, 0x08, 0, 0}},
	}
	for _, ch := range checks {
		if got := b[ch.off : ch.off+len(ch.want)]; !cmp.Equal(got, ch.want) {
			t.Errorf("%s at %#x = % x; want % x", ch.name, ch.off, got, ch.want)
		}
	}
}

// TestConfigOracle checks the CFG_READ reply of a RAID-1 over devices 8
// and 9 with device 11 as a hot spare against the layouts of struct
// mfi_config_data, mfi_array, mfi_ld_config and mfi_spare.
func TestConfigOracle(t *testing.T) {
	c := &mfitest.Controller{
		PDs: []*mfitest.PD{
			{DeviceID: 8, Slot: 0, State: mfi.PDOnline, Dev: newDrive(t, "A", 4096)},
			{DeviceID: 9, Slot: 1, State: mfi.PDOnline, Dev: newDrive(t, "B", 4096)},
			{DeviceID: 11, Slot: 3, State: mfi.PDHotSpare},
		},
		LDs:       []*mfitest.LD{{TargetID: 0, RAIDLevel: 1, Members: []uint16{8, 9}, Name: "mirror"}},
		HotSpares: []uint16{11},
	}
	st, b := exec(t, c, dcmdFrame(0x04010000, 1024), 1024)
	if st != 0 {
		t.Fatalf("status %#x", st)
	}
	checks := []struct {
		name string
		off  int
		want []byte
	}{
		// header: size 32+288+256+40 = 616 (0x268), 1 array of 288 (0x120),
		// 1 LD of 256 (0x100), 1 spare of 40 (0x28)
		{"header", 0, []byte{0x68, 0x02, 0, 0, 1, 0, 0x20, 0x01, 1, 0, 0x00, 0x01, 1, 0, 0x28, 0}},
		// array: size 4096 sectors (coerced to 1 MiB), 2 drives, ref 0
		{"array", 32, []byte{0x00, 0x10, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0}},
		// pd[0]: device 8, seq 0, fw_state ONLINE, encl 0, slot 0; pd[1]: 9, slot 1
		{"array pd[0..1]", 32 + 32, []byte{8, 0, 0, 0, 0x18, 0, 0, 0, 9, 0, 0, 0, 0x18, 0, 0, 1}},
		// pd[2]: unused row
		{"array pd[2]", 32 + 48, []byte{0xFF, 0xFF, 0, 0, 0, 0, 0xFF, 0xFF}},
		{"ld target and name", 320, []byte{0, 0, 0, 0, 'm', 'i', 'r', 'r', 'o', 'r', 0}},
		// params: RAID-1, qualifier 0, secondary 0, stripe 7, 2 drives, span depth 1, optimal
		{"ld params", 320 + 32, []byte{0x01, 0, 0, 7, 2, 1, 3}},
		{"ld span[0].array_ref", 320 + 64 + 16, []byte{0, 0}},
		// spare: device 11, global (type 0), no arrays
		{"spare", 576, []byte{11, 0, 0, 0, 0, 0, 0, 0}},
		{"after the config", 616, make([]byte, 8)},
	}
	for _, ch := range checks {
		if got := b[ch.off : ch.off+len(ch.want)]; !cmp.Equal(got, ch.want) {
			t.Errorf("%s at %d = % x; want % x", ch.name, ch.off, got, ch.want)
		}
	}
}

func TestEmulatorRefusals(t *testing.T) {
	c := &mfitest.Controller{Host: 4, PDs: []*mfitest.PD{{DeviceID: 8, Gone: true}}}
	tests := []struct {
		name  string
		frame [mfi.FrameSize]byte
		n     int
		want  byte
	}{
		{"unknown DCMD", dcmdFrame(0x01040100, 16), 16, 0x02},
		{"data_xfer_len mismatch", func() [mfi.FrameSize]byte { f := dcmdFrame(0x02010000, 64); f[0x14] = 65; return f }(), 64, 0x03},
		{"gone drive's info", dcmdFrame(0x02020000, 512, 8, 0), 512, 0x0C},
		{"unknown drive's info", dcmdFrame(0x02020000, 512, 9, 0), 512, 0x0C},
		{"short PD info buffer", dcmdFrame(0x02020000, 511, 8, 0), 511, 0x03},
		{"unknown frame command", [mfi.FrameSize]byte{0x08}, 0, 0x01},
	}
	for _, tc := range tests {
		if st, _ := exec(t, c, tc.frame, tc.n); st != tc.want {
			t.Errorf("%s: status %#x; want %#x", tc.name, st, tc.want)
		}
	}
	err := c.Exec(t.Context(), &mfi.Packet{Host: 5, Frame: dcmdFrame(0x01010000, 0)})
	if !errors.Is(err, mfitest.ErrNoHost) {
		t.Errorf("Exec for host 5 = %v; want ErrNoHost", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := c.Exec(ctx, &mfi.Packet{Host: 4}); !errors.Is(err, context.Canceled) {
		t.Errorf("Exec with a cancelled context = %v; want context.Canceled", err)
	}
	if log := c.Log(); len(log) != len(tests) || log[0].Opcode != 0x01040100 || log[0].Status != 0x02 {
		t.Errorf("Log = %d entries, first %+v; want %d, the unknown DCMD", len(log), log[0], len(tests))
	}
}

// rig is a controller with two SAS drives in a RAID-1 (device 8 reached
// by pass-through, device 9 refused, as RAID-mode firmware may do for
// online members), a gone drive (10) and a slot with a hot spare
// listed but no drive behind it (11).
func rig(t *testing.T) (*mfitest.Controller, *scsitest.Drive) {
	a := newDrive(t, "SERIALA", 8192)
	c := &mfitest.Controller{
		Host: 0, Product: "PERC H730P Mini", Serial: "66301T0", Firmware: "25.5.0.0018",
		VendorID: 0x1000, DeviceID: 0x005D,
		PDs: []*mfitest.PD{
			{DeviceID: 8, Enclosure: 32, Slot: 0, State: mfi.PDOnline, Dev: a},
			{DeviceID: 9, Enclosure: 32, Slot: 1, State: mfi.PDOnline, Dev: newDrive(t, "SERIALB", 8192), RefusePassthrough: true},
			{DeviceID: 10, Enclosure: 32, Slot: 2, State: mfi.PDUnconfiguredGood, Gone: true},
			{DeviceID: 11, Enclosure: 32, Slot: 3, State: mfi.PDHotSpare},
		},
		LDs:       []*mfitest.LD{{TargetID: 0, RAIDLevel: 1, Members: []uint16{8, 9}, Name: "os"}},
		HotSpares: []uint16{11},
	}
	return c, a
}

// TestEndToEnd drives package mfi's Controller against the emulator:
// controller info, the drive list with details, the logical drive with
// its members, the spares, and SCSI pass-through to the drives.
func TestEndToEnd(t *testing.T) {
	emu, _ := rig(t)
	ctx := t.Context()
	c := &mfi.Controller{T: emu, Host: 0}

	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Product != "PERC H730P Mini" || info.Serial != "66301T0" || info.Firmware != "25.5.0.0018" ||
		info.VendorID != 0x1000 || info.DeviceID != 0x005D || info.JBODEnabled {
		t.Errorf("Info = %+v", info)
	}

	pds, err := c.PhysicalDrives(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pds) != 4 {
		t.Fatalf("PhysicalDrives = %d; want 4", len(pds))
	}
	if p := pds[0]; p.Info == nil || p.Info.State != mfi.PDOnline || p.Info.Product() != "ST900MM0168" ||
		p.Info.RawSectors != 8192 || p.Info.Interface != "SAS" || p.EnclosureID != 32 {
		t.Errorf("device 8 = %+v, info %+v", p, p.Info)
	}
	if p := pds[2]; p.DeviceID != 10 || p.Info != nil || !strings.Contains(p.InfoError, "DEVICE_NOT_FOUND") {
		t.Errorf("gone device = %+v; want its list entry and a DEVICE_NOT_FOUND error", p)
	}
	if p := pds[3]; p.Info == nil || p.Info.State != mfi.PDHotSpare || p.Info.State.String() != "hot spare" {
		t.Errorf("spare = %+v", p.Info)
	}

	lds, err := c.LogicalDrives(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []mfi.LD{{TargetID: 0, Name: "os", RAIDLevel: "RAID-1", State: mfi.LDOptimal,
		SizeBytes: 8192 * 512, Members: []uint16{8, 9}}}
	if diff := cmp.Diff(want, lds); diff != "" {
		t.Errorf("LogicalDrives mismatch (-want +got):\n%s", diff)
	}
	cfg, err := c.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if hs := cfg.HotSpares(); !cmp.Equal(hs, []uint16{11}) {
		t.Errorf("HotSpares = %v; want [11]", hs)
	}

	// scsi.Inspect through pass-through reads the drive's own identity.
	in, err := scsi.Inspect(ctx, scsi.NewDevice(c.Passthrough(8), "megaraid host0 device 8"))
	if err != nil {
		t.Fatal(err)
	}
	if in.Serial != "SERIALA" || in.Inquiry.Product != "ST900MM0168" || in.Capacity == nil ||
		in.Capacity.Blocks() != 8192 || in.Readiness != "ready" {
		t.Errorf("Inspect = serial %q, product %q, capacity %+v, %q; want SERIALA, ST900MM0168, 8192 blocks, ready",
			in.Serial, in.Inquiry.Product, in.Capacity, in.Readiness)
	}

	// A refused drive and a gone one are transport errors with the
	// firmware's reason.
	for _, tc := range []struct {
		id   uint16
		want error
	}{{9, mfi.ErrRefused}, {10, mfi.ErrDeviceNotFound}, {12, mfi.ErrDeviceNotFound}} {
		_, err := scsi.Inspect(ctx, scsi.NewDevice(c.Passthrough(tc.id), "pd"))
		if !errors.Is(err, tc.want) || !errors.Is(err, scsi.ErrTransport) {
			t.Errorf("Inspect(device %d) error = %v; want %v and scsi.ErrTransport", tc.id, err, tc.want)
		}
	}
}

// TestPassthroughCheckCondition: a drive's CHECK CONDITION comes back as
// SCSI_DONE_WITH_ERROR with sense bytes only (as through the Linux
// ioctl), and scsi.Device classifies it from the sense; with the SCSI
// status reported as well the outcome is the same.
func TestPassthroughCheckCondition(t *testing.T) {
	for _, report := range []bool{false, true} {
		emu, a := rig(t)
		emu.ReportSCSIStatus = report
		a.Faults.Reject = map[string]bool{"LOG SENSE": true}
		dev := scsi.NewDevice((&mfi.Controller{T: emu}).Passthrough(8), "pd8")
		_, err := dev.LogSense(t.Context(), 0x0D, 0)
		var ce *scsi.CommandError
		if !errors.As(err, &ce) || !errors.Is(err, scsi.ErrUnsupported) || ce.Status.SAM != scsi.StatusCheckCondition {
			t.Errorf("report=%v: LogSense error = %v; want CHECK CONDITION, ILLEGAL REQUEST (ErrUnsupported)", report, err)
		}
		log := emu.Log()
		last := log[len(log)-1]
		if last.Cmd != 0x04 || last.Target != 8 || last.CDB[0] != 0x4D || last.Status != 0x2D {
			t.Errorf("report=%v: last frame %+v; want PD_SCSI_IO to 8, LOG SENSE, SCSI_DONE_WITH_ERROR", report, last)
		}
	}
}

// TestPassthroughWrite: data written through pass-through reaches the
// drive's medium.
func TestPassthroughWrite(t *testing.T) {
	emu, a := rig(t)
	pt := (&mfi.Controller{T: emu}).Passthrough(8)
	data := []byte(strings.Repeat("kesu", 128))
	cdb := []byte{0x8A, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0} // WRITE(16) LBA 5, 1 block
	if _, err := scsi.NewDevice(pt, "pd8").Do(t.Context(), "WRITE(16)", &scsi.Command{CDB: cdb, Dir: scsi.DirToDevice, Data: data, Timeout: 30e9}); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 512)
	if _, err := a.ReadRaw(got, 5*512); err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(got, data) {
		t.Errorf("block 5 = %q...; want %q...", got[:8], data[:8])
	}
}

// TestQEMUNoDataCommands: QEMU's megasas fails a pass-through frame
// without a scatter-gather entry. The emulator in QEMU mode does so too;
// the Controller under AddressQEMU gets TEST UNIT READY and SYNCHRONIZE
// CACHE through it with an unused data-in buffer, and addresses the
// second disk (QEMU device id 256 = scsi-id 1) by target_id 1, lun 0.
func TestQEMUNoDataCommands(t *testing.T) {
	d0, d1 := newDrive(t, "QEMU0", 64), newDrive(t, "QEMU1", 64)
	emu := &mfitest.Controller{QEMU: true, PDs: []*mfitest.PD{
		{DeviceID: 0, Enclosure: 0xFFFF, State: mfi.PDOnline, Dev: d0},
		{DeviceID: 256, Enclosure: 0xFFFF, Slot: 1, State: mfi.PDOnline, Dev: d1}}}
	ctx := context.Background()
	tur := &scsi.Command{CDB: make([]byte, 6), Timeout: time.Second}
	sync := &scsi.Command{CDB: scsi.SynchronizeCache10CDB(), Timeout: time.Second}

	// Without the quirk (firmware addressing), the frame carries no SGE:
	// QEMU answers HARDWARE ERROR 44h/00h.
	plain := &mfi.Controller{T: emu}
	r, err := plain.Passthrough(0).Exec(ctx, tur)
	if err != nil || r.Status != scsi.StatusCheckCondition || len(r.Sense) < 13 || r.Sense[2]&0x0F != 0x04 || r.Sense[12] != 0x44 {
		t.Fatalf("TEST UNIT READY without an SGE: %+v, %v; want CHECK CONDITION, HARDWARE ERROR 44h", r, err)
	}

	q := &mfi.Controller{T: emu, Addressing: mfi.AddressQEMU}
	for _, id := range []uint16{0, 256} {
		for _, c := range []*scsi.Command{tur, sync} {
			r, err := q.Passthrough(id).Exec(ctx, c)
			if err != nil || r.Status != scsi.StatusGood {
				t.Errorf("device %d, opcode %02Xh under AddressQEMU: %+v, %v; want GOOD", id, c.CDB[0], r, err)
			}
		}
	}
	in, err := scsi.Inspect(ctx, scsi.NewDevice(q.Passthrough(256), "pd256"))
	if err != nil || in.Serial != "QEMU1" {
		t.Fatalf("INQUIRY of device 256: %v, %v; want serial QEMU1", in, err)
	}
}

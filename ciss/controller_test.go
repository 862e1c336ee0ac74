package ciss_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kesu-erase/kesu/ciss"
	"github.com/kesu-erase/kesu/ciss/cisstest"
	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/scsi/scsitest"
)

var (
	lunA = ciss.LUN{0, 0, 0, 0xC0, 0, 0, 0x00, 0x01} // hidden, bus 1 target 0: drive 0
	lunB = ciss.LUN{0, 0, 0, 0x00, 0, 0, 0x05, 0x02} // exposed, bus 2 target 5: drive 261
	lunE = ciss.LUN{0, 0, 0, 0x00, 0, 0, 0x7F, 0x01} // enclosure
	ld0  = ciss.LUN{0, 0, 0, 0x40, 0, 0, 0, 0}
)

func newDrive(t *testing.T, serial string) *scsitest.Drive {
	t.Helper()
	d, err := scsitest.NewDrive(filepath.Join(t.TempDir(), serial+".img"), scsitest.DriveConfig{
		Vendor: "HP", Product: "EG0600FBDSR", Serial: serial, Blocks: 2048, RotationRate: 10000,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func newController(t *testing.T, pqi bool) (*cisstest.Controller, *scsitest.Drive, *scsitest.Drive) {
	a, b := newDrive(t, "SERIAL-A"), newDrive(t, "SERIAL-B")
	ctl := &cisstest.Controller{
		SmartPQI: pqi,
		PDs: []*cisstest.PD{
			{LUN: lunA, WWID: [8]byte{0x50, 0, 0xC5, 0, 0, 0, 0, 0xA}, Box: 1, Bay: 3, Serial: "SERIAL-A",
				Model: "HP      EG0600FBDSR", Firmware: "HPD4", Connector: "1I", BlockSize: 512, Blocks: 2048, Dev: a},
			{LUN: lunE, Type: ciss.TypeEnclosure, Flags: ciss.FlagNonDisk},
			{LUN: lunB, WWID: [8]byte{0x50, 0, 0xC5, 0, 0, 0, 0, 0xB}, Type: ciss.TypeSATA, Box: 2, Bay: 8,
				Serial: "SERIAL-B", Model: "ATA     MB2000GCWDA", Firmware: "HPGC", BlockSize: 512, Blocks: 2048, Dev: b},
		},
		LDs: []*cisstest.LD{{LUN: ld0, RAIDLevel: 5}},
	}
	return ctl, a, b
}

// TestPhysicalDrives lists the emulated controller: the two disks with the
// identity BMIC IDENTIFY reported, the enclosure flagged and not
// identified.
func TestPhysicalDrives(t *testing.T) {
	ctl, _, _ := newController(t, false)
	c := &ciss.Controller{T: ctl}
	pds, err := c.PhysicalDrives(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		LUN                     string
		Type                    ciss.DeviceType
		Hidden, NonDisk         bool
		Drive                   uint16
		Location                string
		Serial, Model, Firmware string
		Capacity                uint64
		Problem                 string
	}
	var got []row
	for _, p := range pds {
		r := row{LUN: p.LUN.String(), Type: p.Type, Hidden: p.Hidden, NonDisk: p.NonDisk, Drive: p.DriveNumber,
			Serial: p.Serial, Model: p.Model, Firmware: p.Firmware, Problem: p.Problem}
		if p.Identify != nil {
			r.Location, r.Capacity = p.Location(), p.Identify.Capacity()
		}
		got = append(got, r)
	}
	want := []row{
		{"000000c000000001", ciss.TypeSAS, true, false, 0, "box 1 bay 3", "SERIAL-A", "HP      EG0600FBDSR", "HPD4", 2048 * 512, ""},
		{"0000000000007f01", ciss.TypeEnclosure, false, true, 0, "", "", "", "", 0, ""},
		{"0000000000000502", ciss.TypeSATA, false, false, 261, "box 2 bay 8", "SERIAL-B", "ATA     MB2000GCWDA", "HPGC", 2048 * 512, ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PhysicalDrives mismatch (-want +got):\n%s", diff)
	}
	if d := ciss.Disks(pds); len(d) != 2 || d[0].LUN != lunA || d[1].LUN != lunB {
		t.Errorf("Disks = %d entries; want the two disks", len(d))
	}
	var bmic []string
	for _, e := range ctl.Log() {
		if e.Name != "REPORT PHYSICAL LUNS" {
			bmic = append(bmic, fmt.Sprintf("%s % x", e.Name, e.CDB))
		}
	}
	wantBMIC := []string{
		"BMIC IDENTIFY PHYSICAL DEVICE 0 26 00 00 00 00 00 15 0a 00 00",
		"BMIC IDENTIFY PHYSICAL DEVICE 261 26 00 05 00 00 00 15 0a 00 01",
	}
	if diff := cmp.Diff(wantBMIC, bmic); diff != "" {
		t.Errorf("controller log mismatch (-want +got):\n%s", diff)
	}
}

// TestInspectThroughPassthrough runs scsi.Inspect on each drive through
// the controller: each answers with its own serial, under both drivers'
// ways of relaying results.
func TestInspectThroughPassthrough(t *testing.T) {
	for _, pqi := range []bool{false, true} {
		ctl, _, _ := newController(t, pqi)
		c := &ciss.Controller{T: ctl}
		pds, err := c.PhysicalDrives(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, pd := range ciss.Disks(pds) {
			in, err := scsi.Inspect(t.Context(), scsi.NewDevice(c.Passthrough(pd.LUN), pd.LUN.String()))
			if err != nil {
				t.Fatalf("smartpqi=%v: Inspect(%s) error = %v", pqi, pd.LUN, err)
			}
			if in.Serial != pd.Serial {
				t.Errorf("smartpqi=%v: Inspect(%s).Serial = %q; want %q", pqi, pd.LUN, in.Serial, pd.Serial)
			}
			if in.Capacity == nil || in.Capacity.Blocks() != 2048 {
				t.Errorf("smartpqi=%v: Inspect(%s).Capacity = %+v; want 2048 blocks", pqi, pd.LUN, in.Capacity)
			}
		}
	}
}

// TestPassthroughCheckConditionAndResid: a command the drive rejects comes
// back as a Response with CHECK CONDITION and sense (under hpsa as target
// status, under smartpqi as success with a SCSI status), and an underrun
// carries hpsa's residual; smartpqi reports none.
func TestPassthroughCheckConditionAndResid(t *testing.T) {
	for _, tc := range []struct {
		pqi       bool
		wantResid int // -1: what the drive itself reports
	}{{false, -1}, {true, 0}} {
		ctl, a, _ := newController(t, tc.pqi)
		if tc.wantResid < 0 {
			direct, err := a.Exec(t.Context(), &scsi.Command{CDB: scsi.InquiryCDB(false, 0, 255), Dir: scsi.DirFromDevice, Data: make([]byte, 255), Timeout: time.Second})
			if err != nil || direct.Resid == 0 {
				t.Fatalf("direct INQUIRY(255) = %+v, %v; want an underrun", direct, err)
			}
			tc.wantResid = direct.Resid
		}
		a.Faults.Reject = map[string]bool{"FORMAT UNIT": true}
		pt := (&ciss.Controller{T: ctl}).Passthrough(lunA)
		resp, err := pt.Exec(t.Context(), &scsi.Command{CDB: []byte{0x04, 0, 0, 0, 0, 0}, Timeout: time.Second})
		if err != nil {
			t.Fatalf("smartpqi=%v: FORMAT UNIT error = %v", tc.pqi, err)
		}
		s, serr := scsi.ParseSense(resp.Sense)
		if resp.Status != scsi.StatusCheckCondition || serr != nil || s.Key != scsi.KeyIllegalRequest || s.ASC != 0x20 {
			t.Errorf("smartpqi=%v: FORMAT UNIT = status %#x, sense %v (%v); want CHECK CONDITION, ILLEGAL REQUEST 20h", tc.pqi, resp.Status, s, serr)
		}
		d := scsi.NewDevice(pt, "a")
		if _, err := d.Do(t.Context(), "FORMAT UNIT", &scsi.Command{CDB: []byte{0x04, 0, 0, 0, 0, 0}, Timeout: time.Second}); !errors.Is(err, scsi.ErrUnsupported) {
			t.Errorf("smartpqi=%v: Device.Do(FORMAT UNIT) = %v; want scsi.ErrUnsupported", tc.pqi, err)
		}
		resp, err = pt.Exec(t.Context(), &scsi.Command{CDB: scsi.InquiryCDB(false, 0, 255), Dir: scsi.DirFromDevice, Data: make([]byte, 255), Timeout: time.Second})
		if err != nil || resp.Status != scsi.StatusGood || resp.Resid != tc.wantResid {
			t.Errorf("smartpqi=%v: INQUIRY(255) = %+v, %v; want GOOD with resid %d", tc.pqi, resp, err, tc.wantResid)
		}
	}
}

// TestPassthroughFaults: a refused drive is ErrRefused; a pulled drive is
// ErrDeviceGone whether the controller says CMD_INVALID (and no longer
// lists it) or CMD_CONNECTION_LOST. The errors survive scsi.Device's
// wrapping.
func TestPassthroughFaults(t *testing.T) {
	tests := []struct {
		name       string
		set        func(*cisstest.PD)
		want, not  error
		status     uint16
		rechecked  bool
		stillThere bool
	}{
		{"refused", func(p *cisstest.PD) { p.Refuse = true }, ciss.ErrRefused, ciss.ErrDeviceGone, ciss.CmdInvalid, true, true},
		{"pulled, CMD_INVALID", func(p *cisstest.PD) { p.Gone = true }, ciss.ErrDeviceGone, ciss.ErrRefused, ciss.CmdInvalid, true, false},
		{"pulled, connection lost", func(p *cisstest.PD) { p.Gone, p.GoneStatus = true, ciss.CmdConnectionLost },
			ciss.ErrDeviceGone, ciss.ErrRefused, ciss.CmdConnectionLost, false, false},
	}
	for _, tc := range tests {
		ctl, _, _ := newController(t, false)
		tc.set(ctl.PDs[0])
		c := &ciss.Controller{T: ctl}
		_, err := scsi.NewDevice(c.Passthrough(lunA), "a").Inquiry(t.Context())
		if !errors.Is(err, tc.want) || errors.Is(err, tc.not) {
			t.Errorf("%s: Inquiry error = %v; want %v and not %v", tc.name, err, tc.want, tc.not)
		}
		var se *ciss.StatusError
		if !errors.As(err, &se) || se.CommandStatus != tc.status || se.LUN != lunA {
			t.Errorf("%s: error %v is not a *StatusError with status %#x for LUN %s", tc.name, err, tc.status, lunA)
		}
		log := ctl.Log()
		rechecked := len(log) > 1 && log[len(log)-1].Name == "REPORT PHYSICAL LUNS"
		if rechecked != tc.rechecked {
			t.Errorf("%s: re-read REPORT PHYSICAL LUNS = %v; want %v", tc.name, rechecked, tc.rechecked)
		}
		pds, err := c.PhysicalDrives(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		listed := false
		for _, p := range pds {
			listed = listed || p.LUN == lunA
		}
		if listed != tc.stillThere {
			t.Errorf("%s: drive listed = %v; want %v", tc.name, listed, tc.stillThere)
		}
	}
}

func TestLogicalDrives(t *testing.T) {
	ctl, _, _ := newController(t, false)
	ctl.LDs = append(ctl.LDs, &cisstest.LD{LUN: ciss.LUN{1, 0, 0, 0x40}, RAIDLevel: 2})
	lds, err := (&ciss.Controller{T: ctl}).LogicalDrives(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []ciss.LD{
		{LUN: ld0, VolumeID: 0, RAID: ciss.RAID6}, // byte 5: hpsa raid_label[5] "6"
		{LUN: ciss.LUN{1, 0, 0, 0x40}, VolumeID: 1, RAID: ciss.RAID1},
	}
	if diff := cmp.Diff(want, lds); diff != "" {
		t.Errorf("LogicalDrives mismatch (-want +got):\n%s", diff)
	}
}

// script is a scripted Transport: each step checks the exact request and
// writes the controller's answer.
type script struct {
	t     *testing.T
	steps []step
}

type step struct {
	lun    ciss.LUN
	cdb    []byte
	data   []byte // data-in
	status uint16
	scsi   byte
}

func (s *script) Exec(ctx context.Context, r *ciss.Request) error {
	s.t.Helper()
	if len(s.steps) == 0 {
		s.t.Fatalf("unexpected request LUN %s CDB % x", r.LUN, r.CDB)
	}
	st := s.steps[0]
	s.steps = s.steps[1:]
	if r.LUN != st.lun || !cmp.Equal(r.CDB, st.cdb) {
		s.t.Fatalf("request LUN %s CDB % x; want LUN %s CDB % x", r.LUN, r.CDB, st.lun, st.cdb)
	}
	n := copy(r.Data, st.data)
	r.CommandStatus, r.ScsiStatus, r.Resid, r.Sense = st.status, st.scsi, 0, nil
	if n < len(r.Data) && st.status == ciss.CmdSuccess && st.data != nil {
		r.CommandStatus, r.Resid = ciss.CmdDataUnderrun, len(r.Data)-n
	}
	return nil
}

// TestReportGrowsBuffer: a list longer than the first allocation (8 +
// 1024*24 bytes) is read again with room for all of it.
func TestReportGrowsBuffer(t *testing.T) {
	const entries = 1100
	list := make([]byte, 8+entries*24)
	binary.BigEndian.PutUint32(list[0:4], entries*24)
	list[4] = 0x02
	for i := 0; i < entries; i++ {
		e := list[8+i*24:]
		e[6], e[7], e[16], e[17] = byte(i), byte(1+i/256), 0x06, 0x01 // enclosures: no BMIC
	}
	s := &script{t: t, steps: []step{
		{cdb: []byte{0xC3, 0x02, 0, 0, 0, 0, 0x00, 0x00, 0x60, 0x08, 0, 0}, data: list[:24584]},
		{cdb: []byte{0xC3, 0x02, 0, 0, 0, 0, 0x00, 0x00, 0x67, 0x28, 0, 0}, data: list}, // 8+26400 = 0x6728
	}}
	pds, err := (&ciss.Controller{T: s}).PhysicalDrives(t.Context())
	if err != nil || len(pds) != entries || len(s.steps) != 0 {
		t.Errorf("PhysicalDrives = %d drives, %v, %d steps left; want %d, nil, 0", len(pds), err, len(s.steps), entries)
	}
}

// TestPassthroughStatuses maps each failing command status to its
// sentinel, including target status with SCSI status 0 (hpsa's selection
// timeout).
func TestPassthroughStatuses(t *testing.T) {
	inq := []byte{0x12, 0, 0, 0, 36, 0}
	tests := []struct {
		status uint16
		scsi   byte
		want   error
	}{
		{ciss.CmdTargetStatus, 0, ciss.ErrDeviceGone},
		{ciss.CmdConnectionLost, 0, ciss.ErrDeviceGone},
		{ciss.CmdTimeout, 0, ciss.ErrTimeout},
		{ciss.CmdAborted, 0, ciss.ErrAborted},
		{ciss.CmdUnsolicitedAbort, 0, ciss.ErrAborted},
		{ciss.CmdDataOverrun, 0, ciss.ErrOverrun},
		{ciss.CmdProtocolErr, 0, ciss.ErrControllerFault},
		{ciss.CmdHardwareErr, 0, ciss.ErrControllerFault},
		{0x0042, 0, ciss.ErrControllerFault},
	}
	for _, tc := range tests {
		s := &script{t: t, steps: []step{{lun: lunB, cdb: inq, status: tc.status, scsi: tc.scsi}}}
		_, err := (&ciss.Controller{T: s}).Passthrough(lunB).Exec(t.Context(),
			&scsi.Command{CDB: inq, Dir: scsi.DirFromDevice, Data: make([]byte, 36), Timeout: time.Second})
		if !errors.Is(err, tc.want) {
			t.Errorf("status %s: error = %v; want %v", ciss.StatusText(tc.status), err, tc.want)
		}
	}
	// A CDB longer than CISS carries is refused before anything is sent.
	s := &script{t: t}
	_, err := (&ciss.Controller{T: s}).Passthrough(lunB).Exec(t.Context(), &scsi.Command{CDB: make([]byte, 32), Timeout: time.Second})
	if !errors.Is(err, scsi.ErrBadCommand) {
		t.Errorf("32-byte CDB: error = %v; want scsi.ErrBadCommand", err)
	}
}

// TestPhysicalDrivesPlainReport: firmware that answers only the plain
// format still yields identified drives (type from BMIC IDENTIFY), and an
// address without a BMIC bus is listed with a Problem instead of being
// identified.
func TestPhysicalDrivesPlainReport(t *testing.T) {
	ctl, _, _ := newController(t, false)
	ctl.PlainReport = true
	ctl.PDs = append(ctl.PDs, &cisstest.PD{LUN: ciss.LUN{0, 0, 0, 0, 0, 0, 9, 0}})
	pds, err := (&ciss.Controller{T: ctl}).PhysicalDrives(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Type       ciss.DeviceType
		NonDisk    bool
		Serial     string
		WWID       []byte
		HasProblem bool
	}
	var got []row
	for _, p := range pds {
		got = append(got, row{p.Type, p.NonDisk, p.Serial, p.WWID, p.Problem != ""})
	}
	want := []row{
		{ciss.TypeSAS, false, "SERIAL-A", nil, false},
		{ciss.TypeEnclosure, true, "", nil, false}, // identified, then flagged by its BMIC type
		{ciss.TypeSATA, false, "SERIAL-B", nil, false},
		{0, false, "", nil, true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PhysicalDrives (plain report) mismatch (-want +got):\n%s", diff)
	}
}

// shortReads answers every READ(16) with half its data and the residual,
// as a drive that stops early.
type shortReads struct{ scsi.Transport }

func (s shortReads) Exec(ctx context.Context, c *scsi.Command) (*scsi.Response, error) {
	r, err := s.Transport.Exec(ctx, c)
	if err == nil && c.CDB[0] == scsi.OpRead16 && r.Status == scsi.StatusGood {
		clear(c.Data[len(c.Data)/2:]) // what a zeroed bounce buffer leaves
		r.Resid = len(c.Data) / 2
	}
	return r, err
}

// TestShortReadNeverVerifies: a read that underruns is an error through
// scsi.BlockDevice under both drivers — hpsa says how much moved;
// smartpqi says only that less did (no residual), which must not pass as
// zeros.
func TestShortReadNeverVerifies(t *testing.T) {
	for _, pqi := range []bool{false, true} {
		ctl, a, _ := newController(t, pqi)
		ctl.PDs[0].Dev = shortReads{a}
		c := &ciss.Controller{T: ctl}
		b, err := scsi.OpenBlockDevice(context.Background(), scsi.NewDevice(c.Passthrough(lunA), "a"), "a", ciss.MaxTransfer, false)
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.ReadAt(make([]byte, 8*512), 0)
		want := "transferred 2048 of 4096 bytes"
		if pqi {
			want = "data underrun of unknown size"
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("smartpqi %v: short read: %v; want an error saying %q", pqi, err, want)
		}
	}
}

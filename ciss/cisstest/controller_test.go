package cisstest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kesu-erase/kesu/ciss"
	"github.com/kesu-erase/kesu/scsi"
)

func read(t *testing.T, c *Controller, lun ciss.LUN, cdb []byte, n int) *ciss.Request {
	t.Helper()
	r := &ciss.Request{LUN: lun, CDB: cdb, Dir: scsi.DirFromDevice, Data: make([]byte, n), Timeout: time.Second}
	if err := c.Exec(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestReplyLayouts checks the emulator's replies byte for byte against the
// layouts in hpsa_cmd.h (struct ReportExtendedLUNdata, struct
// bmic_identify_physical_device).
func TestReplyLayouts(t *testing.T) {
	c := &Controller{PDs: []*PD{
		{LUN: ciss.LUN{0, 0, 0, 0xC0, 0, 0, 4, 1}, WWID: [8]byte{0x50, 1, 2, 3, 4, 5, 6, 7}, Type: ciss.TypeSATA,
			Flags: 0x08, Box: 1, Bay: 12, Serial: "S1", Model: "ATA     X", Firmware: "F1", Connector: "2I", BlockSize: 4096, Blocks: 0x1_0000_0001},
		{LUN: ciss.LUN{0, 0, 0, 0, 0, 0, 5, 1}, Gone: true},
	}}
	r := read(t, c, ciss.LUN{}, []byte{0xC3, 0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0, 0}, 256)
	want := []byte{
		0, 0, 0, 24, 0x02, 0, 0, 0,
		0, 0, 0, 0xC0, 0, 0, 4, 1,
		0x50, 1, 2, 3, 4, 5, 6, 7,
		0x01, 0x08, 0, 0, 0, 0, 0, 0,
	}
	if diff := cmp.Diff(want, r.Data[:len(want)]); diff != "" {
		t.Errorf("REPORT PHYSICAL LUNS reply mismatch (-want +got):\n%s", diff)
	}
	if r.CommandStatus != ciss.CmdDataUnderrun || r.Resid != 256-len(want) {
		t.Errorf("REPORT PHYSICAL LUNS status, resid = %#x, %d; want underrun, %d", r.CommandStatus, r.Resid, 256-len(want))
	}

	// Drive 4 (bus 1, target 4): index low byte in CDB byte 2.
	r = read(t, c, ciss.LUN{}, []byte{0x26, 0, 4, 0, 0, 0, 0x15, 0x0A, 0x00, 0}, 2560)
	if r.CommandStatus != ciss.CmdSuccess {
		t.Fatalf("BMIC IDENTIFY status = %#x; want success", r.CommandStatus)
	}
	b := r.Data
	checks := []struct {
		name      string
		got, want []byte
	}{
		{"block_size", b[2:4], []byte{0x00, 0x10}},
		{"total_blocks (saturated)", b[4:8], []byte{0xFF, 0xFF, 0xFF, 0xFF}},
		{"model", b[12:22], []byte("ATA     X ")},
		{"serial", b[52:55], []byte("S1 ")},
		{"firmware", b[92:100], []byte("F1      ")},
		{"phys_connector", b[112:114], []byte("2I")},
		{"box, bay", b[114:116], []byte{1, 12}},
		{"device_type", b[120:121], []byte{0x01}},
		{"big_total_block_count", b[122:130], []byte{1, 0, 0, 0, 1, 0, 0, 0}},
	}
	for _, c := range checks {
		if !cmp.Equal(c.got, c.want) {
			t.Errorf("IDENTIFY %s = % x; want % x", c.name, c.got, c.want)
		}
	}

	// The pulled drive (drive 5) is neither identified nor listed.
	if r := read(t, c, ciss.LUN{}, []byte{0x26, 0, 5, 0, 0, 0, 0x15, 0x0A, 0x00, 0}, 2560); r.CommandStatus != ciss.CmdInvalid {
		t.Errorf("BMIC IDENTIFY of a pulled drive: status %#x; want CMD_INVALID", r.CommandStatus)
	}
	if got := len(c.Log()); got != 3 {
		t.Errorf("Log has %d entries; want 3", got)
	}
}

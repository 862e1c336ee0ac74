package ata

import (
	"context"
	"testing"

	"github.com/kesu-erase/kesu/scsi"
)

type fixedResp struct{ r *scsi.Response }

func (f fixedResp) Exec(ctx context.Context, c *scsi.Command) (*scsi.Response, error) {
	return f.r, nil
}

// libata ata_gen_passthru_sense: when qc->err_mask is set (timeout, HSM
// violation, bus error) it builds error sense via ata_to_sense_error even if
// the STATUS register is clean; with STATUS=50h and ERROR=0 that gives
// ABORTED COMMAND 00h/00h, and the registers are appended as usual.
func TestExecErrorSenseWithCleanStatus(t *testing.T) {
	// Descriptor sense: 72, key 0Bh, 00/00, add. length 0Eh, ATA Status
	// Return descriptor 09 0C: error 00 ... device 40 status 50.
	desc := []byte{0x72, 0x0B, 0x00, 0x00, 0, 0, 0, 0x0E,
		0x09, 0x0C, 0x00, 0x00, 0, 0x01, 0, 0, 0, 0, 0, 0, 0x40, 0x50}
	// Pre-6.11 libata fixed sense (Debian 12): 70, key 0Bh, add. length 0Ah,
	// ERROR at byte 8, STATUS 50h at byte 9, DEVICE 40h at byte 10.
	fixed := []byte{0x70, 0x00, 0x0B, 0, 0, 0, 0, 0x0A, 0x00, 0x50, 0x40, 0x01, 0, 0, 0, 0, 0, 0}
	for name, sense := range map[string][]byte{"descriptor": desc, "fixed-libata": fixed} {
		d := &Device{T: fixedResp{&scsi.Response{Status: 0x02, DriverStatus: 0x08, Sense: sense}}, Name: "t"}
		c := IdentifyCommand()
		if _, err := d.Exec(context.Background(), c); err == nil {
			t.Errorf("%s: Exec(IDENTIFY) with CHECK CONDITION / ABORTED COMMAND 00/00 and STATUS 50h = success; want an error", name)
		}
	}
}

// A data-in command whose data did not all arrive fails, so nobody decodes
// a half-filled IDENTIFY buffer.
func TestExecShortDataIn(t *testing.T) {
	d := &Device{T: fixedResp{&scsi.Response{Status: scsi.StatusGood, Resid: 256}}, Name: "t"}
	if _, err := d.Exec(context.Background(), IdentifyCommand()); err == nil {
		t.Error("Exec(IDENTIFY) with 256 of 512 bytes missing = success; want an error")
	}
	if _, err := d.Exec(context.Background(), ErasePrepareCommand()); err != nil {
		t.Errorf("Exec(ERASE PREPARE), a non-data command with GOOD status = %v; want success", err)
	}
}

package smart

import (
	"context"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/scsi/scsitest"
)

func page(t *testing.T, s string) *scsi.LogPage {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	p, err := scsi.DecodeLogPage(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFromSCSIPages decodes log pages written by hand from SPC-4/SBC-4
// (byte offsets as smartmontools scsicmds.cpp reads them).
func TestFromSCSIPages(t *testing.T) {
	l := SCSILogs{
		// IE: ASC 00 ASCQ 00, most recent temperature 38.
		InformationalExceptions: page(t, "2F 00 00 07 00 00 03 03 00 00 26"),
		// Temperature 0Dh: 41 °C.
		Temperature: page(t, "0D 00 00 06 00 00 03 02 00 29"),
		// Solid state media 11h param 0001: 7% used.
		SolidStateMedia: page(t, "11 00 00 08 00 01 03 04 00 00 00 07"),
		// Background scan 15h: 0x0001E078 = 123000 minutes = 2050 hours.
		BackgroundScan: page(t, "15 00 00 10 00 00 03 0C 00 01 E0 78 00 00 00 00 00 00 00 00"),
		// Read errors 03h param 0006: 2 uncorrected.
		ReadErrors: page(t, "03 00 00 05 00 06 02 01 02"),
	}
	got := FromSCSI(l)
	want := &Summary{Source: "scsi", Verdict: Pass, Reasons: []string{"2 uncorrected read errors"},
		TemperatureC: intp(41), PercentageUsed: intp(7), PowerOnHours: u64(2050), Uncorrectable: u64(2)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FromSCSI() mismatch (-want +got):\n%s", diff)
	}
	fail := FromSCSI(SCSILogs{InformationalExceptions: page(t, "2F 00 00 07 00 00 03 03 5D 10 26")})
	if fail.Verdict != Fail || len(fail.Reasons) != 1 || !strings.Contains(fail.Reasons[0], "5D/10") {
		t.Errorf("FromSCSI(IE 5D/10) = %+v; want FAIL naming 5D/10", fail)
	}
	if u := FromSCSI(SCSILogs{}); u.Verdict != Unknown {
		t.Errorf("FromSCSI(no pages) verdict = %s; want UNKNOWN", u.Verdict)
	}
}

func TestReadSCSILogsFromEmulatedSAS(t *testing.T) {
	d, err := scsitest.NewDrive(filepath.Join(t.TempDir(), "sas.img"), scsitest.DriveConfig{Blocks: 64, RotationRate: 1,
		TemperatureC: 33, PowerOnMinutes: 6000, PercentUsed: 12, UncorrectedErrors: 0})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	l, errs := ReadSCSILogs(context.Background(), &scsi.Device{T: d, Name: "sas"})
	if len(errs) != 0 {
		t.Fatalf("ReadSCSILogs() errors = %v", errs)
	}
	got := FromSCSI(l)
	want := &Summary{Source: "scsi", Verdict: Pass, TemperatureC: intp(33), PowerOnHours: u64(100), PercentageUsed: intp(12), Uncorrectable: u64(0)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FromSCSI(emulated SAS SSD) mismatch (-want +got):\n%s", diff)
	}
}

package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kesu-erase/kesu/ata/atatest"
	"github.com/kesu-erase/kesu/scsi/scsitest"
)

// readOnlyATA lists the ATA commands a probe may send; anything else
// (SET MAX, security, sanitize operations, DCO RESTORE...) would change
// the drive.
var readOnlyATA = map[string]bool{
	atatest.OpIdentify: true, atatest.OpReadNativeMaxExt: true, atatest.OpReadNativeMax: true,
	atatest.OpGetNativeMax: true, atatest.OpDCOIdentify: true, atatest.OpSanitizeStatus: true,
	atatest.OpSMARTReadData: true, atatest.OpSMARTThresholds: true, atatest.OpSMARTReturnStatus: true,
	"INQUIRY": true, "INQUIRY VPD": true, "READ CAPACITY(16)": true, "TEST UNIT READY": true, "REQUEST SENSE": true,
}

func emulatedSATA(t *testing.T) *atatest.Drive {
	t.Helper()
	d, err := atatest.New(filepath.Join(t.TempDir(), "sata.img"), atatest.Config{
		Model: "KESU SSD 1TB", Serial: "KS0123456789", Firmware: "FW1.2", Sectors: 20000, RotationRate: 1,
		TRIM: true, DRAT: true, RZAT: true,
		Security: true, EnhancedErase: true, EraseTime: 2, EnhancedTime: 4, FreezeAtPowerOn: true,
		SanitizeCrypto: true, SanitizeBlockErase: true,
		HPA: true, DCO: true, HPASectors: 200, DCOSectors: 100,
		SMART: true, Attributes: []atatest.Attribute{
			{ID: 9, Flags: 0x32, Current: 99, Worst: 99, Raw: 1234},
			{ID: 194, Flags: 0x22, Current: 70, Worst: 60, Raw: 30},
			{ID: 177, Flags: 0x13, Current: 95, Worst: 95, Threshold: 5},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestProbeSATAIsReadOnlyAndComplete(t *testing.T) {
	d := emulatedSATA(t)
	before := d.State()
	out, err := ReadSCSI(context.Background(), d, "/dev/sdx", false)
	if err != nil {
		t.Fatalf("ReadSCSI() error = %v", err)
	}
	for _, e := range d.Log() {
		if !readOnlyATA[e.Name] {
			t.Errorf("probe sent %q (CDB % x): not a read-only command", e.Name, e.CDB)
		}
		if e.Name == atatest.OpSanitizeStatus && e.CDB[6]&1 != 0 {
			t.Errorf("probe sent SANITIZE STATUS EXT with CLEAR set")
		}
	}
	if after := d.State(); after != before {
		t.Errorf("drive state changed by probe: %+v -> %+v", before, after)
	}
	if out.Transport != "ata" || out.Interface != "SATA" || out.Class != "SSD" || out.Model != "KESU SSD 1TB" || out.Serial != "KS0123456789" || out.Firmware != "FW1.2" {
		t.Errorf("identity = %s %s %q %q %q", out.Transport, out.Class, out.Model, out.Serial, out.Firmware)
	}
	if out.SAT == nil || out.SAT.Product != "libata" {
		t.Errorf("SAT = %+v; want the libata SATL from VPD 89h", out.SAT)
	}
	a := out.ATA
	if a == nil || !a.Security.Frozen || a.Security.State != "SEC2 (disabled, frozen)" || a.Security.EnhancedEraseMinutes != 8 {
		t.Fatalf("security = %+v", a.Security)
	}
	if !a.Sanitize.Supported || !a.Sanitize.CryptoScramble || a.Sanitize.Overwrite || a.Sanitize.Status == nil {
		t.Errorf("sanitize = %+v", a.Sanitize)
	}
	h := a.HiddenAreas
	if h == nil || h.HPASectors != 200 || h.DCOSectors != 100 || h.CurrentMax != 19699 || h.NativeMax != 19899 || h.DCOMax != 19999 || h.RestoreAttempted {
		t.Errorf("hidden areas = %+v; want HPA 200, DCO 100, nothing restored", h)
	}
	if out.Health == nil || out.Health.Verdict != "PASS" || *out.Health.PowerOnHours != 1234 || *out.Health.TemperatureC != 30 || *out.Health.PercentageUsed != 5 {
		t.Errorf("health = %+v", out.Health)
	}
	if len(out.Errors) != 0 {
		t.Errorf("errors = %q; want none", out.Errors)
	}
	var txt bytes.Buffer
	if err := out.WriteText(&txt); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"KESU SSD 1TB", "KS0123456789", "SSD (SATA interface, medium SSD)", "SEC2 (disabled, frozen)", "HPA yes (200 sectors hidden)", "crypto scramble yes"} {
		if !strings.Contains(txt.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, txt.String())
		}
	}
	var js bytes.Buffer
	if err := write(&js, out, true); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back["model"] != "KESU SSD 1TB" || back["class"] != "SSD" {
		t.Errorf("JSON output = %v (%v)", back, err)
	}
}

func TestProbeSAS(t *testing.T) {
	d, err := scsitest.NewDrive(filepath.Join(t.TempDir(), "sas.img"), scsitest.DriveConfig{
		Vendor: "SEAGATE", Product: "ST1200MM0009", Revision: "N003", Serial: "W3Z0ABCD", NAA: 0x5000C500A1B2C3D4,
		Blocks: 4096, RotationRate: 10000, SanitizeOverwrite: true, SanitizeCrypto: true, RecommendedTimeout: 7200,
		TemperatureC: 36, PowerOnMinutes: 60 * 500,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	out, err := ReadSCSI(context.Background(), d, "/dev/sdy", false)
	if err != nil {
		t.Fatalf("ReadSCSI() error = %v", err)
	}
	if out.Transport != "scsi" || out.Interface != "SCSI" || out.Class != "HDD" || out.Vendor != "SEAGATE" || out.Model != "ST1200MM0009" || out.Serial != "W3Z0ABCD" || out.WWN != "5000c500a1b2c3d4" {
		t.Errorf("identity = %+v", out)
	}
	s := out.SCSI
	if s == nil || s.Sanitize["overwrite"] != "supported" || s.Sanitize["block erase"] != "not supported" || s.Sanitize["cryptographic erase"] != "supported" || s.SanitizeTimeoutSeconds != 7200 || s.Readiness != "ready" {
		t.Errorf("scsi = %+v", s)
	}
	if out.Health.Verdict != "PASS" || *out.Health.PowerOnHours != 500 || *out.Health.TemperatureC != 36 {
		t.Errorf("health = %+v", out.Health)
	}
	for _, e := range d.Log() {
		switch e.Name {
		case "INQUIRY", "READ CAPACITY(16)", "TEST UNIT READY", "REQUEST SENSE", "LOG SENSE", "REPORT SUPPORTED OPERATION CODES",
			"SECURITY PROTOCOL IN":
		default:
			t.Errorf("probe sent %s to a SAS disk", e.Name)
		}
	}
}

func TestProbeUSBBridgeWithoutSAT(t *testing.T) {
	// A USB stick: not an ATA device, and the bridge refuses ATA
	// PASS-THROUGH. The probe must say so and carry on as SCSI.
	d, err := atatest.New(filepath.Join(t.TempDir(), "usb.img"), atatest.Config{Sectors: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.Faults.RejectPassThrough = true
	out, err := ReadSCSI(context.Background(), d, "/dev/sdz", true)
	if err != nil {
		t.Fatalf("ReadSCSI() error = %v", err)
	}
	// The emulated SATL still answers INQUIRY as "ATA", so the ATA path is
	// taken and its IDENTIFY failure reported.
	if out.Class != "USB" || len(out.Errors) == 0 || !strings.Contains(strings.Join(out.Errors, ";"), "rejected") {
		t.Errorf("out = class %s errors %q; want USB with the pass-through rejection reported", out.Class, out.Errors)
	}
}

func TestOnUSB(t *testing.T) {
	fsys := fstest.MapFS{
		"sys/class/block/sda": {Mode: fs.ModeSymlink, Data: []byte("../../devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sda")},
		"sys/class/block/sdb": {Mode: fs.ModeSymlink, Data: []byte("../../devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sdb")},
	}
	if !onUSB(fsys, "/dev/sda") || onUSB(fsys, "/dev/sdb") || onUSB(fsys, "/dev/sdq") {
		t.Errorf("onUSB(sda, sdb, sdq) = %v %v %v; want true false false", onUSB(fsys, "/dev/sda"), onUSB(fsys, "/dev/sdb"), onUSB(fsys, "/dev/sdq"))
	}
}

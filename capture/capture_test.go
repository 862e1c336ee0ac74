package capture

import (
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/ata"
	"github.com/kesu-erase/kesu/nvme"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/scsi"
)

// countingSCSI records what reaches the device.
type countingSCSI struct{ cdbs []string }

func (c *countingSCSI) Exec(ctx context.Context, cmd *scsi.Command) (*scsi.Response, error) {
	c.cdbs = append(c.cdbs, hex.EncodeToString(cmd.CDB))
	return &scsi.Response{}, nil
}

type countingNVMe struct{ n int }

func (c *countingNVMe) Admin(ctx context.Context, cmd *nvme.Command) (nvme.Completion, error) {
	c.n++
	return nvme.Completion{}, nil
}

// TestRecorderRefusesWrites: the recorder passes only the read-only
// commands and refuses everything else before it reaches the device,
// including the read-only commands' writing variants (SANITIZE STATUS EXT
// with CLEAR, LOG SENSE with SP). CDBs are built by the protocol packages'
// encoders or by hand from SAT-3/SPC-4/SBC-4.
func TestRecorderRefusesWrites(t *testing.T) {
	dev := &countingSCSI{}
	r := (&Recorder{}).SCSI(dev)
	ata16 := func(c *ata.Command) *scsi.Command {
		sc := &scsi.Command{CDB: c.CDB(), Timeout: time.Second}
		switch c.Protocol {
		case ata.ProtoPIOIn:
			sc.Dir, sc.Data = scsi.DirFromDevice, make([]byte, 512)
		case ata.ProtoPIOOut:
			sc.Dir, sc.Data = scsi.DirToDevice, make([]byte, 512)
		}
		return sc
	}
	sanitizeOp, err := ata.SanitizeOperationCommand(ata.SanitizeOptions{Method: ata.SanitizeCryptoScramble})
	if err != nil {
		t.Fatal(err)
	}
	refused := map[string]*scsi.Command{
		"ATA SANITIZE STATUS EXT with CLEAR": ata16(ata.SanitizeStatusCommand(true)),
		"ATA CRYPTO SCRAMBLE EXT":            ata16(sanitizeOp),
		"ATA SET MAX ADDRESS EXT":            ata16(ata.SetMaxCommand(true, 1000, false)),
		"ATA DCO RESTORE":                    ata16(ata.DCORestoreCommand()),
		"ATA SECURITY ERASE UNIT (PIO out)": ata16(&ata.Command{Opcode: ata.OpSecurityEraseUnit, Count: 1, Device: 0x40,
			Protocol: ata.ProtoPIOOut, Data: make([]byte, 512), Timeout: time.Second}),
		"ATA SET ACCESSIBLE MAX ADDRESS": ata16(ata.SetAccessibleMaxCommand(1000)),
		"SCSI SANITIZE":                  {CDB: scsi.SanitizeCDB(scsi.SanitizeCryptoErase, true, false, false, 0), Timeout: time.Second},
		"SCSI FORMAT UNIT":               {CDB: scsi.FormatUnitCDB(false), Timeout: time.Second},
		// LOG SENSE with byte 1 bit 0 (SP: save parameters) set.
		"LOG SENSE with SP": {CDB: []byte{0x4D, 0x01, 0x42, 0, 0, 0, 0, 0x01, 0x00, 0}, Dir: scsi.DirFromDevice, Data: make([]byte, 256), Timeout: time.Second},
		// WRITE(10) of one block.
		"WRITE(10)": {CDB: []byte{0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0}, Dir: scsi.DirToDevice, Data: make([]byte, 512), Timeout: time.Second},
		// INQUIRY whose direction says data goes to the device.
		"INQUIRY to device": {CDB: scsi.InquiryCDB(false, 0, 96), Dir: scsi.DirToDevice, Data: make([]byte, 96), Timeout: time.Second},
	}
	for name, cmd := range refused {
		if _, err := r.Exec(context.Background(), cmd); !errors.Is(err, ErrNotReadOnly) {
			t.Errorf("%s: Exec error = %v; want a refusal", name, err)
		}
	}
	if len(dev.cdbs) != 0 {
		t.Errorf("refused commands reached the device: %q", dev.cdbs)
	}
	for name, cmd := range map[string]*scsi.Command{
		"IDENTIFY":             ata16(ata.IdentifyCommand()),
		"SANITIZE STATUS EXT":  ata16(ata.SanitizeStatusCommand(false)),
		"READ NATIVE MAX EXT":  ata16(ata.ReadNativeMaxCommand(true)),
		"SMART READ DATA":      ata16(ata.SMARTReadDataCommand()),
		"INQUIRY":              {CDB: scsi.InquiryCDB(false, 0, 96), Dir: scsi.DirFromDevice, Data: make([]byte, 96), Timeout: time.Second},
		"READ CAPACITY(16)":    {CDB: scsi.ReadCapacity16CDB(32), Dir: scsi.DirFromDevice, Data: make([]byte, 32), Timeout: time.Second},
		"LOG SENSE (no SP)":    {CDB: scsi.LogSenseCDB(0x0d, 0, 256), Dir: scsi.DirFromDevice, Data: make([]byte, 256), Timeout: time.Second},
		"REPORT OPCODES 48/03": {CDB: scsi.ReportOpcodeCDB(scsi.OpSanitize, 3, true, true, 64), Dir: scsi.DirFromDevice, Data: make([]byte, 64), Timeout: time.Second},
	} {
		if _, err := r.Exec(context.Background(), cmd); err != nil {
			t.Errorf("%s: Exec error = %v; want it passed", name, err)
		}
	}
	if len(dev.cdbs) != 8 {
		t.Errorf("%d read-only commands reached the device; want 8", len(dev.cdbs))
	}

	nv := &countingNVMe{}
	nr := (&Recorder{}).NVMe(nv)
	format, err := nvme.FormatNVMCmd(1, nvme.FormatArgs{SES: nvme.SESUserData}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	san, err := nvme.SanitizeCmd(nvme.SanitizeArgs{Action: nvme.SanitizeBlockErase})
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []*nvme.Command{format, san, {Opcode: 0x09 /* Set Features */, CDW10: 0x06}} {
		if _, err := nr.Admin(context.Background(), cmd); !errors.Is(err, ErrNotReadOnly) {
			t.Errorf("NVMe opcode %#x: error = %v; want a refusal", cmd.Opcode, err)
		}
	}
	if _, err := nr.Admin(context.Background(), nvme.IdentifyCmd(nvme.CNSController, 0, make([]byte, nvme.IdentifySize))); err != nil || nv.n != 1 {
		t.Errorf("Identify: %v, %d commands reached the controller; want 1", err, nv.n)
	}
}

// TestWriteNeverOverwrites: an existing reply file stops the write and
// keeps its content; so does an existing manifest.
func TestWriteNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	rec := &Recorder{}
	rec.add(File{File: "inquiry.txt", Command: "INQUIRY", CDB: "12", Part: "data-in", Format: FormatSCSIHex, data: []byte{0, 0, 5}})
	if err := os.WriteFile(filepath.Join(dir, "01-inquiry.txt"), []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir, NewManifest(report.Tool{Name: "kesu", Version: "t"}, "/dev/sdx", "M", "S", "F", ""), rec); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Errorf("Write over an existing file: error %v; want a refusal", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "01-inquiry.txt")); string(b) != "keep" {
		t.Errorf("01-inquiry.txt overwritten: %q", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err == nil {
		t.Error("a Write that stopped at an existing reply file still wrote its manifest")
	}
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Ready(dir); err == nil {
		t.Error("Ready accepted a directory holding a manifest")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "manifest.json")); string(b) != "keep" {
		t.Errorf("manifest.json overwritten: %q", b)
	}
}

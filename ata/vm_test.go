package ata_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/ata"
	"github.com/kesu-erase/kesu/internal/vm"
)

// TestVMProbeAHCIAndVirtioSCSI runs `kesu probe` inside QEMU (TCG, the
// shared harness, Debian 12's kernel) on an AHCI disk (libata SATL, ATA
// commands through SG_IO ATA PASS-THROUGH) and a virtio-scsi disk, and
// checks identity against what QEMU was given and that Security and
// Sanitize are reported unsupported (QEMU's IDE model implements neither).
// Skipped under -short.
//
// With KESU_ATA_CAPTURE=dir the raw IDENTIFY DEVICE data kesu read from
// QEMU's AHCI disk is written to dir (that is how testdata/qemu72-ahci.
// identify.txt was made).
func TestVMProbeAHCIAndVirtioSCSI(t *testing.T) {
	vm.Require(t, false)
	const sataSerial, scsiSerial = "KESUSATA01", "KESUSCSI01"
	sata := vm.NewDisk(t, vm.AHCI, sataSerial, 64<<20)
	sata.Model = "KESU AHCI TEST DISK"
	sas := vm.NewDisk(t, vm.SCSI, scsiSerial, 32<<20)
	sas.Vendor, sas.Product = "KESUVEND", "VSCSI TEST DISK"
	res := vm.RunScript(t, vm.NewMachine(t, sata, sas),
		vm.Kesu("probe", "--device", vm.Dev(sataSerial), "--json"),
		vm.Kesu("probe", "--device", vm.Dev(scsiSerial), "--json"),
		vm.Kesu("probe", "--device", vm.Dev(sataSerial)),
	)
	type probe struct {
		Transport, Interface, Class, Vendor, Model, Serial, Firmware string
		CapacityBytes                                                uint64 `json:"capacity_bytes"`
		SAT                                                          *struct{ Vendor, Product string }
		ATA                                                          *struct {
			IdentifyChecksum string `json:"identify_checksum"`
			Security         struct{ Supported bool }
			Sanitize         struct{ Supported bool }
		}
		SCSI *struct {
			Sanitize   map[string]string
			FormatUnit string `json:"format_unit"`
			Readiness  string
		}
		Health struct{ Verdict string }
		Errors []string
		Raw    struct{ Identify string }
	}
	decode := func(i int) probe {
		r := res.Results[i]
		if r.ExitCode != 0 {
			t.Fatalf("command %d %q: exit %d, stderr %s", i, r.Args, r.ExitCode, r.Stderr)
		}
		var p probe
		if err := json.Unmarshal([]byte(r.Stdout), &p); err != nil {
			t.Fatalf("command %d: %v\n%s", i, err, r.Stdout)
		}
		return p
	}

	a := decode(0)
	if a.Transport != "ata" || a.Interface != "SATA" || a.Model != sata.Model || a.Serial != sataSerial || a.CapacityBytes != 64<<20 {
		t.Errorf("AHCI probe identity = %s/%s %q %q %d bytes; want ata/SATA %q %q %d", a.Transport, a.Interface, a.Model, a.Serial, a.CapacityBytes, sata.Model, sataSerial, 64<<20)
	}
	if a.SAT == nil || a.SAT.Product != "libata" {
		t.Errorf("AHCI probe SAT = %+v; want the kernel's libata SATL (VPD 89h)", a.SAT)
	}
	if a.ATA == nil || a.ATA.Security.Supported || a.ATA.Sanitize.Supported {
		t.Errorf("AHCI probe ATA = %+v; want Security and Sanitize unsupported", a.ATA)
	}
	raw, err := hex.DecodeString(a.Raw.Identify)
	if err != nil {
		t.Fatal(err)
	}
	id, err := ata.DecodeIdentify(raw)
	if err != nil || id.Model != sata.Model || id.Serial != sataSerial {
		t.Errorf("raw IDENTIFY decodes to %+v, %v", id, err)
	}
	t.Logf("AHCI probe: firmware %q, checksum %s, class %s, health %s, errors %q", a.Firmware, a.ATA.IdentifyChecksum, a.Class, a.Health.Verdict, a.Errors)
	if dir := os.Getenv("KESU_ATA_CAPTURE"); dir != "" {
		var b bytes.Buffer
		if err := ata.FormatWordDump(&b, raw); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "qemu72-ahci.identify.txt"), b.Bytes(), 0o644); err != nil {
			t.Error(err)
		}
	}

	s := decode(1)
	if s.Transport != "scsi" || s.Interface != "SCSI" || s.Vendor != sas.Vendor || s.Model != sas.Product || s.Serial != scsiSerial || s.CapacityBytes != 32<<20 {
		t.Errorf("virtio-scsi probe identity = %s/%s %q %q %q %d bytes; want scsi/SCSI %q %q %q %d", s.Transport, s.Interface, s.Vendor, s.Model, s.Serial, s.CapacityBytes, sas.Vendor, sas.Product, scsiSerial, 32<<20)
	}
	if s.SCSI == nil {
		t.Fatalf("virtio-scsi probe has no SCSI section")
	}
	for sa, v := range s.SCSI.Sanitize {
		if v == "supported" {
			t.Errorf("virtio-scsi probe: sanitize %s %s; want not supported or unknown", sa, v)
		}
	}
	// QEMU's scsi-hd refuses REPORT SUPPORTED OPERATION CODES: the refusal
	// must arrive as a typed, reported error, and the probe still succeed.
	if !strings.Contains(strings.Join(s.Errors, "\n"), "command not supported by the device [CHECK CONDITION, ILLEGAL REQUEST 20/00") {
		t.Errorf("virtio-scsi probe errors = %q; want the typed ILLEGAL REQUEST 20/00 refusal", s.Errors)
	}
	t.Logf("virtio-scsi probe: sanitize %v, format unit %s, readiness %s, health %s, errors %q", s.SCSI.Sanitize, s.SCSI.FormatUnit, s.SCSI.Readiness, s.Health.Verdict, s.Errors)

	txt := res.Results[2]
	if txt.ExitCode != 0 || !strings.Contains(txt.Stdout, sata.Model) || !strings.Contains(txt.Stdout, "security") {
		t.Errorf("text probe: exit %d\n%s\n%s", txt.ExitCode, txt.Stdout, txt.Stderr)
	}
}

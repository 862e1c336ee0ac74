package probe

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kesu-erase/kesu/ata"
	"github.com/kesu-erase/kesu/capture"
	"github.com/kesu-erase/kesu/nvme"
	"github.com/kesu-erase/kesu/nvme/nvmetest"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/scsi/scsitest"
)

// nopClose lends an emulated drive to Run without letting it close it.
type nopClose struct{ scsi.Transport }

func (nopClose) Close() error { return nil }

// rawFiles reads every file the manifest lists back through the testdata
// loaders (capture.ReadFile) and indexes the bytes by command name.
func rawFiles(t *testing.T, dir string, m capture.Manifest) map[string][]byte {
	t.Helper()
	got := map[string][]byte{}
	for _, f := range m.Files {
		b, err := capture.ReadFile(dir, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != f.Bytes {
			t.Errorf("%s: %d bytes read back; manifest says %d", f.File, len(b), f.Bytes)
		}
		if _, dup := got[f.Command]; !dup {
			got[f.Command] = b
		}
	}
	return got
}

func checkManifest(t *testing.T, m capture.Manifest, device, model, serial, firmware string) {
	t.Helper()
	if m.Device != device || m.Model != model || m.Serial != serial || m.Firmware != firmware || m.Kesu.Name != "kesu" || m.Kesu.Version == "" {
		t.Errorf("manifest identity = %q %q %q %q, tool %+v; want %s %q %q %q", m.Device, m.Model, m.Serial, m.Firmware, m.Kesu, device, model, serial, firmware)
	}
	if _, err := time.Parse(time.RFC3339, m.Date); err != nil {
		t.Errorf("manifest date %q: %v", m.Date, err)
	}
	seen := map[string]bool{}
	for i, f := range m.Files {
		if !strings.HasPrefix(f.File, twoDigits(i+1)+"-") || seen[f.File] {
			t.Errorf("file %d named %q; want a unique name numbered in send order", i, f.File)
		}
		seen[f.File] = true
		if f.CDB == "" && f.NVMe == nil {
			t.Errorf("%s: the manifest does not say which command produced it", f.File)
		}
	}
}

func twoDigits(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }

// TestProbeRawSATA runs `kesu probe --json --raw DIR` on the emulated SATA
// drive and reads every saved file back through the testdata loaders: the
// IDENTIFY words decode to the identity the probe printed, the sense files
// to the native max it printed, DCO IDENTIFY to its DCO max, SMART READ
// DATA to its power-on hours.
func TestProbeRawSATA(t *testing.T) {
	d := emulatedSATA(t)
	mc := machine{fstest.MapFS{}, func(string) (SCSITransport, error) { return nopClose{d}, nil }}
	dir := filepath.Join(t.TempDir(), "new", "raw")
	var out bytes.Buffer
	if err := mc.run(Options{Device: "/dev/sdx", JSON: true, RawDir: dir}, &out); err != nil {
		t.Fatalf("kesu probe --raw: %v", err)
	}
	var p SCSI
	if err := json.Unmarshal(out.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	m := readManifest(t, dir)
	checkManifest(t, m, "/dev/sdx", p.Model, p.Serial, p.Firmware)
	files := rawFiles(t, dir, m)
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, want := range []string{"ATA DEVICE CONFIGURATION IDENTIFY", "ATA IDENTIFY DEVICE", "ATA READ NATIVE MAX ADDRESS EXT",
		"ATA SANITIZE STATUS EXT", "ATA SMART READ DATA", "ATA SMART READ THRESHOLDS", "ATA SMART RETURN STATUS",
		"INQUIRY", "INQUIRY VPD 00h", "INQUIRY VPD 89h", "READ CAPACITY(16)"} {
		if _, ok := files[want]; !ok {
			t.Errorf("no saved reply for %s; saved: %q", want, names)
		}
	}

	id, err := ata.DecodeIdentify(files["ATA IDENTIFY DEVICE"])
	if err != nil || id.Model != p.Model || id.Serial != p.Serial || id.Firmware != p.Firmware || id.Sectors() != p.Sectors {
		t.Errorf("saved IDENTIFY decodes to %q %q %q %d (%v); the probe printed %q %q %q %d", id.Model, id.Serial, id.Firmware, id.Sectors(), err,
			p.Model, p.Serial, p.Firmware, p.Sectors)
	}
	s, err := scsi.ParseSense(files["ATA READ NATIVE MAX ADDRESS EXT"])
	if err != nil {
		t.Fatal(err)
	}
	regs, ok := scsi.ATARegistersFromSense(s)
	if !ok || p.ATA.HiddenAreas == nil || regs.LBA != p.ATA.HiddenAreas.NativeMax {
		t.Errorf("saved READ NATIVE MAX registers %+v (%v); the probe printed native max %+v", regs, ok, p.ATA.HiddenAreas)
	}
	dco, err := ata.DecodeDCO(files["ATA DEVICE CONFIGURATION IDENTIFY"])
	if err != nil || dco.MaxLBA != p.ATA.HiddenAreas.DCOMax {
		t.Errorf("saved DCO IDENTIFY max %d (%v); the probe printed %d", dco.MaxLBA, err, p.ATA.HiddenAreas.DCOMax)
	}
	sm, err := ata.DecodeSMARTData(files["ATA SMART READ DATA"])
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := sm.Attribute(9); !ok || a.RawValue != uint64(*p.Health.PowerOnHours) {
		t.Errorf("saved SMART attribute 9 = %+v (%v); the probe printed power-on hours %d", a, ok, *p.Health.PowerOnHours)
	}
	st, err := scsi.ParseSense(files["ATA SANITIZE STATUS EXT"])
	if regs, ok := scsi.ATARegistersFromSense(st); err != nil || !ok || ata.DecodeSanitizeStatus(regs).State != p.ATA.Sanitize.Status.State {
		t.Errorf("saved SANITIZE STATUS %v/%v; the probe printed %+v", err, ok, p.ATA.Sanitize.Status)
	}
	inq, err := scsi.DecodeInquiry(files["INQUIRY"])
	if err != nil || inq.Vendor != "ATA" {
		t.Errorf("saved INQUIRY vendor %+v (%v); want ATA", inq, err)
	}
	// The files are what the drive sent, byte for byte.
	if !bytes.Equal(files["ATA IDENTIFY DEVICE"], id.Raw) {
		t.Errorf("saved IDENTIFY differs from the decoded one")
	}
}

// TestProbeRawSAS does the same for the emulated SAS drive: INQUIRY, VPD
// 80h and 83h and READ CAPACITY(16) decode to the printed identity.
func TestProbeRawSAS(t *testing.T) {
	d, err := scsitest.NewDrive(filepath.Join(t.TempDir(), "sas.img"), scsitest.DriveConfig{
		Vendor: "SEAGATE", Product: "ST1200MM0009", Revision: "N003", Serial: "W3Z0ABCD", NAA: 0x5000C500A1B2C3D4,
		Blocks: 4096, RotationRate: 10000, SanitizeOverwrite: true, RecommendedTimeout: 7200, TemperatureC: 36, PowerOnMinutes: 600,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	mc := machine{fstest.MapFS{}, func(string) (SCSITransport, error) { return nopClose{d}, nil }}
	dir := t.TempDir()
	var out bytes.Buffer
	if err := mc.run(Options{Device: "/dev/sdy", JSON: true, RawDir: dir}, &out); err != nil {
		t.Fatalf("kesu probe --raw: %v", err)
	}
	var p SCSI
	if err := json.Unmarshal(out.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	m := readManifest(t, dir)
	checkManifest(t, m, "/dev/sdy", p.Model, p.Serial, p.Firmware)
	files := rawFiles(t, dir, m)
	inq, err := scsi.DecodeInquiry(files["INQUIRY"])
	if err != nil || inq.Vendor != p.Vendor || inq.Product != p.Model || inq.Revision != p.Firmware {
		t.Errorf("saved INQUIRY %+v (%v); the probe printed %s %s %s", inq, err, p.Vendor, p.Model, p.Firmware)
	}
	serial, err := scsi.DecodeUnitSerial(files["INQUIRY VPD 80h"])
	if err != nil || serial != p.Serial {
		t.Errorf("saved VPD 80h serial %q (%v); the probe printed %q", serial, err, p.Serial)
	}
	ds, err := scsi.DecodeDeviceIdentification(files["INQUIRY VPD 83h"])
	if err != nil || scsi.NAA(ds) != p.WWN {
		t.Errorf("saved VPD 83h NAA %q (%v); the probe printed %q", scsi.NAA(ds), err, p.WWN)
	}
	c, err := scsi.DecodeCapacity16(files["READ CAPACITY(16)"])
	if err != nil || c.Blocks() != p.Sectors || int(c.LogicalBlockSize) != p.LogicalBlockSize {
		t.Errorf("saved READ CAPACITY(16) %+v (%v); the probe printed %d x %d", c, err, p.Sectors, p.LogicalBlockSize)
	}
	found := false
	for name := range files {
		if strings.HasPrefix(name, "REPORT SUPPORTED OPERATION CODES 48h/") || strings.HasPrefix(name, "LOG SENSE ") {
			found = true
		}
	}
	if !found {
		t.Errorf("no REPORT SUPPORTED OPERATION CODES or LOG SENSE reply saved; saved %d files", len(files))
	}
}

// TestProbeRawNVMe probes the emulated controller with the recorder and
// reads Identify Controller/Namespace, the namespace list and the SMART log
// back from the files.
func TestProbeRawNVMe(t *testing.T) {
	cfg := nvmetest.QEMU72("KESUVM0001", "KESU QEMU DISK", nvmetest.NamespaceConfig{Path: filepath.Join(t.TempDir(), "ns1"), Size: 1 << 20, DLFEAT: 1})
	cfg.SMART = nvmetest.SMART{TemperatureK: 306, AvailableSpare: 100, SpareThreshold: 10, PowerOnHours: 42}
	emu, err := nvmetest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	p, rec, err := readNVMe(context.Background(), emu, "/dev/nvme0n1", "emu", true)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c := p.Controller
	if err := capture.Write(dir, capture.NewManifest(report.CurrentTool("v0.0.0-test"), "/dev/nvme0n1", c.Model, c.Serial, c.Firmware, ""), rec); err != nil {
		t.Fatal(err)
	}
	m := readManifest(t, dir)
	checkManifest(t, m, "/dev/nvme0n1", "KESU QEMU DISK", "KESUVM0001", c.Firmware)
	files := rawFiles(t, dir, m)
	ctrl, err := nvme.ParseController(files["NVMe Identify Controller (CNS 01h)"])
	if err != nil || ctrl.Serial != c.Serial || ctrl.Model != c.Model || ctrl.Firmware != c.Firmware || ctrl.NN != c.NN {
		t.Errorf("saved Identify Controller %q %q %q NN %d (%v); the probe printed %q %q %q %d", ctrl.Serial, ctrl.Model, ctrl.Firmware, ctrl.NN, err,
			c.Serial, c.Model, c.Firmware, c.NN)
	}
	ns, err := nvme.ParseNamespace(1, files["NVMe Identify Namespace (CNS 00h) NSID 1"])
	if err != nil || ns.NSZE != p.Namespaces[0].NSZE || ns.BlockSize() != p.Namespaces[0].BlockSize || ns.NLBAF != p.Namespaces[0].NLBAF {
		t.Errorf("saved Identify Namespace NSZE %d bs %d (%v); the probe printed %d %d", ns.NSZE, ns.BlockSize(), err, p.Namespaces[0].NSZE, p.Namespaces[0].BlockSize)
	}
	if ids := nvme.ParseNamespaceList(files["NVMe Identify Active Namespace ID list (CNS 02h)"]); len(ids) != 1 || ids[0] != 1 {
		t.Errorf("saved namespace list = %v; want [1]", ids)
	}
	var smartFile []byte
	for name, b := range files {
		if strings.HasPrefix(name, "NVMe Get Log Page 02h") {
			smartFile = b
		}
	}
	sl, err := nvme.ParseSMARTLog(smartFile)
	if err != nil || sl.PowerOnHours.String() != "42" || sl.CompositeTemperatureK != p.SMART.CompositeTemperatureK {
		t.Errorf("saved SMART log: %v, %+v; the probe printed power-on hours 42, %d K", err, sl, p.SMART.CompositeTemperatureK)
	}
	for _, f := range m.Files {
		if f.NVMe == nil || (f.NVMe.Opcode != nvme.OpIdentify && f.NVMe.Opcode != nvme.OpGetLogPage) || (f.NVMe.CNS == nil) == (f.NVMe.LID == nil) {
			t.Errorf("manifest entry %+v: want the opcode and its CNS or LID", f)
		}
	}
}

// countingSCSI records what reaches the device.
type countingSCSI struct{ cdbs []string }

func (c *countingSCSI) Exec(ctx context.Context, cmd *scsi.Command) (*scsi.Response, error) {
	c.cdbs = append(c.cdbs, hex.EncodeToString(cmd.CDB))
	return &scsi.Response{}, nil
}

// TestRawWriterNeverOverwrites: an existing manifest stops `kesu probe
// --raw` before anything is sent.
func TestRawWriterNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	dev := &countingSCSI{}
	mc := machine{fstest.MapFS{}, func(string) (SCSITransport, error) { return nopClose{dev}, nil }}
	var out bytes.Buffer
	if err := mc.run(Options{Device: "/dev/sdx", RawDir: dir}, &out); err == nil || len(dev.cdbs) != 0 {
		t.Errorf("probe --raw into a directory with a manifest: error %v, %d commands sent; want a refusal before any command", err, len(dev.cdbs))
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "manifest.json")); string(b) != "keep" {
		t.Errorf("manifest.json overwritten: %q", b)
	}

}

package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kesu-erase/kesu/ata"
	"github.com/kesu-erase/kesu/nvme"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/scsi"
)

// `kesu probe --raw DIR` keeps the drive's replies to the read-only
// commands the probe sends, one file per reply, in the text formats of
// ata/testdata, scsi/testdata and nvme/testdata (so a saved file can be
// dropped in there and read by the test loaders), with DIR/manifest.json
// saying which command produced which file. The recorders below sit
// between the probe and the device: they pass only read-only commands
// (anything else is refused before it reaches the device, a safety net
// under the probe's own read-only design) and keep the data of those that
// succeed.

// Raw file formats (manifest "format").
const (
	rawATAWords = "ata-words" // ata.ParseWordDump: IDENTIFY DEVICE
	rawATABytes = "ata-bytes" // ata.ParseByteDump: 512-byte ATA data (SMART, DCO)
	rawSCSIHex  = "scsi-hex"  // scsi.ParseHexDump: SCSI data-in, or sense data holding ATA registers
	rawNVMeDump = "nvme-dump" // nvme.ParseDump: Identify data, log pages
)

// rawNVMeCommand identifies an NVMe admin command in the manifest.
type rawNVMeCommand struct {
	Opcode uint8  `json:"opcode"`
	NSID   uint32 `json:"nsid"`
	CDW10  uint32 `json:"cdw10"`
	CDW11  uint32 `json:"cdw11,omitempty"`
	CNS    *uint8 `json:"cns,omitempty"` // Identify
	LID    *uint8 `json:"lid,omitempty"` // Get Log Page
}

// rawFile is one saved reply.
type rawFile struct {
	File    string          `json:"file"`
	Command string          `json:"command"`
	CDB     string          `json:"cdb,omitempty"` // SCSI CDB (ATA commands: the ATA PASS-THROUGH(16) CDB)
	NVMe    *rawNVMeCommand `json:"nvme,omitempty"`
	// Part is "data-in", or "sense" for an ATA command whose result is in
	// the output registers the SATL returned in sense data.
	Part   string `json:"part"`
	Format string `json:"format"`
	Bytes  int    `json:"bytes"`
	data   []byte
}

// rawManifest is DIR/manifest.json.
type rawManifest struct {
	Kesu     report.Tool `json:"kesu"`
	Date     string      `json:"date"`
	Device   string      `json:"device"`
	Model    string      `json:"model,omitempty"`
	Serial   string      `json:"serial,omitempty"`
	Firmware string      `json:"firmware,omitempty"`
	Note     string      `json:"note"`
	Files    []rawFile   `json:"files"`
}

// rawRecorder collects replies in the order the probe sent the commands.
type rawRecorder struct{ files []rawFile }

func (r *rawRecorder) add(f rawFile) {
	f.File = fmt.Sprintf("%02d-%s", len(r.files)+1, f.File)
	f.Bytes = len(f.data)
	r.files = append(r.files, f)
}

// errNotReadOnlyRaw is returned (and nothing is sent) for any command the
// recorder does not know to be read-only.
var errNotReadOnlyRaw = errors.New("probe --raw: refused, not a read-only command")

// scsiRecorder is a scsi.Transport that passes read-only commands to t
// and records the replies of the successful ones.
type scsiRecorder struct {
	t   scsi.Transport
	rec *rawRecorder
}

// scsiReadOnly describes a read-only SCSI (or ATA PASS-THROUGH(16))
// command: its name, file base name, and how to keep its reply.
type scsiReadOnly struct {
	name, file string
	ata        bool   // ATA PASS-THROUGH(16)
	format     string // data-in format
	keepSense  bool   // an ATA command whose result is its output registers
}

// classifySCSI returns what cmd is, or false for anything not known to be
// read-only. ATA commands are the ones ata.Inspect sends: IDENTIFY DEVICE,
// READ NATIVE MAX ADDRESS (EXT), GET NATIVE MAX ADDRESS EXT, DEVICE
// CONFIGURATION IDENTIFY, SANITIZE STATUS EXT without CLEAR, SMART READ
// DATA / READ THRESHOLDS / RETURN STATUS (ACS-3; SAT-3 ATA PASS-THROUGH(16)
// layout as in ata.Command.CDB).
func classifySCSI(cmd *scsi.Command) (scsiReadOnly, bool) {
	c := cmd.CDB
	if len(c) == 0 || cmd.Dir == scsi.DirToDevice {
		return scsiReadOnly{}, false
	}
	switch {
	case c[0] == scsi.OpInquiry && len(c) >= 6:
		if c[1]&0x01 != 0 {
			return scsiReadOnly{name: fmt.Sprintf("INQUIRY VPD %02Xh", c[2]), file: fmt.Sprintf("vpd-%02x.txt", c[2]), format: rawSCSIHex}, true
		}
		return scsiReadOnly{name: "INQUIRY", file: "inquiry.txt", format: rawSCSIHex}, true
	case c[0] == scsi.OpServiceIn16 && len(c) >= 16 && c[1]&0x1f == 0x10:
		return scsiReadOnly{name: "READ CAPACITY(16)", file: "read-capacity-16.txt", format: rawSCSIHex}, true
	case c[0] == scsi.OpMaintenanceIn && len(c) >= 12 && c[1]&0x1f == 0x0c:
		name, file := fmt.Sprintf("REPORT SUPPORTED OPERATION CODES %02Xh", c[3]), fmt.Sprintf("rsoc-%02x", c[3])
		if c[2]&0x07 == 0x02 {
			name += fmt.Sprintf("/%02X%02Xh", c[4], c[5])
			file += fmt.Sprintf("-%02x%02x", c[4], c[5])
		}
		return scsiReadOnly{name: name, file: file + ".txt", format: rawSCSIHex}, true
	case c[0] == scsi.OpLogSense && len(c) >= 10 && c[1]&0x01 == 0: // SP (save parameters) clear
		return scsiReadOnly{name: fmt.Sprintf("LOG SENSE %02Xh/%02Xh", c[2]&0x3f, c[3]), file: fmt.Sprintf("log-sense-%02x-%02x.txt", c[2]&0x3f, c[3]), format: rawSCSIHex}, true
	case c[0] == scsi.OpTestUnitReady && cmd.Dir == scsi.DirNone:
		return scsiReadOnly{name: "TEST UNIT READY"}, true
	case c[0] == scsi.OpRequestSense && len(c) >= 6:
		return scsiReadOnly{name: "REQUEST SENSE", file: "request-sense.txt", format: rawSCSIHex}, true
	case c[0] == scsi.OpATAPassThru16 && len(c) == 16:
		return classifyATA16(c)
	}
	return scsiReadOnly{}, false
}

func classifyATA16(c []byte) (scsiReadOnly, bool) {
	protocol := (c[1] >> 1) & 0x0f
	features := uint16(c[4])
	count := uint16(c[6])
	if c[1]&0x01 != 0 {
		features |= uint16(c[3]) << 8
		count |= uint16(c[5]) << 8
	}
	pioIn := protocol == byte(ata.ProtoPIOIn) && c[2]&0x08 != 0 // T_DIR from device
	nonData := protocol == byte(ata.ProtoNonData)
	r := scsiReadOnly{ata: true}
	switch {
	case c[14] == ata.OpIdentify && pioIn:
		r.name, r.file, r.format = "ATA IDENTIFY DEVICE", "ata-identify.txt", rawATAWords
	case c[14] == ata.OpDCO && features == 0xC2 && pioIn:
		r.name, r.file, r.format = "ATA DEVICE CONFIGURATION IDENTIFY", "ata-dco-identify.txt", rawATABytes
	case c[14] == ata.OpSMART && features == 0xD0 && pioIn:
		r.name, r.file, r.format = "ATA SMART READ DATA", "ata-smart-read-data.txt", rawATABytes
	case c[14] == ata.OpSMART && features == 0xD1 && pioIn:
		r.name, r.file, r.format = "ATA SMART READ THRESHOLDS", "ata-smart-read-thresholds.txt", rawATABytes
	case c[14] == ata.OpSMART && features == 0xDA && nonData:
		r.name, r.file, r.keepSense = "ATA SMART RETURN STATUS", "ata-smart-return-status.sense.txt", true
	case c[14] == ata.OpReadNativeMax && nonData:
		r.name, r.file, r.keepSense = "ATA READ NATIVE MAX ADDRESS", "ata-read-native-max.sense.txt", true
	case c[14] == ata.OpReadNativeMaxExt && nonData:
		r.name, r.file, r.keepSense = "ATA READ NATIVE MAX ADDRESS EXT", "ata-read-native-max-ext.sense.txt", true
	case c[14] == ata.OpAccessibleMaxAddress && features == 0x0000 && nonData:
		r.name, r.file, r.keepSense = "ATA GET NATIVE MAX ADDRESS EXT", "ata-get-native-max.sense.txt", true
	case c[14] == ata.OpSanitize && features == 0x0000 && count&0x0001 == 0 && nonData:
		r.name, r.file, r.keepSense = "ATA SANITIZE STATUS EXT", "ata-sanitize-status.sense.txt", true
	default:
		return scsiReadOnly{}, false
	}
	return r, true
}

// Exec implements scsi.Transport.
func (r *scsiRecorder) Exec(ctx context.Context, cmd *scsi.Command) (*scsi.Response, error) {
	ro, ok := classifySCSI(cmd)
	if !ok {
		return nil, fmt.Errorf("%w: CDB % x", errNotReadOnlyRaw, cmd.CDB)
	}
	resp, err := r.t.Exec(ctx, cmd)
	if err != nil || resp == nil || ro.file == "" {
		return resp, err
	}
	f := rawFile{Command: ro.name, CDB: hex.EncodeToString(cmd.CDB)}
	if ro.ata {
		sense, succeeded := ataSucceeded(resp)
		switch {
		case !succeeded:
			return resp, nil
		case ro.keepSense:
			if len(sense) == 0 {
				return resp, nil // no registers came back: nothing to keep
			}
			f.File, f.Part, f.Format, f.data = ro.file, "sense", rawSCSIHex, sense
		case resp.Resid == 0:
			f.File, f.Part, f.Format, f.data = ro.file, "data-in", ro.format, append([]byte(nil), cmd.Data...)
		default:
			return resp, nil
		}
		r.rec.add(f)
		return resp, nil
	}
	if scsi.Classify(resp) != nil {
		return resp, nil
	}
	n := len(cmd.Data) - resp.Resid
	if n <= 0 || n > len(cmd.Data) {
		return resp, nil
	}
	f.File, f.Part, f.Format, f.data = ro.file, "data-in", ro.format, append([]byte(nil), cmd.Data[:n]...)
	r.rec.add(f)
	return resp, nil
}

// ataSucceeded applies ata.Device.Exec's success rule to a response (GOOD
// status, or CHECK CONDITION with clean ATA registers under NO SENSE or
// RECOVERED ERROR) and returns the sense bytes holding the registers.
func ataSucceeded(resp *scsi.Response) (sense []byte, ok bool) {
	if resp.TimedOut() || resp.HostStatus != scsi.HostOK {
		return nil, false
	}
	if !resp.CheckCondition() {
		return nil, resp.Status == scsi.StatusGood
	}
	s, err := scsi.ParseSense(resp.Sense)
	if err != nil {
		return nil, false
	}
	regs, ok := scsi.ATARegistersFromSense(s)
	if !ok || regs.Failed() || (s.Key != scsi.KeyNoSense && s.Key != scsi.KeyRecoveredError) {
		return nil, false
	}
	return append([]byte(nil), resp.Sense...), true
}

// nvmeRecorder is an nvme.Transport that passes only Identify and Get Log
// Page to t and records the data of those that complete successfully.
type nvmeRecorder struct {
	t   nvme.Transport
	rec *rawRecorder
}

// Admin implements nvme.Transport.
func (r *nvmeRecorder) Admin(ctx context.Context, cmd *nvme.Command) (nvme.Completion, error) {
	if (cmd.Opcode != nvme.OpIdentify && cmd.Opcode != nvme.OpGetLogPage) || cmd.Direction() != nvme.DirIn {
		return nvme.Completion{}, fmt.Errorf("%w: NVMe admin opcode %#02x", errNotReadOnlyRaw, cmd.Opcode)
	}
	comp, err := r.t.Admin(ctx, cmd)
	if err != nil || comp.Status != 0 || len(cmd.Data) == 0 {
		return comp, err
	}
	nc := &rawNVMeCommand{Opcode: cmd.Opcode, NSID: cmd.NSID, CDW10: cmd.CDW10, CDW11: cmd.CDW11}
	f := rawFile{NVMe: nc, Part: "data-in", Format: rawNVMeDump, data: append([]byte(nil), cmd.Data...)}
	if cmd.Opcode == nvme.OpIdentify {
		cns := uint8(cmd.CDW10)
		nc.CNS = &cns
		switch cns {
		case nvme.CNSController:
			f.Command, f.File = "NVMe Identify Controller (CNS 01h)", "nvme-identify-controller.txt"
		case nvme.CNSNamespace:
			f.Command, f.File = fmt.Sprintf("NVMe Identify Namespace (CNS 00h) NSID %d", cmd.NSID), fmt.Sprintf("nvme-identify-namespace-%d.txt", cmd.NSID)
		case nvme.CNSActiveNamespace:
			f.Command, f.File = "NVMe Identify Active Namespace ID list (CNS 02h)", "nvme-active-namespaces.txt"
		default:
			f.Command, f.File = fmt.Sprintf("NVMe Identify CNS %02Xh NSID %d", cns, cmd.NSID), fmt.Sprintf("nvme-identify-cns-%02x.txt", cns)
		}
	} else {
		lid := uint8(cmd.CDW10)
		nc.LID = &lid
		names := map[uint8]string{0x02: "SMART / Health Information", 0x81: "Sanitize Status"}
		f.Command = fmt.Sprintf("NVMe Get Log Page %02Xh %s NSID %#x", lid, names[lid], cmd.NSID)
		f.File = fmt.Sprintf("nvme-log-%02x.txt", lid)
	}
	r.rec.add(f)
	return comp, nil
}

// rawDirReady creates dir if missing and refuses a directory that already
// holds a manifest (an earlier --raw run).
func rawDirReady(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("probe --raw: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err == nil {
		return fmt.Errorf("probe --raw: %s already holds a manifest.json; refusing to overwrite (choose another directory)", dir)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("probe --raw: %w", err)
	}
	return nil
}

// writeRaw writes every recorded reply and the manifest into dir. It never
// overwrites: each file is created with O_EXCL, and an existing one stops
// the write with an error.
func writeRaw(dir string, m rawManifest, rec *rawRecorder) error {
	if err := rawDirReady(dir); err != nil {
		return err
	}
	m.Files = []rawFile{}
	if rec != nil {
		m.Files = rec.files
	}
	for _, f := range m.Files {
		var b bytes.Buffer
		head := []string{
			fmt.Sprintf("%s of %s, saved by kesu probe --raw %s", f.Command, m.Device, m.Date),
		}
		if f.CDB != "" {
			head = append(head, "CDB "+f.CDB)
		}
		if f.Part == "sense" {
			head = append(head, "the sense data returned with the command: the ATA output registers hold its result")
		}
		var err error
		switch f.Format {
		case rawATAWords:
			err = ata.FormatWordDump(&b, f.data, head...)
		case rawATABytes:
			err = ata.FormatByteDump(&b, f.data, head...)
		case rawNVMeDump:
			err = nvme.FormatDump(&b, f.data, head...)
		default:
			err = scsi.FormatHexDump(&b, f.data, head...)
		}
		if err != nil {
			return fmt.Errorf("probe --raw: %s: %w", f.File, err)
		}
		if err := createNew(filepath.Join(dir, f.File), b.Bytes()); err != nil {
			return err
		}
	}
	js, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return createNew(filepath.Join(dir, "manifest.json"), append(js, '\n'))
}

// createNew writes a file that must not exist yet.
func createNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("probe --raw: %s exists; refusing to overwrite", path)
		}
		return fmt.Errorf("probe --raw: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("probe --raw: %w", err)
	}
	return f.Close()
}

// newRawManifest starts the manifest of a probe of device.
func newRawManifest(device, model, serial, firmware, note string) rawManifest {
	if note == "" {
		note = "replies to the read-only commands kesu probe sent, one file per reply, in the formats of kesu's " +
			"ata/testdata (ata-words, ata-bytes), scsi/testdata (scsi-hex) and nvme/testdata (nvme-dump)"
	}
	return rawManifest{Kesu: report.CurrentTool(version), Date: time.Now().UTC().Format(time.RFC3339), Device: device,
		Model: strings.TrimSpace(model), Serial: strings.TrimSpace(serial), Firmware: strings.TrimSpace(firmware), Note: note}
}

// Package capture keeps a drive's replies to the read-only commands kesu
// sends (ATA IDENTIFY, DCO IDENTIFY, READ NATIVE MAX, SANITIZE STATUS,
// SMART; SCSI INQUIRY, VPD pages, READ CAPACITY(16), REPORT SUPPORTED
// OPERATION CODES, LOG SENSE; NVMe Identify and Get Log Page), one file per
// reply, in the text formats of ata/testdata, scsi/testdata and
// nvme/testdata — so a saved file can be dropped in there and read by the
// test loaders — with a manifest.json saying which command produced which
// file (`kesu probe --raw DIR`). Its recorders sit between the probe and
// the device: they pass only read-only commands (anything else is refused
// before it reaches the device, a safety net under the probe's own
// read-only design) and keep the data of those that succeed.
package capture

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

// File formats (File.Format): which testdata loader reads a file.
const (
	FormatATAWords = "ata-words" // ata.ParseWordDump: IDENTIFY DEVICE
	FormatATABytes = "ata-bytes" // ata.ParseByteDump: 512-byte ATA data (SMART, DCO)
	FormatSCSIHex  = "scsi-hex"  // scsi.ParseHexDump: SCSI data-in, or sense data holding ATA registers
	FormatNVMeDump = "nvme-dump" // nvme.ParseDump: Identify data, log pages
)

// NVMeCommand identifies an NVMe admin command in the manifest.
type NVMeCommand struct {
	Opcode uint8  `json:"opcode"`
	NSID   uint32 `json:"nsid"`
	CDW10  uint32 `json:"cdw10"`
	CDW11  uint32 `json:"cdw11,omitempty"`
	CNS    *uint8 `json:"cns,omitempty"` // Identify
	LID    *uint8 `json:"lid,omitempty"` // Get Log Page
}

// File is one saved reply.
type File struct {
	File    string       `json:"file"`
	Command string       `json:"command"`
	CDB     string       `json:"cdb,omitempty"` // SCSI CDB (ATA commands: the ATA PASS-THROUGH(16) CDB)
	NVMe    *NVMeCommand `json:"nvme,omitempty"`
	// Part is "data-in", or "sense" for an ATA command whose result is in
	// the output registers the SATL returned in sense data.
	Part   string `json:"part"`
	Format string `json:"format"`
	Bytes  int    `json:"bytes"`
	data   []byte
}

// Manifest is DIR/manifest.json.
type Manifest struct {
	Kesu     report.Tool `json:"kesu"`
	Date     string      `json:"date"`
	Device   string      `json:"device"`
	Model    string      `json:"model,omitempty"`
	Serial   string      `json:"serial,omitempty"`
	Firmware string      `json:"firmware,omitempty"`
	Note     string      `json:"note"`
	Files    []File      `json:"files"`
}

// Recorder collects replies in the order the commands were sent. Its SCSI
// and NVMe methods put it between a probe and the device.
type Recorder struct{ files []File }

// SCSI returns a transport that passes only read-only commands to t and
// records the replies of those that succeed.
func (r *Recorder) SCSI(t scsi.Transport) scsi.Transport { return &scsiRecorder{t: t, rec: r} }

// NVMe returns a transport that passes only Identify and Get Log Page to t
// and records the data of those that succeed.
func (r *Recorder) NVMe(t nvme.Transport) nvme.Transport { return &nvmeRecorder{t: t, rec: r} }

// Files returns the recorded replies, in order.
func (r *Recorder) Files() []File { return append([]File(nil), r.files...) }

func (r *Recorder) add(f File) {
	f.File = fmt.Sprintf("%02d-%s", len(r.files)+1, f.File)
	f.Bytes = len(f.data)
	r.files = append(r.files, f)
}

// ErrNotReadOnly is returned (and nothing is sent) for any command the
// recorder does not know to be read-only.
var ErrNotReadOnly = errors.New("capture: refused, not a read-only command")

// scsiRecorder is a scsi.Transport that passes read-only commands to t
// and records the replies of the successful ones.
type scsiRecorder struct {
	t   scsi.Transport
	rec *Recorder
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
			return scsiReadOnly{name: fmt.Sprintf("INQUIRY VPD %02Xh", c[2]), file: fmt.Sprintf("vpd-%02x.txt", c[2]), format: FormatSCSIHex}, true
		}
		return scsiReadOnly{name: "INQUIRY", file: "inquiry.txt", format: FormatSCSIHex}, true
	case c[0] == scsi.OpServiceIn16 && len(c) >= 16 && c[1]&0x1f == 0x10:
		return scsiReadOnly{name: "READ CAPACITY(16)", file: "read-capacity-16.txt", format: FormatSCSIHex}, true
	case c[0] == scsi.OpMaintenanceIn && len(c) >= 12 && c[1]&0x1f == 0x0c:
		name, file := fmt.Sprintf("REPORT SUPPORTED OPERATION CODES %02Xh", c[3]), fmt.Sprintf("rsoc-%02x", c[3])
		if c[2]&0x07 == 0x02 {
			name += fmt.Sprintf("/%02X%02Xh", c[4], c[5])
			file += fmt.Sprintf("-%02x%02x", c[4], c[5])
		}
		return scsiReadOnly{name: name, file: file + ".txt", format: FormatSCSIHex}, true
	case c[0] == scsi.OpLogSense && len(c) >= 10 && c[1]&0x01 == 0: // SP (save parameters) clear
		return scsiReadOnly{name: fmt.Sprintf("LOG SENSE %02Xh/%02Xh", c[2]&0x3f, c[3]), file: fmt.Sprintf("log-sense-%02x-%02x.txt", c[2]&0x3f, c[3]), format: FormatSCSIHex}, true
	case c[0] == scsi.OpTestUnitReady && cmd.Dir == scsi.DirNone:
		return scsiReadOnly{name: "TEST UNIT READY"}, true
	case c[0] == scsi.OpRequestSense && len(c) >= 6:
		return scsiReadOnly{name: "REQUEST SENSE", file: "request-sense.txt", format: FormatSCSIHex}, true
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
		r.name, r.file, r.format = "ATA IDENTIFY DEVICE", "ata-identify.txt", FormatATAWords
	case c[14] == ata.OpDCO && features == 0xC2 && pioIn:
		r.name, r.file, r.format = "ATA DEVICE CONFIGURATION IDENTIFY", "ata-dco-identify.txt", FormatATABytes
	case c[14] == ata.OpSMART && features == 0xD0 && pioIn:
		r.name, r.file, r.format = "ATA SMART READ DATA", "ata-smart-read-data.txt", FormatATABytes
	case c[14] == ata.OpSMART && features == 0xD1 && pioIn:
		r.name, r.file, r.format = "ATA SMART READ THRESHOLDS", "ata-smart-read-thresholds.txt", FormatATABytes
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
		return nil, fmt.Errorf("%w: CDB % x", ErrNotReadOnly, cmd.CDB)
	}
	resp, err := r.t.Exec(ctx, cmd)
	if err != nil || resp == nil || ro.file == "" {
		return resp, err
	}
	f := File{Command: ro.name, CDB: hex.EncodeToString(cmd.CDB)}
	if ro.ata {
		// Kept only when ata.Device.Exec would have accepted it.
		if _, _, err := ata.Interpret(resp, !ro.keepSense, len(cmd.Data)); err != nil {
			return resp, nil
		}
		switch {
		case ro.keepSense:
			if len(resp.Sense) == 0 {
				return resp, nil // no registers came back: nothing to keep
			}
			f.File, f.Part, f.Format, f.data = ro.file, "sense", FormatSCSIHex, append([]byte(nil), resp.Sense...)
		default:
			f.File, f.Part, f.Format, f.data = ro.file, "data-in", ro.format, append([]byte(nil), cmd.Data...)
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

// nvmeRecorder is an nvme.Transport that passes only Identify and Get Log
// Page to t and records the data of those that complete successfully.
type nvmeRecorder struct {
	t   nvme.Transport
	rec *Recorder
}

// Admin implements nvme.Transport.
func (r *nvmeRecorder) Admin(ctx context.Context, cmd *nvme.Command) (nvme.Completion, error) {
	if (cmd.Opcode != nvme.OpIdentify && cmd.Opcode != nvme.OpGetLogPage) || cmd.Direction() != nvme.DirIn {
		return nvme.Completion{}, fmt.Errorf("%w: NVMe admin opcode %#02x", ErrNotReadOnly, cmd.Opcode)
	}
	comp, err := r.t.Admin(ctx, cmd)
	if err != nil || comp.Status != 0 || len(cmd.Data) == 0 {
		return comp, err
	}
	nc := &NVMeCommand{Opcode: cmd.Opcode, NSID: cmd.NSID, CDW10: cmd.CDW10, CDW11: cmd.CDW11}
	f := File{NVMe: nc, Part: "data-in", Format: FormatNVMeDump, data: append([]byte(nil), cmd.Data...)}
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

// Ready creates dir if missing and refuses a directory that already
// holds a manifest (an earlier --raw run).
func Ready(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err == nil {
		return fmt.Errorf("capture: %s already holds a manifest.json; refusing to overwrite (choose another directory)", dir)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("capture: %w", err)
	}
	return nil
}

// Write writes every recorded reply and the manifest into dir. It never
// overwrites: each file is created with O_EXCL, and an existing one stops
// the write with an error.
func Write(dir string, m Manifest, rec *Recorder) error {
	if err := Ready(dir); err != nil {
		return err
	}
	m.Files = []File{}
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
		case FormatATAWords:
			err = ata.FormatWordDump(&b, f.data, head...)
		case FormatATABytes:
			err = ata.FormatByteDump(&b, f.data, head...)
		case FormatNVMeDump:
			err = nvme.FormatDump(&b, f.data, head...)
		default:
			err = scsi.FormatHexDump(&b, f.data, head...)
		}
		if err != nil {
			return fmt.Errorf("capture: %s: %w", f.File, err)
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
			return fmt.Errorf("capture: %s exists; refusing to overwrite", path)
		}
		return fmt.Errorf("capture: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("capture: %w", err)
	}
	return f.Close()
}

// NewManifest starts the manifest of a capture of device by tool.
func NewManifest(tool report.Tool, device, model, serial, firmware, note string) Manifest {
	if note == "" {
		note = "replies to the read-only commands kesu probe sent, one file per reply, in the formats of kesu's " +
			"ata/testdata (ata-words, ata-bytes), scsi/testdata (scsi-hex) and nvme/testdata (nvme-dump)"
	}
	return Manifest{Kesu: tool, Date: time.Now().UTC().Format(time.RFC3339), Device: device,
		Model: strings.TrimSpace(model), Serial: strings.TrimSpace(serial), Firmware: strings.TrimSpace(firmware), Note: note}
}

// ReadFile reads a saved reply back through the testdata loader of its
// format: the bytes the device returned.
func ReadFile(dir string, f File) ([]byte, error) {
	fh, err := os.Open(filepath.Join(dir, f.File))
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var b []byte
	switch f.Format {
	case FormatATAWords:
		var words int
		if b, words, err = ata.ParseWordDump(fh); err == nil && words != 256 {
			err = fmt.Errorf("%d words, want 256", words)
		}
	case FormatATABytes:
		b, err = ata.ParseByteDump(fh)
	case FormatSCSIHex:
		b, err = scsi.ParseHexDump(fh)
	case FormatNVMeDump:
		var have int
		if b, have, err = nvme.ParseDump(fh, f.Bytes); err == nil && have != f.Bytes {
			err = fmt.Errorf("%d bytes, the manifest says %d", have, f.Bytes)
		}
	default:
		err = fmt.Errorf("unknown format %q", f.Format)
	}
	if err != nil {
		return nil, fmt.Errorf("capture: %s: %w", f.File, err)
	}
	return b, nil
}

package probe

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kesu-erase/kesu/ata"
	"github.com/kesu-erase/kesu/capture"
	"github.com/kesu-erase/kesu/internal/human"
	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/smart"
)

// runSCSI shows a SATA, SAS or USB disk's identity, class, capabilities,
// hidden areas, security/sanitize state and health. It is read-only: the
// device is opened O_RDONLY and only inquiry/status commands are sent
// (scsi.Inspect, ata.Inspect, LOG SENSE) — no SET MAX, no security or
// sanitize command other than SANITIZE STATUS EXT. A disk whose transport
// takes no pass-through (virtio-blk, MMC), or that refuses SG_IO, is shown
// as sysfs describes it ("no pass-through: identity from sysfs"). With
// o.RawDir it also saves the replies.
func runSCSI(ctx context.Context, o Options, w io.Writer) error {
	device := o.Device
	disk, sysErr := sysfsDisk(o.Sys, device)
	if sysErr == nil {
		if why, ok := sysfsOnly(disk.Transport); ok {
			return finishSysfs(o, disk, why, w)
		}
	}
	t, err := o.OpenSCSI(device)
	if err != nil {
		return probeError(device, err)
	}
	defer t.Close()
	usb := false
	if rl, ok := o.Sys.(fs.ReadLinkFS); ok {
		usb = onUSB(rl, device)
	}
	out, rec, err := readSCSIRecorded(ctx, t, device, usb, o.RawDir != "")
	if err != nil {
		if sysErr == nil && refusedPassThrough(err) {
			return finishSysfs(o, disk, "SG_IO refused by the driver ("+err.Error()+")", w)
		}
		return probeError(device, err)
	}
	if rec != nil {
		if err := capture.Write(o.RawDir, capture.NewManifest(o.Tool, device, out.Model, out.Serial, out.Firmware, ""), rec); err != nil {
			return err
		}
	}
	return write(w, out, o.JSON)
}

// readSCSIRecorded is ReadSCSI with, when record is set, a recorder
// between the probe and t that keeps every reply.
func readSCSIRecorded(ctx context.Context, t scsi.Transport, device string, usb, record bool) (*SCSI, *capture.Recorder, error) {
	var rec *capture.Recorder
	if record {
		rec = &capture.Recorder{}
		t = rec.SCSI(t)
	}
	out, err := ReadSCSI(ctx, t, device, usb)
	return out, rec, err
}

// SAT names the SCSI/ATA translation layer an ATA drive is reached through.
type SAT struct {
	Vendor   string `json:"vendor"`
	Product  string `json:"product"`
	Revision string `json:"revision"`
}

// ATASecurity is the ATA Security feature set's state (IDENTIFY word 128)
// and erase time estimates.
type ATASecurity struct {
	Supported              bool    `json:"supported"`
	Enabled                bool    `json:"enabled"`
	Locked                 bool    `json:"locked"`
	Frozen                 bool    `json:"frozen"`
	CountExpired           bool    `json:"count_expired"`
	EnhancedEraseSupported bool    `json:"enhanced_erase_supported"`
	MasterPasswordMaximum  bool    `json:"master_password_maximum"`
	State                  string  `json:"state"`
	EraseMinutes           float64 `json:"erase_minutes"`          // 0 = not reported
	EnhancedEraseMinutes   float64 `json:"enhanced_erase_minutes"` // 0 = not reported
	EraseTimeAtLeast       bool    `json:"erase_time_at_least,omitempty"`
}

// ATASanitize is what ATA Sanitize the drive offers, and its last status.
type ATASanitize struct {
	ata.SanitizeInfo
	Status *ata.SanitizeStatus `json:"status,omitempty"`
}

// ATA is what an ATA drive (SATA, or behind a USB or SAS bridge) reports.
type ATA struct {
	IdentifyChecksum    string          `json:"identify_checksum"` // valid, invalid, absent
	Security            ATASecurity     `json:"security"`
	Sanitize            ATASanitize     `json:"sanitize"`
	TRIM                bool            `json:"trim"`
	DRAT                bool            `json:"drat"`
	RZAT                bool            `json:"rzat"`
	EncryptsAllUserData bool            `json:"encrypts_all_user_data"`
	SMARTSupported      bool            `json:"smart_supported"`
	SMARTEnabled        bool            `json:"smart_enabled"`
	TrustedComputing    bool            `json:"trusted_computing"`
	HiddenAreas         *ata.HiddenArea `json:"hidden_areas,omitempty"`
	SMART               *ata.SMARTData  `json:"smart,omitempty"`
}

// SCSIDevice is what a native SCSI drive (SAS, SCSI, USB mass storage)
// reports.
type SCSIDevice struct {
	Readiness              string            `json:"readiness"`
	VPDPages               []string          `json:"vpd_pages"`
	Sanitize               map[string]string `json:"sanitize"`
	SanitizeTimeoutSeconds uint32            `json:"sanitize_timeout_seconds,omitempty"`
	FormatUnit             string            `json:"format_unit"`
	ProtectionType         byte              `json:"protection_type"`
	LBPME                  bool              `json:"lbpme"`
	LBPRZ                  bool              `json:"lbprz"`
}

// SCSI is `kesu probe` of a disk reached through SG_IO: a SATA drive (ATA
// commands via SAT), a SAS or SCSI drive, or a USB disk.
type SCSI struct {
	Device            string         `json:"device"`
	Transport         string         `json:"transport"` // "ata" (ATA commands via SAT) or "scsi"
	Bus               string         `json:"bus,omitempty"`
	Interface         string         `json:"interface"` // "SATA", "SCSI" (SAS and other native SCSI) or "USB"
	Class             string         `json:"class"`     // report.Class vocabulary: HDD, SSD, USB, other
	Medium            string         `json:"medium"`    // SSD, HDD or unknown, from the rotation rate
	Vendor            string         `json:"vendor,omitempty"`
	Model             string         `json:"model"`
	Serial            string         `json:"serial"`
	Firmware          string         `json:"firmware"`
	WWN               string         `json:"wwn,omitempty"`
	CapacityBytes     uint64         `json:"capacity_bytes"`
	Sectors           uint64         `json:"sectors"`
	LogicalBlockSize  int            `json:"logical_block_size"`
	PhysicalBlockSize int            `json:"physical_block_size"`
	RotationRate      uint16         `json:"rotation_rate"`
	SAT               *SAT           `json:"sat,omitempty"`
	ATA               *ATA           `json:"ata,omitempty"`
	SCSI              *SCSIDevice    `json:"scsi,omitempty"`
	Health            *smart.Summary `json:"health"`
	TCG               *TCG           `json:"tcg,omitempty"`
	Errors            []string       `json:"errors,omitempty"`
	Raw               struct {
		Identify string `json:"identify,omitempty"`
	} `json:"raw"`
}

// ReadSCSI inspects the device behind t with read-only commands. usb says
// the device sits on a USB bus: then ATA pass-through is tried even without
// a SATL signature, since USB-SATA bridges often report their own vendor.
func ReadSCSI(ctx context.Context, t scsi.Transport, device string, usb bool) (*SCSI, error) {
	sd := &scsi.Device{T: t, Name: device}
	in, err := scsi.Inspect(ctx, sd)
	if err != nil {
		return nil, err
	}
	out := &SCSI{Device: device, Transport: "scsi", Errors: append([]string(nil), in.Problems...)}
	if usb {
		out.Bus = "usb"
	}
	out.Vendor, out.Model, out.Firmware = in.Inquiry.Vendor, in.Inquiry.Product, in.Inquiry.Revision
	out.Serial, out.WWN = in.Serial, in.WWN
	if c := in.Capacity; c != nil {
		out.CapacityBytes, out.Sectors = c.Bytes(), c.Blocks()
		out.LogicalBlockSize, out.PhysicalBlockSize = int(c.LogicalBlockSize), int(c.PhysicalBlockSize())
	}
	if in.Block != nil {
		out.RotationRate = in.Block.RotationRate
	}
	out.Medium = in.Class()
	if in.ATA != nil {
		out.SAT = &SAT{Vendor: in.ATA.SATVendor, Product: in.ATA.SATProduct, Revision: in.ATA.SATRevision}
	}

	if in.IsATA() || usb {
		ai, err := ata.Inspect(ctx, &ata.Device{T: t, Name: device})
		switch {
		case err == nil:
			fillATA(out, ai)
		case in.IsATA():
			out.Errors = append(out.Errors, "ATA IDENTIFY DEVICE failed: "+err.Error())
		default:
			out.Errors = append(out.Errors, "no ATA pass-through on this USB device ("+err.Error()+"); shown as SCSI")
		}
	}
	if out.Transport == "scsi" {
		fillSCSI(ctx, out, sd, in)
	}
	switch {
	case out.Transport == "ata" && out.ATA != nil && out.ATA.TrustedComputing:
		out.TCG = readTCG(ctx, ata.TCG(&ata.Device{T: t, Name: device}), "ATA TRUSTED RECEIVE in ATA PASS-THROUGH(16)", out.ATA.TrustedComputing)
	case out.Transport == "scsi":
		out.TCG = readTCG(ctx, scsi.TCG(t), "SCSI SECURITY PROTOCOL IN", false)
	}
	out.Interface, out.Class = probeClass(out)
	return out, nil
}

func fillATA(out *SCSI, ai *ata.Inspection) {
	id := ai.Identity
	out.Transport = "ata"
	out.Vendor = ""
	out.Model, out.Serial, out.Firmware = id.Model, id.Serial, id.Firmware
	if id.WWN != "" {
		out.WWN = id.WWN
	}
	out.Sectors, out.CapacityBytes = id.Sectors(), id.Bytes()
	out.LogicalBlockSize, out.PhysicalBlockSize = id.LogicalSectorSize, id.PhysicalSectorSize
	out.RotationRate = id.RotationRate
	out.Medium = id.Class()
	out.Raw.Identify = hex.EncodeToString(id.Raw)
	sec := id.Security
	a := &ATA{
		Security: ATASecurity{Supported: sec.Supported, Enabled: sec.Enabled, Locked: sec.Locked, Frozen: sec.Frozen,
			CountExpired: sec.CountExpired, EnhancedEraseSupported: sec.EnhancedEraseSupported,
			MasterPasswordMaximum: sec.MasterPasswordMaximum, State: sec.State(),
			EraseMinutes: sec.EraseTime.Minutes(), EnhancedEraseMinutes: sec.EnhancedEraseTime.Minutes(),
			EraseTimeAtLeast: sec.EraseTimeAtLeast || sec.EnhancedEraseTimeAtLeast},
		Sanitize: ATASanitize{SanitizeInfo: id.Sanitize, Status: ai.SanitizeStatus},
		TRIM:     id.TRIM, DRAT: id.DRAT, RZAT: id.RZAT, EncryptsAllUserData: id.EncryptsAllUserData,
		SMARTSupported: id.SMARTSupported, SMARTEnabled: id.SMARTEnabled, TrustedComputing: id.TrustedComputing,
		HiddenAreas: ai.Hidden, SMART: ai.SMART,
	}
	switch {
	case !id.ChecksumPresent:
		a.IdentifyChecksum = "absent"
	case id.ChecksumValid:
		a.IdentifyChecksum = "valid"
	default:
		a.IdentifyChecksum = "invalid"
	}
	out.ATA = a
	out.Health = smart.FromATA(ai.SMART, ai.SMARTExceeded, id.SolidState())
	out.Errors = append(out.Errors, ai.Problems...)
}

func fillSCSI(ctx context.Context, out *SCSI, sd *scsi.Device, in *scsi.Inspection) {
	s := &SCSIDevice{Readiness: in.Readiness, Sanitize: map[string]string{}, FormatUnit: in.FormatUnit,
		SanitizeTimeoutSeconds: in.SanitizeTimeoutSeconds}
	for _, p := range in.VPDPages {
		s.VPDPages = append(s.VPDPages, fmt.Sprintf("%02Xh", p))
	}
	for sa, v := range in.Sanitize {
		s.Sanitize[strings.ToLower(sa.String())] = v
	}
	if c := in.Capacity; c != nil {
		s.ProtectionType, s.LBPME, s.LBPRZ = c.ProtectionType, c.LBPME, c.LBPRZ
	}
	out.SCSI = s
	logs, errs := smart.ReadSCSILogs(ctx, sd)
	for _, e := range errs {
		out.Errors = append(out.Errors, e.Error())
	}
	out.Health = smart.FromSCSI(logs)
}

// probeClass names the interface and the drive class (the record's
// vocabulary: HDD, SSD, USB, other).
func probeClass(out *SCSI) (iface, class string) {
	switch {
	case out.Bus == "usb":
		iface = "USB"
	case out.Transport == "ata":
		iface = "SATA"
	default:
		iface = "SCSI"
	}
	switch {
	case iface == "USB":
		class = "USB"
	case out.Medium == "SSD", out.Medium == "HDD":
		class = out.Medium
	default:
		class = "other"
	}
	return iface, class
}

// onUSB reports whether the block or SCSI generic device named by path
// hangs off a USB bus, from its sysfs device link (fsys is the root file
// system, so tests can pass a fake tree).
func onUSB(fsys fs.ReadLinkFS, path string) bool {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	base := filepath.Base(path)
	for _, dir := range []string{"sys/class/block/", "sys/class/scsi_generic/"} {
		if target, err := fsys.ReadLink(dir + base); err == nil && strings.Contains(target, "/usb") {
			return true
		}
	}
	return false
}

// WriteText writes the probe as aligned "key  value" lines.
func (out *SCSI) WriteText(w io.Writer) error {
	p, flush := human.KeyValues(w)
	via := "native SCSI"
	if out.Transport == "ata" {
		via = "ATA via SAT ATA PASS-THROUGH(16)"
		if out.SAT != nil {
			via += fmt.Sprintf(", SATL %s %s %s", out.SAT.Vendor, out.SAT.Product, out.SAT.Revision)
		}
	}
	p("device", "%s (%s)", out.Device, via)
	p("class", "%s (%s interface, medium %s)", out.Class, out.Interface, out.Medium)
	if out.Vendor != "" {
		p("vendor", "%s", out.Vendor)
	}
	p("model", "%s", out.Model)
	p("serial", "%s", out.Serial)
	p("firmware", "%s", out.Firmware)
	if out.WWN != "" {
		p("wwn", "%s", out.WWN)
	}
	p("capacity", "%d bytes = %d x %d B (physical %d B)", out.CapacityBytes, out.Sectors, out.LogicalBlockSize, out.PhysicalBlockSize)
	p("rotation", "%s", rotationText(out.RotationRate))
	if a := out.ATA; a != nil {
		s := a.Security
		if s.Supported {
			p("security", "%s; enhanced erase %s; erase time %s, enhanced %s", s.State, human.YesNo(s.EnhancedEraseSupported),
				minutesText(s.EraseMinutes), minutesText(s.EnhancedEraseMinutes))
		} else {
			p("security", "not supported")
		}
		if z := a.Sanitize; z.Supported {
			st := "status unknown"
			if z.Status != nil {
				st = fmt.Sprintf("%s, frozen %s, antifreeze %s", z.Status.State, human.YesNo(z.Status.Frozen), human.YesNo(z.Status.Antifreeze))
			}
			p("sanitize", "crypto scramble %s, block erase %s, overwrite %s; %s", human.YesNo(z.CryptoScramble), human.YesNo(z.BlockErase), human.YesNo(z.Overwrite), st)
		} else {
			p("sanitize", "not supported")
		}
		p("trim", "%s (deterministic read %s, reads zeros %s); encrypts all user data %s", human.YesNo(a.TRIM), human.YesNo(a.DRAT), human.YesNo(a.RZAT), human.YesNo(a.EncryptsAllUserData))
		if h := a.HiddenAreas; h != nil {
			native, dco := "unknown", "n/a"
			if h.NativeMaxKnown {
				native = fmt.Sprint(h.NativeMax)
			}
			if h.DCOMaxKnown {
				dco = fmt.Sprint(h.DCOMax)
			}
			p("hidden areas", "current max LBA %d, native %s, DCO %s; HPA %s (%d sectors hidden), DCO %s (%d), AMA %s",
				h.CurrentMax, native, dco, human.YesNo(h.HPASupported), h.HPASectors, human.YesNo(h.DCOSupported), h.DCOSectors, human.YesNo(h.AMASupported))
		}
		p("identify", "checksum %s", a.IdentifyChecksum)
	}
	if s := out.SCSI; s != nil {
		p("state", "%s", s.Readiness)
		keys := make([]string, 0, len(s.Sanitize))
		for k := range s.Sanitize {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, k+" "+s.Sanitize[k])
		}
		p("sanitize", "%s", strings.Join(parts, ", "))
		p("format unit", "%s", s.FormatUnit)
		p("provisioning", "LBPME %s, LBPRZ %s, protection type %d", human.YesNo(s.LBPME), human.YesNo(s.LBPRZ), s.ProtectionType)
	}
	writeTCG(p, out.TCG)
	if h := out.Health; h != nil {
		var hp []string
		if h.TemperatureC != nil {
			hp = append(hp, fmt.Sprintf("temperature %d C", *h.TemperatureC))
		}
		if h.PowerOnHours != nil {
			hp = append(hp, fmt.Sprintf("power-on hours %d", *h.PowerOnHours))
		}
		if h.ReallocatedSectors != nil {
			hp = append(hp, fmt.Sprintf("reallocated %d", *h.ReallocatedSectors))
		}
		if h.PendingSectors != nil {
			hp = append(hp, fmt.Sprintf("pending %d", *h.PendingSectors))
		}
		if h.PercentageUsed != nil {
			hp = append(hp, fmt.Sprintf("percentage used %d%%", *h.PercentageUsed))
		}
		p("health", "%s; %s", h.Verdict, strings.Join(hp, ", "))
		for _, r := range h.Reasons {
			p("", "%s", r)
		}
	}
	for _, e := range out.Errors {
		p("error", "%s", e)
	}
	return flush()
}

func rotationText(r uint16) string {
	switch {
	case r == 0:
		return "not reported"
	case r == 1:
		return "non-rotating (solid state)"
	case r >= 0x0401 && r <= 0xFFFE:
		return fmt.Sprintf("%d rpm", r)
	}
	return fmt.Sprintf("reserved value %#04x", r)
}

func minutesText(m float64) string {
	if m == 0 {
		return "not reported"
	}
	return fmt.Sprintf("%.0f min", m)
}

package ata

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/kesu-erase/kesu/scsi"
)

// Accessible Max Address Configuration features (78h; ACS-3 7.5; hdparm.c,
// opensea-operations set_max_lba.c).
const (
	amaGetNativeMax     = 0x0000
	amaSetAccessibleMax = 0x0001
	amaFreeze           = 0x0002
)

// DEVICE CONFIGURATION OVERLAY features (B1h; ACS-2 7.9; hdparm.c).
const (
	dcoRestore    = 0xC0
	dcoFreezeLock = 0xC1
	dcoIdentify   = 0xC2
	dcoSet        = 0xC3
)

// ReadNativeMaxCommand builds READ NATIVE MAX ADDRESS EXT (27h) or, for
// drives without 48-bit addressing, READ NATIVE MAX ADDRESS (F8h).
func ReadNativeMaxCommand(lba48 bool) *Command {
	if lba48 {
		return &Command{Name: "READ NATIVE MAX ADDRESS EXT", Opcode: OpReadNativeMaxExt, Device: 0x40,
			Protocol: ProtoNonData, Extend: true, CheckCondition: true, Timeout: ShortTimeout}
	}
	return &Command{Name: "READ NATIVE MAX ADDRESS", Opcode: OpReadNativeMax, Device: 0x40,
		Protocol: ProtoNonData, CheckCondition: true, Timeout: ShortTimeout}
}

// SetMaxCommand builds SET MAX ADDRESS EXT (37h) or SET MAX ADDRESS (F9h)
// with maxLBA; permanent sets COUNT bit 0 (the value survives power
// cycles). It must directly follow READ NATIVE MAX ADDRESS (EXT).
func SetMaxCommand(lba48 bool, maxLBA uint64, permanent bool) *Command {
	var count uint16
	if permanent {
		count = 1
	}
	if lba48 {
		return &Command{Name: "SET MAX ADDRESS EXT", Opcode: OpSetMaxExt, Count: count, LBA: maxLBA, Device: 0x40,
			Protocol: ProtoNonData, Extend: true, CheckCondition: true, Timeout: ShortTimeout}
	}
	return &Command{Name: "SET MAX ADDRESS", Opcode: OpSetMax, Count: count, LBA: maxLBA, Device: 0x40,
		Protocol: ProtoNonData, CheckCondition: true, Timeout: ShortTimeout}
}

// GetNativeMaxCommand builds GET NATIVE MAX ADDRESS EXT (78h/0000h).
func GetNativeMaxCommand() *Command {
	return &Command{Name: "GET NATIVE MAX ADDRESS EXT", Opcode: OpAccessibleMaxAddress, Features: amaGetNativeMax,
		Device: 0x40, Protocol: ProtoNonData, Extend: true, CheckCondition: true, Timeout: ShortTimeout}
}

// SetAccessibleMaxCommand builds SET ACCESSIBLE MAX ADDRESS EXT (78h/0001h).
func SetAccessibleMaxCommand(maxLBA uint64) *Command {
	return &Command{Name: "SET ACCESSIBLE MAX ADDRESS EXT", Opcode: OpAccessibleMaxAddress, Features: amaSetAccessibleMax,
		LBA: maxLBA, Device: 0x40, Protocol: ProtoNonData, Extend: true, CheckCondition: true, Timeout: ShortTimeout}
}

// DCOIdentifyCommand builds DEVICE CONFIGURATION IDENTIFY (B1h/C2h, PIO in).
func DCOIdentifyCommand() *Command {
	return &Command{Name: "DEVICE CONFIGURATION IDENTIFY", Opcode: OpDCO, Features: dcoIdentify, Count: 1,
		Device: 0x40, Protocol: ProtoPIOIn, Data: make([]byte, 512), Timeout: ShortTimeout}
}

// DCORestoreCommand builds DEVICE CONFIGURATION RESTORE (B1h/C0h).
func DCORestoreCommand() *Command {
	return &Command{Name: "DEVICE CONFIGURATION RESTORE", Opcode: OpDCO, Features: dcoRestore, Device: 0x40,
		Protocol: ProtoNonData, CheckCondition: true, Timeout: ShortTimeout}
}

// DCOInfo is decoded DEVICE CONFIGURATION IDENTIFY data.
type DCOInfo struct {
	Revision uint16
	// MaxLBA is the largest maximum LBA the overlay may be set to (words
	// 3–6): the factory capacity − 1.
	MaxLBA          uint64
	HPAAllowed      bool // word 7 bit 7: Host Protected Area may be enabled
	SecurityAllowed bool // word 7 bit 3
	ChecksumValid   bool
	ChecksumPresent bool
}

// DecodeDCO decodes DEVICE CONFIGURATION IDENTIFY data: word 0 revision,
// words 3–6 maximum LBA, word 7 feature bits, word 255 A5h signature and
// checksum (hdparm.c/identify.c; opensea-operations
// ata_device_config_overlay.c).
func DecodeDCO(b []byte) (*DCOInfo, error) {
	if len(b) < 512 {
		return nil, fmt.Errorf("ata: DCO data too short: %d bytes", len(b))
	}
	info := &DCOInfo{
		Revision:        binary.LittleEndian.Uint16(b[0:2]),
		MaxLBA:          binary.LittleEndian.Uint64(b[6:14]),
		HPAAllowed:      b[14]&0x80 != 0,
		SecurityAllowed: b[14]&0x08 != 0,
	}
	if b[510] == 0xA5 {
		info.ChecksumPresent = true
		var sum byte
		for _, c := range b[:512] {
			sum += c
		}
		info.ChecksumValid = sum == 0
	}
	return info, nil
}

// nativeFromRegisters assembles the native max LBA from the output
// registers: 48 bits for the EXT commands (descriptor sense needed), 28 bits
// for READ NATIVE MAX ADDRESS with LBA(27:24) in DEVICE(3:0) (ACS-2 7.30;
// hdparm.c do_get_native_max_sectors).
func nativeFromRegisters(c *Command, regs scsi.ATARegisters) uint64 {
	if c.Extend {
		return regs.LBA & 0xFFFF_FFFF_FFFF
	}
	return regs.LBA&0x00FF_FFFF | uint64(regs.Device&0x0F)<<24
}

// HiddenArea reports the drive's hidden areas and, after a restore, what
// was done. Addresses are maximum LBAs (sectors − 1).
type HiddenArea struct {
	HPASupported bool `json:"hpa_supported"`
	DCOSupported bool `json:"dco_supported"`
	AMASupported bool `json:"ama_supported"`
	// CurrentMax is the max LBA the host can address now (IDENTIFY).
	CurrentMax uint64 `json:"current_max"`
	// NativeMax is the device's native max LBA (READ NATIVE MAX ADDRESS
	// (EXT), or GET NATIVE MAX ADDRESS EXT with AMA). With a DCO in place it
	// is the overlay's reduced value.
	NativeMax      uint64 `json:"native_max"`
	NativeMaxKnown bool   `json:"native_max_known"`
	NativeSource   string `json:"native_source,omitempty"`
	// DCOMax is the largest max LBA DCO IDENTIFY allows (factory capacity).
	DCOMax      uint64 `json:"dco_max"`
	DCOMaxKnown bool   `json:"dco_max_known"`
	// HPASectors / DCOSectors are the sectors hidden by HPA/AMA (NativeMax
	// − CurrentMax) and by DCO (DCOMax − NativeMax).
	HPASectors uint64 `json:"hpa_sectors"`
	DCOSectors uint64 `json:"dco_sectors"`

	RestoreAttempted bool            `json:"restore_attempted"`
	Restored         []string        `json:"restored,omitempty"` // what was restored, in order
	Commands         []CommandRecord `json:"commands,omitempty"`
	// After is the max LBA after the restore (IDENTIFY), and RestoreOK
	// whether it reached the largest max LBA found (DCO or native).
	After     uint64   `json:"after"`
	RestoreOK bool     `json:"restore_ok"`
	Failures  []string `json:"failures,omitempty"`
}

// Hidden reports whether any sectors are hidden.
func (h *HiddenArea) Hidden() bool { return h.HPASectors > 0 || h.DCOSectors > 0 }

// TrueMax is the largest max LBA found (factory capacity − 1, as far as
// the drive tells).
func (h *HiddenArea) TrueMax() uint64 {
	m := h.CurrentMax
	if h.NativeMaxKnown && h.NativeMax > m {
		m = h.NativeMax
	}
	if h.DCOMaxKnown && h.DCOMax > m {
		m = h.DCOMax
	}
	return m
}

func (h *HiddenArea) fail(err error) error {
	h.Failures = append(h.Failures, err.Error())
	return err
}

// readNative reads the native max address by the command set the drive
// has. It returns the command used.
func (d *Device) readNative(ctx context.Context, log *[]CommandRecord, id *Identity) (uint64, *Command, error) {
	var c *Command
	switch {
	case id.AMASupported:
		c = GetNativeMaxCommand()
	case id.HPASupported:
		c = ReadNativeMaxCommand(id.LBA48)
	default:
		return 0, nil, ErrUnsupported
	}
	r, err := d.run(ctx, log, c)
	if err != nil {
		return 0, c, err
	}
	regs, err := d.needRegisters(c, r, c.Extend)
	if err != nil {
		return 0, c, err
	}
	return nativeFromRegisters(c, regs), c, nil
}

// DetectHiddenAreas reads, without changing anything, the current, native
// and DCO maximum addresses. Per-step failures are recorded in Failures and
// leave the corresponding value unknown.
func (d *Device) DetectHiddenAreas(ctx context.Context, id *Identity) (*HiddenArea, error) {
	h := &HiddenArea{HPASupported: id.HPASupported, DCOSupported: id.DCOSupported, AMASupported: id.AMASupported,
		CurrentMax: id.MaxLBA()}
	if id.HPASupported || id.AMASupported {
		native, c, err := d.readNative(ctx, &h.Commands, id)
		if err != nil {
			h.fail(err)
		} else {
			h.NativeMax, h.NativeMaxKnown, h.NativeSource = native, true, c.Name
		}
	}
	if id.DCOSupported {
		c := DCOIdentifyCommand()
		if _, err := d.run(ctx, &h.Commands, c); err != nil {
			h.fail(err)
		} else if info, err := DecodeDCO(c.Data); err != nil {
			h.fail(err)
		} else if info.ChecksumPresent && !info.ChecksumValid {
			h.fail(errors.New("DCO IDENTIFY data checksum invalid"))
		} else {
			h.DCOMax, h.DCOMaxKnown = info.MaxLBA, true
		}
	}
	h.computeHidden()
	return h, nil
}

func (h *HiddenArea) computeHidden() {
	h.HPASectors, h.DCOSectors = 0, 0
	if h.NativeMaxKnown && h.NativeMax > h.CurrentMax {
		h.HPASectors = h.NativeMax - h.CurrentMax
	}
	if h.DCOMaxKnown {
		base := h.CurrentMax
		if h.NativeMaxKnown {
			base = h.NativeMax
		}
		if h.DCOMax > base {
			h.DCOSectors = h.DCOMax - base
		}
	}
}

// RestoreOptions controls RestoreHiddenAreas.
type RestoreOptions struct {
	// Volatile restores the HPA only until the next power cycle (SET MAX
	// with COUNT bit 0 clear). The default makes it permanent.
	Volatile bool
	// SkipDCO leaves a DCO overlay in place.
	SkipDCO bool
}

// RestoreHiddenAreas detects hidden areas and removes them so the host can
// address the whole medium: with AMA, SET ACCESSIBLE MAX ADDRESS EXT to the
// native max; with HPA, READ NATIVE MAX ADDRESS (EXT) immediately followed by
// SET MAX ADDRESS (EXT); with a DCO overlay smaller than the factory
// capacity, DEVICE CONFIGURATION RESTORE (after the HPA is gone, as drives
// refuse it while an HPA is set) and then the HPA step again. Finally
// IDENTIFY tells what the host can address. It returns an error if the
// restore did not reach the largest max LBA found; the report says what
// was tried.
//
// The kernel's view of the disk size does not change by itself: the caller
// must make the kernel re-read the capacity before overwriting.
func (d *Device) RestoreHiddenAreas(ctx context.Context, o RestoreOptions) (*HiddenArea, error) {
	ic := IdentifyCommand()
	if _, err := d.Exec(ctx, ic); err != nil {
		return nil, err
	}
	id, err := DecodeIdentify(ic.Data)
	if err != nil {
		return nil, err
	}
	h, err := d.DetectHiddenAreas(ctx, id)
	if err != nil {
		return h, err
	}
	if !h.Hidden() {
		h.After = h.CurrentMax
		h.RestoreOK = len(h.Failures) == 0
		if !h.RestoreOK {
			return h, fmt.Errorf("ata: %s: hidden areas could not be checked: %s", d.Name, h.Failures[0])
		}
		return h, nil
	}
	h.RestoreAttempted = true
	target := h.TrueMax()
	if h.HPASectors > 0 {
		d.liftHPA(ctx, h, id, h.CurrentMax, o)
	}
	if h.DCOSectors > 0 && !o.SkipDCO {
		if _, err := d.run(ctx, &h.Commands, DCORestoreCommand()); err != nil {
			h.fail(err)
		} else {
			h.Restored = append(h.Restored, fmt.Sprintf("DCO: max LBA %d -> %d", h.NativeMax, h.DCOMax))
			// With the overlay gone the native max grows: lift an HPA that
			// now sits below it.
			ic := IdentifyCommand()
			if _, err := d.run(ctx, &h.Commands, ic); err != nil {
				h.fail(err)
			} else if id2, err := DecodeIdentify(ic.Data); err != nil {
				h.fail(err)
			} else if id2.HPASupported || id2.AMASupported {
				if native, _, err := d.readNative(ctx, &h.Commands, id2); err != nil {
					h.fail(err)
				} else if native > id2.MaxLBA() {
					d.liftHPA(ctx, h, id2, id2.MaxLBA(), o)
				}
			}
		}
	}
	ic = IdentifyCommand()
	if _, err := d.run(ctx, &h.Commands, ic); err != nil {
		h.fail(err)
		return h, err
	}
	idAfter, err := DecodeIdentify(ic.Data)
	if err != nil {
		h.fail(err)
		return h, err
	}
	h.After = idAfter.MaxLBA()
	h.RestoreOK = h.After >= target
	if !h.RestoreOK {
		return h, &CommandError{Op: "restore hidden areas", Dev: d.Name,
			Err: fmt.Errorf("%w: max LBA is %d after restore, %d expected", ErrVerify, h.After, target)}
	}
	return h, nil
}

// liftHPA sets the accessible max to the native max: SET ACCESSIBLE MAX
// ADDRESS EXT with AMA, else READ NATIVE MAX ADDRESS (EXT) immediately
// followed by SET MAX ADDRESS (EXT). Failures are recorded in h.
func (d *Device) liftHPA(ctx context.Context, h *HiddenArea, id *Identity, current uint64, o RestoreOptions) {
	native, _, err := d.readNative(ctx, &h.Commands, id)
	if err != nil {
		h.fail(err)
		return
	}
	if id.AMASupported {
		if _, err := d.run(ctx, &h.Commands, SetAccessibleMaxCommand(native)); err != nil {
			h.fail(err)
			return
		}
		h.Restored = append(h.Restored, fmt.Sprintf("AMA: max LBA %d -> %d", current, native))
		return
	}
	if _, err := d.run(ctx, &h.Commands, SetMaxCommand(id.LBA48, native, !o.Volatile)); err != nil {
		h.fail(err)
		return
	}
	kind := "permanent"
	if o.Volatile {
		kind = "volatile"
	}
	h.Restored = append(h.Restored, fmt.Sprintf("HPA: max LBA %d -> %d (%s)", current, native, kind))
}

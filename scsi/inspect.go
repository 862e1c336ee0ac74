package scsi

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Inspection is a read-only look at a SCSI device: identity, medium,
// what a SATL says about an ATA drive behind it, and which erase commands
// the device reports. It sends only INQUIRY (standard and VPD), READ
// CAPACITY(16), TEST UNIT READY, REQUEST SENSE and REPORT SUPPORTED
// OPERATION CODES.
type Inspection struct {
	Inquiry     *Inquiry
	VPDPages    []byte
	Serial      string
	Designators []Designator
	WWN         string // logical-unit NAA designator, hex
	// ATA is VPD page 89h: set when a SATL reports an ATA device behind it.
	ATA       *ATAInformation
	Block     *BlockCharacteristics
	Capacity  *Capacity
	Readiness string // "ready", "sanitize in progress", "sanitize failed", ...
	// Sanitize maps each SANITIZE service action to what REPORT SUPPORTED
	// OPERATION CODES said: "supported", "not supported" or "unknown".
	Sanitize map[SanitizeAction]string
	// SanitizeTimeoutSeconds is the recommended SANITIZE timeout reported
	// with the supported actions (0 = none reported).
	SanitizeTimeoutSeconds uint32
	FormatUnit             string
	Problems               []string
}

// IsATA reports an ATA device behind a SATL: INQUIRY vendor "ATA" (what
// libata and most HBA SATLs report) or an ATA Information VPD page.
func (in *Inspection) IsATA() bool {
	return in.ATA != nil || (in.Inquiry != nil && in.Inquiry.Vendor == "ATA")
}

// Class is "SSD", "HDD" or "unknown" from VPD page B1h.
func (in *Inspection) Class() string {
	switch {
	case in.Block == nil:
		return "unknown"
	case in.Block.SolidState():
		return "SSD"
	case in.Block.Rotating():
		return "HDD"
	}
	return "unknown"
}

// HasVPD reports whether the drive listed VPD page p as supported.
func (in *Inspection) HasVPD(p byte) bool { return hasPage(in.VPDPages, p) }

func hasPage(pages []byte, p byte) bool {
	for _, x := range pages {
		if x == p {
			return true
		}
	}
	return false
}

// Inspect runs the read-only inspection. It fails only if INQUIRY fails;
// later failures are listed in Problems.
func Inspect(ctx context.Context, d *Device) (*Inspection, error) {
	inq, err := d.Inquiry(ctx)
	if err != nil {
		return nil, err
	}
	in := &Inspection{Inquiry: inq, Sanitize: map[SanitizeAction]string{}}
	note := func(err error) { in.Problems = append(in.Problems, err.Error()) }
	if in.VPDPages, err = d.SupportedVPDPages(ctx); err != nil {
		note(err)
	}
	if hasPage(in.VPDPages, 0x80) {
		if in.Serial, err = d.UnitSerial(ctx); err != nil {
			note(err)
		}
	}
	if hasPage(in.VPDPages, 0x83) {
		if in.Designators, err = d.DeviceIdentification(ctx); err != nil {
			note(err)
		}
		in.WWN = NAA(in.Designators)
	}
	if hasPage(in.VPDPages, 0x89) {
		if in.ATA, err = d.ATAInformation(ctx); err != nil {
			note(err)
		}
	}
	if hasPage(in.VPDPages, 0xB1) {
		if in.Block, err = d.BlockCharacteristics(ctx); err != nil {
			note(err)
		}
	}
	if in.Capacity, err = d.ReadCapacity16(ctx); err != nil {
		note(err)
	}
	in.Readiness = d.readiness(ctx)
	if in.IsATA() {
		// Behind a SATL the ATA commands tell the truth; SCSI SANITIZE is
		// not translated by libata.
		return in, nil
	}
	for _, sa := range []SanitizeAction{SanitizeOverwrite, SanitizeBlockErase, SanitizeCryptoErase} {
		sup, err := d.ReportOpcode(ctx, OpSanitize, uint16(sa), true)
		switch {
		case err != nil:
			in.Sanitize[sa] = "unknown"
			if sa == SanitizeOverwrite {
				note(err)
			}
		case sup.Supported():
			in.Sanitize[sa] = "supported"
			if sup.HasTimeouts && sup.RecommendedSeconds > in.SanitizeTimeoutSeconds {
				in.SanitizeTimeoutSeconds = sup.RecommendedSeconds
			}
		case sup.Support == 1:
			in.Sanitize[sa] = "not supported"
		default:
			in.Sanitize[sa] = "unknown"
		}
	}
	if sup, err := d.ReportOpcode(ctx, OpFormatUnit, 0, false); err != nil {
		in.FormatUnit = "unknown"
	} else if sup.Supported() {
		in.FormatUnit = "supported"
	} else if sup.Support == 1 {
		in.FormatUnit = "not supported"
	} else {
		in.FormatUnit = "unknown"
	}
	return in, nil
}

// readiness asks TEST UNIT READY (and REQUEST SENSE for progress) whether
// a sanitize or format is running or has failed.
func (d *Device) readiness(ctx context.Context) string {
	err := d.TestUnitReady(ctx)
	if err == nil {
		return "ready"
	}
	progress := ""
	if s, serr := d.RequestSense(ctx); serr == nil && s.ProgressValid {
		progress = fmt.Sprintf(" (%.0f%%)", ProgressPercent(s.Progress))
	}
	switch {
	case errors.Is(err, ErrSanitizeInProgress):
		return "sanitize in progress" + progress
	case errors.Is(err, ErrFormatInProgress):
		return "format in progress" + progress
	case errors.Is(err, ErrSanitizeFailed):
		return "sanitize failed (recover with a successful SANITIZE, or EXIT FAILURE MODE if the failed one had AUSE)"
	case errors.Is(err, ErrUnitAttention):
		return "ready (unit attention)"
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, "["); i >= 0 {
		msg = strings.TrimSuffix(msg[i+1:], "]")
	}
	return "not ready: " + msg
}

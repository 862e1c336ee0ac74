package ata

import (
	"context"
	"errors"
)

// Inspection is a read-only look at an ATA drive: identity, hidden areas,
// sanitize state and SMART. It sends only IDENTIFY DEVICE, READ NATIVE MAX
// ADDRESS (EXT) or GET NATIVE MAX ADDRESS EXT, DEVICE CONFIGURATION
// IDENTIFY, SANITIZE STATUS EXT (without CLEAR), SMART READ DATA, READ
// THRESHOLDS and RETURN STATUS — none of which changes the drive's state.
type Inspection struct {
	Identity *Identity
	Hidden   *HiddenArea
	// SanitizeStatus is nil when sanitize is unsupported or unreadable.
	SanitizeStatus *SanitizeStatus
	SMART          *SMARTData
	// SMARTExceeded is SMART RETURN STATUS (nil if not read).
	SMARTExceeded *bool
	// Problems lists steps that failed (the rest of the inspection stands).
	Problems []string
}

// Inspect runs the read-only inspection. It fails only if IDENTIFY DEVICE
// fails; every later step's failure is listed in Problems.
func Inspect(ctx context.Context, d *Device) (*Inspection, error) {
	id, err := d.Identify(ctx)
	if err != nil {
		return nil, err
	}
	in := &Inspection{Identity: id}
	note := func(err error) { in.Problems = append(in.Problems, err.Error()) }
	if !id.ChecksumPresent {
		in.Problems = append(in.Problems, "IDENTIFY data has no checksum signature")
	} else if !id.ChecksumValid {
		in.Problems = append(in.Problems, "IDENTIFY data checksum invalid")
	}
	if h, err := d.DetectHiddenAreas(ctx, id); err != nil {
		note(err)
	} else {
		in.Hidden = h
		in.Problems = append(in.Problems, h.Failures...)
	}
	if id.Sanitize.Supported {
		if st, err := d.SanitizeStatus(ctx, false); err != nil {
			note(err)
		} else {
			in.SanitizeStatus = st
		}
	}
	if id.SMARTSupported {
		if !id.SMARTEnabled {
			in.Problems = append(in.Problems, "SMART is supported but disabled")
		} else {
			if s, err := d.SMARTReadData(ctx); err != nil {
				note(err)
			} else {
				in.SMART = s
			}
			if ex, err := d.SMARTReturnStatus(ctx); err != nil {
				note(err)
			} else {
				in.SMARTExceeded = &ex
			}
		}
	}
	return in, nil
}

// IsRejectedPassThrough reports whether err means the SCSI layer refused
// ATA PASS-THROUGH itself (not an ATA device, or a bridge without SAT).
func IsRejectedPassThrough(err error) bool { return errors.Is(err, ErrPassThroughRejected) }

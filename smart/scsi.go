package smart

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/kesu-erase/kesu/scsi"
)

// SCSILogs are the log pages a SCSI/SAS health summary is built from; nil
// pages were not supported or not read.
type SCSILogs struct {
	InformationalExceptions *scsi.LogPage // 2Fh
	Temperature             *scsi.LogPage // 0Dh
	SolidStateMedia         *scsi.LogPage // 11h
	BackgroundScan          *scsi.LogPage // 15h
	ReadErrors              *scsi.LogPage // 03h
}

// FromSCSI summarizes SCSI log pages (SPC-4 7.3 / SBC-4 6.4; smartmontools
// scsicmds.cpp reads the same bytes):
//   - 2Fh parameter 0000h: bytes 0–1 of the value are the informational
//     exception ASC/ASCQ — non-zero means the drive predicts failure
//     (5Dh/xx "failure prediction threshold exceeded"); byte 2 the most
//     recent temperature;
//   - 0Dh parameter 0000h: byte 1 the temperature in °C (FFh: none);
//   - 11h parameter 0001h: byte 3 the percentage-used endurance indicator;
//   - 15h parameter 0000h: bytes 0–3 accumulated power-on minutes;
//   - 03h parameter 0006h: total uncorrected read errors.
//
// Verdict: FAIL on a non-zero IE ASC, PASS when the IE page was read
// clean, UNKNOWN without it.
func FromSCSI(l SCSILogs) *Summary {
	s := &Summary{Source: "scsi", Verdict: Unknown}
	if p := l.InformationalExceptions; p != nil {
		if v, ok := p.Param(0x0000); ok && len(v.Value) >= 2 {
			asc, ascq := v.Value[0], v.Value[1]
			if asc != 0 {
				s.Verdict = Fail
				s.Reasons = append(s.Reasons, fmt.Sprintf("informational exception %02X/%02X%s", asc, ascq,
					map[bool]string{true: " (failure prediction threshold exceeded)"}[asc == 0x5D]))
			} else {
				s.Verdict = Pass
			}
			if len(v.Value) >= 3 && v.Value[2] != 0 && v.Value[2] != 0xFF {
				t := int(v.Value[2])
				s.TemperatureC = &t
			}
		}
	}
	if s.Verdict == Unknown {
		s.Reasons = append(s.Reasons, "informational exceptions log page not read")
	}
	if p := l.Temperature; p != nil {
		if v, ok := p.Param(0x0000); ok && len(v.Value) >= 2 && v.Value[1] != 0xFF {
			t := int(v.Value[1])
			s.TemperatureC = &t
		}
	}
	if p := l.SolidStateMedia; p != nil {
		if v, ok := p.Param(0x0001); ok && len(v.Value) >= 4 {
			u := int(v.Value[3])
			s.PercentageUsed = &u
			if u >= 100 {
				s.Reasons = append(s.Reasons, fmt.Sprintf("percentage used %d%%: the rated endurance is used up", u))
			}
		}
	}
	if p := l.BackgroundScan; p != nil {
		if v, ok := p.Param(0x0000); ok && len(v.Value) >= 4 {
			h := uint64(binary.BigEndian.Uint32(v.Value[0:4])) / 60
			s.PowerOnHours = &h
		}
	}
	if p := l.ReadErrors; p != nil {
		if v, ok := p.Param(0x0006); ok {
			if n, ok := v.Uint(); ok {
				s.Uncorrectable = &n
				if n > 0 {
					s.Reasons = append(s.Reasons, fmt.Sprintf("%d uncorrected read errors", n))
				}
			}
		}
	}
	return s
}

// ReadSCSILogs reads the log pages FromSCSI uses that the device lists in
// its supported-pages page (00h). LOG SENSE is read-only. Pages that fail
// are left nil and their errors returned.
func ReadSCSILogs(ctx context.Context, d *scsi.Device) (SCSILogs, []error) {
	var l SCSILogs
	var errs []error
	sup, err := d.SupportedLogPages(ctx)
	if err != nil {
		return l, []error{err}
	}
	has := map[byte]bool{}
	for _, p := range sup {
		has[p] = true
	}
	read := func(page byte, dst **scsi.LogPage) {
		if !has[page] {
			return
		}
		p, err := d.LogSense(ctx, page, 0)
		if err != nil {
			errs = append(errs, err)
			return
		}
		*dst = p
	}
	read(0x2F, &l.InformationalExceptions)
	read(0x0D, &l.Temperature)
	read(0x11, &l.SolidStateMedia)
	read(0x15, &l.BackgroundScan)
	read(0x03, &l.ReadErrors)
	return l, errs
}

package atatest

import (
	"errors"
	"fmt"

	"github.com/kesu-erase/kesu/internal/filemedia"
)

// Errors the media returns, mirroring what the kernel would report (EIO)
// for a drive in these states.
var (
	ErrLocked         = errors.New("atatest: drive is security locked")
	ErrSanitizing     = errors.New("atatest: sanitize in progress")
	ErrSanitizeFailed = errors.New("atatest: drive is in the sanitize failure state")
	ErrBeyondMax      = errors.New("atatest: access beyond the max address")
	ErrWriteProtected = errors.New("atatest: the medium is write protected")
)

// Media is the drive's user data area with the method set of the erase
// package's Target: it addresses LBA 0 to the current max address, and
// fails while the drive is locked or sanitizing, or where the TPer's
// locking ranges are locked (an error wrapping tcgtest.ErrLocked); reads
// come through the TPer's MBR shadow.
type Media struct {
	d *Drive
	filemedia.Region
}

// Media returns the drive's user data area.
func (d *Drive) Media() *Media {
	m := &Media{d: d, Region: filemedia.Region{Mu: &d.mu, F: d.f, ErrRange: ErrBeyondMax,
		Gate: func() error {
			switch {
			case d.locked:
				return ErrLocked
			case d.san == sd2InProgress:
				return ErrSanitizing
			case d.san == sd3Failed:
				return ErrSanitizeFailed
			}
			return nil
		},
		Size: func() int64 { return int64(d.curMax+1) * int64(d.lss) },
		WriteFault: func() (bool, error) {
			if d.Faults.WriteProtect {
				return false, ErrWriteProtected
			}
			return d.Faults.DropWrites, nil
		},
	}}
	if t := d.cfg.TPer; t != nil {
		m.Access, m.Overlay = t.Access, t.Shadow
	}
	return m
}

// Size is the host-addressable size: (current max LBA + 1) × sector size.
func (m *Media) Size() int64 { return m.Limit() }

// LogicalBlockSize is the logical sector size.
func (m *Media) LogicalBlockSize() int { return m.d.lss }

// PhysicalBlockSize is the physical sector size.
func (m *Media) PhysicalBlockSize() int { return m.d.cfg.PhysicalSectorSize }

// Sync flushes the backing file.
func (m *Media) Sync() error { return m.d.f.Sync() }

// Close does nothing: the Drive owns the backing file.
func (m *Media) Close() error { return nil }

// Name names the drive.
func (m *Media) Name() string { return m.d.Name() }

// ReadRaw reads the backing file directly, ignoring every state (for test
// assertions about what is really on the medium).
func (d *Drive) ReadRaw(p []byte, off int64) (int, error) { return d.f.ReadAt(p, off) }

// WriteRaw writes the backing file directly (test setup, e.g. planting
// data in a hidden area).
func (d *Drive) WriteRaw(p []byte, off int64) (int, error) { return d.f.WriteAt(p, off) }

// fillBytes sets bytes [start, end) of the medium to v.
func (d *Drive) fillBytes(start, end int64, v byte) {
	d.fillFunc(start, end, func(b []byte) {
		for i := range b {
			b[i] = v
		}
	})
}

// fillFunc writes [start, end) in 1 MiB chunks produced by gen.
func (d *Drive) fillFunc(start, end int64, gen func([]byte)) {
	buf := make([]byte, 1<<20)
	for off := start; off < end; off += int64(len(buf)) {
		n := int64(len(buf))
		if end-off < n {
			n = end - off
		}
		gen(buf[:n])
		if _, err := d.f.WriteAt(buf[:n], off); err != nil {
			panic(fmt.Sprintf("atatest: writing the backing file: %v", err))
		}
	}
}

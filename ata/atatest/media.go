package atatest

import (
	"errors"
	"fmt"
	"io"
)

// Errors the media returns, mirroring what the kernel would report (EIO)
// for a drive in these states.
var (
	ErrLocked         = errors.New("atatest: drive is security locked")
	ErrSanitizing     = errors.New("atatest: sanitize in progress")
	ErrSanitizeFailed = errors.New("atatest: drive is in the sanitize failure state")
	ErrBeyondMax      = errors.New("atatest: access beyond the max address")
)

// Media is the drive's user data area with the method set of the erase
// package's Target: it addresses LBA 0 to the current max address, and
// fails while the drive is locked or sanitizing.
type Media struct{ d *Drive }

// Media returns the drive's user data area.
func (d *Drive) Media() *Media { return &Media{d: d} }

func (m *Media) check(off int64, n int) (int, error) {
	d := m.d
	switch {
	case d.locked:
		return 0, ErrLocked
	case d.san == sd2InProgress:
		return 0, ErrSanitizing
	case d.san == sd3Failed:
		return 0, ErrSanitizeFailed
	}
	size := int64(d.curMax+1) * int64(d.lss)
	if off < 0 || off > size {
		return 0, fmt.Errorf("%w: offset %d, size %d", ErrBeyondMax, off, size)
	}
	if rest := size - off; int64(n) > rest {
		return int(rest), nil
	}
	return n, nil
}

// ReadAt reads user data; reads past the current max return io.EOF.
func (m *Media) ReadAt(p []byte, off int64) (int, error) {
	m.d.mu.Lock()
	defer m.d.mu.Unlock()
	n, err := m.check(off, len(p))
	if err != nil {
		return 0, err
	}
	k, err := m.d.f.ReadAt(p[:n], off)
	if err == nil && n < len(p) {
		err = io.EOF
	}
	return k, err
}

// WriteAt writes user data; writes past the current max fail.
func (m *Media) WriteAt(p []byte, off int64) (int, error) {
	m.d.mu.Lock()
	defer m.d.mu.Unlock()
	n, err := m.check(off, len(p))
	if err != nil {
		return 0, err
	}
	k, err := m.d.f.WriteAt(p[:n], off)
	if err == nil && n < len(p) {
		err = fmt.Errorf("%w: write of %d bytes at %d", ErrBeyondMax, len(p), off)
	}
	return k, err
}

// Size is the host-addressable size: (current max LBA + 1) × sector size.
func (m *Media) Size() int64 {
	m.d.mu.Lock()
	defer m.d.mu.Unlock()
	return int64(m.d.curMax+1) * int64(m.d.lss)
}

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

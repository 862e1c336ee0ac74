// Package filemedia is the user data area of kesu's emulated drives
// (ata/atatest, scsi/scsitest): a backing file addressed up to a limit that
// the drive's state sets, refused while the drive's state forbids access,
// and, for a self-encrypting drive, checked against its locking ranges and
// read through its MBR shadow. It gives them the erase.Target read/write
// behaviour of a real disk.
package filemedia

import (
	"fmt"
	"io"
	"sync"
)

// File is the part of *os.File a medium uses.
type File interface {
	io.ReaderAt
	io.WriterAt
}

// Region is a file-backed medium. Its owner's lock guards the owner's
// state: Gate and Size are called with it held.
type Region struct {
	Mu *sync.Mutex
	F  File
	// Gate returns the error for an access the drive's state refuses
	// (locked, sanitizing, failed), or nil.
	Gate func() error
	// Size is the number of host-addressable bytes now.
	Size func() int64
	// ErrRange is wrapped in the error for an access past the end.
	ErrRange error
	// WriteFault, if set, is consulted (under the lock) before each write
	// inside the medium: drop makes the medium acknowledge the write
	// without storing it — a failing flash or a cache that lies — and a
	// non-nil err refuses it (write protection, a read-only end-of-life
	// mode).
	WriteFault func() (drop bool, err error)
	// Access, if set, is consulted (under the lock, after Gate and the
	// range check) for the n bytes at off that an access reaches inside
	// the medium; a non-nil error refuses the whole access (a locked TCG
	// locking range: tcgtest.Device.Access).
	Access func(off int64, n int, write bool) error
	// Overlay, if set, rewrites in p what a read at off returns instead of
	// the medium (the TCG MBR shadow: tcgtest.Device.Shadow). It sees only
	// the bytes that were read.
	Overlay func(p []byte, off int64)
}

// span returns how many of n bytes at off lie inside the medium.
func (r *Region) span(off int64, n int) (int, error) {
	if err := r.Gate(); err != nil {
		return 0, err
	}
	size := r.Size()
	if off < 0 || off > size {
		return 0, fmt.Errorf("%w: offset %d, size %d", r.ErrRange, off, size)
	}
	return int(min(int64(n), size-off)), nil
}

// ReadAt reads like io.ReaderAt: a read reaching past the end returns what
// lies before it and io.EOF.
func (r *Region) ReadAt(p []byte, off int64) (int, error) {
	r.Mu.Lock()
	defer r.Mu.Unlock()
	return r.readLocked(p, off)
}

func (r *Region) readLocked(p []byte, off int64) (int, error) {
	n, err := r.span(off, len(p))
	if err != nil {
		return 0, err
	}
	if r.Access != nil {
		if err := r.Access(off, n, false); err != nil {
			return 0, err
		}
	}
	k, err := r.F.ReadAt(p[:n], off)
	if r.Overlay != nil && k > 0 {
		r.Overlay(p[:k], off)
	}
	if err == nil && n < len(p) {
		err = io.EOF
	}
	return k, err
}

// WriteAt writes what lies inside the medium; a write reaching past the
// end fails with ErrRange.
func (r *Region) WriteAt(p []byte, off int64) (int, error) {
	r.Mu.Lock()
	defer r.Mu.Unlock()
	return r.writeLocked(p, off)
}

func (r *Region) writeLocked(p []byte, off int64) (int, error) {
	n, err := r.span(off, len(p))
	if err != nil {
		return 0, err
	}
	if r.Access != nil {
		if err := r.Access(off, n, true); err != nil {
			return 0, err
		}
	}
	if r.WriteFault != nil {
		drop, ferr := r.WriteFault()
		switch {
		case ferr != nil:
			return 0, ferr
		case drop:
			if n < len(p) {
				return n, fmt.Errorf("%w: write of %d bytes at %d", r.ErrRange, len(p), off)
			}
			return n, nil
		}
	}
	k, err := r.F.WriteAt(p[:n], off)
	if err == nil && n < len(p) {
		err = fmt.Errorf("%w: write of %d bytes at %d", r.ErrRange, len(p), off)
	}
	return k, err
}

// Limit returns the current size under the owner's lock.
func (r *Region) Limit() int64 {
	r.Mu.Lock()
	defer r.Mu.Unlock()
	return r.Size()
}

package nvmetest

import (
	"encoding/binary"
	"fmt"
	"os"

	"github.com/kesu-erase/kesu/nvme"
	"github.com/kesu-erase/kesu/tcg/tcgtest"
)

// Namespace is an emulated namespace backed by a file. Its methods give it
// the erase.Target method set: reads and writes fail while a sanitize runs
// (Sanitize In Progress) or after one failed (Sanitize Failed), beyond
// the namespace size (LBA Out of Range), and, on namespace 1 of a
// controller with a TPer, where a locking range is locked (Access Denied,
// SCT 2h SC 86h; the error also wraps tcgtest.ErrLocked); reads there come
// through the TPer's MBR shadow.
type Namespace struct {
	c        *Controller
	id       uint32
	f        *os.File
	path     string
	fileSize int64
	formats  []nvme.LBAFormat
	fmtIndex int
	dlfeat   uint8
	pbs      int
}

func (n *Namespace) blockSize() int { return n.formats[n.fmtIndex].BlockSize() }

func (n *Namespace) nsze() uint64 { return uint64(n.fileSize) / uint64(n.blockSize()) }

// ID is the namespace ID.
func (n *Namespace) ID() uint32 { return n.id }

// Path is the backing file.
func (n *Namespace) Path() string { return n.path }

// Name identifies the namespace in messages.
func (n *Namespace) Name() string { return fmt.Sprintf("%s/n%d", n.c.name, n.id) }

// Size is the namespace size in bytes (NSZE × block size).
func (n *Namespace) Size() int64 {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	return int64(n.nsze()) * int64(n.blockSize())
}

// LogicalBlockSize is the current LBA format's data size.
func (n *Namespace) LogicalBlockSize() int {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	return n.blockSize()
}

// PhysicalBlockSize is the configured physical block size (default: the
// logical one).
func (n *Namespace) PhysicalBlockSize() int {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	if n.pbs > 0 {
		return n.pbs
	}
	return n.blockSize()
}

// ReadAt reads like an NVMe Read.
func (n *Namespace) ReadAt(p []byte, off int64) (int, error) {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	lim, err := n.check("read", len(p), off)
	if lim == 0 {
		return 0, err
	}
	m, rerr := n.f.ReadAt(p[:lim], off)
	if t := n.tper(); t != nil && m > 0 {
		t.Shadow(p[:m], off)
	}
	if rerr != nil {
		return m, rerr
	}
	return m, err
}

// WriteAt writes like an NVMe Write; it clears the Global Data Erased bit
// of the Sanitize Status log, as user data now exists.
func (n *Namespace) WriteAt(p []byte, off int64) (int, error) {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	lim, err := n.check("write", len(p), off)
	if lim == 0 {
		return 0, err
	}
	n.c.sstat &^= 1 << 8
	if n.c.cfg.Misbehave.DropWrites {
		return lim, err
	}
	m, werr := n.f.WriteAt(p[:lim], off)
	if werr != nil {
		return m, werr
	}
	return m, err
}

// check returns how many bytes of an access may proceed and the error for
// the rest (if any).
func (n *Namespace) check(op string, length int, off int64) (int, error) {
	if st := n.c.ioState(); st != 0 {
		return 0, nvme.NewIOError(op, n.Name(), st)
	}
	size := int64(n.nsze()) * int64(n.blockSize())
	if off < 0 || off >= size {
		if length == 0 && off == size {
			return 0, nil
		}
		return 0, nvme.NewIOError(op, n.Name(), stLBARange)
	}
	lim, err := length, error(nil)
	if off+int64(length) > size {
		lim, err = int(size-off), nvme.NewIOError(op, n.Name(), stLBARange)
	}
	if t := n.tper(); t != nil {
		if aerr := t.Access(off, lim, op == "write"); aerr != nil {
			return 0, fmt.Errorf("%w: %w", nvme.NewIOError(op, n.Name(), stAccessDenied), aerr)
		}
	}
	return lim, err
}

// tper is the controller's TPer if it guards this namespace (namespace 1).
func (n *Namespace) tper() tcgtest.Device {
	if n.id != 1 {
		return nil
	}
	return n.c.cfg.TPer
}

// Sync flushes the backing file.
func (n *Namespace) Sync() error { return n.f.Sync() }

// Close does nothing: the controller owns the file (see Controller.Close).
func (n *Namespace) Close() error { return nil }

// identify fills Identify Namespace data.
func (n *Namespace) identify(b []byte) {
	le64 := binary.LittleEndian.PutUint64
	nsze := n.nsze()
	le64(b[0:], nsze)
	le64(b[8:], nsze)
	le64(b[16:], nsze)
	b[25] = byte(len(n.formats) - 1)
	b[26] = byte(n.fmtIndex&0xf) | byte(n.fmtIndex>>4&3)<<5
	b[33] = n.dlfeat
	le64(b[48:], uint64(n.fileSize))
	for i, f := range n.formats {
		if i >= 64 {
			break
		}
		binary.LittleEndian.PutUint16(b[128+4*i:], f.MetadataSize)
		b[128+4*i+2] = f.LBADS
		b[128+4*i+3] = f.RP & 3
	}
}

// fill writes gen's content over [0, end) of the backing file.
func (n *Namespace) fill(start, end int64, gen func([]byte)) error {
	const chunk = 1 << 20
	buf := make([]byte, chunk)
	for off := start; off < end; off += chunk {
		m := min(int64(chunk), end-off)
		gen(buf[:m])
		if _, err := n.f.WriteAt(buf[:m], off); err != nil {
			return err
		}
	}
	return nil
}

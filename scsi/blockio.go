package scsi

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// Block-command operation codes (SBC-4 5.8, 5.13, 5.26, 5.41).
const (
	OpSynchronizeCache10 = 0x35
	OpRead16             = 0x88
	OpWrite16            = 0x8A
)

// Read16CDB builds READ(16) of blocks at lba (SBC-4 5.13): no protection
// information, no FUA.
func Read16CDB(lba uint64, blocks uint32) []byte {
	cdb := make([]byte, 16)
	cdb[0] = OpRead16
	binary.BigEndian.PutUint64(cdb[2:10], lba)
	binary.BigEndian.PutUint32(cdb[10:14], blocks)
	return cdb
}

// Write16CDB builds WRITE(16) of blocks at lba (SBC-4 5.41).
func Write16CDB(lba uint64, blocks uint32) []byte {
	cdb := Read16CDB(lba, blocks)
	cdb[0] = OpWrite16
	return cdb
}

// SynchronizeCache10CDB builds SYNCHRONIZE CACHE(10) for the whole medium
// (SBC-4 5.26: LBA 0 and 0 blocks mean every block; IMMED clear, so GOOD
// status means the cache has been written).
func SynchronizeCache10CDB() []byte {
	cdb := make([]byte, 10)
	cdb[0] = OpSynchronizeCache10
	return cdb
}

// BlockIOTimeout bounds one READ(16) or WRITE(16); SyncTimeout bounds
// SYNCHRONIZE CACHE, which may write a large cache out.
const (
	BlockIOTimeout = 60 * time.Second
	SyncTimeout    = 5 * time.Minute
)

// ErrUnaligned is returned for host I/O that does not start and end on a
// logical block boundary: a disk reached by commands has no byte access.
var ErrUnaligned = errors.New("scsi: I/O not aligned to the logical block size")

// BlockDevice is a disk's user data area reached by READ(16), WRITE(16)
// and SYNCHRONIZE CACHE through a Transport rather than through a kernel
// block device: the host I/O path to a drive behind a RAID controller that
// kesu reaches by pass-through. It has the method set of erase.Target.
// Requests longer than the transport's largest transfer are split.
type BlockDevice struct {
	// Via says how the commands reach the disk, for the record (e.g.
	// "megaraid_sas host0's MFI pass-through").
	Via         string
	dev         *Device
	name        string
	blocks      uint64
	lbs, pbs    int
	maxTransfer int
	write       bool
}

// OpenBlockDevice reads the capacity of the disk behind d with READ
// CAPACITY(16) and returns its user data area. maxTransfer is the largest
// data transfer the transport carries in one command (rounded down to whole
// blocks); write allows WriteAt.
func OpenBlockDevice(ctx context.Context, d *Device, name string, maxTransfer int, write bool) (*BlockDevice, error) {
	c, err := d.ReadCapacity16(ctx)
	if err != nil {
		return nil, err
	}
	if c.LogicalBlockSize == 0 || c.LogicalBlockSize%512 != 0 {
		return nil, fmt.Errorf("%s: READ CAPACITY(16) reports a logical block of %d bytes", name, c.LogicalBlockSize)
	}
	lbs := int(c.LogicalBlockSize)
	if maxTransfer < lbs {
		return nil, fmt.Errorf("%s: the transport carries %d bytes per command, less than one %d-byte block", name, maxTransfer, lbs)
	}
	return &BlockDevice{dev: d, name: name, blocks: c.LastLBA + 1, lbs: lbs, pbs: int(c.PhysicalBlockSize()),
		maxTransfer: maxTransfer / lbs * lbs, write: write}, nil
}

// Name identifies the disk in messages.
func (b *BlockDevice) Name() string { return b.name }

// Size is the capacity in bytes.
func (b *BlockDevice) Size() int64 { return int64(b.blocks) * int64(b.lbs) }

// LogicalBlockSize is the logical block length in bytes.
func (b *BlockDevice) LogicalBlockSize() int { return b.lbs }

// PhysicalBlockSize is the physical block length in bytes.
func (b *BlockDevice) PhysicalBlockSize() int { return b.pbs }

// WriteMechanism says how host writes reach the disk, for the record.
func (b *BlockDevice) WriteMechanism() string {
	via := b.Via
	if via == "" {
		via = "the SCSI transport"
	}
	return fmt.Sprintf("WRITE(16) commands of up to %d bytes through %s, SYNCHRONIZE CACHE(10) at the end", b.maxTransfer, via)
}

// MaxTransfer is the largest data transfer of one command.
func (b *BlockDevice) MaxTransfer() int { return b.maxTransfer }

func (b *BlockDevice) span(n int, off int64) (uint64, int, error) {
	if off%int64(b.lbs) != 0 || n%b.lbs != 0 {
		return 0, 0, fmt.Errorf("%s: %w: %d bytes at %d", b.name, ErrUnaligned, n, off)
	}
	if off < 0 || off > b.Size() {
		return 0, 0, fmt.Errorf("%s: offset %d beyond the last block", b.name, off)
	}
	return uint64(off / int64(b.lbs)), int(min(int64(n), b.Size()-off)), nil
}

// ReadAt reads whole blocks with READ(16); a read reaching past the last
// block returns what lies before it and io.EOF.
func (b *BlockDevice) ReadAt(p []byte, off int64) (int, error) {
	return b.transfer(p, off, false)
}

// WriteAt writes whole blocks with WRITE(16).
func (b *BlockDevice) WriteAt(p []byte, off int64) (int, error) {
	if !b.write {
		return 0, fmt.Errorf("%s: opened read-only", b.name)
	}
	return b.transfer(p, off, true)
}

func (b *BlockDevice) transfer(p []byte, off int64, write bool) (int, error) {
	lba, n, err := b.span(len(p), off)
	if err != nil {
		return 0, err
	}
	done := 0
	for done < n {
		k := min(n-done, b.maxTransfer)
		blocks := uint32(k / b.lbs)
		cmd := &Command{CDB: Read16CDB(lba, blocks), Dir: DirFromDevice, Data: p[done : done+k], Timeout: BlockIOTimeout}
		op := "READ(16)"
		if write {
			cmd.CDB, cmd.Dir, op = Write16CDB(lba, blocks), DirToDevice, "WRITE(16)"
		} else {
			// MFI through the Linux ioctl reports no residual, and
			// copies this buffer in and out whatever the direction: a
			// read that moved less than asked leaves this marker, which
			// no content kesu expects (zeros, a byte pattern, a
			// keystream) reads as. (CISS drivers zero their own buffer
			// instead; an underrun they report is Response.Underrun.)
			fillUnread(cmd.Data)
		}
		resp, err := b.dev.Do(context.Background(), fmt.Sprintf("%s at LBA %d", op, lba), cmd)
		if err != nil {
			return done, err
		}
		switch {
		case resp.Resid != 0:
			return done, fmt.Errorf("%s: %s at LBA %d transferred %d of %d bytes", b.name, op, lba, k-resp.Resid, k)
		case resp.Underrun:
			// What did not move would read as zeros (the pass-through's
			// zeroed bounce buffer): never take it for the drive's data.
			return done, fmt.Errorf("%s: %s at LBA %d: the controller reports a data underrun of unknown size", b.name, op, lba)
		}
		done += k
		lba += uint64(blocks)
	}
	if n < len(p) {
		if write {
			return done, fmt.Errorf("%s: write of %d bytes at %d reaches past the last block", b.name, len(p), off)
		}
		return done, io.EOF
	}
	return done, nil
}

// unreadMarker fills a read buffer before the device fills it.
var unreadMarker = []byte("kesu: not read from the drive\x00\xff")

func fillUnread(b []byte) {
	for i := 0; i < len(b); i += copy(b[i:], unreadMarker) {
	}
}

// Sync writes the disk's volatile cache to the medium with SYNCHRONIZE
// CACHE(10).
func (b *BlockDevice) Sync() error {
	_, err := b.dev.Do(context.Background(), "SYNCHRONIZE CACHE(10)", &Command{CDB: SynchronizeCache10CDB(), Timeout: SyncTimeout})
	return err
}

// Close releases nothing: the transport belongs to the caller.
func (b *BlockDevice) Close() error { return nil }

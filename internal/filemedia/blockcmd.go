package filemedia

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/kesu-erase/kesu/scsi"
)

// ErrNotBlockCommand is returned by BlockCommand for a command it does not
// carry out.
var ErrNotBlockCommand = errors.New("filemedia: not a block command")

// BlockCommand carries out READ(16), WRITE(16) and SYNCHRONIZE CACHE(10)
// (SBC-4 5.13, 5.41, 5.26) on the medium in blocks of lbs bytes, for an
// emulator that holds its lock (Mu) already, so that a drive's host I/O
// obeys the same state, size, write faults, locking ranges and MBR shadow
// as its Target view. It returns ErrNotBlockCommand for other commands, an
// error wrapping ErrRange for blocks past the end, and the Gate's,
// Access's or WriteFault's error as they are; the caller turns errors into
// sense data.
func (r *Region) BlockCommand(cmd *scsi.Command, lbs int) error {
	cdb := cmd.CDB
	switch {
	case len(cdb) == 10 && cdb[0] == scsi.OpSynchronizeCache10:
		return r.Gate()
	case len(cdb) == 16 && (cdb[0] == scsi.OpRead16 || cdb[0] == scsi.OpWrite16):
	default:
		return ErrNotBlockCommand
	}
	lba := binary.BigEndian.Uint64(cdb[2:10])
	n := int64(binary.BigEndian.Uint32(cdb[10:14])) * int64(lbs)
	if n != int64(len(cmd.Data)) {
		return fmt.Errorf("filemedia: transfer length %d bytes, buffer %d bytes", n, len(cmd.Data))
	}
	if err := r.Gate(); err != nil {
		return err
	}
	off := int64(lba) * int64(lbs)
	if lba > uint64(r.Size()/int64(lbs)) || off+n > r.Size() {
		return fmt.Errorf("%w: LBA %d + %d blocks, size %d bytes", r.ErrRange, lba, n/int64(lbs), r.Size())
	}
	var err error
	if cdb[0] == scsi.OpRead16 {
		_, err = r.readLocked(cmd.Data, off)
	} else {
		_, err = r.writeLocked(cmd.Data, off)
	}
	return err
}

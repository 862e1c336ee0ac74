package tcgtest

import (
	"errors"
	"io"
)

// Device is what an emulated drive (ata/atatest, scsi/scsitest,
// nvme/nvmetest) needs from an emulated TPer. The drive calls it with its
// own lock held; the TPer never calls back into the drive except through
// the medium given to Attach.
type Device interface {
	// SecurityReceive answers IF-RECV: it fills buf (zero padded). An
	// error wrapping ErrUnsupported makes the drive refuse the command
	// (invalid field); other errors are device errors.
	SecurityReceive(protocol uint8, spSpecific uint16, buf []byte) error
	// SecuritySend takes IF-SEND.
	SecuritySend(protocol uint8, spSpecific uint16, data []byte) error
	// Access returns nil, or an error wrapping ErrLocked, for a user data
	// access of n bytes at byte offset off.
	Access(off int64, n int, write bool) error
	// Shadow replaces in p, read from byte offset off, what the MBR shadow
	// answers instead of the medium (while MBR shadowing is enabled and not
	// done); it changes nothing otherwise.
	Shadow(p []byte, off int64)
	// Attach gives the TPer the drive's medium (capacity bytes from offset
	// 0), which a key erase scrambles.
	Attach(medium io.WriterAt, capacity int64)
}

// Errors a Device returns.
var (
	ErrUnsupported = errors.New("tcgtest: security protocol not supported")
	ErrLocked      = errors.New("tcgtest: the locking range is locked")
)

// Package drive adapts the protocol packages (ata, scsi, nvme) to the
// worker's Drive interface: probing a drive into protocol-neutral
// capabilities, restoring hidden areas, and running each firmware erase
// method with the content the drive declares it leaves. Which adapter a
// drive gets is decided by its sysfs transport, never by trial commands
// (some USB bridges break on ATA or NVMe pass-through).
package drive

import (
	"errors"

	"github.com/kesu-erase/kesu/erase"
)

// BlockOpener opens a drive's user data area for host I/O.
type BlockOpener func(write bool) (erase.Target, error)

// OpenBlock opens a block device path: read-only, or read-write with an
// exclusive open (the kernel refuses it while the device is mounted or held).
// A device the kernel holds read-only is still opened for writing: a
// firmware erase needs no host write, and the plan offers no host
// overwrite for it (the overwrite engine would refuse it up front).
func OpenBlock(path string) BlockOpener {
	return func(write bool) (erase.Target, error) {
		return erase.Open(path, erase.OpenOptions{Write: write, Exclusive: write, AllowReadOnly: true})
	}
}

// openConfirmed opens the block device and returns it once confirm accepts
// it as the drive probed; otherwise it closes it and returns confirm's
// error.
func openConfirmed(block BlockOpener, write bool, confirm func(erase.Target) error) (erase.Target, error) {
	t, err := block(write)
	if err != nil {
		return nil, err
	}
	if err := confirm(t); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// errNotErased is returned for methods an adapter does not offer.
var errNotErased = errors.New("this adapter does not run that method")

// constantOf maps a content kind to a constant pattern expectation.
func expectAny(ps ...erase.Pattern) erase.Expectation {
	if len(ps) == 0 {
		return nil
	}
	if len(ps) == 1 {
		return erase.ExpectPattern(ps[0])
	}
	return erase.ExpectAnyOf(ps...)
}

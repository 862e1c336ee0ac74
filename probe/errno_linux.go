//go:build linux

package probe

import (
	"errors"

	"golang.org/x/sys/unix"
)

// refusedPassThrough reports whether err says the device took no SG_IO at
// all (the ioctl is not implemented by its driver) rather than that a
// command failed on it.
func refusedPassThrough(err error) bool {
	for _, e := range []error{unix.ENOTTY, unix.EINVAL, unix.EOPNOTSUPP, unix.ENOSYS} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

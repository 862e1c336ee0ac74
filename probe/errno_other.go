//go:build !linux

package probe

import (
	"errors"

	"github.com/kesu-erase/kesu/scsi"
)

// refusedPassThrough: off Linux there is no SG_IO at all.
func refusedPassThrough(err error) bool { return errors.Is(err, scsi.ErrNoSGIO) }

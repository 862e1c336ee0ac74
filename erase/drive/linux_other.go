//go:build !linux

package drive

import (
	"context"
	"errors"

	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/worker"
)

var errNotLinux = errors.New("drive: driving disks needs Linux")

// Open fails off Linux: the adapters need SG_IO and the NVMe passthrough.
func Open(discover.Disk) (worker.Drive, error) { return nil, errNotLinux }

// NewUnfreezer returns an unfreezer that fails off Linux.
func NewUnfreezer(func(string)) worker.Unfreezer { return noUnfreezer{} }

type noUnfreezer struct{}

func (noUnfreezer) Unfreeze(context.Context) error { return errNotLinux }

package main

import (
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/drive"
	"github.com/kesu-erase/kesu/erase/worker"
)

// openDrive builds the worker's Drive for a real disk, choosing the adapter
// by the disk's sysfs transport.
// TEMPORARY until erase/drive's Linux opener lands: every disk is driven
// through the block layer only.
var openDrive = func(d discover.Disk) (worker.Drive, error) {
	return drive.NewPlain(d, drive.OpenBlock(d.Path)), nil
}

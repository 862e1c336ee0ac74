package main

import (
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/drive"
	"github.com/kesu-erase/kesu/erase/worker"
)

// openDrive builds the worker's Drive for a real disk, choosing the adapter
// by the disk's sysfs transport (erase/drive.Open).
var openDrive = func(d discover.Disk) (worker.Drive, error) { return drive.Open(d) }

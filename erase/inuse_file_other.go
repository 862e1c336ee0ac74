//go:build !linux

package erase

import (
	"errors"
	"io/fs"
)

// sysFileID: kesu reads device and inode numbers on Linux only, so
// CheckFileNotInUse cannot vouch for a file elsewhere.
func sysFileID(any) (fileID, bool) { return fileID{}, false }

// loopBackingID: loop devices are Linux's.
func loopBackingID(fs.FS, string) (fileID, error) {
	return fileID{}, errors.New("loop devices are supported on Linux only")
}

//go:build !linux

package target

import (
	"errors"
	"os"
)

// kernelName needs Linux's sysfs.
func kernelName(os.FileInfo) (string, error) {
	return "", errors.New("block devices are supported on Linux only")
}

// dirWritable cannot tell off Linux; the record's creation will.
func dirWritable(string) error { return nil }

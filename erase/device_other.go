//go:build !linux

package erase

import (
	"errors"
	"fmt"
	"os"
)

// Open opens a regular file as a Target; block devices need Linux.
func Open(path string, o OpenOptions) (*Device, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s: only regular files are supported on this system", ErrNotTarget, path)
	}
	if o.Write && !o.AllowReadOnly {
		if err := fileWritable(path, st.Mode()); err != nil {
			return nil, err
		}
	}
	flag := os.O_RDONLY
	if o.Write {
		flag = os.O_RDWR
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return nil, err
	}
	return &Device{path: path, f: f, size: st.Size(), lbs: 512, pbs: 4096, align: 1, write: o.Write}, nil
}

// ReadOnly reports whether the file has no write permission bit.
func (d *Device) ReadOnly() (bool, error) {
	st, err := d.f.Stat()
	if err != nil {
		return false, err
	}
	return st.Mode().Perm()&0o222 == 0, nil
}

// Present reports whether the file still exists.
func (d *Device) Present() bool {
	_, err := os.Stat(d.path)
	return err == nil
}

func vanishedErr(err error) bool { return errors.Is(err, os.ErrNotExist) }

// Package outfile writes output files (certificates, CSV ledgers) that
// never overwrite by accident: without force a file that exists is
// refused, and every file of a set is checked before the first is
// written; with force the new content goes to a temporary file beside the
// old one and replaces it only when complete, so a failed write leaves
// the old file as it was.
package outfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrExists marks a refusal: a file would have been overwritten without
// force.
var ErrExists = errors.New("already exists")

// Refuse returns an error wrapping ErrExists when any of paths exists and
// force is not set, naming them all; nil otherwise.
func Refuse(paths []string, force bool) error {
	if force {
		return nil
	}
	var there []string
	for _, p := range paths {
		if _, err := os.Lstat(p); err == nil {
			there = append(there, p)
		}
	}
	switch len(there) {
	case 0:
		return nil
	case 1:
		return &existsError{fmt.Sprintf("%s already exists; nothing was written (--force overwrites it)", there[0])}
	}
	return &existsError{fmt.Sprintf("%d files already exist (%s); nothing was written (--force overwrites them)", len(there), strings.Join(there, ", "))}
}

type existsError struct{ msg string }

func (e *existsError) Error() string { return e.msg }
func (e *existsError) Unwrap() error { return ErrExists }

// File is an output being written: a new file, or with force a temporary
// file that replaces the existing one only when complete (Commit).
type File struct {
	*os.File
	path string // the file's final name
}

// Create creates path for writing. Without force it must not exist
// (O_EXCL: a file appearing since Refuse checked is not overwritten
// either; the error wraps ErrExists); with force the content goes to a
// temporary file beside it, renamed over it by Commit.
func Create(path string, force bool) (*File, error) {
	if !force {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, os.ErrExist) {
			return nil, &existsError{fmt.Sprintf("%s already exists; nothing was written to it (--force overwrites it)", path)}
		}
		if err != nil {
			return nil, err
		}
		return &File{File: f, path: path}, nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &File{File: f, path: path}, nil
}

// Commit closes the file and, for a temporary file, renames it over the
// final name.
func (o *File) Commit() error {
	if err := o.Close(); err != nil {
		o.remove()
		return err
	}
	if o.Name() == o.path {
		return nil
	}
	if err := os.Rename(o.Name(), o.path); err != nil {
		os.Remove(o.Name())
		return err
	}
	return nil
}

// Abort closes and removes what was written; an existing file being
// replaced stays as it was.
func (o *File) Abort() {
	o.Close()
	o.remove()
}

func (o *File) remove() { os.Remove(o.Name()) }

//go:build linux

package appliance

import (
	"context"
	"errors"
	"io/fs"
	"os"

	"github.com/kesu-erase/kesu/console"
)

// Site returns the network boot's site files (SiteDir, from the site
// archive GRUB loaded after the initramfs), or nil when there are none.
func (s *linuxSystem) Site() fs.FS {
	if st, err := os.Stat(SiteDir); err != nil || !st.IsDir() {
		return nil
	}
	return os.DirFS(SiteDir)
}

// ReadSecret opens the active consoles and reads one line typed on any of
// them without showing it (console.ReadSecret: echo off on all before the
// prompt, no read left pending after), then closes them again: the
// technician's screen (which reads the ttys itself) must have the keys
// afterwards.
func (s *linuxSystem) ReadSecret(ctx context.Context, prompt func()) ([]byte, error) {
	var files []*os.File
	for _, n := range s.Consoles() {
		f, err := os.OpenFile("/dev/"+n, os.O_RDWR, 0)
		if err != nil {
			continue
		}
		defer f.Close()
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil, errors.New("no console to read from")
	}
	return console.ReadSecret(ctx, files, prompt)
}

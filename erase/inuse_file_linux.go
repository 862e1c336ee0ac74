package erase

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"syscall"

	"golang.org/x/sys/unix"
)

// sysFileID reads st_dev and st_ino from an os.FileInfo's Sys.
func sysFileID(sys any) (fileID, bool) {
	st, ok := sys.(*syscall.Stat_t)
	if !ok {
		return fileID{}, false
	}
	return fileID{dev: uint64(st.Dev), ino: uint64(st.Ino)}, true
}

// loopBackingID asks the loop device for its backing file's identity with
// LOOP_GET_STATUS64 (lo_device and lo_inode are the backing file's st_dev
// and st_ino). It opens dev/LOOP in root read-only, so it works only when
// root hands out real files (os.DirFS), and checks that the device answering
// is the loop device asked for.
func loopBackingID(root fs.FS, loop string) (fileID, error) {
	f, err := root.Open(path.Join("dev", loop))
	if err != nil {
		return fileID{}, err
	}
	defer f.Close()
	osf, ok := f.(*os.File)
	if !ok {
		return fileID{}, errors.New("not a device node of this system")
	}
	info, err := unix.IoctlLoopGetStatus64(int(osf.Fd()))
	if err != nil {
		return fileID{}, fmt.Errorf("/dev/%s: LOOP_GET_STATUS64: %w", loop, err)
	}
	if got := fmt.Sprintf("loop%d", info.Number); got != loop {
		return fileID{}, fmt.Errorf("/dev/%s answers as %s", loop, got)
	}
	return fileID{dev: info.Device, ino: info.Inode}, nil
}

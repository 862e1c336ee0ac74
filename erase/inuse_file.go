package erase

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
)

// fileID identifies a file: the device that holds it and its inode number,
// as stat(2) reports them (st_dev, st_ino). Paths do not identify a file:
// one file has many names (symlinks, bind mounts, hard links, relative
// paths) and a name can be reused for another file.
type fileID struct{ dev, ino uint64 }

// idOf returns the identity in fi: from the system's stat structure
// (sysFileID), or a fileID a test tree put in fstest.MapFile.Sys.
func idOf(fi fs.FileInfo) (fileID, bool) {
	if id, ok := fi.Sys().(fileID); ok {
		return id, true
	}
	return sysFileID(fi.Sys())
}

// devMajor and devMinor split a Linux dev_t as user space sees it in
// st_dev (glibc's gnu_dev_major and gnu_dev_minor).
func devMajor(dev uint64) uint64 { return (dev>>8)&0xfff | (dev>>32)&^0xfff }
func devMinor(dev uint64) uint64 { return dev&0xff | (dev>>12)&^0xff }

// deletedSuffix is what the kernel appends to a path (d_path) whose file
// has been unlinked.
const deletedSuffix = " (deleted)"

// maxListed caps how many processes a refusal names one by one.
const maxListed = 8

// KindOf names what a file mode describes ("regular file", "block device",
// "character device", "named pipe", "socket", "directory", "symbolic link"
// or "irregular file"), for messages.
func KindOf(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "regular file"
	case m&fs.ModeDevice != 0 && m&fs.ModeCharDevice == 0:
		return "block device"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m.IsDir():
		return "directory"
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	}
	return "irregular file"
}

// loopIDFunc asks loop device loop (kernel name) for the identity of its
// backing file.
type loopIDFunc func(root fs.FS, loop string) (fileID, error)

// CheckFileNotInUse reports, as an *InUseError listing every reason,
// whether the regular file at name is in use by something that writing it
// would corrupt:
//   - it backs an attached loop device (the reason names /dev/loopN and, by
//     CheckNotInUse, whether it or a partition of it is mounted, held or swap);
//   - it is an active swap file (/proc/swaps);
//   - another process holds it open (/proc/PID/fd) or has it memory-mapped
//     (/proc/PID/maps); kesu's own process (/proc/self) does not count.
//
// root is the machine's root directory as an fs.FS (os.DirFS("/") in
// production) and name a path in it without the leading slash
// ("srv/img/disk.img" for /srv/img/disk.img); symlinks on the way are
// followed. Files are compared by device and inode, never by path, so a
// file named through a symlink, a bind mount, a hard link or a relative
// path is recognised.
//
// The loop device's backing file is found from sysfs
// (/sys/block/loopN/loop/backing_file, a path) and identified by stat of
// that path in root. Only when that path cannot settle it (the kernel marks
// it " (deleted)", or it does not resolve) is the loop device itself asked,
// with LOOP_GET_STATUS64 (lo_device, lo_inode) on root's dev/loopN, opened
// read-only; that needs root to hand out real files (os.DirFS). If neither
// works, the file counts as the backing file when the paths are equal.
//
// A file that is not regular is refused with ErrNotTarget. An error that is
// not an *InUseError means the check could not be made (no /proc, or no
// device and inode for files on this system); callers must not write then.
func CheckFileNotInUse(root fs.FS, name string) error {
	return checkFileNotInUse(root, name, loopBackingID)
}

func checkFileNotInUse(root fs.FS, name string, loopID loopIDFunc) error {
	shown := "/" + name
	fi, err := fs.Stat(root, name)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is a %s, not a regular file", ErrNotTarget, shown, KindOf(fi.Mode()))
	}
	id, ok := idOf(fi)
	if !ok {
		return fmt.Errorf("%s: no device and inode number on this system: cannot check whether it is in use", shown)
	}
	loops, err := loopUsers(root, shown, id, loopID)
	if err != nil {
		return fmt.Errorf("%s: cannot check whether it backs a loop device: %w", shown, err)
	}
	reasons := append(loops, swapUsers(root, shown, id)...)
	procs, err := processUsers(root, id)
	if err != nil {
		return fmt.Errorf("%s: cannot check which processes use it: %w", shown, err)
	}
	reasons = append(reasons, procs...)
	if len(reasons) > 0 {
		return &InUseError{Device: shown, Reasons: reasons}
	}
	return nil
}

// sameFileAt reports whether the kernel-printed path p names the file id
// in root. settled is false when p cannot tell: it does not resolve in
// root, or it ends in " (deleted)" and is not a file so named (then the
// file the kernel uses has no name left, and whatever now has its old name
// is another file, or the same inode by another link).
func sameFileAt(root fs.FS, p string, id fileID) (same, settled bool) {
	_, deleted := strings.CutSuffix(p, deletedSuffix)
	if !strings.HasPrefix(p, "/") {
		return false, false
	}
	fi, err := fs.Stat(root, strings.TrimPrefix(p, "/"))
	if err != nil {
		return false, false
	}
	cid, ok := idOf(fi)
	if !ok {
		return false, false
	}
	if cid == id {
		return true, true
	}
	return false, !deleted
}

// loopUsers lists the attached loop devices that id backs.
func loopUsers(root fs.FS, shown string, id fileID, loopID loopIDFunc) ([]string, error) {
	ents, err := fs.ReadDir(root, "sys/block")
	if err != nil {
		return nil, err
	}
	var loops []string
	for _, e := range ents {
		n := e.Name()
		if !strings.HasPrefix(n, "loop") {
			continue
		}
		data, err := fs.ReadFile(root, path.Join("sys/block", n, "loop/backing_file"))
		if err != nil {
			continue // not attached: the loop directory exists only while bound
		}
		p := strings.TrimSuffix(string(data), "\n")
		same, settled := sameFileAt(root, p, id)
		if !settled {
			if lid, err := loopID(root, n); err == nil {
				same = lid == id
			} else {
				stripped, _ := strings.CutSuffix(p, deletedSuffix)
				same = stripped == shown
			}
		}
		if same {
			loops = append(loops, n)
		}
	}
	sort.Slice(loops, func(i, j int) bool {
		if len(loops[i]) != len(loops[j]) {
			return len(loops[i]) < len(loops[j])
		}
		return loops[i] < loops[j]
	})
	reasons := make([]string, 0, len(loops))
	for _, n := range loops {
		r := fmt.Sprintf("backs /dev/%s, an attached loop device", n)
		var iu *InUseError
		if err := CheckNotInUse(root, n); errors.As(err, &iu) {
			r += " (" + strings.Join(iu.Reasons, ", ") + ")"
		}
		reasons = append(reasons, r)
	}
	return reasons, nil
}

// swapUsers reports whether id is an active swap file. /proc/swaps escapes
// blanks and backslashes in names as octal, like mountinfo.
func swapUsers(root fs.FS, shown string, id fileID) []string {
	data, err := fs.ReadFile(root, "proc/swaps")
	if err != nil {
		return nil
	}
	var out []string
	for i, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if i == 0 || len(f) < 2 || f[1] != "file" {
			continue
		}
		p := unescapeMount(f[0])
		same, settled := sameFileAt(root, p, id)
		if !settled {
			stripped, _ := strings.CutSuffix(p, deletedSuffix)
			same = stripped == shown
		}
		if same {
			out = append(out, "is an active swap file")
		}
	}
	return out
}

type procUse struct {
	pid    int
	comm   string
	fds    []int
	mapped bool
}

// processUsers lists the processes other than root's proc/self that hold
// id open or have it mapped. Processes that vanish or whose fd table
// cannot be read (not root) are skipped.
func processUsers(root fs.FS, id fileID) ([]string, error) {
	ents, err := fs.ReadDir(root, "proc")
	if err != nil {
		return nil, err
	}
	self := os.Getpid()
	if s, err := fs.ReadLink(root, "proc/self"); err == nil {
		if n, err := strconv.Atoi(s); err == nil {
			self = n
		}
	}
	var uses []procUse
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		dir := path.Join("proc", e.Name())
		u := procUse{pid: pid}
		fds, _ := fs.ReadDir(root, path.Join(dir, "fd"))
		for _, fd := range fds {
			n, err := strconv.Atoi(fd.Name())
			if err != nil {
				continue
			}
			// Stat follows the fd's magic link to the open file itself,
			// unlinked or not.
			fi, err := fs.Stat(root, path.Join(dir, "fd", fd.Name()))
			if err != nil {
				continue
			}
			if fid, ok := idOf(fi); ok && fid == id {
				u.fds = append(u.fds, n)
			}
		}
		u.mapped = mapsFile(root, dir, id)
		if len(u.fds) == 0 && !u.mapped {
			continue
		}
		u.comm, _ = readTrim(root, path.Join(dir, "comm"))
		sort.Ints(u.fds)
		uses = append(uses, u)
	}
	sort.Slice(uses, func(i, j int) bool { return uses[i].pid < uses[j].pid })
	var out []string
	for i, u := range uses {
		if i == maxListed {
			out = append(out, fmt.Sprintf("and %d more processes use it", len(uses)-maxListed))
			break
		}
		who := fmt.Sprintf("process %d", u.pid)
		if u.comm != "" {
			who += " (" + u.comm + ")"
		}
		var fds []string
		for _, fd := range u.fds {
			fds = append(fds, strconv.Itoa(fd))
		}
		word := "fd"
		if len(fds) > 1 {
			word = "fds"
		}
		switch {
		case len(fds) > 0 && u.mapped:
			out = append(out, fmt.Sprintf("held open by %s, %s %s, and memory-mapped by it", who, word, strings.Join(fds, ", ")))
		case len(fds) > 0:
			out = append(out, fmt.Sprintf("held open by %s, %s %s", who, word, strings.Join(fds, ", ")))
		default:
			out = append(out, "memory-mapped by "+who)
		}
	}
	return out, nil
}

// mapsFile reports whether the process in dir (proc/PID) maps id. Each
// line of proc/PID/maps (proc(5)) is "start-end perms offset MAJ:MIN inode
// path", the device in hex. Where a filesystem shows mappings under another
// device number than stat does (btrfs subvolumes, overlayfs), a line with
// the right inode is confirmed by stat of proc/PID/map_files/start-end.
func mapsFile(root fs.FS, dir string, id fileID) bool {
	data, err := fs.ReadFile(root, path.Join(dir, "maps"))
	if err != nil {
		return false
	}
	ino := strconv.FormatUint(id.ino, 10)
	dev := fmt.Sprintf("%02x:%02x", devMajor(id.dev), devMinor(id.dev))
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 || f[4] != ino {
			continue
		}
		if f[3] == dev {
			return true
		}
		if fi, err := fs.Stat(root, path.Join(dir, "map_files", f[0])); err == nil {
			if mid, ok := idOf(fi); ok && mid == id {
				return true
			}
		}
	}
	return false
}

package erase

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// The target of these tests is /srv/img/disk.img on device 8:2 (st_dev
// 0x802), inode 100.
var (
	diskID  = fileID{dev: 0x802, ino: 100}
	otherID = fileID{dev: 0x802, ino: 101}
	spareID = fileID{dev: 0x802, ino: 102}
)

// fileTree is a machine with no loop device attached, no swap, and kesu
// itself (pid 4000, /proc/self) holding the target open as fd 3, which must
// not count. Process 77 holds another file and maps a library.
func fileTree() fstest.MapFS {
	t := fstest.MapFS{
		"srv/img/disk.img":  {Data: []byte("resident data"), Sys: diskID},
		"srv/img/other.img": {Data: []byte("other"), Sys: otherID},
		"srv/img/spare.img": {Data: []byte("spare"), Sys: spareID},
		// sys/block entries: an unattached loop (no loop/ directory) and a disk.
		"sys/block/loop9/dev":               {Data: []byte("7:9\n")},
		"sys/block/sda/dev":                 {Data: []byte("8:0\n")},
		"sys/class/block/loop0/dev":         {Data: []byte("7:0\n")},
		"sys/class/block/loop1/dev":         {Data: []byte("7:1\n")},
		"sys/class/block/loop1/loop1p1/dev": {Data: []byte("259:0\n")},
		"proc/self":                         {Mode: fs.ModeSymlink, Data: []byte("4000")},
		"proc/4000/comm":                    {Data: []byte("kesu\n")},
		"proc/4000/fd/3":                    {Sys: diskID},
		"proc/4000/maps":                    {Data: []byte("7f0000000000-7f0000100000 rw-s 00000000 08:02 100 /srv/img/disk.img\n")},
		"proc/4000/mountinfo": {Data: []byte(
			"22 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw\n")},
		"proc/77/comm": {Data: []byte("bash\n")},
		"proc/77/fd/0": {Sys: fileID{dev: 0x16, ino: 3}},
		"proc/77/fd/4": {Sys: otherID},
		"proc/77/maps": {Data: []byte(
			"55d000000000-55d000010000 r--p 00000000 08:02 4711 /usr/bin/bash\n" +
				"7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]\n")},
		"proc/swaps": {Data: []byte("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n")},
	}
	return t
}

// noLoopID fails the test if the loop device is asked: sysfs should have
// settled it.
func noLoopID(t *testing.T) loopIDFunc {
	return func(_ fs.FS, loop string) (fileID, error) {
		t.Errorf("loop device %s asked for its backing file; sysfs should have settled it", loop)
		return fileID{}, errors.New("unexpected")
	}
}

func loopAnswers(id fileID, err error) loopIDFunc {
	return func(fs.FS, string) (fileID, error) { return id, err }
}

func wantReasons(t *testing.T, what string, err error, want []string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Errorf("%s = %v; want nil", what, err)
		}
		return
	}
	var iu *InUseError
	if !errors.As(err, &iu) || !errors.Is(err, ErrInUse) {
		t.Fatalf("%s = %v; want an *InUseError", what, err)
	}
	if len(iu.Reasons) != len(want) {
		t.Fatalf("%s reasons = %q; want %q", what, iu.Reasons, want)
	}
	for i, w := range want {
		if iu.Reasons[i] != w {
			t.Errorf("%s reason %d = %q; want %q", what, i, iu.Reasons[i], w)
		}
	}
}

func TestCheckFileNotInUseIdle(t *testing.T) {
	// kesu's own fd 3 and mapping of the file do not count.
	err := checkFileNotInUse(fileTree(), "srv/img/disk.img", noLoopID(t))
	wantReasons(t, "checkFileNotInUse(idle file)", err, nil)
}

func TestCheckFileNotInUseLoop(t *testing.T) {
	tests := []struct {
		name   string
		target string       // path in the tree
		extra  fstest.MapFS // added to fileTree
		loopID func(*testing.T) loopIDFunc
		want   []string
	}{{
		name:   "backs a mounted loop device",
		target: "srv/img/disk.img",
		extra: fstest.MapFS{
			"sys/block/loop0/loop/backing_file": {Data: []byte("/srv/img/disk.img\n")},
			"proc/4000/mountinfo": {Data: []byte("22 1 8:2 / / rw - ext4 /dev/sda2 rw\n" +
				"90 22 7:0 / /mnt/x rw,relatime - ext4 /dev/loop0 rw\n")},
		},
		loopID: noLoopID,
		want:   []string{"backs /dev/loop0, an attached loop device (loop0 is mounted at /mnt/x)"},
	}, {
		name:   "backs a loop device whose partition is mounted",
		target: "srv/img/disk.img",
		extra: fstest.MapFS{
			"sys/block/loop1/loop/backing_file": {Data: []byte("/srv/img/disk.img\n")},
			"proc/4000/mountinfo": {Data: []byte("22 1 8:2 / / rw - ext4 /dev/sda2 rw\n" +
				"91 22 259:0 / /mnt/p rw - vfat /dev/loop1p1 rw\n")},
		},
		loopID: noLoopID,
		want:   []string{"backs /dev/loop1, an attached loop device (loop1p1 is mounted at /mnt/p)"},
	}, {
		name:   "backs an unmounted loop device",
		target: "srv/img/disk.img",
		extra: fstest.MapFS{
			"sys/block/loop0/loop/backing_file": {Data: []byte("/srv/img/disk.img\n")},
		},
		loopID: noLoopID,
		want:   []string{"backs /dev/loop0, an attached loop device"},
	}, {
		name:   "named through a symlink to the file",
		target: "home/u/link.img",
		extra: fstest.MapFS{
			"home/u/link.img":                   {Mode: fs.ModeSymlink, Data: []byte("../../srv/img/disk.img")},
			"sys/block/loop0/loop/backing_file": {Data: []byte("/srv/img/disk.img\n")},
		},
		loopID: noLoopID,
		want:   []string{"backs /dev/loop0, an attached loop device"},
	}, {
		name:   "named through a symlinked directory (as a bind mount would)",
		target: "mnt/alias/disk.img",
		extra: fstest.MapFS{
			"mnt/alias":                         {Mode: fs.ModeSymlink, Data: []byte("../srv/img")},
			"sys/block/loop0/loop/backing_file": {Data: []byte("/srv/img/disk.img\n")},
		},
		loopID: noLoopID,
		want:   []string{"backs /dev/loop0, an attached loop device"},
	}, {
		name:   "the loop's backing file is a symlink's target, not the symlink",
		target: "srv/img/spare.img",
		extra: fstest.MapFS{
			"home/u/link.img":                   {Mode: fs.ModeSymlink, Data: []byte("../../srv/img/disk.img")},
			"sys/block/loop0/loop/backing_file": {Data: []byte("/srv/img/disk.img\n")},
		},
		loopID: noLoopID,
		want:   nil,
	}, {
		name:   "another file backs the loop device",
		target: "srv/img/spare.img",
		extra: fstest.MapFS{
			"sys/block/loop0/loop/backing_file": {Data: []byte("/srv/img/disk.img\n")},
		},
		loopID: noLoopID,
		want:   nil,
	}, {
		name:   "backing file deleted, same inode by a hard link: the loop device tells",
		target: "srv/img/disk.img",
		extra: fstest.MapFS{
			"sys/block/loop0/loop/backing_file": {Data: []byte("/old/name.img (deleted)\n")},
		},
		loopID: func(*testing.T) loopIDFunc { return loopAnswers(diskID, nil) },
		want:   []string{"backs /dev/loop0, an attached loop device"},
	}, {
		name:   "backing file deleted, a new file under the old name",
		target: "srv/img/disk.img",
		extra: fstest.MapFS{
			"sys/block/loop0/loop/backing_file": {Data: []byte("/srv/img/disk.img (deleted)\n")},
		},
		loopID: func(*testing.T) loopIDFunc { return loopAnswers(fileID{dev: 0x802, ino: 55}, nil) },
		want:   nil,
	}, {
		name:   "backing file deleted, loop device cannot be asked: same path counts",
		target: "srv/img/disk.img",
		extra: fstest.MapFS{
			"sys/block/loop0/loop/backing_file": {Data: []byte("/srv/img/disk.img (deleted)\n")},
		},
		loopID: func(*testing.T) loopIDFunc { return loopAnswers(fileID{}, errors.New("no ioctl here")) },
		want:   []string{"backs /dev/loop0, an attached loop device"},
	}, {
		name:   "backing file deleted, loop device cannot be asked, other path",
		target: "srv/img/disk.img",
		extra: fstest.MapFS{
			"sys/block/loop0/loop/backing_file": {Data: []byte("/old/name.img (deleted)\n")},
		},
		loopID: func(*testing.T) loopIDFunc { return loopAnswers(fileID{}, errors.New("no ioctl here")) },
		want:   nil,
	}, {
		name:   "a file really named ... (deleted)",
		target: "srv/img/x (deleted)",
		extra: fstest.MapFS{
			"srv/img/x (deleted)":               {Sys: fileID{dev: 0x802, ino: 300}},
			"sys/block/loop0/loop/backing_file": {Data: []byte("/srv/img/x (deleted)\n")},
		},
		loopID: noLoopID,
		want:   []string{"backs /dev/loop0, an attached loop device"},
	}, {
		name:   "another file really named ... (deleted): the loop device tells",
		target: "srv/img/disk.img",
		extra: fstest.MapFS{
			"srv/img/disk.img (deleted)":        {Sys: fileID{dev: 0x802, ino: 301}},
			"sys/block/loop0/loop/backing_file": {Data: []byte("/srv/img/disk.img (deleted)\n")},
		},
		loopID: func(*testing.T) loopIDFunc { return loopAnswers(diskID, nil) },
		want:   []string{"backs /dev/loop0, an attached loop device"},
	}, {
		name:   "backing path does not resolve here: the loop device tells",
		target: "srv/img/disk.img",
		extra: fstest.MapFS{
			"sys/block/loop0/loop/backing_file": {Data: []byte("/elsewhere/disk.img\n")},
		},
		loopID: func(*testing.T) loopIDFunc { return loopAnswers(diskID, nil) },
		want:   []string{"backs /dev/loop0, an attached loop device"},
	}, {
		name:   "two loop devices, listed in number order",
		target: "srv/img/disk.img",
		extra: fstest.MapFS{
			"sys/block/loop10/loop/backing_file": {Data: []byte("/srv/img/disk.img\n")},
			"sys/block/loop2/loop/backing_file":  {Data: []byte("/srv/img/disk.img\n")},
		},
		loopID: noLoopID,
		want:   []string{"backs /dev/loop2, an attached loop device", "backs /dev/loop10, an attached loop device"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tree := fileTree()
			for k, v := range tc.extra {
				tree[k] = v
			}
			err := checkFileNotInUse(tree, tc.target, tc.loopID(t))
			wantReasons(t, fmt.Sprintf("checkFileNotInUse(%s)", tc.target), err, tc.want)
		})
	}
}

func TestCheckFileNotInUseSwap(t *testing.T) {
	for _, tc := range []struct {
		swaps, target string
		want          []string
	}{
		{"/srv/img/disk.img file 1024 0 -2\n", "srv/img/disk.img", []string{"is an active swap file"}},
		{"/srv/img/my\\040swap file 1024 0 -2\n", "srv/img/my swap", []string{"is an active swap file"}},
		{"/srv/img/other.img file 1024 0 -2\n", "srv/img/disk.img", nil},
		{"/dev/sda3 partition 1024 0 -2\n", "srv/img/disk.img", nil},
	} {
		tree := fileTree()
		tree["srv/img/my swap"] = &fstest.MapFile{Sys: fileID{dev: 0x802, ino: 400}}
		tree["proc/swaps"] = &fstest.MapFile{Data: []byte("Filename Type Size Used Priority\n" + tc.swaps)}
		err := checkFileNotInUse(tree, tc.target, noLoopID(t))
		wantReasons(t, fmt.Sprintf("checkFileNotInUse(%s, swaps %q)", tc.target, tc.swaps), err, tc.want)
	}
}

func TestCheckFileNotInUseProcesses(t *testing.T) {
	tests := []struct {
		name  string
		extra fstest.MapFS
		want  []string
	}{{
		name: "held open",
		extra: fstest.MapFS{
			"proc/1234/comm": {Data: []byte("qemu-system-x86\n")},
			"proc/1234/fd/9": {Sys: diskID},
			"proc/1234/fd/7": {Sys: diskID},
			"proc/1234/fd/8": {Sys: otherID},
		},
		want: []string{"held open by process 1234 (qemu-system-x86), fds 7, 9"},
	}, {
		name: "held open, no comm",
		extra: fstest.MapFS{
			"proc/55/fd/3": {Sys: diskID},
		},
		want: []string{"held open by process 55, fd 3"},
	}, {
		name: "memory-mapped, fd closed",
		extra: fstest.MapFS{
			"proc/1300/comm": {Data: []byte("indexer\n")},
			"proc/1300/maps": {Data: []byte("7f0000000000-7f0000100000 r--s 00000000 08:02 100 /srv/img/disk.img\n")},
		},
		want: []string{"memory-mapped by process 1300 (indexer)"},
	}, {
		name: "same inode number on another device is another file",
		extra: fstest.MapFS{
			"proc/1300/maps": {Data: []byte("7f0000000000-7f0000100000 r--s 00000000 08:03 100 /data/x\n")},
		},
		want: nil,
	}, {
		name: "maps shows another device number, map_files confirms (btrfs, overlayfs)",
		extra: fstest.MapFS{
			"proc/1300/maps": {Data: []byte("7f0000000000-7f0000100000 r--s 00000000 00:2a 100 /srv/img/disk.img\n")},
			"proc/1300/map_files/7f0000000000-7f0000100000": {Sys: diskID},
		},
		want: []string{"memory-mapped by process 1300"},
	}, {
		name: "held open and mapped",
		extra: fstest.MapFS{
			"proc/1400/comm": {Data: []byte("db\n")},
			"proc/1400/fd/5": {Sys: diskID},
			"proc/1400/maps": {Data: []byte("7f0000000000-7f0000100000 rw-s 00001000 08:02 100 /srv/img/disk.img\n")},
		},
		want: []string{"held open by process 1400 (db), fd 5, and memory-mapped by it"},
	}, {
		name: "processes in pid order",
		extra: fstest.MapFS{
			"proc/900/fd/3": {Sys: diskID},
			"proc/80/fd/3":  {Sys: diskID},
		},
		want: []string{"held open by process 80, fd 3", "held open by process 900, fd 3"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tree := fileTree()
			for k, v := range tc.extra {
				tree[k] = v
			}
			err := checkFileNotInUse(tree, "srv/img/disk.img", noLoopID(t))
			wantReasons(t, "checkFileNotInUse", err, tc.want)
		})
	}
}

func TestCheckFileNotInUseManyProcesses(t *testing.T) {
	tree := fileTree()
	for pid := 100; pid < 112; pid++ {
		tree[fmt.Sprintf("proc/%d/fd/3", pid)] = &fstest.MapFile{Sys: diskID}
	}
	err := checkFileNotInUse(tree, "srv/img/disk.img", noLoopID(t))
	var iu *InUseError
	if !errors.As(err, &iu) || len(iu.Reasons) != maxListed+1 || iu.Reasons[maxListed] != "and 4 more processes use it" {
		t.Errorf("checkFileNotInUse(12 holders) = %v; want %d named and \"and 4 more processes use it\"", err, maxListed)
	}
}

// Every rule at once: each reason is there, loops first, then swap, then
// processes; the error names the file as an absolute path.
func TestCheckFileNotInUseAllReasons(t *testing.T) {
	tree := fileTree()
	tree["sys/block/loop0/loop/backing_file"] = &fstest.MapFile{Data: []byte("/srv/img/disk.img\n")}
	tree["proc/swaps"] = &fstest.MapFile{Data: []byte("Filename Type Size Used Priority\n/srv/img/disk.img file 8 0 -2\n")}
	tree["proc/200/fd/4"] = &fstest.MapFile{Sys: diskID}
	err := checkFileNotInUse(tree, "srv/img/disk.img", noLoopID(t))
	wantReasons(t, "checkFileNotInUse(everything)", err, []string{
		"backs /dev/loop0, an attached loop device",
		"is an active swap file",
		"held open by process 200, fd 4",
	})
	if want := "/srv/img/disk.img is in use: backs /dev/loop0"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %v; want it to start with %q", err, want)
	}
}

func TestCheckFileNotInUseCannotCheck(t *testing.T) {
	// Not a regular file: ErrNotTarget, not "in use".
	tree := fileTree()
	tree["srv/img/dir"] = &fstest.MapFile{Mode: fs.ModeDir}
	tree["srv/img/fifo"] = &fstest.MapFile{Mode: fs.ModeNamedPipe, Sys: diskID}
	for name, kind := range map[string]string{"srv/img/dir": "directory", "srv/img/fifo": "named pipe"} {
		err := checkFileNotInUse(tree, name, noLoopID(t))
		if !errors.Is(err, ErrNotTarget) || errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "is a "+kind) {
			t.Errorf("checkFileNotInUse(%s) = %v; want ErrNotTarget naming a %s", name, err, kind)
		}
	}
	// No device and inode, no /proc, no /sys/block: an error (the caller
	// must not write), never nil.
	noID := fileTree()
	noID["srv/img/disk.img"] = &fstest.MapFile{Data: []byte("x")}
	noProc := fileTree()
	noSys := fileTree()
	for k := range noProc {
		if strings.HasPrefix(k, "proc/") {
			delete(noProc, k)
		}
	}
	for k := range noSys {
		if strings.HasPrefix(k, "sys/") {
			delete(noSys, k)
		}
	}
	for what, tree := range map[string]fstest.MapFS{"no device and inode": noID, "no /proc": noProc, "no /sys/block": noSys} {
		err := checkFileNotInUse(tree, "srv/img/disk.img", noLoopID(t))
		if err == nil || errors.Is(err, ErrInUse) {
			t.Errorf("checkFileNotInUse(%s) = %v; want an error that is not ErrInUse", what, err)
		}
	}
	if err := checkFileNotInUse(fileTree(), "srv/img/missing", noLoopID(t)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("checkFileNotInUse(missing file) = %v; want fs.ErrNotExist", err)
	}
}

// Device numbers as maps prints them, split by hand from st_dev values.
func TestDevMajorMinor(t *testing.T) {
	for _, tc := range []struct{ dev, major, minor uint64 }{
		{0x802, 8, 2},
		{0xfd01, 0xfd, 1},
		{0x11032c, 259, 300}, // new_encode_dev(259, 300): minor's high bits at 20
		{0x2a, 0, 42},
	} {
		if ma, mi := devMajor(tc.dev), devMinor(tc.dev); ma != tc.major || mi != tc.minor {
			t.Errorf("devMajor, devMinor(%#x) = %d, %d; want %d, %d", tc.dev, ma, mi, tc.major, tc.minor)
		}
	}
}

func TestKindOf(t *testing.T) {
	for _, tc := range []struct {
		mode fs.FileMode
		want string
	}{
		{0o644, "regular file"},
		{fs.ModeDevice | 0o660, "block device"},
		{fs.ModeDevice | fs.ModeCharDevice | 0o666, "character device"},
		{fs.ModeNamedPipe | 0o600, "named pipe"},
		{fs.ModeSocket | 0o755, "socket"},
		{fs.ModeDir | 0o755, "directory"},
		{fs.ModeSymlink | 0o777, "symbolic link"},
		{fs.ModeIrregular, "irregular file"},
	} {
		if got := KindOf(tc.mode); got != tc.want {
			t.Errorf("KindOf(%v) = %q; want %q", tc.mode, got, tc.want)
		}
	}
}

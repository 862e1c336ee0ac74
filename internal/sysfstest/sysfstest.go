// Package sysfstest builds fake sysfs trees for tests: an fs.FS rooted at
// "/" where /sys/block/NAME links into /sys/devices as the kernel lays
// them out.
package sysfstest

import (
	"io/fs"
	"testing/fstest"
)

// Tree is a fake root file system.
type Tree struct{ fstest.MapFS }

// New returns an empty tree.
func New() Tree { return Tree{fstest.MapFS{}} }

// Link adds a symbolic link at p pointing to target.
func (m Tree) Link(p, target string) {
	m.MapFS[p] = &fstest.MapFile{Mode: fs.ModeSymlink, Data: []byte(target)}
}

// File adds a sysfs attribute file holding data and a newline.
func (m Tree) File(p, data string) { m.MapFS[p] = &fstest.MapFile{Data: []byte(data + "\n")} }

// Disk adds block device name of sectors 512-byte sectors under devdir
// (a path under sys/devices) with the given queue/rotational, and returns
// its sysfs directory.
func (m Tree) Disk(name, devdir, sectors, rot string) string {
	b := devdir + "/block/" + name
	m.Link("sys/block/"+name, "../"+b[len("sys/"):])
	m.Link("sys/class/block/"+name, "../../"+b[len("sys/"):])
	m.File(b+"/size", sectors)
	m.File(b+"/dev", "8:0")
	m.File(b+"/queue/logical_block_size", "512")
	m.File(b+"/queue/physical_block_size", "512")
	m.File(b+"/queue/rotational", rot)
	return b
}

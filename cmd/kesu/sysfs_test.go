package main

import (
	"io/fs"
	"testing/fstest"
)

// fakeSys is a fake sysfs for the CLI's tests: /sys/block/NAME links into
// /sys/devices, as the kernel lays them out.
type fakeSys struct{ fstest.MapFS }

func newFakeSys() fakeSys { return fakeSys{fstest.MapFS{}} }

func (m fakeSys) link(p, target string) {
	m.MapFS[p] = &fstest.MapFile{Mode: fs.ModeSymlink, Data: []byte(target)}
}

func (m fakeSys) file(p, data string) { m.MapFS[p] = &fstest.MapFile{Data: []byte(data + "\n")} }

// disk adds block device name of sectors 512-byte sectors under devdir
// with the given queue/rotational, and returns its sysfs directory.
func (m fakeSys) disk(name, devdir, sectors, rot string) string {
	b := devdir + "/block/" + name
	m.link("sys/block/"+name, "../"+b[len("sys/"):])
	m.link("sys/class/block/"+name, "../../"+b[len("sys/"):])
	m.file(b+"/size", sectors)
	m.file(b+"/dev", "8:0")
	m.file(b+"/queue/logical_block_size", "512")
	m.file(b+"/queue/physical_block_size", "512")
	m.file(b+"/queue/rotational", rot)
	return b
}

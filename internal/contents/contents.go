// Package contents says what a disk holds before kesu erases it: its
// partition table (GPT or MBR) and, on each partition or on the whole disk,
// the filesystem or volume signature found (type, label, UUID). It reads the
// few sectors where those live, through an io.ReaderAt, and decides from the
// bytes alone — no blkid, no udev, no sysfs — so it works on a file, a loop
// device or a drive the kernel has not scanned. It never writes.
package contents

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/kesu-erase/kesu/internal/size"
)

// Filesystem is a filesystem or volume signature found at some offset.
type Filesystem struct {
	Type  string `json:"type"` // as blkid names it: ext4, vfat, xfs, btrfs, swap, crypto_LUKS, ...
	Label string `json:"label,omitempty"`
	UUID  string `json:"uuid,omitempty"`
}

func (f *Filesystem) String() string {
	if f == nil {
		return ""
	}
	s := f.Type
	if f.Label != "" {
		s += fmt.Sprintf(" %q", f.Label)
	}
	return s
}

// Partition is one entry of the partition table.
type Partition struct {
	Number int    `json:"number"` // as the kernel numbers it (sda1 is 1; MBR logical partitions from 5)
	Start  int64  `json:"start_bytes"`
	Size   int64  `json:"size_bytes"`
	Type   string `json:"type"`           // "Linux filesystem", "EFI System", or the raw GUID / 0xNN
	Name   string `json:"name,omitempty"` // GPT partition name
	// FS is the signature found at the partition's start; nil when none.
	FS *Filesystem `json:"filesystem,omitempty"`
}

// Contents is what a disk holds.
type Contents struct {
	// Table is "gpt", "mbr" or "" (none found).
	Table      string      `json:"table,omitempty"`
	Partitions []Partition `json:"partitions,omitempty"`
	// FS is a signature on the whole disk (no partition table).
	FS *Filesystem `json:"filesystem,omitempty"`
	// Notes are findings worth a word: a damaged primary GPT, a table
	// reaching past the end of the disk.
	Notes []string `json:"notes,omitempty"`
}

// Empty reports whether nothing was recognised.
func (c *Contents) Empty() bool { return c.Table == "" && c.FS == nil }

// Summary is one line: "GPT, 2 partitions", "ext4 "data" on the whole
// disk", "no partition table or filesystem signature found".
func (c *Contents) Summary() string {
	switch {
	case c.Table != "":
		n := len(c.Partitions)
		word := "partitions"
		if n == 1 {
			word = "partition"
		}
		return fmt.Sprintf("%s, %d %s", strings.ToUpper(c.Table), n, word)
	case c.FS != nil:
		s := c.FS.String() + " on the whole device"
		if c.FS.UUID != "" {
			s += " (UUID " + c.FS.UUID + ")"
		}
		return s
	}
	return "no partition table or filesystem signature found"
}

// String is one partition in one line: "#1 1.0 MiB at 1.0 MiB  EFI System
// "boot"  vfat "ESP"".
func (p Partition) String() string {
	s := fmt.Sprintf("#%d  %s at %s  %s", p.Number, size.IEC(p.Size), size.IEC(p.Start), p.Type)
	if p.Name != "" {
		s += fmt.Sprintf(" %q", p.Name)
	}
	if p.FS != nil {
		s += "  " + p.FS.String()
	} else {
		s += "  (no filesystem signature)"
	}
	return s
}

// Read reads the partition table and signatures of a disk of diskSize bytes
// and sectorSize-byte logical blocks. Only an I/O error reading the first
// sectors is returned; what cannot be made sense of is simply not
// recognised.
func Read(r io.ReaderAt, diskSize int64, sectorSize int) (*Contents, error) {
	if sectorSize <= 0 {
		sectorSize = 512
	}
	d := &disk{r: r, size: diskSize, ss: int64(sectorSize)}
	if _, err := d.read(0, 512); err != nil {
		return nil, fmt.Errorf("reading the first sector: %w", err)
	}
	c := &Contents{}
	if parts, notes, ok := d.gpt(); ok {
		c.Table, c.Partitions, c.Notes = "gpt", parts, notes
	} else if fs := d.probe(0, diskSize); fs != nil {
		c.FS = fs
		return c, nil
	} else if parts, notes, ok := d.mbr(); ok {
		c.Table, c.Partitions, c.Notes = "mbr", parts, notes
	} else {
		return c, nil
	}
	for i := range c.Partitions {
		p := &c.Partitions[i]
		if p.Start+p.Size > diskSize {
			c.Notes = append(c.Notes, fmt.Sprintf("partition %d reaches past the end of the device", p.Number))
		}
		if p.Start < diskSize {
			p.FS = d.probe(p.Start, min(p.Size, diskSize-p.Start))
		}
	}
	return c, nil
}

type disk struct {
	r    io.ReaderAt
	size int64
	ss   int64
}

// read returns n bytes at off, or fewer where the disk ends; an I/O error
// other than the end of the disk is returned.
func (d *disk) read(off, n int64) ([]byte, error) {
	if off < 0 || off >= d.size {
		return nil, io.ErrUnexpectedEOF
	}
	n = min(n, d.size-off)
	b := make([]byte, n)
	m, err := d.r.ReadAt(b, off)
	if err != nil && !(errors.Is(err, io.EOF) && int64(m) == n) {
		if errors.Is(err, io.EOF) {
			return b[:m], nil
		}
		return nil, err
	}
	return b, nil
}

// at returns n bytes at off or nil when they cannot all be read.
func (d *disk) at(off, n int64) []byte {
	b, err := d.read(off, n)
	if err != nil || int64(len(b)) < n {
		return nil
	}
	return b
}

var le = binary.LittleEndian

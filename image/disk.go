package image

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"

	diskfs "github.com/diskfs/go-diskfs"
	"github.com/diskfs/go-diskfs/disk"
	"github.com/diskfs/go-diskfs/filesystem"
	"github.com/diskfs/go-diskfs/partition/gpt"
)

// StickLabel is the FAT volume label of the kesu boot stick; the appliance
// finds its stick by this label and the kesu.toml on it.
const StickLabel = "KESU"

// Sector and alignment of the stick image.
const (
	sectorSize     = 512
	partitionStart = 2048 // sectors: the partition starts at 1 MiB
)

// MinDiskSize is the smallest stick image: FAT32 needs 65525 clusters, which
// at the 512-byte clusters of a small volume is a little over 32 MiB.
const MinDiskSize = 40 << 20

// DiskFile is one file to put on the stick's FAT volume.
type DiskFile struct {
	Name   string // absolute path on the volume, e.g. /EFI/BOOT/BOOTX64.EFI
	Source string // host file to copy; or
	Data   []byte // the contents, when Source is ""
}

// DiskSpec describes a stick image: a GPT with one EFI system partition
// holding a FAT32 volume.
type DiskSpec struct {
	Size     int64      // bytes, a multiple of 1 MiB, at least MinDiskSize
	Label    string     // FAT volume label (StickLabel)
	DiskGUID string     // GPT disk GUID
	PartGUID string     // GPT partition GUID (PARTUUID)
	Files    []DiskFile // files to write; their directories are created
	Dirs     []string   // further (empty) directories to create
}

// WriteDisk creates the image file path (which must not exist) from spec
// with go-diskfs. The GUIDs come from spec; the FAT volume ID and file times
// from the clock, so that two sticks can be told apart.
func WriteDisk(path string, spec DiskSpec) error {
	if spec.Size < MinDiskSize || spec.Size%(1<<20) != 0 {
		return fmt.Errorf("stick image size %d: want a multiple of 1 MiB, at least %d MiB", spec.Size, MinDiskSize>>20)
	}
	d, err := diskfs.Create(path, spec.Size, diskfs.SectorSize512)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	err = writeDisk(d, spec)
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fixRootDotDot(path, partitionStart*sectorSize)
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

func writeDisk(d *disk.Disk, spec DiskSpec) error {
	sectors := uint64(spec.Size / sectorSize)
	// End on a 1 MiB boundary before the backup GPT (its 33 sectors at the
	// end of the disk).
	end := (sectors-34)/partitionStart*partitionStart - 1
	table := &gpt.Table{
		LogicalSectorSize:  sectorSize,
		PhysicalSectorSize: sectorSize,
		ProtectiveMBR:      true,
		GUID:               spec.DiskGUID,
		Partitions: []*gpt.Partition{{
			Index: 1, // go-diskfs numbers partitions from 1; 0 leaves the entry unwritten
			Start: partitionStart,
			End:   end,
			Type:  gpt.EFISystemPartition,
			Name:  spec.Label,
			GUID:  spec.PartGUID,
		}},
	}
	if err := d.Partition(table); err != nil {
		return fmt.Errorf("partition: %w", err)
	}
	fs, err := d.CreateFilesystem(disk.FilesystemSpec{
		Partition:    1,
		FSType:       filesystem.TypeFat32,
		VolumeLabel:  spec.Label,
		Reproducible: false,
	})
	if err != nil {
		return fmt.Errorf("FAT32: %w", err)
	}
	dirs := map[string]bool{}
	for _, f := range spec.Files {
		dirs[path.Dir(f.Name)] = true
	}
	for _, dir := range spec.Dirs {
		dirs[path.Clean("/"+dir)] = true
	}
	var list []string
	for dir := range dirs {
		if dir != "/" {
			list = append(list, dir)
		}
	}
	sort.Strings(list)
	for _, dir := range list {
		if err := fs.Mkdir(dir); err != nil {
			return fmt.Errorf("mkdir %s: %w", dir, err)
		}
	}
	for _, f := range spec.Files {
		if err := writeDiskFile(fs, f); err != nil {
			return err
		}
	}
	return nil
}

func writeDiskFile(fs filesystem.FileSystem, f DiskFile) error {
	var r io.Reader
	if f.Source != "" {
		in, err := os.Open(f.Source)
		if err != nil {
			return err
		}
		defer in.Close()
		r = in
	} else {
		r = strings.NewReader(string(f.Data))
	}
	out, err := fs.OpenFile(f.Name, os.O_CREATE|os.O_RDWR)
	if err != nil {
		return fmt.Errorf("create %s on the stick: %w", f.Name, err)
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return fmt.Errorf("write %s on the stick: %w", f.Name, err)
	}
	return out.Close()
}

// guidFrom derives a GUID (RFC 4122 version 4 layout) from a seed, so that a
// stick built from the same inputs gets the same GUIDs and different inputs
// get different ones.
func guidFrom(seed ...string) string {
	h := sha256.Sum256([]byte(strings.Join(seed, "\x00")))
	b := h[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
}

// ReadDiskFile reads a file from the FAT volume of a stick image (for tests
// and the demo, which read the record back off the image).
func ReadDiskFile(imagePath, name string) ([]byte, error) {
	d, err := diskfs.Open(imagePath, diskfs.WithOpenMode(diskfs.ReadOnly))
	if err != nil {
		return nil, err
	}
	defer d.Close()
	fs, err := d.GetFilesystem(1)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", imagePath, err)
	}
	name = strings.TrimPrefix(name, "/")
	b, err := fs.ReadFile(name)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("%s:%s: %w", imagePath, name, err)
	}
	// go-diskfs v1.9.4 can return a FAT file's last cluster whole (seen:
	// a 20,828-byte file read as 20,992 bytes, the tail zeros): the
	// directory entry's size is what the file holds.
	dir, base := path.Split(name)
	dir = strings.TrimSuffix(dir, "/")
	if dir == "" {
		dir = "." // go-diskfs names the root "."
	}
	ents, err := fs.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%s:%s: %w", imagePath, dir, err)
	}
	for _, e := range ents {
		if e.Name() != base {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("%s:%s: %w", imagePath, name, err)
		}
		switch size := info.Size(); {
		case int64(len(b)) < size:
			return nil, fmt.Errorf("%s:%s: read %d bytes of %d", imagePath, name, len(b), size)
		case int64(len(b)) > size:
			b = b[:size]
		}
		return b, nil
	}
	return nil, fmt.Errorf("%s:%s: %w", imagePath, name, os.ErrNotExist)
}

// ListDiskDir lists the names in a directory of a stick image's FAT volume.
func ListDiskDir(imagePath, dir string) ([]string, error) {
	d, err := diskfs.Open(imagePath, diskfs.WithOpenMode(diskfs.ReadOnly))
	if err != nil {
		return nil, err
	}
	defer d.Close()
	fs, err := d.GetFilesystem(1)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", imagePath, err)
	}
	ents, err := fs.ReadDir(strings.TrimPrefix(dir, "/"))
	if err != nil {
		return nil, fmt.Errorf("%s:%s: %w", imagePath, dir, err)
	}
	var names []string
	for _, e := range ents {
		if n := e.Name(); n != "." && n != ".." {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names, nil
}

// fixRootDotDot corrects what go-diskfs v1.9.4 writes into the ".." entry
// of a directory in the root directory: the root's cluster number, where the
// FAT specification (Microsoft FAT spec, "FAT Directory Structure", dot
// entries) requires 0 for a parent that is the root. fsck.fat reports and
// repairs the former.
func fixRootDotDot(path string, part int64) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	bs := make([]byte, 512)
	if _, err := f.ReadAt(bs, part); err != nil {
		return err
	}
	bps := int64(binary.LittleEndian.Uint16(bs[11:]))
	spc := int64(bs[13])
	reserved := int64(binary.LittleEndian.Uint16(bs[14:]))
	nfats := int64(bs[16])
	fatSz := int64(binary.LittleEndian.Uint32(bs[36:]))
	rootClus := binary.LittleEndian.Uint32(bs[44:])
	if bps == 0 || spc == 0 || fatSz == 0 {
		return fmt.Errorf("fix FAT: not a FAT32 boot sector")
	}
	fatOff := part + reserved*bps
	dataOff := part + (reserved+nfats*fatSz)*bps
	clusterBytes := spc * bps
	clusterOff := func(c uint32) int64 { return dataOff + int64(c-2)*clusterBytes }
	next := func(c uint32) (uint32, error) {
		var b [4]byte
		if _, err := f.ReadAt(b[:], fatOff+int64(c)*4); err != nil {
			return 0, err
		}
		return binary.LittleEndian.Uint32(b[:]) & 0x0FFFFFFF, nil
	}
	buf := make([]byte, clusterBytes)
root:
	for c := rootClus; c >= 2 && c < 0x0FFFFFF8; {
		if _, err := f.ReadAt(buf, clusterOff(c)); err != nil {
			return err
		}
		for e := 0; e < len(buf); e += 32 {
			ent := buf[e : e+32]
			if ent[0] == 0 {
				break root // end of the root directory
			}
			if ent[0] == 0xE5 || ent[11] == 0x0F || ent[11]&0x08 != 0 || ent[11]&0x10 == 0 || ent[0] == '.' {
				continue // free, long-name part, volume label, not a directory, or a dot entry
			}
			sub := uint32(binary.LittleEndian.Uint16(ent[20:]))<<16 | uint32(binary.LittleEndian.Uint16(ent[26:]))
			dotdot := make([]byte, 32)
			if _, err := f.ReadAt(dotdot, clusterOff(sub)+32); err != nil {
				return err
			}
			if string(dotdot[:11]) != "..         " {
				continue
			}
			if uint32(binary.LittleEndian.Uint16(dotdot[20:]))<<16|uint32(binary.LittleEndian.Uint16(dotdot[26:])) == rootClus {
				var zero [2]byte
				if _, err := f.WriteAt(zero[:], clusterOff(sub)+32+20); err != nil {
					return err
				}
				if _, err := f.WriteAt(zero[:], clusterOff(sub)+32+26); err != nil {
					return err
				}
			}
		}
		if c, err = next(c); err != nil {
			return err
		}
	}
	return f.Sync()
}

package appliance

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// StickLabel is the FAT volume label of a kesu stick (image.StickLabel).
const StickLabel = "KESU"

// Volume is a FAT volume labelled KESU: a candidate boot stick.
type Volume struct {
	Name     string // kernel name of the block device holding it, e.g. sda1 (or sda, unpartitioned)
	Disk     string // the whole disk, e.g. sda
	PartUUID string // GPT partition GUID, lower case; "" when not on a GPT partition
}

// Dev returns the volume's device node.
func (v Volume) Dev() string { return "/dev/" + v.Name }

// FATLabel returns the volume label in a FAT boot sector (FAT12/16 at offset
// 43, FAT32 at 71, Microsoft FAT specification "BPB"), and whether the
// sector is a FAT boot sector with an extended BPB at all.
func FATLabel(bs []byte) (string, bool) {
	if len(bs) < 512 || bs[510] != 0x55 || bs[511] != 0xAA {
		return "", false
	}
	bps := binary.LittleEndian.Uint16(bs[11:13])
	if bps != 512 && bps != 1024 && bps != 2048 && bps != 4096 {
		return "", false
	}
	spc := bs[13]
	if spc == 0 || spc&(spc-1) != 0 || bs[16] == 0 { // sectors per cluster a power of 2; at least one FAT
		return "", false
	}
	labelAt, sigAt := 43, 38                        // FAT12/16: BS_VolLab, BS_BootSig
	if binary.LittleEndian.Uint16(bs[22:24]) == 0 { // BPB_FATSz16 == 0: FAT32
		labelAt, sigAt = 71, 66
	}
	if bs[sigAt] != 0x29 { // extended boot signature: the label field is valid
		return "", true
	}
	return strings.TrimRight(string(bs[labelAt:labelAt+11]), " \x00"), true
}

// GPTPartUUID returns the unique partition GUID of partition number part
// (1-based) from the GPT of a disk with the given logical sector size, in
// the usual lower-case text form (UEFI spec 2.10 §5.3: header at LBA 1,
// entries from PartitionEntryLBA, GUID at entry offset 16, mixed-endian).
func GPTPartUUID(disk io.ReaderAt, sectorSize int, part int) (string, error) {
	hdr := make([]byte, 92)
	if _, err := disk.ReadAt(hdr, int64(sectorSize)); err != nil {
		return "", fmt.Errorf("GPT header: %w", err)
	}
	if string(hdr[0:8]) != "EFI PART" {
		return "", errors.New("no GPT")
	}
	entriesLBA := binary.LittleEndian.Uint64(hdr[72:80])
	count := binary.LittleEndian.Uint32(hdr[80:84])
	size := binary.LittleEndian.Uint32(hdr[84:88])
	if part < 1 || uint32(part) > count || size < 128 || size > 4096 {
		return "", fmt.Errorf("GPT: no entry %d (%d entries of %d bytes)", part, count, size)
	}
	e := make([]byte, 32)
	off := int64(entriesLBA)*int64(sectorSize) + int64(part-1)*int64(size)
	if _, err := disk.ReadAt(e, off); err != nil {
		return "", fmt.Errorf("GPT entry %d: %w", part, err)
	}
	return guidString(e[16:32]), nil
}

// guidString formats an EFI GUID: the first three fields little-endian.
func guidString(b []byte) string {
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x",
		binary.LittleEndian.Uint32(b[0:4]), binary.LittleEndian.Uint16(b[4:6]), binary.LittleEndian.Uint16(b[6:8]), b[8:10], b[10:16])
}

// OpenFunc opens a block device by kernel name (sda1) for reading.
type OpenFunc func(name string) (io.ReadCloser, error)

// ScanTimeout bounds how long ScanVolumes waits for a device's first
// sectors: a failing drive that takes minutes to answer must not hold up
// the search for the stick (its read goes on in the background).
var ScanTimeout = 10 * time.Second

var scanAfter = time.After // tests substitute

// ScanVolumes lists the FAT volumes labelled KESU: every whole disk in sys
// (rooted at /sys) and every partition of one, read through open, all at
// once. Devices that cannot be read, or do not answer within ScanTimeout,
// are skipped (an empty card reader, a failing drive).
func ScanVolumes(sys fs.FS, open OpenFunc) ([]Volume, error) {
	disks, err := fs.ReadDir(sys, "block")
	if err != nil {
		return nil, fmt.Errorf("scan for the stick: %w", err)
	}
	type candidate struct{ name, disk string }
	var cands []candidate
	for _, d := range disks {
		disk := d.Name()
		if strings.HasPrefix(disk, "loop") || strings.HasPrefix(disk, "ram") || strings.HasPrefix(disk, "zram") {
			continue
		}
		cands = append(cands, candidate{disk, disk})
		ents, _ := fs.ReadDir(sys, path.Join("block", disk))
		for _, e := range ents {
			if _, err := fs.Stat(sys, path.Join("block", disk, e.Name(), "partition")); err == nil {
				cands = append(cands, candidate{e.Name(), disk})
			}
		}
	}
	found := make(chan *Volume, len(cands))
	for _, c := range cands {
		go func() {
			if !isKesuVolume(open, c.name) {
				found <- nil
				return
			}
			v := &Volume{Name: c.name, Disk: c.disk}
			if c.name != c.disk {
				v.PartUUID = partUUID(sys, open, c.disk, c.name)
			}
			found <- v
		}()
	}
	var vols []Volume
	deadline := scanAfter(ScanTimeout)
collect:
	for range cands {
		select {
		case v := <-found:
			if v != nil {
				vols = append(vols, *v)
			}
		case <-deadline:
			break collect
		}
	}
	sort.Slice(vols, func(i, j int) bool { return vols[i].Name < vols[j].Name })
	return vols, nil
}

func isKesuVolume(open OpenFunc, name string) bool {
	f, err := open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	bs := make([]byte, 512)
	if _, err := io.ReadFull(f, bs); err != nil {
		return false
	}
	label, ok := FATLabel(bs)
	return ok && strings.EqualFold(label, StickLabel)
}

func partUUID(sys fs.FS, open OpenFunc, disk, part string) string {
	b, err := fs.ReadFile(sys, path.Join("block", disk, part, "partition"))
	if err != nil {
		return ""
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return ""
	}
	ss := 512
	if b, err := fs.ReadFile(sys, path.Join("block", disk, "queue", "logical_block_size")); err == nil {
		if v, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && v >= 512 {
			ss = v
		}
	}
	f, err := open(disk)
	if err != nil {
		return ""
	}
	defer f.Close()
	ra, ok := f.(io.ReaderAt)
	if !ok {
		return ""
	}
	u, err := GPTPartUUID(ra, ss, n)
	if err != nil {
		return ""
	}
	return u
}

// ErrNoStick and ErrAmbiguousStick are ChooseStick's refusals: without
// knowing which drive is the stick, nothing may be erased.
var (
	ErrNoStick        = errors.New("no FAT volume labelled KESU found")
	ErrAmbiguousStick = errors.New("cannot tell which KESU volume is the boot stick")
)

// ChooseStick picks the boot stick among the KESU volumes: the one whose
// partition GUID the kernel command line names (GRUB passes the one the
// image was built with), else the only one there is. Two candidates that
// both fit (two sticks made from one image, or a drive that holds a copy
// of the stick) are refused.
func ChooseStick(vols []Volume, partUUID string) (Volume, error) {
	if partUUID != "" {
		var match []Volume
		for _, v := range vols {
			if strings.EqualFold(v.PartUUID, partUUID) {
				match = append(match, v)
			}
		}
		switch len(match) {
		case 1:
			return match[0], nil
		case 0:
			// The stick was rewritten by other means; fall back to the label.
		default:
			return Volume{}, fmt.Errorf("%w: %s all have partition GUID %s", ErrAmbiguousStick, names(match), partUUID)
		}
	}
	switch len(vols) {
	case 0:
		return Volume{}, ErrNoStick
	case 1:
		return vols[0], nil
	}
	return Volume{}, fmt.Errorf("%w: %s are all labelled %s; remove all but the boot stick", ErrAmbiguousStick, names(vols), StickLabel)
}

func names(vols []Volume) string {
	var n []string
	for _, v := range vols {
		n = append(n, v.Name)
	}
	return strings.Join(n, ", ")
}

// StickFromCmdline returns the PARTUUID the kernel command line names with
// kesu.stick=PARTUUID=<guid>, or "".
func StickFromCmdline(cmdline string) string {
	for _, w := range strings.Fields(cmdline) {
		if v, ok := strings.CutPrefix(w, "kesu.stick=PARTUUID="); ok {
			return strings.ToLower(v)
		}
	}
	return ""
}

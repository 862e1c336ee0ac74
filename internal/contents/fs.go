package contents

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
)

// probe looks for a filesystem or volume signature in the n bytes at off.
// Offsets and fields are those of each format's on-disk superblock (the
// tests check them against blkid on images made by mkfs).
func (d *disk) probe(off, n int64) *Filesystem {
	at := func(o, l int64) []byte {
		if o+l > n {
			return nil
		}
		return d.at(off+o, l)
	}
	for _, p := range probes {
		if fs := p(at, n); fs != nil {
			return fs
		}
	}
	return nil
}

// reader reads l bytes at offset o of the region probed; nil when the
// region is too small or the read failed.
type reader func(o, l int64) []byte

var probes = []func(at reader, n int64) *Filesystem{
	probeLUKS, probeXFS, probeBtrfs, probeExt, probeSwap, probeLVM, probeMD, probeISO9660, probeBootSector, probeSquashfs,
}

func cstr(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return strings.TrimSpace(string(b))
}

// uuid formats 16 bytes as a big-endian RFC 4122 UUID.
func uuid(b []byte) string {
	if bytes.Equal(b, make([]byte, 16)) {
		return ""
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// probeExt: the ext2/3/4 superblock at 1024, magic 0xEF53 at +56; the
// type follows blkid: ext4 when a feature ext3 lacks is set, ext3 with a
// journal, else ext2.
func probeExt(at reader, _ int64) *Filesystem {
	sb := at(1024, 1024)
	if sb == nil || le.Uint16(sb[56:]) != 0xEF53 {
		return nil
	}
	compat, incompat, roCompat := le.Uint32(sb[92:]), le.Uint32(sb[96:]), le.Uint32(sb[100:])
	const (
		hasJournal   = 0x4
		journalDev   = 0x8
		ext3Incompat = 0x2 | 0x4 | 0x10 // filetype, recover, meta_bg
		ext3ROCompat = 0x1 | 0x2 | 0x4  // sparse_super, large_file, btree_dir
	)
	typ := "ext2"
	switch {
	case incompat&journalDev != 0:
		typ = "jbd"
	case incompat&^ext3Incompat != 0 || roCompat&^ext3ROCompat != 0:
		typ = "ext4"
	case compat&hasJournal != 0:
		typ = "ext3"
	}
	return &Filesystem{Type: typ, Label: cstr(sb[120:136]), UUID: uuid(sb[104:120])}
}

// probeXFS: "XFSB" at 0, UUID at 32, label (12 bytes) at 108.
func probeXFS(at reader, _ int64) *Filesystem {
	sb := at(0, 512)
	if sb == nil || string(sb[:4]) != "XFSB" {
		return nil
	}
	return &Filesystem{Type: "xfs", Label: cstr(sb[108:120]), UUID: uuid(sb[32:48])}
}

// probeBtrfs: the superblock at 64 KiB, "_BHRfS_M" at +64, fsid at +32,
// label (256 bytes) at +299.
func probeBtrfs(at reader, _ int64) *Filesystem {
	sb := at(65536, 4096)
	if sb == nil || string(sb[64:72]) != "_BHRfS_M" {
		return nil
	}
	return &Filesystem{Type: "btrfs", Label: cstr(sb[299:555]), UUID: uuid(sb[32:48])}
}

// probeSwap: "SWAPSPACE2" (or the old "SWAP-SPACE") in the last 10 bytes
// of the first page; the v1 header's UUID at 1036 and label at 1052.
func probeSwap(at reader, _ int64) *Filesystem {
	for _, page := range []int64{4096, 8192, 16384, 65536} {
		m := at(page-10, 10)
		if m == nil {
			return nil
		}
		switch string(m) {
		case "SWAPSPACE2":
			h := at(1024, 44)
			if h == nil {
				return nil
			}
			return &Filesystem{Type: "swap", Label: cstr(h[28:44]), UUID: uuid(h[12:28])}
		case "SWAP-SPACE":
			return &Filesystem{Type: "swap"}
		}
	}
	return nil
}

// probeLUKS: "LUKS\xba\xbe" at 0; the UUID as text at 168; LUKS2's label
// at 24.
func probeLUKS(at reader, _ int64) *Filesystem {
	h := at(0, 208)
	if h == nil || !bytes.Equal(h[:6], []byte("LUKS\xba\xbe")) {
		return nil
	}
	fs := &Filesystem{Type: "crypto_LUKS", UUID: cstr(h[168:208])}
	if binary.BigEndian.Uint16(h[6:]) == 2 {
		fs.Label = cstr(h[24:72])
	}
	return fs
}

// probeLVM: an LVM2 physical volume's "LABELONE" label in one of the
// first four sectors, type "LVM2 001".
func probeLVM(at reader, _ int64) *Filesystem {
	for s := int64(0); s < 4; s++ {
		b := at(s*512, 512)
		if b == nil {
			return nil
		}
		if string(b[:8]) == "LABELONE" && string(b[24:32]) == "LVM2 001" {
			return &Filesystem{Type: "LVM2_member"}
		}
	}
	return nil
}

// probeMD: a Linux md RAID member: a version-1 superblock (magic
// a92b4efc) at 4 KiB (1.2), at 0 (1.1) or 8 KiB before the end (1.0), or a
// 0.90 superblock in the last 64 KiB-aligned 64 KiB. The array's name is
// its label.
func probeMD(at reader, n int64) *Filesystem {
	const magic = 0xa92b4efc
	for _, off := range []int64{4096, 0, (n/512 - 16) &^ 7 * 512} {
		if off < 0 {
			continue
		}
		sb := at(off, 256)
		if sb != nil && le.Uint32(sb) == magic && le.Uint32(sb[4:]) == 1 {
			name := cstr(sb[32:64])
			if i := strings.IndexByte(name, ':'); i >= 0 {
				name = name[i+1:] // "host:name"
			}
			return &Filesystem{Type: "linux_raid_member", Label: name, UUID: uuid(sb[16:32])}
		}
	}
	if off := n&^65535 - 65536; off >= 0 {
		if sb := at(off, 8); sb != nil && le.Uint32(sb) == magic {
			return &Filesystem{Type: "linux_raid_member"}
		}
	}
	return nil
}

// probeISO9660: the primary volume descriptor at 32 KiB ("\x01CD001"),
// volume identifier at +40.
func probeISO9660(at reader, _ int64) *Filesystem {
	v := at(32768, 72)
	if v == nil || string(v[1:6]) != "CD001" {
		return nil
	}
	return &Filesystem{Type: "iso9660", Label: cstr(v[40:72])}
}

// probeSquashfs: "hsqs" at 0.
func probeSquashfs(at reader, _ int64) *Filesystem {
	if b := at(0, 4); b != nil && string(b) == "hsqs" {
		return &Filesystem{Type: "squashfs"}
	}
	return nil
}

// probeBootSector: the formats whose first sector is a boot sector — NTFS,
// exFAT and BitLocker by their OEM name at 3, FAT12/16/32 by a sane BIOS
// parameter block and the 0x55AA signature. FAT's label and serial come
// from the extended boot record ("NO NAME" is no label).
func probeBootSector(at reader, _ int64) *Filesystem {
	b := at(0, 512)
	if b == nil {
		return nil
	}
	switch string(b[3:11]) {
	case "NTFS    ":
		return &Filesystem{Type: "ntfs", UUID: fmt.Sprintf("%016X", le.Uint64(b[72:]))}
	case "EXFAT   ":
		return &Filesystem{Type: "exfat", UUID: fatSerial(le.Uint32(b[100:]))}
	case "-FVE-FS-":
		return &Filesystem{Type: "BitLocker"}
	}
	if b[510] != 0x55 || b[511] != 0xaa || (b[0] != 0xEB && b[0] != 0xE9) {
		return nil
	}
	bps, spc, reserved, fats := le.Uint16(b[11:]), b[13], le.Uint16(b[14:]), b[16]
	if bps < 512 || bps > 4096 || bps&(bps-1) != 0 || spc == 0 || spc&(spc-1) != 0 || reserved == 0 || fats == 0 || fats > 2 {
		return nil
	}
	var label []byte
	var serial uint32
	switch {
	case string(b[82:87]) == "FAT32":
		label, serial = b[71:82], le.Uint32(b[67:])
	case string(b[54:57]) == "FAT" && b[38] == 0x29:
		label, serial = b[43:54], le.Uint32(b[39:])
	default:
		return nil
	}
	l := cstr(label)
	if l == "NO NAME" {
		l = ""
	}
	return &Filesystem{Type: "vfat", Label: l, UUID: fatSerial(serial)}
}

func fatSerial(s uint32) string { return fmt.Sprintf("%04X-%04X", s>>16, s&0xffff) }

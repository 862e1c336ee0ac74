package contents

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"strings"
	"unicode/utf16"
)

// gpt reads the GUID partition table: the primary header at LBA 1, else the
// backup at the disk's last LBA. Both headers and the entry array are
// checked by their CRC32s (UEFI 2.10 §5.3).
func (d *disk) gpt() ([]Partition, []string, bool) {
	if parts, ok := d.gptAt(1); ok {
		return parts, nil, true
	}
	last := d.size/d.ss - 1
	if last > 1 {
		if parts, ok := d.gptAt(last); ok {
			return parts, []string{"the primary GPT is missing or damaged; the backup GPT at the end of the device was read"}, true
		}
	}
	return nil, nil, false
}

// gptAt reads a GPT header at lba and its partition entries.
func (d *disk) gptAt(lba int64) ([]Partition, bool) {
	h := d.at(lba*d.ss, d.ss)
	if h == nil || !bytes.Equal(h[:8], []byte("EFI PART")) {
		return nil, false
	}
	hsize := le.Uint32(h[12:])
	if hsize < 92 || int64(hsize) > d.ss {
		return nil, false
	}
	hdr := bytes.Clone(h[:hsize])
	want := le.Uint32(hdr[16:])
	copy(hdr[16:20], []byte{0, 0, 0, 0})
	if crc32.ChecksumIEEE(hdr) != want || int64(le.Uint64(h[24:])) != lba {
		return nil, false
	}
	entriesLBA := int64(le.Uint64(h[72:]))
	count := le.Uint32(h[80:])
	esize := le.Uint32(h[84:])
	if count == 0 || count > 1024 || esize < 128 || esize > 4096 || esize%8 != 0 {
		return nil, false
	}
	arr := d.at(entriesLBA*d.ss, int64(count)*int64(esize))
	if arr == nil || crc32.ChecksumIEEE(arr) != le.Uint32(h[88:]) {
		return nil, false
	}
	parts := []Partition{}
	for i := range int(count) {
		e := arr[i*int(esize):][:esize]
		typ := guid(e[0:16])
		if typ == "00000000-0000-0000-0000-000000000000" {
			continue
		}
		first, lastLBA := int64(le.Uint64(e[32:])), int64(le.Uint64(e[40:]))
		if lastLBA < first {
			continue
		}
		p := Partition{Number: i + 1, Start: first * d.ss, Size: (lastLBA - first + 1) * d.ss, Type: typ, Name: utf16Name(e[56:128])}
		if name, ok := gptTypes[typ]; ok {
			p.Type = name
		}
		parts = append(parts, p)
	}
	return parts, true
}

// guid formats a GUID as stored on disk: the first three fields
// little-endian, the rest as bytes.
func guid(b []byte) string {
	return strings.ToUpper(fmt.Sprintf("%08x-%04x-%04x-%x-%x", le.Uint32(b[0:]), le.Uint16(b[4:]), le.Uint16(b[6:]), b[8:10], b[10:16]))
}

func utf16Name(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := le.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}

// gptTypes names the partition type GUIDs a technician meets (the UAPI
// Group's Discoverable Partitions Specification, UEFI, Microsoft, Apple).
var gptTypes = map[string]string{
	"C12A7328-F81F-11D2-BA4B-00A0C93EC93B": "EFI System",
	"21686148-6449-6E6F-744E-656564454649": "BIOS boot",
	"0FC63DAF-8483-4772-8E79-3D69D8477DE4": "Linux filesystem",
	"0657FD6D-A4AB-43C4-84E5-0933C84B4F4F": "Linux swap",
	"E6D6D379-F507-44C2-A23C-238F2A3DF928": "Linux LVM",
	"A19D880F-05FC-4D3B-A006-743F0F84911E": "Linux RAID",
	"4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709": "Linux root (x86-64)",
	"933AC7E1-2EB4-4F13-B844-0E14E2AEF915": "Linux home",
	"BC13C2FF-59E6-4262-A352-B275FD6F7172": "Linux extended boot",
	"CA7D7CCB-63ED-4C53-861C-1742536059CC": "Linux LUKS",
	"EBD0A0A2-B9E5-4433-87C0-68B6B72699C7": "Microsoft basic data",
	"E3C9E316-0B5C-4DB8-817D-F92DF00215AE": "Microsoft reserved",
	"DE94BBA4-06D1-4D40-A16A-BFD50179D6AC": "Windows recovery",
	"5808C8AA-7E8F-42E0-85D2-E1E90434CFB3": "Windows LDM metadata",
	"AF9B60A0-1431-4F62-BC68-3311714A69AD": "Windows LDM data",
	"48465300-0000-11AA-AA11-00306543ECAC": "Apple HFS+",
	"7C3457EF-0000-11AA-AA11-00306543ECAC": "Apple APFS",
	"6A898CC3-1DD2-11B2-99A6-080020736631": "ZFS",
	"516E7CBA-6ECF-11D6-8FF8-00022D09712B": "FreeBSD ZFS",
	"516E7CB6-6ECF-11D6-8FF8-00022D09712B": "FreeBSD UFS",
	"AA31E02A-400F-11DB-9590-000C2911D1B8": "VMware VMFS",
	"9D275380-40AD-11DB-BF97-000C2911D1B8": "VMware reserved",
}

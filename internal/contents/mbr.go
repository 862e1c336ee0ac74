package contents

import "fmt"

// mbr reads a DOS/MBR partition table and the logical partitions of its
// extended partition. A GPT's protective MBR is not reported here (gpt
// reads the GPT first).
func (d *disk) mbr() ([]Partition, []string, bool) {
	s := d.at(0, 512)
	if s == nil || s[510] != 0x55 || s[511] != 0xaa {
		return nil, nil, false
	}
	type entry struct {
		boot, typ    byte
		start, count int64
	}
	parse := func(b []byte) entry {
		return entry{boot: b[0], typ: b[4], start: int64(le.Uint32(b[8:])), count: int64(le.Uint32(b[12:]))}
	}
	var es [4]entry
	for i := range es {
		es[i] = parse(s[446+16*i:])
		if es[i].boot != 0 && es[i].boot != 0x80 {
			return nil, nil, false // boot code or a boot sector, not a table
		}
	}
	var parts []Partition
	var notes []string
	for i, e := range es {
		if e.typ == 0 || e.count == 0 {
			continue
		}
		parts = append(parts, Partition{Number: i + 1, Start: e.start * d.ss, Size: e.count * d.ss, Type: mbrType(e.typ)})
		if !isExtended(e.typ) {
			continue
		}
		// Logical partitions: a chain of extended boot records, each
		// holding one partition (relative to itself) and a link to the
		// next (relative to the extended partition).
		ebr, n := e.start, 5
		for hops := 0; hops < 128; hops++ {
			b := d.at(ebr*d.ss, 512)
			if b == nil || b[510] != 0x55 || b[511] != 0xaa {
				notes = append(notes, fmt.Sprintf("the extended partition's chain of logical partitions is broken at sector %d", ebr))
				break
			}
			l, next := parse(b[446:]), parse(b[462:])
			if l.typ != 0 && l.count != 0 {
				parts = append(parts, Partition{Number: n, Start: (ebr + l.start) * d.ss, Size: l.count * d.ss, Type: mbrType(l.typ)})
				n++
			}
			if next.typ == 0 || next.start == 0 {
				break
			}
			ebr = e.start + next.start
		}
	}
	if len(parts) == 0 {
		return nil, nil, false
	}
	return parts, notes, true
}

func isExtended(t byte) bool { return t == 0x05 || t == 0x0f || t == 0x85 }

// mbrType names an MBR partition type byte.
func mbrType(t byte) string {
	names := map[byte]string{
		0x01: "FAT12", 0x04: "FAT16 <32M", 0x05: "Extended", 0x06: "FAT16", 0x07: "HPFS/NTFS/exFAT",
		0x0b: "W95 FAT32", 0x0c: "W95 FAT32 (LBA)", 0x0e: "W95 FAT16 (LBA)", 0x0f: "W95 Extended (LBA)",
		0x27: "Windows recovery", 0x82: "Linux swap", 0x83: "Linux", 0x85: "Linux extended",
		0x8e: "Linux LVM", 0xa5: "FreeBSD", 0xa8: "Darwin UFS", 0xaf: "HFS / HFS+", 0xee: "GPT protective",
		0xef: "EFI System", 0xfb: "VMware VMFS", 0xfd: "Linux RAID autodetect",
	}
	if n, ok := names[t]; ok {
		return fmt.Sprintf("%s (0x%02x)", n, t)
	}
	return fmt.Sprintf("0x%02x", t)
}

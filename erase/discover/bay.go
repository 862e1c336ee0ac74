package discover

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// bayOf is the rule Location.Bay documents, applied to one disk whose
// other Location fields, HCTL, Host and Transport are read.
func bayOf(d Disk) string {
	loc := d.Location
	if loc.Enclosure != "" {
		slot := loc.EnclosureSlot
		if n := firstNonEmpty(loc.Slot, digitsOnly(slot)); n != "" {
			slot = "slot " + n
		}
		return loc.Enclosure + " " + slot
	}
	a, scsi := parseHCTL(d.HCTL)
	switch {
	case d.Transport == NVMe:
		ctrl := firstNonEmpty(loc.PCIAddress, d.Controller)
		if ctrl != "" && loc.NamespaceID != 0 {
			return fmt.Sprintf("%s ns%d", ctrl, loc.NamespaceID)
		}
	case loc.ATAPort != "":
		if scsi && (a.target != 0 || a.lun != 0) {
			// libata names the devices of a port ataP.DD (DD the device
			// or port-multiplier link): what the kernel log says.
			return fmt.Sprintf("%s.%02d", loc.ATAPort, a.target)
		}
		return loc.ATAPort
	case d.Transport == USB && loc.USBPort != "":
		return "usb " + loc.USBPort + lunSuffix(a, scsi)
	case scsi:
		ctrl := loc.PCIAddress
		if ctrl == "" {
			ctrl = "host" + strconv.Itoa(a.host)
		}
		return fmt.Sprintf("%s tgt %d:%d%s", ctrl, a.channel, a.target, lunSuffix(a, scsi))
	case d.Transport == VirtioBlk:
		if loc.PCIAddress != "" {
			return loc.PCIAddress
		}
	}
	return d.Name
}

// digitsOnly returns s when it is a number, else "".
func digitsOnly(s string) string {
	if s == "" || digitsPrefix(s) != s {
		return ""
	}
	return s
}

// lunSuffix is " lun L" for a SCSI address whose LUN is not 0.
func lunSuffix(a hctl, ok bool) string {
	if !ok || a.lun == 0 {
		return ""
	}
	return " lun " + strconv.Itoa(a.lun)
}

// enclosureOf reads the enclosure_device:* links of the SCSI device
// directory dev into loc (the enclosure class links each component to the
// device in it, drivers/misc/enclosure.c): the enclosure (numbered as
// Location.Bay says, its SES device's H:C:T:L, its logical id), the
// component's name and its slot number. A drive two SES devices report
// takes the first link by name.
func enclosureOf(sys fs.FS, dev string, loc *Location) {
	ents, err := fs.ReadDir(sys, dev)
	if err != nil {
		return
	}
	var links []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "enclosure_device:") {
			links = append(links, e.Name())
		}
	}
	sort.Strings(links)
	for _, l := range links {
		name := strings.TrimPrefix(l, "enclosure_device:")
		p, err := realpath(sys, path.Join(dev, l))
		if err != nil || path.Base(p) != name {
			continue
		}
		edir := path.Dir(p)
		encl := path.Base(edir)
		if encl == "." || encl == "/" || encl == "" {
			continue
		}
		loc.EnclosureDevice, loc.EnclosureSlot = encl, name
		loc.EnclosureID = readStr(sys, edir, "id")
		loc.Slot = readStr(sys, p, "slot")
		loc.Enclosure = "encl " + encl // the H:C:T:L when the class does not list it
		if n, ok := enclosureNumber(sys, encl); ok {
			loc.Enclosure = "encl" + strconv.Itoa(n)
		}
		return
	}
}

// enclosureNumber numbers the enclosure whose /sys/class/enclosure entry
// is name: its place among the machine's enclosures, ordered by name
// (H:C:T:L, numerically), SES devices with one logical id counted once.
func enclosureNumber(sys fs.FS, name string) (int, bool) {
	ents, err := fs.ReadDir(sys, "sys/class/enclosure")
	if err != nil {
		return 0, false
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Slice(names, func(i, j int) bool { return naturalLess(names[i], names[j]) })
	number := map[string]int{} // logical id -> number
	next := 0
	for _, n := range names {
		id := readStr(sys, path.Join("sys/class/enclosure", n), "id")
		k, seen := number[id]
		if !seen || id == "" {
			k = next
			next++
			if id != "" {
				number[id] = k
			}
		}
		if n == name {
			return k, true
		}
	}
	return 0, false
}

// namespaceID is an NVMe namespace's NSID: sysfs nsid, else the number
// the namespace's kernel name ends in (the kernel numbers namespaces by
// instance, which is the NSID on a controller that was never
// reconfigured).
func namespaceID(sys fs.FS, base, name string) uint32 {
	if n, err := strconv.ParseUint(readStr(sys, base, "nsid"), 10, 32); err == nil && n > 0 {
		return uint32(n)
	}
	if m := nvmeNSRE.FindStringSubmatch(name); m != nil {
		if n, err := strconv.ParseUint(m[2], 10, 32); err == nil {
			return uint32(n)
		}
	}
	return 0
}

// UniqueBays makes the bays of disks unique (Location.Bay): every disk
// sharing its label with another gets a more specific one — the label and
// its H:C:T:L in parentheses, else (or when that still collides) the label
// and its kernel name. Labels no other disk shares stay as they are.
// Callers that add bays after Scan (controller labels) call it again.
func UniqueBays(disks []Disk) {
	refine := []func(Disk) string{
		func(d Disk) string {
			if d.HCTL == "" || strings.Contains(d.Location.Bay, d.HCTL) {
				return ""
			}
			return d.Location.Bay + " (" + d.HCTL + ")"
		},
		func(d Disk) string { return d.Location.Bay + " (" + d.Name + ")" },
	}
	for _, more := range refine {
		seen := map[string]int{}
		for _, d := range disks {
			seen[d.Location.Bay]++
		}
		for i := range disks {
			if seen[disks[i].Location.Bay] < 2 {
				continue
			}
			if b := more(disks[i]); b != "" {
				disks[i].Location.Bay = b
			}
		}
	}
}

// Package discover finds the drives of a machine from sysfs: every
// whole-disk block device with its transport, rotation, size, sector sizes,
// identity as the kernel knows it, and physical location. It reads sysfs
// through an fs.FS rooted at "/", so tests use fake trees. It never opens a
// device.
package discover

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Transport is how a drive is attached.
type Transport string

// Transports kesu tells apart.
const (
	NVMe       Transport = "nvme"
	SATA       Transport = "sata" // ATA via libata (AHCI, SATA HBAs, PATA)
	SAS        Transport = "sas"  // SAS transport class (SAS HBAs; may carry SATA drives)
	USB        Transport = "usb"
	VirtioBlk  Transport = "virtio-blk"
	VirtioSCSI Transport = "virtio-scsi"
	SCSI       Transport = "scsi" // other SCSI (RAID volumes, iSCSI, FC)
	MMC        Transport = "mmc"
	Loop       Transport = "loop" // a loop device: a file in a block device's clothes
	Unknown    Transport = "unknown"
)

// Location says where a drive sits, as far as sysfs can tell.
type Location struct {
	// Bay is the label a technician finds the drive by: unique among the
	// drives of one scan and the same in the plan, on the console, in the
	// summary, the record and the certificate. Scan and Lookup make it by
	// one rule (bayOf):
	//   - a drive in an enclosure slot (a sysfs enclosure_device:* link,
	//     SES): the enclosure and the slot, "encl0 slot 7": enclosures
	//     are numbered from 0 in the order of their H:C:T:L names under
	//     /sys/class/enclosure, two SES devices reporting one enclosure
	//     logical id (an enclosure behind two expanders) counted once
	//     ("encl 0:0:2:0" should the class not list it);
	//     the slot is the number the enclosure reports, else the
	//     component's name ("encl0 Disk 5");
	//   - libata (SATA, PATA): the ATA port, "ata3", with the device as
	//     libata numbers it when it is not the port's first ("ata3.01":
	//     a PATA slave, a drive behind a port multiplier);
	//   - USB: "usb" and the USB port path, "usb 2-1" ("usb 2-1 lun 1" for
	//     a card reader's second slot);
	//   - NVMe: the controller's PCI address and the namespace id,
	//     "0000:03:00.0 ns2" (the controller's name when it has no PCI
	//     address, "nvme0 ns1");
	//   - other SCSI (SAS, virtio-scsi, RAID volumes, iSCSI, FC): the
	//     controller's PCI address (else its SCSI host, "host3") and the
	//     channel and target of its H:C:T:L, "0000:00:04.0 tgt 0:1", with
	//     the LUN when it is not 0 ("... tgt 0:1 lun 2");
	//   - virtio-blk: its PCI address (one device per disk);
	//   - anything else: the kernel name.
	// A drive behind a RAID controller carries the controller's own label
	// instead ("32:3", "1I:1:3", "box 1 bay 4"; see package erase/raid).
	// When two drives of one scan would still share a label, UniqueBays
	// makes both more specific: the H:C:T:L in parentheses, else the
	// kernel name.
	Bay string `json:"bay"`
	// Enclosure is the enclosure holding the drive as the bay names it
	// ("encl0"); EnclosureDevice is its SES device's H:C:T:L (its
	// /sys/class/enclosure name, what lsscsi and sg_ses show),
	// EnclosureID its logical identifier, EnclosureSlot the component's
	// name there ("Slot07") and Slot the slot number it reports.
	Enclosure       string `json:"enclosure,omitempty"`
	EnclosureDevice string `json:"enclosure_device,omitempty"`
	EnclosureID     string `json:"enclosure_id,omitempty"`
	EnclosureSlot   string `json:"enclosure_slot,omitempty"`
	Slot            string `json:"slot,omitempty"`
	SASAddress      string `json:"sas_address,omitempty"`
	ATAPort         string `json:"ata_port,omitempty"` // e.g. "ata3"
	SCSIAddress     string `json:"scsi_address,omitempty"`
	// PCIAddress is the PCI function the drive hangs off: the NVMe
	// controller, the virtio device, the SCSI host's controller (for USB
	// the USB host controller).
	PCIAddress string `json:"pci_address,omitempty"`
	USBPort    string `json:"usb_port,omitempty"`
	// NamespaceID is an NVMe namespace's id (NSID).
	NamespaceID uint32 `json:"nsid,omitempty"`
}

// Disk is one whole-disk block device.
type Disk struct {
	Name      string    `json:"name"` // kernel name: sda, nvme0n1
	Path      string    `json:"path"` // /dev/NAME
	Transport Transport `json:"transport"`
	// Rotational is sysfs queue/rotational as the kernel reports it. It is
	// no evidence of a rotating medium: 1 is the kernel's default for
	// devices that report no rotation rate (sd leaves it set unless VPD
	// B1h says 1, non-rotating; virtio-blk always sets it). Rotation is
	// what sysfs actually tells.
	Rotational bool `json:"sysfs_rotational"`
	// Rotation is RotationNonRotational (queue/rotational 0), RotationRotational
	// (NVMe with 1: the nvme driver sets it only from the namespace's
	// rotational-media bit) or RotationUnknown (1 on any other transport, or
	// no attribute).
	Rotation          string `json:"rotation"`
	Removable         bool   `json:"removable"`
	ReadOnly          bool   `json:"read_only"`
	Size              int64  `json:"size_bytes"`
	LogicalBlockSize  int    `json:"logical_block_size"`
	PhysicalBlockSize int    `json:"physical_block_size"`
	Vendor            string `json:"vendor,omitempty"`
	Model             string `json:"model,omitempty"`
	Serial            string `json:"serial,omitempty"`
	Firmware          string `json:"firmware,omitempty"`
	// WWN is a world wide name: the sysfs wwid when it is an NAA ("naa."),
	// EUI-64 or NGUID ("eui.") or UUID ("uuid.") identifier; empty for a
	// T10 vendor ID ("t10.", what a SATL without a WWN reports) or an NVMe
	// "nvme." identifier, which are no WWNs. WWID keeps the attribute as read.
	WWN  string `json:"wwn,omitempty"`
	WWID string `json:"wwid,omitempty"`
	// Controller is the NVMe controller (nvme0) of a namespace.
	Controller string   `json:"controller,omitempty"`
	DevPath    string   `json:"sysfs_path"` // canonical sysfs path
	Location   Location `json:"location"`
	// Partitions lists the kernel names of the disk's partitions.
	Partitions []string `json:"partitions,omitempty"`
	// Backing is the file behind a loop device.
	Backing string `json:"backing_file,omitempty"`
	// HWPartitions lists an eMMC's hardware partitions beside its user
	// data area (boot, general-purpose, RPMB): part of the same card, not
	// drives of their own.
	HWPartitions []HWPartition `json:"hw_partitions,omitempty"`
	// Host is the SCSI host (N of hostN) of a SCSI-attached disk (libata,
	// SAS, USB storage, virtio-scsi, RAID controllers); nil for NVMe,
	// virtio-blk, MMC and loop devices. HostDriver is the host's
	// proc_name and HCTL the disk's host:channel:target:lun.
	Host       *int   `json:"scsi_host,omitempty"`
	HostDriver string `json:"scsi_host_driver,omitempty"`
	HCTL       string `json:"hctl,omitempty"`
	// Volume is set when the disk is a RAID controller's logical volume;
	// Transport stays what the path shows (see Volume for the rules).
	Volume *Volume `json:"volume,omitempty"`
	// Passthrough is set for a physical drive behind a RAID controller,
	// reached through the controller (no block device of its own).
	Passthrough *Passthrough `json:"passthrough,omitempty"`
}

// NotADrive says why d must not be erased on its own as a drive ("" when
// it may): a RAID controller's logical volume is no drive — overwriting it
// reaches no physical drive's medium, spare areas or the controller's own
// areas, so no erasure of a drive can be proven through it. Its member
// drives are erased through the controller (kesu erase --all).
func (d Disk) NotADrive() string {
	if d.Volume != nil {
		return "a RAID controller's logical volume, not a drive: erase its drives with kesu erase --all (each is reached through the controller)"
	}
	return ""
}

// Disk.Rotation values.
const (
	RotationNonRotational = "non-rotational"
	RotationRotational    = "rotational"
	RotationUnknown       = "unknown"
)

// rotationOf reads sysfs queue/rotational for transport t (see
// Disk.Rotation; Linux drivers/scsi/sd.c sd_read_block_characteristics,
// drivers/nvme/host/core.c is_rotational, drivers/block/virtio_blk.c).
func rotationOf(t Transport, rotational string) string {
	switch {
	case rotational == "0":
		return RotationNonRotational
	case rotational == "1" && t == NVMe:
		return RotationRotational
	}
	return RotationUnknown
}

// wwnOf returns wwid when it names a world wide name (see Disk.WWN).
func wwnOf(wwid string) string {
	l := strings.ToLower(wwid)
	for _, p := range []string{"naa.", "eui.", "uuid."} {
		if strings.HasPrefix(l, p) {
			return wwid
		}
	}
	return ""
}

// notTargets are name prefixes of block devices that are never drives to
// erase: virtual, stacked or optical devices.
var notTargets = []string{"loop", "ram", "zram", "dm-", "md", "sr", "fd", "nbd", "zd", "rbd", "drbd", "bcache", "nullb", "pmem", "ublkb"}

// IsTarget reports whether a block device name can be a drive to erase.
func IsTarget(name string) bool {
	for _, p := range notTargets {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	if strings.HasPrefix(name, "mmcblk") && (strings.Contains(name, "boot") || strings.Contains(name, "rpmb") || strings.Contains(name, "gp")) {
		// An eMMC's hardware partitions belong to its user data area's
		// disk (Disk.HWPartitions): erased and recorded with it.
		return false
	}
	return true
}

// ErrNoSysfs is returned when the tree has no /sys/block.
var ErrNoSysfs = errors.New("no /sys/block")

// Scan lists the whole-disk drives in sys (a tree rooted at "/"), sorted by
// name. Devices that are never targets (loop, ram, zram, dm, md, optical,
// partitions) are left out; so are disks without a medium (size 0). No two
// disks it returns share a bay (Location.Bay, UniqueBays).
func Scan(sys fs.FS) ([]Disk, error) {
	ents, err := fs.ReadDir(sys, "sys/block")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoSysfs, err)
	}
	var out []Disk
	for _, e := range ents {
		name := e.Name()
		if !IsTarget(name) {
			continue
		}
		d, err := read(sys, name)
		if err != nil {
			return nil, err
		}
		if d.Size == 0 {
			continue
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return naturalLess(out[i].Name, out[j].Name) })
	UniqueBays(out)
	return out, nil
}

// Lookup reads one disk by kernel name. A disk Scan lists is read as Scan
// reads it, so its bay is the one a scan of the whole machine gives it.
func Lookup(sys fs.FS, name string) (Disk, error) {
	if _, err := fs.Stat(sys, path.Join("sys/block", name)); err != nil {
		return Disk{}, fmt.Errorf("%s: not a whole-disk block device: %w", name, err)
	}
	if disks, err := Scan(sys); err == nil {
		for _, d := range disks {
			if d.Name == name {
				return d, nil
			}
		}
	}
	return read(sys, name)
}

func read(sys fs.FS, name string) (Disk, error) {
	base := path.Join("sys/block", name)
	d := Disk{Name: name, Path: "/dev/" + name}
	devpath, err := realpath(sys, base)
	if err != nil {
		return d, fmt.Errorf("%s: %w", name, err)
	}
	d.DevPath = "/" + devpath
	sectors := readInt(sys, base, "size")
	d.LogicalBlockSize = int(readInt(sys, base, "queue/logical_block_size"))
	d.PhysicalBlockSize = int(readInt(sys, base, "queue/physical_block_size"))
	if d.LogicalBlockSize == 0 {
		d.LogicalBlockSize = 512
	}
	if d.PhysicalBlockSize < d.LogicalBlockSize {
		d.PhysicalBlockSize = d.LogicalBlockSize
	}
	d.Size = sectors * 512 // sysfs "size" counts 512-byte units whatever the block size
	rotational := readStr(sys, base, "queue/rotational")
	d.Rotational = rotational == "1"
	d.Removable = readStr(sys, base, "removable") == "1"
	d.ReadOnly = readStr(sys, base, "ro") == "1"
	if ents, err := fs.ReadDir(sys, base); err == nil {
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), name) {
				if _, err := fs.Stat(sys, path.Join(base, e.Name(), "partition")); err == nil {
					d.Partitions = append(d.Partitions, e.Name())
				}
			}
		}
	}

	d.Transport = transportOf(sys, name, devpath)
	d.Rotation = rotationOf(d.Transport, rotational)
	switch d.Transport {
	case NVMe:
		d.Controller = nvmeController(sys, base, name)
		cbase := path.Join("sys/class/nvme", d.Controller)
		d.Model = readStr(sys, cbase, "model")
		d.Serial = readStr(sys, cbase, "serial")
		d.Firmware = readStr(sys, cbase, "firmware_rev")
		d.WWID = readStr(sys, base, "wwid")
		d.WWN = wwnOf(d.WWID)
		d.Location.PCIAddress = readStr(sys, cbase, "address")
		if d.Location.PCIAddress == "" {
			d.Location.PCIAddress = pciBefore(devpath, "/nvme/")
		}
		d.Location.NamespaceID = namespaceID(sys, base, name)
	case VirtioBlk:
		d.Serial = readStr(sys, base, "serial")
		d.Location.PCIAddress = pciBefore(devpath, "/virtio")
	case Loop:
		d.Backing = readStr(sys, path.Join(base, "loop"), "backing_file")
		d.Model = "loop device over " + d.Backing
	case MMC:
		d.Model = readStr(sys, base, "device/name")
		d.Serial = readStr(sys, base, "device/serial")
		d.HWPartitions = mmcHardwarePartitions(sys, name)
	default:
		dev := path.Join(base, "device")
		d.Vendor = readStr(sys, dev, "vendor")
		d.Model = readStr(sys, dev, "model")
		d.Firmware = readStr(sys, dev, "rev")
		d.WWID = readStr(sys, dev, "wwid")
		d.WWN = wwnOf(d.WWID)
		if pg, err := fs.ReadFile(sys, path.Join(dev, "vpd_pg80")); err == nil {
			d.Serial = unitSerial(pg)
		}
		if m := scsiAddrRE.FindAllStringSubmatch(devpath, -1); m != nil {
			d.Location.SCSIAddress = m[len(m)-1][1]
		}
		d.HCTL = d.Location.SCSIAddress
		d.Host, d.HostDriver, d.Volume = scsiTopology(sys, d.HCTL, dev, base)
		if m := ataPortRE.FindStringSubmatch(devpath); m != nil {
			d.Location.ATAPort = m[1]
		}
		d.Location.SASAddress = readStr(sys, dev, "sas_address")
		enclosureOf(sys, dev, &d.Location)
		if d.Host != nil {
			d.Location.PCIAddress = pciBefore(devpath, "/host"+strconv.Itoa(*d.Host)+"/")
		}
		if m := usbPortRE.FindAllStringSubmatch(devpath, -1); m != nil && d.Transport == USB {
			d.Location.USBPort = m[len(m)-1][1]
		}
		if d.Transport == USB {
			// usb-storage (BOT) devices have no VPD pages: the serial the
			// office sees (lsblk, the label) is the USB device's iSerial.
			if dir := usbDeviceDir(devpath); dir != "" {
				if s := readStr(sys, dir, "serial"); s != "" && d.Serial == "" {
					d.Serial = s
				}
			}
		}
	}
	d.Location.Bay = bayOf(d)
	return d, nil
}

var (
	ataPortRE  = regexp.MustCompile(`/(ata\d+)/`)
	scsiAddrRE = regexp.MustCompile(`/(\d+:\d+:\d+:\d+)(/|$)`)
	usbPortRE  = regexp.MustCompile(`/(\d+-[\d.]+)(/|$)`)
	usbDevRE   = regexp.MustCompile(`^\d+-[\d.]+$`)
	pciRE      = regexp.MustCompile(`([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])`)
	nvmeNSRE   = regexp.MustCompile(`^nvme(\d+)(?:c\d+)?n(\d+)$`)
)

func transportOf(sys fs.FS, name, devpath string) Transport {
	switch {
	case strings.HasPrefix(name, "nvme"):
		return NVMe
	case strings.HasPrefix(name, "mmcblk"):
		return MMC
	case strings.HasPrefix(name, "loop"):
		return Loop
	case strings.Contains(devpath, "/usb"):
		return USB
	case ataPortRE.MatchString(devpath):
		return SATA
	case strings.Contains(devpath, "/end_device-") || strings.Contains(devpath, "/port-") ||
		readStr(sys, path.Join("sys/block", name, "device"), "sas_address") != "":
		return SAS
	case strings.Contains(devpath, "/virtio") && strings.HasPrefix(name, "vd"):
		return VirtioBlk
	case strings.Contains(devpath, "/virtio"):
		return VirtioSCSI
	case strings.HasPrefix(name, "sd"):
		return SCSI
	}
	return Unknown
}

// nvmeController finds a namespace's controller: the "device" link of
// /sys/block/nvmeXnY points at it (or, with native multipath, at the
// subsystem; then the name's controller number is used).
func nvmeController(sys fs.FS, base, name string) string {
	if l, err := realpath(sys, path.Join(base, "device")); err == nil {
		if b := path.Base(l); strings.HasPrefix(b, "nvme") && !strings.HasPrefix(b, "nvme-subsys") {
			return b
		}
	}
	if m := nvmeNSRE.FindStringSubmatch(name); m != nil {
		return "nvme" + m[1]
	}
	return ""
}

// usbDeviceDir returns the sysfs directory of the USB device (such as
// .../usb2/2-1) a USB-attached disk hangs off: the last path element that
// names a port chain without an interface (no colon).
func usbDeviceDir(devpath string) string {
	parts := strings.Split(devpath, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		if usbDevRE.MatchString(parts[i]) {
			return strings.Join(parts[:i+1], "/")
		}
	}
	return ""
}

func pciBefore(devpath, marker string) string {
	i := strings.Index(devpath, marker)
	if i < 0 {
		return ""
	}
	m := pciRE.FindAllString(devpath[:i], -1)
	if m == nil {
		return ""
	}
	return m[len(m)-1]
}

// unitSerial decodes a Unit Serial Number VPD page (80h): page length at
// bytes 2–3 (big-endian), the serial from byte 4 (SPC-4 §7.8.15).
func unitSerial(pg []byte) string {
	if len(pg) < 4 || pg[1] != 0x80 {
		return ""
	}
	n := int(binary.BigEndian.Uint16(pg[2:4]))
	if 4+n > len(pg) {
		n = len(pg) - 4
	}
	return strings.TrimSpace(strings.TrimRight(string(pg[4:4+n]), "\x00"))
}

// realpath resolves every symbolic link in p, as readlink -f does.
func realpath(sys fs.FS, p string) (string, error) {
	parts := strings.Split(p, "/")
	cur := ""
	for hops := 0; len(parts) > 0; {
		part := parts[0]
		parts = parts[1:]
		switch part {
		case "", ".":
			continue
		case "..":
			cur = path.Dir(cur)
			if cur == "." {
				cur = ""
			}
			continue
		}
		next := path.Join(cur, part)
		target, err := fs.ReadLink(sys, next)
		if err != nil {
			cur = next
			continue
		}
		if hops++; hops > 40 {
			return "", fmt.Errorf("too many symbolic links in %s", p)
		}
		if strings.HasPrefix(target, "/") {
			cur = ""
			target = target[1:]
		}
		parts = append(strings.Split(target, "/"), parts...)
	}
	return cur, nil
}

func readStr(sys fs.FS, dir, name string) string {
	b, err := fs.ReadFile(sys, path.Join(dir, name))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func readInt(sys fs.FS, dir, name string) int64 {
	v, _ := strconv.ParseInt(readStr(sys, dir, name), 10, 64)
	return v
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// naturalLess orders sda < sdb < sdaa and nvme2n1 < nvme10n1.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := digitsPrefix(a), digitsPrefix(b)
		if da != "" && db != "" {
			na, _ := strconv.Atoi(da)
			nb, _ := strconv.Atoi(db)
			if na != nb {
				return na < nb
			}
			a, b = a[len(da):], b[len(db):]
			continue
		}
		if a[0] != b[0] {
			if len(a) != len(b) && isLetters(a) && isLetters(b) {
				return len(a) < len(b)
			}
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func digitsPrefix(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// DiskOf returns the whole disk holding a block device (itself for a whole
// disk, the parent for a partition such as sdb1 or nvme0n1p2).
func DiskOf(sys fs.FS, name string) (string, error) {
	p, err := realpath(sys, path.Join("sys/class/block", name))
	if err != nil {
		return "", err
	}
	if _, err := fs.Stat(sys, path.Join(p, "partition")); err == nil {
		return path.Base(path.Dir(p)), nil
	}
	if _, err := fs.Stat(sys, path.Join(p, "dev")); err != nil {
		return "", fmt.Errorf("%s: not a block device: %w", name, err)
	}
	return path.Base(p), nil
}

// Excluded is a drive that will not be touched, and why.
type Excluded struct {
	Disk   Disk   `json:"disk"`
	Reason string `json:"reason"`
}

// Rule decides whether a drive is excluded.
type Rule func(Disk) (excluded bool, reason string)

// Select splits disks into targets and excluded drives; the first rule that
// excludes a drive gives the reason.
func Select(disks []Disk, rules ...Rule) (targets []Disk, excluded []Excluded) {
next:
	for _, d := range disks {
		for _, r := range rules {
			if ex, why := r(d); ex {
				excluded = append(excluded, Excluded{Disk: d, Reason: why})
				continue next
			}
		}
		targets = append(targets, d)
	}
	return targets, excluded
}

// BootStick excludes the named whole disks as the kesu boot stick.
func BootStick(names ...string) Rule {
	return func(d Disk) (bool, string) {
		for _, n := range names {
			if n == d.Name {
				return true, "the kesu boot stick"
			}
		}
		return false, ""
	}
}

package vm

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Kind is how a disk is attached to the VM.
type Kind int

const (
	// NVMe: QEMU's nvme controller, one namespace (/dev/nvmeXn1). Serial is
	// the controller's serial number (required by QEMU).
	NVMe Kind = iota + 1
	// AHCI: an ide-hd on the q35 machine's ICH9 AHCI controller; the kernel
	// sees a SATA disk through libata (/dev/sdX). Model and Serial are what
	// IDENTIFY DEVICE returns. At most six.
	AHCI
	// SCSI: a scsi-hd on a virtio-scsi controller (/dev/sdX). Serial is VPD
	// page 0x80; Vendor (8 chars) and Product (16) are INQUIRY's.
	SCSI
	// VirtioBlk: a virtio-blk-pci disk (/dev/vdX); Serial is its ID string.
	VirtioBlk
	// USB: a usb-storage device on a qemu-xhci controller, removable, as a
	// boot stick is. Set Boot for the one the firmware should boot.
	USB
	// MegaRAID: a scsi-hd behind a megasas-gen2 controller in its default
	// RAID mode: the kernel (megaraid_sas) sees a one-disk RAID-0 logical
	// drive on channel 2; the disk itself answers MFI pass-through. Serial
	// is its VPD page 0x80.
	MegaRAID
	// MegaRAIDJBOD: the same on a controller with use_jbod=on (the disk is
	// a system PD). QEMU exposes only the first such disk.
	MegaRAIDJBOD
)

func (k Kind) String() string {
	switch k {
	case NVMe:
		return "nvme"
	case AHCI:
		return "ahci"
	case SCSI:
		return "scsi"
	case VirtioBlk:
		return "virtio-blk"
	case USB:
		return "usb"
	case MegaRAID:
		return "megaraid"
	case MegaRAIDJBOD:
		return "megaraid-jbod"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Disk is a raw image file attached to the VM.
type Disk struct {
	Kind    Kind
	Path    string // raw image file
	Serial  string
	Model   string // AHCI
	Vendor  string // SCSI
	Product string // SCSI
	// ReadOnly attaches the image read-only.
	ReadOnly bool
	// WriteCacheOff reports the disk's volatile write cache disabled
	// (QEMU write-cache=off), so that the kernel sends it no SYNCHRONIZE
	// CACHE. QEMU's megasas fails every frame without a data buffer
	// (megasas_map_sgl refuses sge_count 0 since QEMU 5.2), the kernel's
	// flushes of a JBOD disk included.
	WriteCacheOff bool
	// Boot marks the disk the firmware boots first (Firmware boots).
	Boot bool
	// Controller (NVMe): NVMe disks naming the same controller are its
	// namespaces, nsid 1, 2, … in the order given (/dev/nvmeXn1,
	// /dev/nvmeXn2, …), all answering with the first one's Serial; ""
	// gives the disk a controller of its own.
	Controller string
	// Errors, if not nil, puts a blkdebug layer between the disk and its
	// image that fails the I/O the rules select.
	Errors []ErrorRule
}

// ErrorRule is one blkdebug inject-error rule (QEMU docs/devel/blkdebug.txt).
type ErrorRule struct {
	Event  string // blkdebug event, e.g. "write_aio", "read_aio", "flush_to_disk"
	Errno  int    // e.g. 5 (EIO)
	Sector int64  // only I/O touching this sector (512-byte units); -1 for any
	Once   bool   // fail only the first matching request
}

// WriteErrors fails every write (from the first sector on) with EIO.
func WriteErrors() []ErrorRule {
	return []ErrorRule{{Event: "write_aio", Errno: 5, Sector: -1}}
}

// blkdebugConfig renders the rules as a blkdebug config file.
func blkdebugConfig(rules []ErrorRule) string {
	var b strings.Builder
	for _, r := range rules {
		fmt.Fprintf(&b, "[inject-error]\nevent = %q\nerrno = \"%d\"\n", r.Event, r.Errno)
		if r.Sector >= 0 {
			fmt.Fprintf(&b, "sector = \"%d\"\n", r.Sector)
		}
		if r.Once {
			b.WriteString("once = \"on\"\n")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// diskArgs renders the disks as QEMU arguments; blkdebug configs go to dir.
func diskArgs(dir string, disks []Disk) ([]string, error) {
	var a []string
	var scsi, usb, megaraid, jbod bool
	ahci := 0
	boot := 0
	nsids := map[string]int{} // NVMe controller -> namespaces so far
	for i, d := range disks {
		if d.Path == "" {
			return nil, fmt.Errorf("vm: disk %d has no image path", i)
		}
		if strings.ContainsAny(d.Path, ",:") {
			return nil, fmt.Errorf("vm: disk image path %q: no ',' or ':' allowed", d.Path)
		}
		id := fmt.Sprintf("disk%d", i)
		drive := "if=none,id=" + id + ",format=raw,"
		if len(d.Errors) > 0 {
			conf := filepath.Join(dir, id+".blkdebug")
			if err := os.WriteFile(conf, []byte(blkdebugConfig(d.Errors)), 0o644); err != nil {
				return nil, err
			}
			drive += "file.driver=blkdebug,file.config=" + conf + ",file.image.driver=file,file.image.filename=" + d.Path
		} else {
			drive += "file=" + d.Path
		}
		if d.ReadOnly {
			drive += ",readonly=on"
		}
		a = append(a, "-drive", drive)
		var dev string
		switch d.Kind {
		case NVMe:
			if d.Serial == "" {
				return nil, fmt.Errorf("vm: NVMe disk %d needs a serial", i)
			}
			if d.Controller == "" {
				dev = "nvme,drive=" + id + ",serial=" + d.Serial
				break
			}
			if strings.ContainsAny(d.Controller, ",=") {
				return nil, fmt.Errorf("vm: NVMe controller name %q: no ',' or '=' allowed", d.Controller)
			}
			if nsids[d.Controller] == 0 {
				a = append(a, "-device", "nvme,id="+d.Controller+",serial="+d.Serial)
			}
			nsids[d.Controller]++
			dev = fmt.Sprintf("nvme-ns,drive=%s,bus=%s,nsid=%d", id, d.Controller, nsids[d.Controller])
		case AHCI:
			if ahci == 6 {
				return nil, fmt.Errorf("vm: at most 6 AHCI disks")
			}
			dev = fmt.Sprintf("ide-hd,drive=%s,bus=ide.%d", id, ahci)
			ahci++
			dev += prop("model", d.Model) + prop("serial", d.Serial)
		case SCSI:
			if !scsi {
				a = append(a, "-device", "virtio-scsi-pci,id=scsi0")
				scsi = true
			}
			dev = "scsi-hd,drive=" + id + ",bus=scsi0.0" + prop("serial", d.Serial) + prop("vendor", d.Vendor) + prop("product", d.Product)
		case MegaRAID, MegaRAIDJBOD:
			bus := "mr0"
			if d.Kind == MegaRAIDJBOD {
				bus = "mrj0"
			}
			switch {
			case d.Kind == MegaRAID && !megaraid:
				a = append(a, "-device", "megasas-gen2,id=mr0")
				megaraid = true
			case d.Kind == MegaRAIDJBOD && !jbod:
				a = append(a, "-device", "megasas-gen2,id=mrj0,use_jbod=on")
				jbod = true
			}
			dev = "scsi-hd,drive=" + id + ",bus=" + bus + ".0" + prop("serial", d.Serial) + prop("vendor", d.Vendor) + prop("product", d.Product)
			if d.WriteCacheOff {
				dev += ",write-cache=off"
			}
		case VirtioBlk:
			dev = "virtio-blk-pci,drive=" + id + prop("serial", d.Serial)
		case USB:
			if !usb {
				a = append(a, "-device", "qemu-xhci,id=xhci")
				usb = true
			}
			dev = "usb-storage,bus=xhci.0,removable=on,drive=" + id + prop("serial", d.Serial)
		default:
			return nil, fmt.Errorf("vm: disk %d: unknown kind %v", i, d.Kind)
		}
		if d.Boot {
			dev += fmt.Sprintf(",bootindex=%d", boot)
			boot++
		}
		a = append(a, "-device", dev)
	}
	return a, nil
}

func prop(name, v string) string {
	if v == "" {
		return ""
	}
	return "," + name + "=" + strings.ReplaceAll(v, ",", ",,")
}

// CreateImage creates a raw disk image of size bytes (sparse, all zero).
func CreateImage(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// MarkerPrefix starts every marker WriteMarkers writes.
const MarkerPrefix = "KESU-MARKER:"

// WriteMarkers fills a disk image with marker data: every 512-byte sector
// starts with "KESU-MARKER:<tag>:<sector>" and is padded with a byte pattern,
// so that any sector an erase missed still shows a marker.
func WriteMarkers(path, tag string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	const chunk = 1 << 20
	buf := make([]byte, chunk)
	for off := int64(0); off < st.Size(); off += chunk {
		n := int64(chunk)
		if st.Size()-off < n {
			n = st.Size() - off
		}
		for s := int64(0); s < n; s += 512 {
			sec := buf[s : s+512]
			for i := range sec {
				sec[i] = byte(0xA5 ^ i)
			}
			copy(sec, fmt.Sprintf("%s%s:%d:", MarkerPrefix, tag, (off+s)/512))
		}
		if _, err := f.WriteAt(buf[:n], off); err != nil {
			return err
		}
	}
	return f.Sync()
}

// CountMarkers counts the sectors of an image that still start with
// MarkerPrefix, and returns the first such sector (-1 if none).
func CountMarkers(path string) (count int64, first int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, -1, err
	}
	defer f.Close()
	first = -1
	buf := make([]byte, 1<<20)
	prefix := []byte(MarkerPrefix)
	var off int64
	for {
		n, err := io.ReadFull(f, buf)
		for s := 0; s+len(prefix) <= n; s += 512 {
			if bytes.HasPrefix(buf[s:], prefix) {
				if first < 0 {
					first = (off + int64(s)) / 512
				}
				count++
			}
		}
		off += int64(n)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return count, first, nil
		}
		if err != nil {
			return count, first, err
		}
	}
}

// MarkedDisks creates an image of size bytes for each disk in dir (named
// after its serial, replacing one left by an earlier run), fills it with
// markers tagged with the serial, and returns the disks with their paths
// (the demos' target disks).
func MarkedDisks(dir string, disks []Disk, size int64) ([]Disk, error) {
	var out []Disk
	for _, d := range disks {
		d.Path = filepath.Join(dir, strings.ToLower(d.Serial)+".img")
		os.Remove(d.Path)
		if err := CreateImage(d.Path, size); err != nil {
			return nil, err
		}
		if err := WriteMarkers(d.Path, d.Serial); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

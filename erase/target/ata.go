package target

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/scsi"
)

// SCSITransport is an open SG_IO device.
type SCSITransport interface {
	scsi.Transport
	Close() error
}

// noATAPassword ends every refusal of a device that takes no ATA commands.
const noATAPassword = "kesu unlock removes an ATA user password, which only an ATA (SATA/PATA) drive has; nothing was sent"

// OpenATA opens device for an unlock (with open: read-only SG_IO) once it
// is known to take ATA commands: a SATA drive on libata, or an ATA drive
// behind a SCSI, SAS or USB translation layer (its INQUIRY says so).
// Anything else — a file, a loop device, an NVMe namespace, a SCSI/SAS
// drive, a virtio or MMC disk — is refused (ErrRefused), saying what it
// is, before any ATA command is sent. Which it is comes from sysfs (under
// sys), never from a trial command.
func OpenATA(ctx context.Context, sys fs.FS, device string, open func(string) (SCSITransport, error)) (SCSITransport, error) {
	st, err := os.Stat(device)
	if err != nil {
		return nil, err
	}
	mode := st.Mode()
	switch {
	case mode.IsRegular():
		return nil, fmt.Errorf("%w: %s is a regular file, not a drive: %s", ErrRefused, device, noATAPassword)
	case mode&os.ModeCharDevice != 0:
		real := device
		if r, err := filepath.EvalSymlinks(device); err == nil {
			real = r
		}
		switch base := filepath.Base(real); {
		case strings.HasPrefix(base, "sg"):
			// A SCSI generic node: only its INQUIRY can tell.
			return inquireATA(ctx, device, "", open)
		case strings.HasPrefix(base, "nvme"):
			return nil, fmt.Errorf("%w: %s is an NVMe controller: NVMe drives have no ATA security feature set (a drive locked by TCG Opal needs the Opal tools); %s", ErrRefused, device, noATAPassword)
		}
		return nil, fmt.Errorf("%w: %s is a character device that is no drive (give the drive's block device, e.g. /dev/sdb); %s", ErrRefused, device, noATAPassword)
	case mode&os.ModeDevice == 0:
		return nil, fmt.Errorf("%w: %s is a %s, not a drive; %s", ErrRefused, device, erase.KindOf(mode), noATAPassword)
	}
	name, err := kernelName(st)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: cannot find it in sysfs (%v), so kesu cannot tell whether it is an ATA drive; nothing was sent", ErrRefused, device, err)
	}
	return reachATA(ctx, sys, name, device, open)
}

// reachATA opens the block device `device`, kernel name `name`, when
// sysfs (under sys) shows a disk that takes ATA commands, and refuses it
// otherwise, saying what it is.
func reachATA(ctx context.Context, sys fs.FS, name, device string, open func(string) (SCSITransport, error)) (SCSITransport, error) {
	whole, err := discover.DiskOf(sys, name)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: cannot find it in sysfs (%v), so kesu cannot tell whether it is an ATA drive; nothing was sent", ErrRefused, device, err)
	}
	if whole != name {
		return nil, fmt.Errorf("%w: %s is a partition of %s: a password locks the whole drive; give the drive: kesu unlock --device /dev/%s", ErrRefused, device, whole, whole)
	}
	disk, err := discover.Lookup(sys, whole)
	if err != nil {
		return nil, fmt.Errorf("%w: %v; nothing was sent", ErrRefused, err)
	}
	if disk.Volume != nil {
		return nil, fmt.Errorf("%w: %s is a RAID controller's logical volume, not a drive: its drives' passwords are the controller's to manage; %s", ErrRefused, device, noATAPassword)
	}
	switch disk.Transport {
	case discover.SATA:
		return open(device)
	case discover.NVMe:
		return nil, fmt.Errorf("%w: %s is an NVMe namespace%s: NVMe drives have no ATA security feature set (a drive locked by TCG Opal needs the Opal tools); %s",
			ErrRefused, device, modelOf(disk), noATAPassword)
	case discover.Loop:
		over := ""
		if disk.Backing != "" {
			over = " over " + disk.Backing
		}
		return nil, fmt.Errorf("%w: %s is a loop device%s: a file seen as a disk, with no firmware and no password; %s", ErrRefused, device, over, noATAPassword)
	case discover.VirtioBlk:
		return nil, fmt.Errorf("%w: %s is a virtio block device: the virtual machine's disk takes no ATA commands; %s", ErrRefused, device, noATAPassword)
	case discover.MMC:
		return nil, fmt.Errorf("%w: %s is an MMC/SD card: it takes no ATA commands; %s", ErrRefused, device, noATAPassword)
	case discover.SAS, discover.SCSI, discover.VirtioSCSI, discover.USB:
		return inquireATA(ctx, device, string(disk.Transport), open)
	}
	if disk.Host != nil {
		return inquireATA(ctx, device, string(disk.Transport), open)
	}
	return nil, fmt.Errorf("%w: %s: kesu cannot tell how it is attached (transport %s), so it sends it no ATA command; nothing was sent", ErrRefused, device, disk.Transport)
}

// inquireATA opens a SCSI-attached device and keeps it only when its
// INQUIRY shows an ATA drive behind a translation layer (vendor "ATA", or
// the ATA Information VPD page 89h): a SCSI or SAS drive has no ATA
// password. Only INQUIRY is sent (standard, and the supported-pages VPD).
func inquireATA(ctx context.Context, device, transport string, open func(string) (SCSITransport, error)) (SCSITransport, error) {
	t, err := open(device)
	if err != nil {
		return nil, err
	}
	d := scsi.NewDevice(t, device)
	inq, err := d.Inquiry(ctx)
	if err != nil {
		t.Close()
		return nil, fmt.Errorf("%w: %s: INQUIRY failed (%v), so kesu cannot tell whether it is an ATA drive; nothing else was sent", ErrRefused, device, err)
	}
	if inq.Vendor == "ATA" {
		return t, nil
	}
	if pages, err := d.SupportedVPDPages(ctx); err == nil && bytes.IndexByte(pages, 0x89) >= 0 {
		return t, nil
	}
	t.Close()
	what := "a SCSI drive"
	if transport != "" {
		what = "a SCSI drive on " + transport
	}
	if id := strings.TrimSpace(inq.Vendor + " " + inq.Product); id != "" {
		what += " (" + id + ")"
	}
	return nil, fmt.Errorf("%w: %s is %s, not an ATA drive: its INQUIRY shows no ATA device behind it; %s", ErrRefused, device, what, noATAPassword)
}

// modelOf is " (MODEL)" for a disk whose model sysfs knows.
func modelOf(d discover.Disk) string {
	if m := strings.TrimSpace(d.Model); m != "" {
		return " (" + m + ")"
	}
	return ""
}

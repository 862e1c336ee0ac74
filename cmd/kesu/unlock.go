package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kesu-erase/kesu/ata"
	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/scsi"
)

// What runUnlock reads from the machine; tests replace them.
var (
	// unlockSys is the root of the file system sysfs is read from.
	unlockSys fs.FS = os.DirFS("/")
	// openUnlockSCSI opens a disk's SG_IO transport.
	openUnlockSCSI = func(path string) (unlockTransport, error) {
		t, err := scsi.OpenReadOnly(path)
		if err != nil {
			return nil, err
		}
		return t, nil
	}
)

// unlockTransport is an open SG_IO device.
type unlockTransport interface {
	scsi.Transport
	Close() error
}

func init() {
	register(command{
		name:    "unlock",
		summary: "remove an ATA user password a record names (recovery of an interrupted Security Erase)",
		usage:   []string{"unlock --password PW --yes DEVICE"},
		run:     runUnlock,
	})
}

// runUnlock is the recovery the record's Recovery text describes: SECURITY
// UNLOCK and DISABLE PASSWORD with the password kesu recorded before it set
// it, then IDENTIFY to confirm security is disabled.
func runUnlock(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("unlock", flag.ContinueOnError)
	deviceFlag := fs.String("device", "", "the SATA drive: the `DEVICE`, e.g. /dev/sdb (or give it as the argument)")
	password := fs.String("password", "", "the user password as the record gives it: `PW` (required)")
	yes := fs.Bool("yes", false, "confirm: the drive's security state will be changed")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	dev, err := deviceArg(fs, *deviceFlag, pos)
	if err != nil {
		return err
	}
	device := &dev
	if *device == "" || *password == "" {
		return fmt.Errorf("%w: unlock needs --device and --password", errUsage)
	}
	if !*yes {
		return fmt.Errorf("%w: unlock changes %s's security state; add --yes", errRefused, *device)
	}
	pw, err := ata.PasswordFromString(*password)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	t, err := openATADrive(ctx, *device)
	if err != nil {
		return err
	}
	defer t.Close()
	d := &ata.Device{T: t, Name: *device}
	rec, cmds := d.RemovePassword(ctx, pw)
	for _, c := range cmds {
		line := "sent " + c.Name
		if c.Error != "" {
			line += ": " + c.Error
		}
		fmt.Fprintln(stdout, line)
	}
	switch {
	case rec == nil:
		return errors.New("unlock: nothing was attempted")
	case rec.Disabled:
		fmt.Fprintf(stdout, "%s: security disabled; the drive is usable\n", *device)
		return nil
	}
	return fmt.Errorf("%s: security still enabled (unlock: %s; disable: %s; check: %s)", *device,
		orDash(rec.UnlockErr), orDash(rec.DisableErr), orDash(rec.CheckErr))
}

func orDash(s string) string {
	if s == "" {
		return "ok"
	}
	return s
}

// noATAPassword ends every refusal of a device that takes no ATA commands.
const noATAPassword = "kesu unlock removes an ATA user password, which only an ATA (SATA/PATA) drive has; nothing was sent"

// openATADrive opens device for the unlock once it is known to take ATA
// commands: a SATA drive on libata, or an ATA drive behind a SCSI, SAS or
// USB translation layer (its INQUIRY says so). Anything else — a file, a
// loop device, an NVMe namespace, a SCSI/SAS drive, a virtio or MMC disk —
// is refused, saying what it is, before any ATA command is sent. Which it
// is comes from sysfs, never from a trial command.
func openATADrive(ctx context.Context, device string) (unlockTransport, error) {
	st, err := os.Stat(device)
	if err != nil {
		return nil, err
	}
	mode := st.Mode()
	switch {
	case mode.IsRegular():
		return nil, fmt.Errorf("%w: %s is a regular file, not a drive: %s", errRefused, device, noATAPassword)
	case mode&os.ModeCharDevice != 0:
		real := device
		if r, err := filepath.EvalSymlinks(device); err == nil {
			real = r
		}
		switch base := filepath.Base(real); {
		case strings.HasPrefix(base, "sg"):
			// A SCSI generic node: only its INQUIRY can tell.
			return inquireATA(ctx, device, "")
		case strings.HasPrefix(base, "nvme"):
			return nil, fmt.Errorf("%w: %s is an NVMe controller: NVMe drives have no ATA security feature set (a drive locked by TCG Opal needs the Opal tools); %s", errRefused, device, noATAPassword)
		}
		return nil, fmt.Errorf("%w: %s is a character device that is no drive (give the drive's block device, e.g. /dev/sdb); %s", errRefused, device, noATAPassword)
	case mode&os.ModeDevice == 0:
		return nil, fmt.Errorf("%w: %s is a %s, not a drive; %s", errRefused, device, erase.KindOf(mode), noATAPassword)
	}
	name, err := kernelBlockName(st)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: cannot find it in sysfs (%v), so kesu cannot tell whether it is an ATA drive; nothing was sent", errRefused, device, err)
	}
	return unlockReach(ctx, unlockSys, name, device)
}

// unlockReach opens the block device `device`, kernel name `name`, when
// sysfs (under sys) shows a disk that takes ATA commands, and refuses it
// otherwise, saying what it is.
func unlockReach(ctx context.Context, sys fs.FS, name, device string) (unlockTransport, error) {
	whole, err := discover.DiskOf(sys, name)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: cannot find it in sysfs (%v), so kesu cannot tell whether it is an ATA drive; nothing was sent", errRefused, device, err)
	}
	if whole != name {
		return nil, fmt.Errorf("%w: %s is a partition of %s: a password locks the whole drive; give the drive: kesu unlock --device /dev/%s", errRefused, device, whole, whole)
	}
	disk, err := discover.Lookup(sys, whole)
	if err != nil {
		return nil, fmt.Errorf("%w: %v; nothing was sent", errRefused, err)
	}
	if disk.Volume != nil {
		return nil, fmt.Errorf("%w: %s is a RAID controller's logical volume, not a drive: its drives' passwords are the controller's to manage; %s", errRefused, device, noATAPassword)
	}
	switch disk.Transport {
	case discover.SATA:
		return openUnlockSCSI(device)
	case discover.NVMe:
		return nil, fmt.Errorf("%w: %s is an NVMe namespace%s: NVMe drives have no ATA security feature set (a drive locked by TCG Opal needs the Opal tools); %s",
			errRefused, device, modelOf(disk), noATAPassword)
	case discover.Loop:
		over := ""
		if disk.Backing != "" {
			over = " over " + disk.Backing
		}
		return nil, fmt.Errorf("%w: %s is a loop device%s: a file seen as a disk, with no firmware and no password; %s", errRefused, device, over, noATAPassword)
	case discover.VirtioBlk:
		return nil, fmt.Errorf("%w: %s is a virtio block device: the virtual machine's disk takes no ATA commands; %s", errRefused, device, noATAPassword)
	case discover.MMC:
		return nil, fmt.Errorf("%w: %s is an MMC/SD card: it takes no ATA commands; %s", errRefused, device, noATAPassword)
	case discover.SAS, discover.SCSI, discover.VirtioSCSI, discover.USB:
		return inquireATA(ctx, device, string(disk.Transport))
	}
	if disk.Host != nil {
		return inquireATA(ctx, device, string(disk.Transport))
	}
	return nil, fmt.Errorf("%w: %s: kesu cannot tell how it is attached (transport %s), so it sends it no ATA command; nothing was sent", errRefused, device, disk.Transport)
}

// inquireATA opens a SCSI-attached device and keeps it only when its
// INQUIRY shows an ATA drive behind a translation layer (vendor "ATA", or
// the ATA Information VPD page 89h): a SCSI or SAS drive has no ATA
// password. Only INQUIRY is sent (standard, and the supported-pages VPD).
func inquireATA(ctx context.Context, device, transport string) (unlockTransport, error) {
	t, err := openUnlockSCSI(device)
	if err != nil {
		return nil, err
	}
	d := scsi.NewDevice(t, device)
	inq, err := d.Inquiry(ctx)
	if err != nil {
		t.Close()
		return nil, fmt.Errorf("%w: %s: INQUIRY failed (%v), so kesu cannot tell whether it is an ATA drive; nothing else was sent", errRefused, device, err)
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
	return nil, fmt.Errorf("%w: %s is %s, not an ATA drive: its INQUIRY shows no ATA device behind it; %s", errRefused, device, what, noATAPassword)
}

// modelOf is " (MODEL)" for a disk whose model sysfs knows.
func modelOf(d discover.Disk) string {
	if m := strings.TrimSpace(d.Model); m != "" {
		return " (" + m + ")"
	}
	return ""
}

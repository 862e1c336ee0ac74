package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/kesu-erase/kesu/ata"
	"github.com/kesu-erase/kesu/erase/target"
	"github.com/kesu-erase/kesu/scsi"
)

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
		return fmt.Errorf("%w: unlock needs a device (DEVICE or --device) and --password", errUsage)
	}
	if !*yes {
		return fmt.Errorf("%w: unlock changes %s's security state; add --yes", errRefused, *device)
	}
	pw, err := ata.PasswordFromString(*password)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	t, err := target.OpenATA(ctx, os.DirFS("/"), *device, openSCSI)
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

// openSCSI opens a disk's SG_IO transport read-only.
func openSCSI(path string) (target.SCSITransport, error) {
	t, err := scsi.OpenReadOnly(path)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Command demo is `make demo`'s VM part (scripts/demo.sh runs it): it boots
// a kesu stick image under QEMU with OVMF and Secure Boot enforced, with
// small target disks of each kind filled with marker data, lets the
// appliance run unattended, then prints per disk what the record says the
// appliance did and how many markers survived, and copies the records off
// the stick for `kesu report verify`.
//
//	go run ./internal/vm/demo -image out/kesu.img -dir out/demo
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/kesu-erase/kesu/appliance"
	"github.com/kesu-erase/kesu/image"
	"github.com/kesu-erase/kesu/internal/vm"
	"github.com/kesu-erase/kesu/report"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// targets are the demo's disks: one per attachment kind QEMU emulates,
// and one behind a MegaRAID controller in RAID mode (the kernel sees a
// one-disk RAID-0 volume; kesu erases the disk itself through the
// controller's pass-through).
var targets = []vm.Disk{
	{Kind: vm.NVMe, Serial: "DEMO-NVME-1"},
	{Kind: vm.AHCI, Serial: "DEMO-SATA-1", Model: "KESU DEMO SATA"},
	{Kind: vm.SCSI, Serial: "DEMO-SCSI-1", Vendor: "KESU", Product: "DEMO SCSI"},
	{Kind: vm.VirtioBlk, Serial: "DEMO-VIRTIO-1"},
	{Kind: vm.MegaRAID, Serial: "DEMO-RAID-1", Vendor: "KESU", Product: "DEMO RAID MEMBER"},
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	img := fs.String("image", "out/kesu.img", "the stick image (not modified: the demo boots a copy)")
	dir := fs.String("dir", "out/demo", "work directory: stick copy, target disks, console log, records")
	sizeMiB := fs.Int64("disk-size", 64, "size of each target disk in MiB")
	secure := fs.Bool("secure-boot", true, "boot with Secure Boot enforced")
	timeout := fs.Duration("timeout", 15*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	stick := filepath.Join(*dir, "stick.img")
	if err := copyFile(*img, stick); err != nil {
		return err
	}
	disks, err := vm.MarkedDisks(*dir, targets, *sizeMiB<<20)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "demo: %d target disks of %d MiB filled with markers; booting %s (Secure Boot %v) under QEMU TCG\n",
		len(disks), *sizeMiB, stick, *secure)

	m := vm.Machine{
		Dir:     filepath.Join(*dir, "vm"),
		Disks:   append([]vm.Disk{{Kind: vm.USB, Path: stick, Serial: "KESUSTICK", Boot: true}}, disks...),
		Timeout: *timeout,
		Watch:   []string{"Welcome to GRUB", appliance.MarkerStart, appliance.MarkerErased},
		Until:   []string{appliance.MarkerWaiting},
	}
	res, err := m.Run(ctx, vm.Boot{Firmware: true, SecureBoot: *secure})
	if res != nil {
		fmt.Fprintf(out, "\n--- appliance console (full log: %s) ---\n", filepath.Join(m.Dir, "serial.log"))
		for _, l := range res.LinesFrom(appliance.Prefix) {
			fmt.Fprintln(out, l)
		}
		fmt.Fprintf(out, "---\nfirmware to GRUB %v, to kesu %v, to erase finished %v, VM total %v\n",
			round(res.Seen["Welcome to GRUB"]), round(res.Seen[appliance.MarkerStart]), round(res.Seen[appliance.MarkerErased]), round(res.Duration))
	}
	if err != nil {
		return err
	}

	records := filepath.Join(*dir, "records")
	os.RemoveAll(records)
	journals, err := copyRecords(stick, records)
	if err != nil {
		return err
	}
	byserial := map[string]driveOf{}
	for _, j := range journals {
		raw, err := report.ReadJournal(j)
		if err != nil {
			return err
		}
		if r := report.Verify(raw, nil).Run; r != nil {
			for _, d := range r.Drives {
				byserial[d.Drive.Identity.Serial] = driveOf{d, r.Start.Policy}
			}
		}
	}

	fmt.Fprintln(out, "\n--- per disk ---")
	survived := false
	for _, d := range disks {
		n, first, err := vm.CountMarkers(d.Path)
		if err != nil {
			return err
		}
		total := *sizeMiB << 20 / 512
		markers := fmt.Sprintf("markers left %d of %d sectors", n, total)
		if n > 0 {
			survived = true
			markers += fmt.Sprintf(" (first at sector %d)", first)
		}
		fmt.Fprintf(out, "%-14s %-10s %s; record: %s\n", d.Serial, d.Kind, markers, describe(byserial[d.Serial]))
	}
	fmt.Fprintf(out, "\nrecords copied off the stick into %s: %s\n", records, strings.Join(journals, " "))
	if res.Stopped != "" && res.Stopped != appliance.MarkerWaiting {
		return fmt.Errorf("the boot ended at %q", res.Stopped)
	}
	if survived {
		return fmt.Errorf("markers survived on at least one disk")
	}
	return nil
}

// driveOf is a drive's records and the policy of its run.
type driveOf struct {
	d   *report.DriveRun
	pol report.Policy
}

// describe summarizes a drive's record: status, level, method, verification,
// as recomputed from the recorded steps.
func describe(x driveOf) string {
	d := x.d
	if d == nil {
		return "not in the record"
	}
	if d.Result == nil {
		return "no result (incomplete)"
	}
	a := d.Assessment(x.pol)
	s := fmt.Sprintf("%s, %s", a.Status, a.Reached)
	if a.Method != "" {
		s += " by " + string(a.Method)
	}
	if a.Verified {
		s += ", verified by read-back"
	}
	if id := d.Drive.Identity; id.Access == report.AccessPassthrough && id.Controller != nil {
		s += fmt.Sprintf("; reached through %s's pass-through at %s, bay %s", id.Controller.Driver, id.Controller.Address, id.Bay)
	}
	if d.Result.Skipped != "" {
		s += "; skipped: " + d.Result.Skipped
	}
	if len(d.Result.Errors) > 0 {
		s += "; errors: " + strings.Join(d.Result.Errors, "; ")
	}
	return s
}

// copyRecords copies the stick's records folder out of the image.
func copyRecords(stick, dst string) ([]string, error) {
	names, err := image.ListDiskDir(stick, image.StickRecords)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return nil, err
	}
	var journals []string
	for _, n := range names {
		b, err := image.ReadDiskFile(stick, image.StickRecords+"/"+n)
		if err != nil {
			return nil, err
		}
		p := filepath.Join(dst, n)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return nil, err
		}
		if strings.HasSuffix(n, ".jsonl") {
			journals = append(journals, p)
		}
	}
	return journals, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	o, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(o, in); err != nil {
		o.Close()
		return err
	}
	return o.Close()
}

func round(d time.Duration) time.Duration { return d.Round(100 * time.Millisecond) }

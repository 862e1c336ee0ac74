package vm_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kesu-erase/kesu/internal/vm"
)

// TestScriptAllDiskKinds boots the test initramfs once with one disk of each
// kind and checks that every disk appears under its serial, that the
// identity QEMU was given reaches the kernel, that kesu runs and its output
// and exit status come back, and that appliance mode refuses to start when
// kesu is not init's uinit.
func TestScriptAllDiskKinds(t *testing.T) {
	vm.Require(t, false)
	nvme := vm.NewDisk(t, vm.NVMe, "NVME0001", 64<<20)
	ahci := vm.NewDisk(t, vm.AHCI, "ATA0001", 64<<20)
	ahci.Model = "KESU TEST ATA"
	scsi := vm.NewDisk(t, vm.SCSI, "SCSI0001", 64<<20)
	scsi.Vendor, scsi.Product = "KESU", "TEST SCSI"
	vblk := vm.NewDisk(t, vm.VirtioBlk, "VBLK0001", 64<<20)
	m := vm.NewMachine(t, nvme, ahci, scsi, vblk)

	res := vm.RunScript(t, m,
		vm.Kesu("help"),
		vm.Kesu("no-such-command"),
		vm.Cat("/sys/block/"+vm.DevName("ATA0001")+"/device/model"),
		vm.Cat("/sys/block/*/device/model", "/sys/block/*/device/vendor"),
		vm.Kesu("appliance"), // not started by init: must refuse
	)

	got := map[string]bool{}
	for serial, dev := range res.Boot.Disks {
		got[serial] = strings.HasPrefix(dev, "/dev/")
	}
	want := map[string]bool{"NVME0001": true, "ATA0001": true, "SCSI0001": true, "VBLK0001": true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("disks by serial (-want +got):\n%s\nall: %v", diff, res.Boot.Disks)
	}
	if r := res.Results[0]; r.ExitCode != 0 || !strings.Contains(r.Stdout, "usage: kesu") {
		t.Errorf("kesu help = exit %d, stdout %q; want 0 and the usage", r.ExitCode, r.Stdout)
	}
	if r := res.Results[1]; r.ExitCode != 2 || !strings.Contains(r.Stderr, "unknown command") {
		t.Errorf("kesu no-such-command = exit %d, stderr %q; want 2 and \"unknown command\"", r.ExitCode, r.Stderr)
	}
	// A placeholder inside a longer argument resolves too; the AHCI disk's
	// model is what QEMU's IDENTIFY says.
	if r := res.Results[2]; r.ExitCode != 0 || !strings.Contains(r.Stdout, "KESU TEST ATA") {
		t.Errorf("cat model of ATA0001 = exit %d (%s), %q; want the model KESU TEST ATA", r.ExitCode, r.Err, r.Stdout)
	}
	if r := res.Results[3]; !strings.Contains(r.Stdout, "TEST SCSI") || !strings.Contains(r.Stdout, "KESU") {
		t.Errorf("cat models and vendors = %q; want the SCSI disk's vendor KESU and product TEST SCSI", r.Stdout)
	}
	// Appliance mode erases without anyone naming a device: it must refuse
	// to start anywhere but as the initramfs's uinit (here its parent is
	// the runner, not pid 1).
	if r := res.Results[4]; r.ExitCode == 0 || !strings.Contains(r.Stderr, "runs only as the uinit") {
		t.Errorf("kesu appliance under the runner = exit %d, stderr %q; want a refusal", r.ExitCode, r.Stderr)
	}
	t.Logf("boot to runner: %v (kernel uptime), VM total %v", res.Boot.Uptime, res.VM.Duration)
}

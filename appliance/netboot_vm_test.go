package appliance_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/appliance"
	"github.com/kesu-erase/kesu/image"
	"github.com/kesu-erase/kesu/internal/s3test"
	"github.com/kesu-erase/kesu/internal/vm"
	"github.com/kesu-erase/kesu/report"
)

// TestNetbootSecureBoot boots the network boot tree (kesu-mkimage
// -netboot) under UEFI PXE with Secure Boot enforced and Microsoft's keys:
// OVMF loads shim over QEMU's built-in TFTP, shim loads Debian's signed
// network GRUB, GRUB reads its grub.cfg and loads the kernel and
// initramfs over TFTP too, and the appliance starts with Secure Boot on and the kernel
// locked down. The kesu stick is in the machine, but not booted: the
// appliance finds it among the disks (the kernel command line names no
// stick), erases the target disk by its policy, writes the record on it and
// copies it to the record store its policy names, over the same network.
func TestNetbootSecureBoot(t *testing.T) {
	vm.Require(t, true)
	a := vm.Get(t)
	dir := t.TempDir()
	if _, err := image.WriteNetboot(image.NetbootSpec{Boot: a.Boot, Dir: dir,
		GrubTemplate: filepath.Join(a.RepoDir, "configs", "grub.cfg")}); err != nil {
		t.Fatal(err)
	}
	// The policy names a record store: a versitygw on the host's loopback,
	// 10.0.2.2 in the guest, over the same network the machine booted from.
	store := s3test.Start(t)
	store.MakeBucket(t, "records")
	st := newStick(t, a, appliancePolicy+storeKeys(t, store, "s3://records/netboot"))
	target := markedDisk(t, vm.NVMe, "NBNVME1")
	m := vm.NewMachine(t, vm.Disk{Kind: vm.USB, Path: st.Path, Serial: "KESUSTICK"}, target)
	// The NIC first in the boot order: the stick is there, but not booted.
	m.Args = append(m.Args, "-netdev", "user,id=n0,tftp="+dir+",bootfile="+image.NetShim, "-device", "virtio-net-pci,netdev=n0,romfile=,bootindex=0")
	m.Timeout = 15 * time.Minute
	m.Watch = []string{"Run /init", appliance.MarkerFirmware}
	m.Until = []string{appliance.MarkerWaiting, "Failed to boot both default and fallback entries"}
	res, err := m.Run(context.Background(), vm.Boot{Firmware: true, SecureBoot: true})
	if err != nil {
		t.Fatal(err)
	}
	logKesuLines(t, res.Serial)
	t.Logf("seen: %v", res.Seen)
	if want := appliance.MarkerFirmware + "on; kernel lockdown: integrity"; !strings.Contains(res.Serial, want) {
		t.Errorf("the netbooted appliance does not say %q:\n%s", want, res.Tail(40))
	}
	if !strings.Contains(res.Serial, "Fetching Netboot Image grubx64.efi") {
		t.Error("shim did not load GRUB over the network: the machine did not boot by PXE")
	}
	if !strings.Contains(res.Serial, appliance.MarkerPowerOff) {
		t.Errorf("the appliance did not finish and power off (stopped at %q)", res.Stopped)
	}
	checkErased(t, []vm.Disk{target})
	j, v := stickRecord(t, st)
	if !v.OK() || len(v.Run.Drives) != 1 || v.Run.Drives[0].Result == nil || v.Run.Drives[0].Result.Assessment.Status != report.StatusPass {
		t.Errorf("the record on the stick: %+v; want it intact with the one drive PASS", v)
	}
	objs, _ := filepath.Glob(filepath.Join(store.Dir, "records", "netboot", "*.jsonl"))
	if len(objs) != 1 {
		t.Fatalf("the bucket holds %v; want the run's journal", objs)
	}
	if copied, err := os.ReadFile(objs[0]); err != nil || !bytes.Equal(copied, j) {
		t.Errorf("the bucket's copy (%v) is not the stick's journal", err)
	}
}

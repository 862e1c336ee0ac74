// Package vm is kesu's one VM harness: every VM test of the project boots
// through it. It runs QEMU with -accel tcg (KVM hangs on this machine kind),
// always under a time limit, with the console on a serial log that is saved
// in the test's temp dir and printed when the test fails.
//
// # What it boots
//
// Artifacts are built from the working tree once per `go test` process and
// cached on disk by content (.cache/ in the repository): Debian's signed
// kernel, the module tree, and the stick's initramfs with the current kesu
// (image.BuildBoot). A cold build takes a minute or two (downloads, u-root);
// after a kesu source change about 30 s; otherwise about a second.
//
// Two ways to boot:
//
//   - Script (RunScript): the kernel is booted directly (-kernel/-initrd, no
//     firmware, no Secure Boot) with a test initramfs: the stick's initramfs
//     plus an overlay whose /bin/uinit is the test runner
//     (internal/vm/vmscript) instead of kesu. The runner loads the modules
//     of configs/modules.txt, waits until all the machine's disks are there,
//     runs each Command, reports stdout, stderr and exit status on the
//     second serial port between per-boot nonce markers, and powers off.
//     The runner exists only in such test initramfs files: a stick never
//     has it, and kesu has no script mode. This is the mode for protocol
//     and erase tests against QEMU's emulated drives; a boot with four disks
//     takes about 15 s of TCG.
//   - Stick (BootStick, BootDirect): the appliance itself. BootStick boots a
//     stick image (Artifacts.Stick, or out/kesu.img) through OVMF with
//     Microsoft's keys and Secure Boot enforced (OVMF_CODE_4M.ms.fd and a
//     copy of OVMF_VARS_4M.ms.fd), the stick on usb-storage behind
//     qemu-xhci, about 35 s to kesu. BootDirect boots the same stick's
//     kernel and initramfs directly with the stick attached, for appliance
//     tests that do not need the firmware. Judge these from the console
//     (Result.Serial, Machine.Until markers) and from the disk images after.
//
// # Disks
//
// A Disk is a raw image file the test creates (NewDisk, CreateImage,
// WriteMarkers) attached as NVMe (nvme, serial), AHCI (ide-hd on the q35
// ICH9 AHCI: model, serial), SCSI (scsi-hd on virtio-scsi: serial, vendor,
// product), VirtioBlk or USB. Disk.Errors puts QEMU's blkdebug between a
// disk and its image to fail chosen I/O (WriteErrors fails every write with
// EIO). Inside the VM, a command argument refers to a disk by serial:
// Dev("S1") becomes /dev/nvme0n1 or /dev/sdb, DevName("S1") becomes nvme0n1.
//
// What QEMU's drives answer (see ../../../shared/design.md): NVMe Format
// succeeds and zeroes, NVMe Sanitize is an invalid opcode, AHCI disks have
// neither Security nor Sanitize, virtio-scsi rejects SANITIZE.
//
// # The VGA console
//
// A firmware boot has a VGA display (1280x800 under OVMF; the kernel's
// framebuffer console draws 160x50 with its 8x16 font, 80x25 with
// fbcon=font:TER16x32, see Artifacts.StickWithCmdline). Machine.ScreenEvery
// saves it through QMP screendump as PPM images (Result.Screens); KernelFont
// takes the font out of the booted kernel and Font.Text reads a screen back
// as rows of text, exactly, so tests can check what the VGA console showed.
//
// # Skipping
//
// Require (called by Get, RunScript, BootStick) skips under -short, when not
// root, and when qemu-system-x86_64 (or, for firmware boots, OVMF) is
// missing; `make deps` installs them.
//
// # Example
//
//	func TestFormatInVM(t *testing.T) {
//		d := vm.NewDisk(t, vm.NVMe, "NVME1", 64<<20)
//		if err := vm.WriteMarkers(d.Path, "nvme1"); err != nil {
//			t.Fatal(err)
//		}
//		res := vm.RunScript(t, vm.NewMachine(t, d),
//			vm.Kesu("probe", "--device", vm.Dev("NVME1"), "--json"),
//			vm.Cat("/sys/block/"+vm.DevName("NVME1")+"/size"),
//		)
//		if r := res.Results[0]; r.ExitCode != 0 {
//			t.Fatalf("kesu probe = exit %d, stderr %s", r.ExitCode, r.Stderr)
//		}
//		// ... decode res.Results[0].Stdout; after the boot, read d.Path.
//		n, _, _ := vm.CountMarkers(d.Path)
//		_ = n
//	}
//
// Keep the number of boots small: check several things per boot.
package vm

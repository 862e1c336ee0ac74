package appliance

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// MountEfivarfs mounts efivarfs at /sys/firmware/efi/efivars (u-root's init
// tries before the module is loaded, and fails). It is a no-op without UEFI
// or when mounted already.
func MountEfivarfs() error {
	const dir = "/sys/firmware/efi/efivars"
	if _, err := os.Stat("/sys/firmware/efi"); err != nil {
		return nil // not booted through UEFI
	}
	err := unix.Mount("efivarfs", dir, "efivarfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC|unix.MS_RDONLY, "")
	if errors.Is(err, unix.EBUSY) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("mount efivarfs: %w", err)
	}
	return nil
}

// MountStick mounts the stick's FAT volume read-write at dir. "flush" makes
// vfat write data back early (a stick may be pulled); errors=remount-ro
// keeps a damaged volume from being damaged further.
func MountStick(dev, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	opts := "flush,errors=remount-ro,iocharset=ascii,utf8,shortname=mixed"
	if err := unix.Mount(dev, dir, "vfat", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, opts); err != nil {
		return fmt.Errorf("mount %s (vfat) at %s: %w", dev, dir, err)
	}
	return nil
}

// UnmountStick syncs and unmounts the stick, retrying briefly while it is
// busy.
func UnmountStick(dir string) error {
	unix.Sync()
	var err error
	for i := 0; i < 10; i++ {
		if err = unix.Unmount(dir, 0); err == nil || !errors.Is(err, unix.EBUSY) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("unmount %s: %w", dir, err)
	}
	return nil
}

// PowerOff syncs and powers the machine off; Reboot syncs and restarts it.
// They return only on failure.
func PowerOff() error {
	unix.Sync()
	return unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
}

// Reboot syncs and restarts the machine.
func Reboot() error {
	unix.Sync()
	return unix.Reboot(unix.LINUX_REBOOT_CMD_RESTART)
}

// OpenDevice opens /dev/NAME for reading (ScanVolumes's OpenFunc).
func OpenDevice(name string) (io.ReadCloser, error) {
	return os.Open("/dev/" + name)
}

// InInitramfs reports why this process is not the uinit of a kesu boot
// initramfs ("" if it is): pid 1 must be /init, our parent, and the root
// file system the kernel's initramfs (ramfs or tmpfs). Appliance mode erases
// drives without anyone typing a device name; it must never start on an
// ordinary system where kesu merely happens to be a child of pid 1 (a
// container, a systemd service, an orphaned process).
func InInitramfs() string {
	if os.Getppid() != 1 {
		return "the parent process is not pid 1"
	}
	b, err := os.ReadFile("/proc/1/cmdline")
	if err != nil {
		return "cannot read pid 1's command line: " + err.Error()
	}
	arg0, _, _ := bytes.Cut(b, []byte{0})
	if string(arg0) != "/init" {
		return fmt.Sprintf("pid 1 is %q, not the initramfs's /init", arg0)
	}
	var st unix.Statfs_t
	if err := unix.Statfs("/", &st); err != nil {
		return "statfs /: " + err.Error()
	}
	if st.Type != unix.RAMFS_MAGIC && st.Type != unix.TMPFS_MAGIC {
		return fmt.Sprintf("the root file system (type %#x) is not an initramfs", st.Type)
	}
	return ""
}

// Cmdline returns the kernel command line.
func Cmdline() string {
	b, _ := os.ReadFile("/proc/cmdline")
	return string(bytes.TrimSpace(b))
}

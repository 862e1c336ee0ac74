//go:build linux

package nvme

import (
	"testing"
	"unsafe"
)

// TestPassthruLayout pins struct nvme_passthru_cmd from
// include/uapi/linux/nvme_ioctl.h (protocols.md §5.1): 72 bytes on amd64.
func TestPassthruLayout(t *testing.T) {
	var c passthruCmd
	if got := unsafe.Sizeof(c); got != 72 {
		t.Errorf("Sizeof(passthruCmd) = %d; want 72", got)
	}
	offsets := []struct {
		name string
		got  uintptr
		want uintptr
	}{
		{"opcode", unsafe.Offsetof(c.Opcode), 0},
		{"flags", unsafe.Offsetof(c.Flags), 1},
		{"rsvd1", unsafe.Offsetof(c.Rsvd1), 2},
		{"nsid", unsafe.Offsetof(c.NSID), 4},
		{"cdw2", unsafe.Offsetof(c.CDW2), 8},
		{"cdw3", unsafe.Offsetof(c.CDW3), 12},
		{"metadata", unsafe.Offsetof(c.Metadata), 16},
		{"addr", unsafe.Offsetof(c.Addr), 24},
		{"metadata_len", unsafe.Offsetof(c.MetadataLen), 32},
		{"data_len", unsafe.Offsetof(c.DataLen), 36},
		{"cdw10", unsafe.Offsetof(c.CDW10), 40},
		{"cdw11", unsafe.Offsetof(c.CDW11), 44},
		{"cdw12", unsafe.Offsetof(c.CDW12), 48},
		{"cdw13", unsafe.Offsetof(c.CDW13), 52},
		{"cdw14", unsafe.Offsetof(c.CDW14), 56},
		{"cdw15", unsafe.Offsetof(c.CDW15), 60},
		{"timeout_ms", unsafe.Offsetof(c.TimeoutMs), 64},
		{"result", unsafe.Offsetof(c.Result), 68},
	}
	for _, o := range offsets {
		if o.got != o.want {
			t.Errorf("Offsetof(passthruCmd.%s) = %d; want %d", o.name, o.got, o.want)
		}
	}
}

// TestIoctlNumbers checks the request numbers against the values computed
// with gcc from the kernel headers (protocols.md §5.1).
func TestIoctlNumbers(t *testing.T) {
	for _, c := range []struct {
		name string
		got  uintptr
		want uintptr
	}{
		{"NVME_IOCTL_ID", ioctlNVMeID, 0x4E40},
		{"NVME_IOCTL_ADMIN_CMD", ioctlAdminCmd, 0xC0484E41},
		{"NVME_IOCTL_RESCAN", ioctlRescan, 0x4E46},
		{"BLKRRPART", ioctlBLKRRPART, 0x125F},
		{"BLKFLSBUF", ioctlBLKFLSBUF, 0x1261}, // _IO(0x12, 97), include/uapi/linux/fs.h
	} {
		if c.got != c.want {
			t.Errorf("%s = %#x; want %#x", c.name, c.got, c.want)
		}
	}
}

func TestTimeoutMs(t *testing.T) {
	for _, c := range []struct {
		in   int64 // nanoseconds
		want uint32
	}{
		{0, 0}, {-5, 0}, {1, 1}, {1e6, 1}, {1500e6, 1500}, {1 << 62, 0xFFFFFFFF},
	} {
		if got := timeoutMs(durationNS(c.in)); got != c.want {
			t.Errorf("timeoutMs(%dns) = %d; want %d", c.in, got, c.want)
		}
	}
}

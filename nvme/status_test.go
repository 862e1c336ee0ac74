package nvme

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
)

// The status word is the CQE status field without the phase bit: SC 7:0,
// SCT 10:8, CRD 12:11, MORE 13, DNR 14 (libnvme types.h; smartmontools
// os_linux.cpp). Values below are written by hand from that layout.
func TestStatusFields(t *testing.T) {
	for _, c := range []struct {
		s            Status
		sct, sc, crd uint8
		more, dnr    bool
	}{
		{0x0000, 0, 0x00, 0, false, false},
		{0x4001, 0, 0x01, 0, false, true},  // Invalid Command Opcode, DNR
		{0x001d, 0, 0x1d, 0, false, false}, // Sanitize In Progress
		{0x401c, 0, 0x1c, 0, false, true},  // Sanitize Failed, DNR
		{0x410a, 1, 0x0a, 0, false, true},  // Invalid Format, DNR
		{0x2281, 2, 0x81, 0, true, false},  // Unrecovered Read Error, MORE
		{0x1802, 0, 0x02, 3, false, false}, // CRD 3
		{0x7fff, 7, 0xff, 3, true, true},
	} {
		if c.s.SCT() != c.sct || c.s.SC() != c.sc || c.s.CRD() != c.crd || c.s.More() != c.more || c.s.DNR() != c.dnr {
			t.Errorf("Status(%#x) = SCT %d SC %#x CRD %d MORE %v DNR %v; want SCT %d SC %#x CRD %d MORE %v DNR %v",
				uint16(c.s), c.s.SCT(), c.s.SC(), c.s.CRD(), c.s.More(), c.s.DNR(), c.sct, c.sc, c.crd, c.more, c.dnr)
		}
	}
	if got := NewStatus(0, 0x1c, true); got != 0x401c {
		t.Errorf("NewStatus(0, 0x1c, true) = %#x; want 0x401c", uint16(got))
	}
	if got := NewStatus(1, 0x0a, false); got != 0x010a {
		t.Errorf("NewStatus(1, 0x0a, false) = %#x; want 0x010a", uint16(got))
	}
}

func TestStatusString(t *testing.T) {
	got := Status(0x401d).String()
	want := "0x401d (SCT 0 generic, SC 0x1d Sanitize In Progress, DNR)"
	if got != want {
		t.Errorf("Status(0x401d).String() = %q; want %q", got, want)
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		opcode uint8
		admin  bool
		s      Status
		want   error
	}{
		{OpIdentify, true, 0x4001, ErrUnsupported},
		{OpSanitize, true, 0x4001, ErrUnsupported},
		{OpSanitize, true, 0x4002, ErrUnsupported},  // invalid field: unsupported action
		{OpFormatNVM, true, 0x4002, ErrUnsupported}, // e.g. SES=2 without crypto support
		{OpIdentify, true, 0x4002, ErrInvalidField},
		{OpGetLogPage, true, 0x4109, ErrUnsupported}, // Invalid Log Page
		{0x02, false, 0x4002, ErrInvalidField},       // an I/O read: not the admin Get Log Page
		{OpFormatNVM, true, 0x400b, ErrInvalidNamespace},
		{OpFormatNVM, true, 0x410a, ErrInvalidFormat},
		{OpFormatNVM, true, 0x0084, ErrFormatInProgress},
		{OpSanitize, true, 0x401c, ErrSanitizeFailed},
		{OpSanitize, true, 0x001d, ErrSanitizeInProgress},
		{OpSanitize, true, 0x4123, ErrSanitizeProhibited},
		{0x02, false, 0x0082, ErrNotReady},
		{0x01, false, 0x4020, ErrWriteProtected},
		{0x02, false, 0x4080, ErrLBAOutOfRange},
		{0x02, false, 0x0281, ErrMedia},
		{OpFormatNVM, true, 0x0007, ErrAborted},
		{OpFormatNVM, true, 0x0371, ErrAborted},
		{OpIdentify, true, 0x0006, ErrCommandFailed},
	} {
		if got := classify(c.opcode, c.admin, c.s); got != c.want {
			t.Errorf("classify(%#x, %v, %#x) = %v; want %v", c.opcode, c.admin, uint16(c.s), got, c.want)
		}
	}
}

func TestCommandError(t *testing.T) {
	var err error = NewCommandError("sanitize", "/dev/nvme0", OpSanitize, 0x4001)
	wrapped := fmt.Errorf("erase: %w", err)
	if !errors.Is(wrapped, ErrUnsupported) {
		t.Errorf("errors.Is(%v, ErrUnsupported) = false; want true", wrapped)
	}
	var ce *CommandError
	if !errors.As(wrapped, &ce) {
		t.Fatalf("errors.As(%v, *CommandError) = false; want true", wrapped)
	}
	if ce.SCT() != 0 || ce.SC() != 1 || !ce.DNR() || ce.More() {
		t.Errorf("CommandError fields = SCT %d SC %d DNR %v MORE %v; want 0 1 true false", ce.SCT(), ce.SC(), ce.DNR(), ce.More())
	}
	if !strings.Contains(err.Error(), "Invalid Command Opcode") || !strings.Contains(err.Error(), "/dev/nvme0") {
		t.Errorf("Error() = %q; want the device and the status name", err.Error())
	}
	sysErr := &CommandError{Op: "identify controller", Dev: "/dev/nvme0", Err: syscall.EACCES}
	if !errors.Is(sysErr, syscall.EACCES) || sysErr.Status != 0 {
		t.Errorf("ioctl failure %v: errors.Is(EACCES) = %v, Status = %v; want true, 0", sysErr, errors.Is(sysErr, syscall.EACCES), sysErr.Status)
	}
}

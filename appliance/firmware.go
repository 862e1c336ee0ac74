package appliance

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// EFI global variable GUID (UEFI spec §3.3, "Globally Defined Variables").
const efiGlobalVariable = "8be4df61-93ca-11d2-aa0d-00e098032b8c"

// Firmware is what the machine's firmware and kernel say about the boot.
type Firmware struct {
	UEFI       bool   // booted through UEFI (/sys/firmware/efi exists)
	SecureBoot bool   // the SecureBoot variable is 1
	SetupMode  bool   // the SetupMode variable is 1 (no platform key: nothing is enforced)
	Lockdown   string // the kernel's lockdown mode: none, integrity or confidentiality; "" if unknown
	Err        string // why something could not be read
}

// String is the one-line summary the appliance shows and records.
func (f Firmware) String() string {
	sb := "off"
	switch {
	case !f.UEFI:
		sb = "not UEFI (legacy or direct boot)"
	case f.SecureBoot && !f.SetupMode:
		sb = "on"
	case f.SetupMode:
		sb = "off (setup mode)"
	}
	s := "secure boot: " + sb + "; kernel lockdown: " + orUnknown(f.Lockdown)
	if f.Err != "" {
		s += " (" + f.Err + ")"
	}
	return s
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// ReadFirmware reads the Secure Boot state from efivarfs and the lockdown
// mode from securityfs, through sys rooted at /sys (efivarfs mounted at
// firmware/efi/efivars, securityfs at kernel/security).
func ReadFirmware(sys fs.FS) Firmware {
	var f Firmware
	var errs []string
	if _, err := fs.Stat(sys, "firmware/efi"); err == nil {
		f.UEFI = true
		var err error
		if f.SecureBoot, err = efiBool(sys, "SecureBoot"); err != nil {
			errs = append(errs, err.Error())
		}
		if f.SetupMode, err = efiBool(sys, "SetupMode"); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err.Error())
		}
	}
	if b, err := fs.ReadFile(sys, "kernel/security/lockdown"); err == nil {
		f.Lockdown = ParseLockdown(string(b))
	} else {
		errs = append(errs, "lockdown: "+err.Error())
	}
	f.Err = strings.Join(errs, "; ")
	return f
}

// efiBool reads a one-byte boolean EFI variable: efivarfs files start with
// the 4-byte attributes, then the data.
func efiBool(sys fs.FS, name string) (bool, error) {
	b, err := fs.ReadFile(sys, "firmware/efi/efivars/"+name+"-"+efiGlobalVariable)
	if err != nil {
		return false, fmt.Errorf("EFI variable %s: %w", name, err)
	}
	if len(b) != 5 {
		return false, fmt.Errorf("EFI variable %s: %d bytes, want 4 attribute bytes and 1 data byte", name, len(b))
	}
	return b[4] == 1, nil
}

// ParseLockdown returns the selected mode of /sys/kernel/security/lockdown,
// the word in brackets ("none [integrity] confidentiality" -> integrity).
func ParseLockdown(s string) string {
	for _, w := range strings.Fields(s) {
		if strings.HasPrefix(w, "[") && strings.HasSuffix(w, "]") {
			return strings.Trim(w, "[]")
		}
	}
	return ""
}

package appliance

import (
	"testing"
	"testing/fstest"
)

func TestParseLockdown(t *testing.T) {
	for in, want := range map[string]string{
		"none [integrity] confidentiality\n": "integrity",
		"[none] integrity confidentiality\n": "none",
		"none integrity [confidentiality]":   "confidentiality",
		"":                                   "",
	} {
		if got := ParseLockdown(in); got != want {
			t.Errorf("ParseLockdown(%q) = %q; want %q", in, got, want)
		}
	}
}

// efivar is an efivarfs file: the variable's 4 attribute bytes
// (BOOTSERVICE_ACCESS|RUNTIME_ACCESS = 6), then its one data byte.
func efivar(v byte) *fstest.MapFile { return &fstest.MapFile{Data: []byte{6, 0, 0, 0, v}} }

func TestReadFirmware(t *testing.T) {
	const sb = "firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
	const sm = "firmware/efi/efivars/SetupMode-8be4df61-93ca-11d2-aa0d-00e098032b8c"
	lock := &fstest.MapFile{Data: []byte("none [integrity] confidentiality\n")}
	for _, c := range []struct {
		name string
		sys  fstest.MapFS
		want Firmware
		str  string
	}{
		{"secure boot on", fstest.MapFS{sb: efivar(1), sm: efivar(0), "kernel/security/lockdown": lock},
			Firmware{UEFI: true, SecureBoot: true, Lockdown: "integrity"},
			"secure boot: on; kernel lockdown: integrity"},
		{"off", fstest.MapFS{sb: efivar(0), sm: efivar(0), "kernel/security/lockdown": &fstest.MapFile{Data: []byte("[none] integrity confidentiality")}},
			Firmware{UEFI: true, Lockdown: "none"},
			"secure boot: off; kernel lockdown: none"},
		{"setup mode", fstest.MapFS{sb: efivar(0), sm: efivar(1), "kernel/security/lockdown": lock},
			Firmware{UEFI: true, SetupMode: true, Lockdown: "integrity"},
			"secure boot: off (setup mode); kernel lockdown: integrity"},
		{"no UEFI", fstest.MapFS{"kernel/security/lockdown": lock},
			Firmware{Lockdown: "integrity"},
			"secure boot: not UEFI (legacy or direct boot); kernel lockdown: integrity"},
	} {
		got := ReadFirmware(c.sys)
		if got != c.want {
			t.Errorf("%s: ReadFirmware = %+v; want %+v", c.name, got, c.want)
		}
		if s := got.String(); s != c.str {
			t.Errorf("%s: String() = %q; want %q", c.name, s, c.str)
		}
	}
	// A truncated variable is reported, not taken as "off".
	got := ReadFirmware(fstest.MapFS{sb: &fstest.MapFile{Data: []byte{6, 0, 0}}, "kernel/security/lockdown": lock})
	if got.Err == "" || got.SecureBoot {
		t.Errorf("ReadFirmware(truncated SecureBoot) = %+v; want an error noted", got)
	}
}

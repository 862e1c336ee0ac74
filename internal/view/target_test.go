package view

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/internal/contents"
	"github.com/kesu-erase/kesu/report"
)

func TestConfirmWord(t *testing.T) {
	for _, tc := range []struct {
		serial, device, want string
	}{
		{"S6PTNS0T612345A", "/dev/sda", "345A"},
		{" ZC1 ", "/dev/sdb", "ZC1"},
		{"", "/dev/loop3", "oop3"},
		{"", "/tmp/a.img", ".img"},
		{"", "/tmp/ab", "ab"},
	} {
		v := &Target{Device: tc.device, Identity: report.Identity{Serial: tc.serial}}
		if got, _ := ConfirmWord(v); got != tc.want {
			t.Errorf("ConfirmWord(serial %q, %s) = %q; want %q", tc.serial, tc.device, got, tc.want)
		}
	}
}

// The typed word is the serial's end, in any case; anything else is
// ErrNotConfirmed and says what was typed.
func TestConfirm(t *testing.T) {
	v := &Target{Device: "/dev/sda", Identity: report.Identity{Serial: "S6PTNS0T612345A"}}
	for _, tc := range []struct {
		typed string
		ok    bool
	}{{"345A\n", true}, {"345a\r\n", true}, {"  345A  \n", true}, {"5A\n", false}, {"", false}, {"yes\n", false}} {
		var out strings.Builder
		err := Confirm(context.Background(), strings.NewReader(tc.typed), &out, v)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrNotConfirmed)) {
			t.Errorf("Confirm(typed %q) = %v; want ok %v (else ErrNotConfirmed)", tc.typed, err, tc.ok)
		}
		if !strings.Contains(out.String(), "Type the last 4 characters of its serial") {
			t.Errorf("Confirm asked %q; want the last 4 characters of its serial", out.String())
		}
	}
}

// Identity first, with the capacity in IEC and SI, then what the drive
// holds, the plan and the record.
func TestTargetWrite(t *testing.T) {
	v := &Target{Device: "/dev/sdb", Class: report.ClassSSD,
		Identity: report.Identity{Vendor: "ATA", Model: "KESU SSD", Serial: "KS01", CapacityBytes: 4000787030016,
			LogicalSectorSize: 512, PhysicalSectorSize: 4096, Transport: "sata", Bay: "ata3"},
		Contents: &contents.Contents{}, Plan: []string{"overwrite every block", "then read back 10%"}, Record: "none (no --journal)"}
	var b strings.Builder
	v.Write(&b, "kesu: about to erase /dev/sdb:")
	want := []string{
		"kesu: about to erase /dev/sdb:",
		"  model      ATA KESU SSD",
		"  serial     KS01",
		"  wwn        -",
		"  size       3.6 TiB (4.00 TB, 4000787030016 bytes)",
		"  blocks     512-byte logical, 4096-byte physical",
		"  transport  sata",
		"  bay        ata3",
		"  class      SSD",
	}
	got := strings.Split(b.String(), "\n")
	for i, w := range want {
		if i >= len(got) || got[i] != w {
			t.Fatalf("Write() line %d = %q; want %q\n%s", i, got[min(i, len(got)-1)], w, b.String())
		}
	}
	for _, w := range []string{"  holds      ", "  plan       overwrite every block\n             then read back 10%\n", "  record     none (no --journal)\n"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("Write() lacks %q:\n%s", w, b.String())
		}
	}
}

package nvme

import (
	"bytes"
	"strings"
	"testing"
)

// TestDumpRoundTrip writes the QEMU Identify Controller capture in
// nvme-cli's dump layout and reads it back.
func TestDumpRoundTrip(t *testing.T) {
	orig, have := readDump(t, "testdata/qemu72-idctrl.txt", IdentifySize)
	if have != IdentifySize {
		t.Fatalf("have %d", have)
	}
	var b bytes.Buffer
	if err := FormatDump(&b, orig, "Identify Controller"); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	if !strings.HasPrefix(text, "# Identify Controller\n       0  1  2  3") || !strings.Contains(text, "\n0000: 36 1b f4 1a 4b 45 53 55 4e 56 4d 45 30 31 20 20 \"6...KESUNVME01  \"\n") {
		t.Errorf("FormatDump = %.200q", text)
	}
	back, have, err := ParseDump(&b, IdentifySize)
	if err != nil || have != IdentifySize || !bytes.Equal(back, orig) {
		t.Errorf("ParseDump(FormatDump(x)): have %d, equal %v, err %v", have, bytes.Equal(back, orig), err)
	}
	if _, _, err := ParseDump(strings.NewReader("0000: 01 zz\n"), 16); err == nil {
		t.Errorf("ParseDump(bad byte) error = nil")
	}
	if _, _, err := ParseDump(strings.NewReader("0010: 01\n"), 16); err == nil {
		t.Errorf("ParseDump(offset past the buffer) error = nil")
	}
}

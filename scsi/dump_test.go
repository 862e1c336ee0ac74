package scsi

import (
	"bytes"
	"strings"
	"testing"
)

// TestHexDumpRoundTrip writes a VPD page in the sg3_utils --inhex layout
// and reads it back; sg_vpd --hex lines (offset, bytes, ASCII) read too.
func TestHexDumpRoundTrip(t *testing.T) {
	orig := readHexDump(t, "testdata/seagate-sas-vpd83.txt")
	var b bytes.Buffer
	if err := FormatHexDump(&b, orig, "VPD 83h"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "# VPD 83h\n00 83 00 48 01 03 00 08  50 00 c5 00 30 11 cb 2b\n") {
		t.Errorf("FormatHexDump = %.90q", b.String())
	}
	back, err := ParseHexDump(&b)
	if err != nil || !bytes.Equal(back, orig) {
		t.Errorf("ParseHexDump(FormatHexDump(x)) equal %v, err %v", bytes.Equal(back, orig), err)
	}
	got, err := ParseHexDump(strings.NewReader(" 00     00 80 00 04 32 30 30 30                            ....2000\n"))
	if err != nil || !bytes.Equal(got, []byte{0, 0x80, 0, 4, '2', '0', '0', '0'}) {
		t.Errorf("ParseHexDump(sg_vpd --hex line) = % x, %v", got, err)
	}
	if _, err := ParseHexDump(strings.NewReader("00 8g\n")); err == nil {
		t.Errorf("ParseHexDump(bad byte) error = nil")
	}
}

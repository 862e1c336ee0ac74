package ata

import (
	"bytes"
	"strings"
	"testing"
)

// TestWordDumpRoundTrip writes a real IDENTIFY dump in the word-dump format
// and reads it back: the bytes must survive, and the text must be what
// hdparm --Istdout prints (eight lower-case words to a line).
func TestWordDumpRoundTrip(t *testing.T) {
	orig := readWordDump(t, "testdata/samsung-870evo-2tb-mpt3sas.identify.txt")
	var b bytes.Buffer
	if err := FormatWordDump(&b, orig, "a comment", "two\nlines"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 3+32 || lines[0] != "# a comment" || lines[2] != "# lines" || lines[3] != "0040 3fff c837 0010 0000 0000 003f 0000" {
		t.Errorf("FormatWordDump lines = %d, first %q / %q / %q", len(lines), lines[0], lines[2], lines[3])
	}
	back, words, err := ParseWordDump(&b)
	if err != nil || words != 256 || !bytes.Equal(back, orig) {
		t.Errorf("ParseWordDump(FormatWordDump(x)) = %d words, equal %v, err %v", words, bytes.Equal(back, orig), err)
	}
}

func TestParseWordDumpRejects(t *testing.T) {
	for name, text := range map[string]string{
		"bad word":       "0040 3fff c8z7 0010\n",
		"257 words":      strings.Repeat("0000 0000 0000 0000 0000 0000 0000 0000\n", 32) + "0000\n",
		"no words":       "# only a comment\n/dev/sda:\n",
		"label bad word": "000: 0040 3FFF C83\n",
	} {
		if _, _, err := ParseWordDump(strings.NewReader(text)); err == nil {
			t.Errorf("%s: ParseWordDump error = nil; want an error", name)
		}
	}
	// CrystalDiskInfo's header row and row labels, hdparm's device line.
	b, n, err := ParseWordDump(strings.NewReader("/dev/sda:\n        0    1    2\n000: 0040 3FFF C837\n"))
	if err != nil || n != 3 || b[0] != 0x40 || b[1] != 0x00 || b[2] != 0xff || b[3] != 0x3f {
		t.Errorf("ParseWordDump(labelled rows) = % x, %d, %v; want 40 00 ff 3f..., 3 words", b[:4], n, err)
	}
}

func TestByteDumpRoundTrip(t *testing.T) {
	orig := readByteDump(t, "testdata/samsung-870qvo-4tb.smart-data.txt")
	var b bytes.Buffer
	if err := FormatByteDump(&b, orig, "SMART READ DATA"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "# SMART READ DATA\n000: 01 00 05 33") || !strings.Contains(b.String(), "\n1f0: ") {
		t.Errorf("FormatByteDump = %.80q...", b.String())
	}
	back, err := ParseByteDump(&b)
	if err != nil || !bytes.Equal(back, orig) {
		t.Errorf("ParseByteDump(FormatByteDump(x)) equal %v, err %v", bytes.Equal(back, orig), err)
	}
	if _, err := ParseByteDump(strings.NewReader("000: 01 0g\n")); err == nil {
		t.Errorf("ParseByteDump(bad byte) error = nil")
	}
}

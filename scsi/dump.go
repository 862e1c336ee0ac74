package scsi

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/kesu-erase/kesu/internal/textdump"
)

// The text format of SCSI replies (VPD pages, READ CAPACITY, sense data...)
// kept as test data (testdata/README.md) and written by `kesu probe --raw`:
// hex bytes separated by white space, sixteen to a line, as sg3_utils'
// --inhex files hold them (so `sg_vpd --inhex=FILE` decodes a saved VPD
// page). Text from '#' to the end of a line is a comment. Lines as
// `sg_vpd --hex` prints them (" 00     00 83 00 34 ...   ascii": an
// offset, up to sixteen bytes, then ASCII) are read too.

// ParseHexDump reads a hex dump.
func ParseHexDump(r io.Reader) ([]byte, error) {
	var out []byte
	err := textdump.EachLine(r, func(line int, text string) error {
		if strings.TrimSpace(text) == "" {
			return nil
		}
		fields := strings.Fields(text)
		if len(text) > 7 && text[0] == ' ' && len(fields) > 1 && len(fields[0]) == 2 && strings.Contains(text, "     ") {
			// sg_vpd --hex: offset, then up to 16 bytes, then ASCII.
			fields = fields[1:min(len(fields), 17)]
			for i, f := range fields {
				if len(f) != 2 || !isHexByte(f) {
					fields = fields[:i]
					break
				}
			}
		}
		for _, f := range fields {
			if len(f) != 2 || !isHexByte(f) {
				return fmt.Errorf("scsi: hex dump line %d: %q is not a hex byte", line, f)
			}
			b, _ := hex.DecodeString(f)
			out = append(out, b[0])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func isHexByte(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil && len(s) == 2
}

// FormatHexDump writes data as a hex dump, the comments first.
func FormatHexDump(w io.Writer, data []byte, comments ...string) error {
	bw := bufio.NewWriter(w)
	textdump.WriteComments(bw, comments)
	for off := 0; off < len(data); off += 16 {
		for i, c := range data[off:min(off+16, len(data))] {
			switch {
			case i == 8:
				bw.WriteString("  ")
			case i > 0:
				bw.WriteString(" ")
			}
			fmt.Fprintf(bw, "%02x", c)
		}
		bw.WriteString("\n")
	}
	return bw.Flush()
}

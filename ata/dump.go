package ata

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kesu-erase/kesu/internal/textdump"
)

// The text formats of ATA replies kept as test data (testdata/README.md)
// and written by `kesu probe --raw`:
//
//   - word dumps: the 256 words of IDENTIFY DEVICE as 16-bit hex values,
//     eight to a line, as `hdparm --Istdout` prints them and
//     `hdparm --Istdin` reads them back (CrystalDiskInfo's ten-a-line table
//     with "NNN:" row labels is read too);
//   - byte dumps: 512-byte data (SMART READ DATA, READ THRESHOLDS, DEVICE
//     CONFIGURATION IDENTIFY) as rows "OFF: xx xx ...", sixteen to a row.
//
// In both, text from '#' to the end of a line is a comment.

// ParseWordDump reads a word dump and returns the data as the drive sent it
// (512 bytes, little-endian words) and how many words the dump held. A dump
// of fewer than 256 words (a published head) leaves the rest zero; callers
// that need a whole structure check words.
func ParseWordDump(r io.Reader) (data []byte, words int, err error) {
	data = make([]byte, 512)
	err = textdump.EachLine(r, func(line int, text string) error {
		fields := strings.Fields(text)
		if len(fields) > 0 && strings.HasSuffix(fields[0], ":") {
			fields = fields[1:] // row label ("010:") or a device name ("/dev/sda:")
		}
		if len(fields) == 0 || !isHexWord(fields[0]) {
			return nil // headers, hdparm's geometry lines, blank lines
		}
		for _, f := range fields {
			if !isHexWord(f) {
				return fmt.Errorf("ata: word dump line %d: %q is not a 4-digit hex word", line, f)
			}
			if words == 256 {
				return fmt.Errorf("ata: word dump line %d: more than 256 words", line)
			}
			v, _ := strconv.ParseUint(f, 16, 16)
			binary.LittleEndian.PutUint16(data[2*words:], uint16(v))
			words++
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if words == 0 {
		return nil, 0, fmt.Errorf("ata: word dump holds no words")
	}
	return data, words, nil
}

func isHexWord(s string) bool {
	if len(s) != 4 {
		return false
	}
	_, err := strconv.ParseUint(s, 16, 16)
	return err == nil
}

// FormatWordDump writes data (512 bytes, little-endian words) as a word
// dump: the comment lines first, then 32 lines of eight words, lower-case
// hex as hdparm --Istdout prints them.
func FormatWordDump(w io.Writer, data []byte, comments ...string) error {
	if len(data) != 512 {
		return fmt.Errorf("ata: word dump of %d bytes; want 512", len(data))
	}
	bw := bufio.NewWriter(w)
	textdump.WriteComments(bw, comments)
	for i := 0; i < 256; i++ {
		sep := " "
		if i%8 == 7 {
			sep = "\n"
		}
		fmt.Fprintf(bw, "%04x%s", binary.LittleEndian.Uint16(data[2*i:]), sep)
	}
	return bw.Flush()
}

// ParseByteDump reads a byte dump: rows whose first field ends with ':'
// followed by hex bytes (any other line, such as CrystalDiskInfo's
// "+0 +1 ..." header, is skipped). Row labels are not checked against the
// position; rows are taken in order.
func ParseByteDump(r io.Reader) ([]byte, error) {
	var out []byte
	err := textdump.EachLine(r, func(line int, text string) error {
		fields := strings.Fields(text)
		if len(fields) < 2 || !strings.HasSuffix(fields[0], ":") {
			return nil
		}
		for _, f := range fields[1:] {
			b, err := hex.DecodeString(f)
			if err != nil || len(b) != 1 {
				return fmt.Errorf("ata: byte dump line %d: %q is not a hex byte", line, f)
			}
			out = append(out, b[0])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FormatByteDump writes data as a byte dump, sixteen bytes to a row
// labelled with the hex offset ("000:", "010:", ...).
func FormatByteDump(w io.Writer, data []byte, comments ...string) error {
	bw := bufio.NewWriter(w)
	textdump.WriteComments(bw, comments)
	for off := 0; off < len(data); off += 16 {
		fmt.Fprintf(bw, "%03x:", off)
		for _, c := range data[off:min(off+16, len(data))] {
			fmt.Fprintf(bw, " %02x", c)
		}
		bw.WriteString("\n")
	}
	return bw.Flush()
}

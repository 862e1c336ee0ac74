package nvme

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/kesu-erase/kesu/internal/textdump"
)

// The text format of NVMe data structures kept as test data
// (testdata/README.md) and written by `kesu probe --raw`: nvme-cli's hex
// dump, rows "OFFS: xx xx ... \"ascii\"" with a four-digit hex offset and
// sixteen bytes, under a header row of column numbers. Text from '#' at the
// start of a line is a comment.

// ParseDump reads a dump into a buffer of size bytes; bytes the dump does
// not give stay zero (a published head of a structure). have is one past
// the highest offset the dump gave.
func ParseDump(r io.Reader, size int) (b []byte, have int, err error) {
	b = make([]byte, size)
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(text), "#") {
			continue
		}
		off, rest, ok := strings.Cut(text, ": ")
		if !ok {
			continue // the header row of column numbers, blank lines
		}
		o, err := hex.DecodeString(strings.TrimSpace(off))
		if err != nil || len(o) != 2 {
			continue
		}
		pos := int(o[0])<<8 | int(o[1])
		if i := strings.IndexByte(rest, '"'); i >= 0 {
			rest = rest[:i]
		}
		for _, f := range strings.Fields(rest) {
			v, err := hex.DecodeString(f)
			if err != nil || len(v) != 1 {
				return nil, 0, fmt.Errorf("nvme: dump line %d: %q is not a hex byte", line, f)
			}
			if pos >= size {
				return nil, 0, fmt.Errorf("nvme: dump line %d: offset %#x beyond %d bytes", line, pos, size)
			}
			b[pos] = v[0]
			pos++
			have = max(have, pos)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, 0, err
	}
	return b, have, nil
}

// FormatDump writes data as an nvme-cli hex dump, the comments first.
func FormatDump(w io.Writer, data []byte, comments ...string) error {
	if len(data) > 0x10000 {
		return fmt.Errorf("nvme: %d bytes do not fit four-digit offsets", len(data))
	}
	bw := bufio.NewWriter(w)
	textdump.WriteComments(bw, comments)
	bw.WriteString("       0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f\n")
	for off := 0; off < len(data); off += 16 {
		row := data[off:min(off+16, len(data))]
		fmt.Fprintf(bw, "%04x:", off)
		ascii := make([]byte, len(row))
		for i, c := range row {
			fmt.Fprintf(bw, " %02x", c)
			ascii[i] = '.'
			if c >= 0x20 && c < 0x7f && c != '"' {
				ascii[i] = c
			}
		}
		fmt.Fprintf(bw, " \"%s\"\n", ascii)
	}
	return bw.Flush()
}

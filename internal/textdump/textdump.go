// Package textdump holds what the text formats of kesu's saved device
// replies (ata, scsi and nvme testdata, kesu probe --raw) share: comment
// lines starting with '#'.
package textdump

import (
	"bufio"
	"io"
	"strings"
)

// EachLine calls fn with every line of r (numbered from 1), the text from
// '#' to the end of the line removed, and stops at fn's first error.
func EachLine(r io.Reader, fn func(line int, text string) error) error {
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text, _, _ := strings.Cut(sc.Text(), "#")
		if err := fn(line, text); err != nil {
			return err
		}
	}
	return sc.Err()
}

// WriteComments writes each comment, line by line, as "# line".
func WriteComments(w *bufio.Writer, comments []string) {
	for _, c := range comments {
		for _, l := range strings.Split(c, "\n") {
			w.WriteString(strings.TrimRight("# "+l, " ") + "\n")
		}
	}
}

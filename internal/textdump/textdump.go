// Package textdump holds what the text formats of kesu's saved device
// replies (ata, scsi and nvme testdata, kesu probe --raw) share: comment
// lines starting with '#'.
package textdump

import (
	"bufio"
	"strings"
)

// WriteComments writes each comment, line by line, as "# line".
func WriteComments(w *bufio.Writer, comments []string) {
	for _, c := range comments {
		for _, l := range strings.Split(c, "\n") {
			w.WriteString(strings.TrimRight("# "+l, " ") + "\n")
		}
	}
}

package textdump

import (
	"bufio"
	"strings"
	"testing"
)

func TestWriteComments(t *testing.T) {
	var b strings.Builder
	w := bufio.NewWriter(&b)
	WriteComments(w, []string{"IDENTIFY of /dev/sda\nCDB 85 08", ""})
	w.Flush()
	if got, want := b.String(), "# IDENTIFY of /dev/sda\n# CDB 85 08\n#\n"; got != want {
		t.Errorf("WriteComments = %q; want %q", got, want)
	}
}

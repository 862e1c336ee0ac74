package textdump

import (
	"bufio"
	"errors"
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

func TestEachLine(t *testing.T) {
	var got []string
	err := EachLine(strings.NewReader("# head\n00 01 # two bytes\n\n02"), func(n int, text string) error {
		got = append(got, strings.TrimSpace(text))
		return nil
	})
	if err != nil || strings.Join(got, "|") != "|00 01||02" {
		t.Errorf("EachLine = %q, %v; want the lines without comments", got, err)
	}
	stop := errors.New("stop")
	n := 0
	if err := EachLine(strings.NewReader("a\nb\nc"), func(line int, _ string) error { n = line; return stop }); err != stop || n != 1 {
		t.Errorf("EachLine stopped at line %d with %v; want line 1, the callback's error", n, err)
	}
}

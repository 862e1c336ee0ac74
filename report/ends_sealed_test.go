package report_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/reporttest"
)

func TestEndsSealed(t *testing.T) {
	j, err := os.ReadFile(reporttest.WriteSample(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	cut := j[:bytes.LastIndexByte(j[:len(j)-1], '\n')+1] // without its seal line
	for _, tc := range []struct {
		name string
		data []byte
		want bool
	}{
		{"sealed", j, true},
		{"seal line cut off", cut, false},
		{"seal line without its newline", j[:len(j)-1], false},
		{"empty", nil, false},
		{"a seal's words in a note", []byte(`{"seq":0,"kind":"note","body":{"text":"\"kind\":\"seal\""}}` + "\n"), false},
	} {
		if got := report.EndsSealed(tc.data); got != tc.want {
			t.Errorf("%s: EndsSealed = %v; want %v", tc.name, got, tc.want)
		}
	}
}

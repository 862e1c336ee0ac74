package console

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func r(c rune) Key { return Key{Code: KeyRune, Rune: c} }

var (
	enter = Key{Code: KeyEnter}
	esc   = Key{Code: KeyEscape}
)

// Byte sequences as a VT100/xterm/Linux console sends them
// (console_codes(4), xterm ctlseqs "PC-Style Function Keys").
func TestKeyDecoder(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   []Key
	}{
		{"digits and CR", []string{"24\r"}, []Key{r('2'), r('4'), enter}},
		{"LF", []string{"3\n"}, []Key{r('3'), enter}},
		{"CR LF is one Enter", []string{"3\r\n"}, []Key{r('3'), enter}},
		{"CR LF split", []string{"3\r", "\n"}, []Key{r('3'), enter}},
		{"two Enters", []string{"\r\r"}, []Key{enter, enter}},
		{"lone ESC", []string{"\x1b"}, []Key{esc}},
		{"ESC then key (Alt-x)", []string{"\x1bx"}, []Key{esc, r('x')}},
		{"Ctrl-C", []string{"\x03"}, []Key{{Code: KeyInterrupt}}},
		{"Ctrl-D", []string{"\x04"}, []Key{{Code: KeyEOT}}},
		{"Ctrl-U", []string{"\x15"}, []Key{{Code: KeyKill}}},
		{"DEL and BS", []string{"\x7f\x08"}, []Key{{Code: KeyBackspace}, {Code: KeyBackspace}}},
		{"Page Up/Down", []string{"\x1b[5~\x1b[6~"}, []Key{{Code: KeyPageUp}, {Code: KeyPageDown}}},
		{"arrows CSI and SS3", []string{"\x1b[A\x1b[B\x1bOA\x1bOB"}, []Key{{Code: KeyUp}, {Code: KeyDown}, {Code: KeyUp}, {Code: KeyDown}}},
		{"F5 is other", []string{"\x1b[15~q"}, []Key{{Code: KeyOther}, r('q')}},
		{"Linux console F1", []string{"\x1b[[A"}, []Key{{Code: KeyOther}}},
		{"CSI split across reads", []string{"\x1b[", "6~"}, []Key{{Code: KeyPageDown}}},
		{"UTF-8", []string{"いいえ\r"}, []Key{r('い'), r('い'), r('え'), enter}},
		{"UTF-8 split across reads", []string{"\xe3\x81", "\x84"}, []Key{r('い')}},
		{"invalid UTF-8", []string{"\xff"}, []Key{{Code: KeyOther}}},
		{"other control", []string{"\x01"}, []Key{{Code: KeyOther}}},
	}
	for _, tt := range tests {
		var d keyDecoder
		var got []Key
		for _, c := range tt.chunks {
			got = append(got, d.decode([]byte(c))...)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: decode(%q) mismatch (-want +got):\n%s", tt.name, tt.chunks, diff)
		}
	}
}

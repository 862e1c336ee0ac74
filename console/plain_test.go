package console

import "testing"

// What the plain renderer writes to keep the echoed line right on a
// terminal without escape sequences (BS, space, BS erases a column).
func TestEchoEdit(t *testing.T) {
	tests := []struct{ old, new, want string }{
		{"", "3", "3"},
		{"3", "34", "4"},
		{"34", "3", "\b \b"},
		{"ab", "ax", "\b \bx"},
		{"消", "", "\b\b  \b\b"}, // a wide character takes two columns back
		{"abc", "", "\b \b\b \b\b \b"},
		{"a\x1bb", "a\x1bbc", "c"},
		{"", "x\x1b", "x?"},
	}
	for _, tt := range tests {
		if got := echoEdit(tt.old, tt.new); got != tt.want {
			t.Errorf("echoEdit(%q, %q) = %q; want %q", tt.old, tt.new, got, tt.want)
		}
	}
}

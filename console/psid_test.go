package console

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A PSID as printed on a label: 32 characters of 0-9 and A-Z (written by
// hand; the length is the PSID_CHARACTER_LENGTH 0x20 of EDK2's Opal driver).
const (
	labelPSID = "3K9QW7ZT1M5XRB2H8VNC4JYD6FGP0LSA"
	otherPSID = "3K9QW7ZT1M5XRB2H8VNC4JYD6FGP0LSB" // differs in the last character
)

// askKeys feeds the keys of s to terminal term and returns the answer, if
// one came.
func askKeys(q *psidQuestion, term int, s string) (PSIDAnswer, bool) {
	for _, k := range keysOf(s) {
		if a, ok := q.key(term, "tty", k, t0); ok {
			return a, true
		}
	}
	return PSIDAnswer{}, false
}

func TestPSIDQuestion(t *testing.T) {
	req := PSIDRequest{Drive: "/dev/sdb", Bay: "encl0 slot 1"}
	typed := PSIDAnswer{PSID: []byte(labelPSID), How: HowTypedTwice, Terminal: "tty", At: t0}
	skipped := PSIDAnswer{How: HowSkipped, Terminal: "tty", At: t0}
	ask := func(p Prompt) Prompt { p.Mode, p.Ask = PromptPSID, req; return p }
	tests := []struct {
		name     string
		input    string
		want     PSIDAnswer
		answered bool
		prompt   Prompt // when not answered
	}{
		{"typed twice", labelPSID + "\r" + labelPSID + "\r", typed, true, Prompt{}},
		{"lower case is kept as typed", strings.ToLower(labelPSID) + "\r" + strings.ToLower(labelPSID) + "\r",
			PSIDAnswer{PSID: []byte("3k9qw7zt1m5xrb2h8vnc4jyd6fgp0lsa"), How: HowTypedTwice, Terminal: "tty", At: t0}, true, Prompt{}},
		{"first entry asks again", labelPSID + "\r", PSIDAnswer{}, false, ask(Prompt{Again: true, Entered: 32, Attempts: 1})},
		{"a lower-case first entry is warned about", labelPSID[:1] + "k" + labelPSID[2:] + "\r", PSIDAnswer{}, false,
			ask(Prompt{Again: true, Error: PromptPSIDLower, Entered: 32, Attempts: 1})},
		{"typing counts, masked", "3K9QW", PSIDAnswer{}, false, ask(Prompt{Masked: 5})},
		{"second entry counts apart", labelPSID + "\r3K9", PSIDAnswer{}, false, ask(Prompt{Again: true, Masked: 3, Entered: 32, Attempts: 1})},
		{"mismatch starts over", labelPSID + "\r" + otherPSID + "\r", PSIDAnswer{}, false,
			ask(Prompt{Error: PromptPSIDMismatch, Entered: 32, Attempts: 2})},
		{"mismatch then right", labelPSID + "\r" + otherPSID + "\r" + labelPSID + "\r" + labelPSID + "\r", typed, true, Prompt{}},
		{"the first entry after a mismatch is the new first", labelPSID + "\r" + otherPSID + "\r" + otherPSID + "\r" + otherPSID + "\r",
			PSIDAnswer{PSID: []byte(otherPSID), How: HowTypedTwice, Terminal: "tty", At: t0}, true, Prompt{}},
		{"short", labelPSID[:31] + "\r", PSIDAnswer{}, false, ask(Prompt{Error: PromptPSIDLength, Entered: 31, Attempts: 1})},
		{"long", labelPSID + "X\r", PSIDAnswer{}, false, ask(Prompt{Error: PromptPSIDLength, Entered: 33, Attempts: 1})},
		{"short second entry starts over", labelPSID + "\r" + labelPSID[:8] + "\r", PSIDAnswer{}, false,
			ask(Prompt{Error: PromptPSIDLength, Entered: 8, Attempts: 2})},
		{"dash", labelPSID[:16] + "-" + labelPSID[17:] + "\r", PSIDAnswer{}, false,
			ask(Prompt{Error: PromptPSIDChars, Entered: 32, Attempts: 1})},
		{"space", labelPSID[:16] + " " + labelPSID[17:] + "\r", PSIDAnswer{}, false,
			ask(Prompt{Error: PromptPSIDChars, Entered: 32, Attempts: 1})},
		{"grouped with dashes: the characters are named first", "3K9Q-W7ZT-1M5X-RB2H-8VNC-4JYD-6FGP-0LSA\r", PSIDAnswer{}, false,
			ask(Prompt{Error: PromptPSIDChars, Entered: 39, Attempts: 1})},
		{"fullwidth letter", "\uff21" + labelPSID[1:] + "\r", PSIDAnswer{}, false, // U+FF21 FULLWIDTH LATIN CAPITAL LETTER A
			ask(Prompt{Error: PromptPSIDChars, Entered: 32, Attempts: 1})},
		{"accented letter", "\u00e9" + labelPSID[1:] + "\r", PSIDAnswer{}, false, // U+00E9 é
			ask(Prompt{Error: PromptPSIDChars, Entered: 32, Attempts: 1})},
		{"Enter alone skips", "\r", skipped, true, Prompt{}},
		{"Enter alone skips the second entry too", labelPSID + "\r\r", skipped, true, Prompt{}},
		{"Esc skips", labelPSID[:10] + "\x1b", skipped, true, Prompt{}},
		{"Esc skips the second entry", labelPSID + "\r" + labelPSID[:10] + "\x1b", skipped, true, Prompt{}},
		{"Ctrl-C skips", "\x03", skipped, true, Prompt{}},
		{"Ctrl-D skips", "\x04", skipped, true, Prompt{}},
		{"backspace edits", labelPSID + "Z\x7f\r" + labelPSID + "\r", typed, true, Prompt{}},
		{"Ctrl-U clears", "XYZ\x15" + labelPSID + "\r" + labelPSID + "\r", typed, true, Prompt{}},
		{"paging and other keys are not typed", "\x1b[6~\x1b[A\x01", PSIDAnswer{}, false, ask(Prompt{})},
		{"typing stops at 64", strings.Repeat("A", 70), PSIDAnswer{}, false, ask(Prompt{Masked: 64})},
	}
	for _, tt := range tests {
		q := newPSIDQuestion(req)
		a, ok := askKeys(q, 0, tt.input)
		if ok != tt.answered {
			t.Errorf("%s: keys %q answered = %v; want %v", tt.name, tt.input, ok, tt.answered)
			continue
		}
		if diff := cmp.Diff(tt.want, a); diff != "" {
			t.Errorf("%s: answer after %q mismatch (-want +got):\n%s", tt.name, tt.input, diff)
		}
		if !ok {
			if diff := cmp.Diff(tt.prompt, q.prompt(0)); diff != "" {
				t.Errorf("%s: prompt after %q mismatch (-want +got):\n%s", tt.name, tt.input, diff)
			}
		}
	}
}

// One answer is assembled per terminal: a first entry on one and a
// second on another do not make a pair.
func TestPSIDQuestionIsPerTerminal(t *testing.T) {
	q := newPSIDQuestion(PSIDRequest{Bay: "ata3"})
	if a, ok := askKeys(q, 0, labelPSID+"\r"); ok {
		t.Fatalf("first entry on terminal 0 answered %+v", a)
	}
	if a, ok := askKeys(q, 1, labelPSID+"\r"); ok {
		t.Fatalf("first entry on terminal 1 after one on terminal 0 answered %+v; want it taken as terminal 1's first", a)
	}
	if p := q.prompt(1); !p.Again {
		t.Errorf("terminal 1 prompt = %+v; want its second entry asked", p)
	}
	if p := q.prompt(2); p.Again || p.Masked != 0 {
		t.Errorf("terminal 2 prompt = %+v; want a fresh first entry", p)
	}
	a, ok := askKeys(q, 1, labelPSID+"\r")
	if !ok || string(a.PSID) != labelPSID || a.How != HowTypedTwice {
		t.Errorf("second entry on terminal 1 = %+v, %v; want the PSID typed twice", a, ok)
	}
}

// What was typed is cleared once it is no longer needed: a rejected
// entry, a first entry that did not match, and everything at the end.
func TestPSIDQuestionWipes(t *testing.T) {
	q := newPSIDQuestion(PSIDRequest{Bay: "ata3"})
	askKeys(q, 0, labelPSID+"\r")
	first := q.lines[0].first
	askKeys(q, 0, otherPSID[:20])
	typed := q.lines[0].typed[:cap(q.lines[0].typed)]
	askKeys(q, 0, otherPSID[20:]+"\r") // a mismatch: both entries go
	for i, r := range first {
		if r != 0 {
			t.Fatalf("first entry after a mismatch: rune %d = %q; want it cleared", i, r)
		}
	}
	for i, r := range typed {
		if r != 0 {
			t.Fatalf("second entry after a mismatch: rune %d = %q; want it cleared", i, r)
		}
	}
	askKeys(q, 0, labelPSID+"\r"+labelPSID[:5])
	first, typed = q.lines[0].first, q.lines[0].typed[:cap(q.lines[0].typed)]
	q.wipeAll()
	for _, rs := range [][]rune{first, typed} {
		for i, r := range rs {
			if r != 0 {
				t.Fatalf("after wipeAll: rune %d = %q; want it cleared", i, r)
			}
		}
	}
	if p := q.prompt(0); p.Again || p.Masked != 0 {
		t.Errorf("prompt after wipeAll = %+v; want nothing typed", p)
	}
}

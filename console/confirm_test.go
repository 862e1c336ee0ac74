package console

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2025, 11, 4, 9, 0, 0, 0, time.UTC)

// typeKeys feeds keys to terminal term and returns the first decision.
func typeKeys(k *confirmation, term int, keys []Key) (Decision, bool) {
	for _, key := range keys {
		if d, ok := k.key(term, "tty", key, t0); ok {
			return d, true
		}
	}
	return Decision{}, false
}

func keysOf(s string) []Key {
	var d keyDecoder
	return d.decode([]byte(s))
}

func TestConfirmation(t *testing.T) {
	tests := []struct {
		name    string
		confirm Confirm
		input   string
		want    Decision
		decided bool
		prompt  Prompt // when not decided
	}{
		{"typed count", Confirm{}, "3\r", Decision{Erase: true, How: HowTypedCount, Terminal: "tty", Typed: "3", At: t0}, true, Prompt{}},
		{"spaces around", Confirm{}, " 3 \r", Decision{Erase: true, How: HowTypedCount, Terminal: "tty", Typed: "3", At: t0}, true, Prompt{}},
		{"one key is not enough", Confirm{}, "3", Decision{}, false, Prompt{Mode: PromptTyped, Typed: "3"}},
		{"wrong count asks again", Confirm{}, "2\r", Decision{}, false,
			Prompt{Mode: PromptTyped, Error: PromptWrong, Wrong: "2", Attempts: 1}},
		{"leading zero is wrong", Confirm{}, "03\r", Decision{}, false,
			Prompt{Mode: PromptTyped, Error: PromptWrong, Wrong: "03", Attempts: 1}},
		{"wrong then right", Confirm{}, "33\r3\r", Decision{Erase: true, How: HowTypedCount, Terminal: "tty", Typed: "3", At: t0}, true, Prompt{}},
		{"y is not a confirmation", Confirm{}, "y\r", Decision{}, false,
			Prompt{Mode: PromptTyped, Error: PromptWrong, Wrong: "y", Attempts: 1}},
		{"empty Enter", Confirm{}, "\r", Decision{}, false, Prompt{Mode: PromptTyped, Error: PromptNothing, Attempts: 1}},
		{"backspace edits", Confirm{}, "34\x7f\r", Decision{Erase: true, How: HowTypedCount, Terminal: "tty", Typed: "3", At: t0}, true, Prompt{}},
		{"Ctrl-U clears", Confirm{}, "99\x153\r", Decision{Erase: true, How: HowTypedCount, Terminal: "tty", Typed: "3", At: t0}, true, Prompt{}},
		{"word", Confirm{Word: "ERASE"}, "ERASE\r", Decision{Erase: true, How: HowTypedWord, Terminal: "tty", Typed: "ERASE", At: t0}, true, Prompt{}},
		{"word any case", Confirm{Word: "ERASE"}, "erase\r", Decision{Erase: true, How: HowTypedWord, Terminal: "tty", Typed: "erase", At: t0}, true, Prompt{}},
		{"count when a word is set", Confirm{Word: "ERASE"}, "3\r", Decision{}, false,
			Prompt{Mode: PromptTyped, Error: PromptWrong, Wrong: "3", Attempts: 1}},
		{"no", Confirm{}, "no\r", Decision{How: HowRefused, Terminal: "tty", Typed: "no", At: t0}, true, Prompt{}},
		{"NO", Confirm{}, "NO\r", Decision{How: HowRefused, Terminal: "tty", Typed: "NO", At: t0}, true, Prompt{}},
		{"いいえ", Confirm{}, "いいえ\r", Decision{How: HowRefused, Terminal: "tty", Typed: "いいえ", At: t0}, true, Prompt{}},
		{"Escape", Confirm{}, "3\x1b", Decision{How: HowRefused, Terminal: "tty", At: t0}, true, Prompt{}},
		{"Ctrl-C", Confirm{}, "\x03", Decision{How: HowRefused, Terminal: "tty", At: t0}, true, Prompt{}},
		{"Ctrl-D", Confirm{}, "\x04", Decision{How: HowRefused, Terminal: "tty", At: t0}, true, Prompt{}},
		{"paging keys do nothing", Confirm{}, "\x1b[6~", Decision{}, false, Prompt{Mode: PromptTyped}},
	}
	for _, tt := range tests {
		k := newConfirmation(tt.confirm, 3, t0)
		d, ok := typeKeys(k, 0, keysOf(tt.input))
		if ok != tt.decided || d != tt.want {
			t.Errorf("%s: keys %q = %+v, %v; want %+v, %v", tt.name, tt.input, d, ok, tt.want, tt.decided)
		}
		if !ok {
			if diff := cmp.Diff(tt.prompt, k.prompt(0, t0)); diff != "" {
				t.Errorf("%s: prompt after %q mismatch (-want +got):\n%s", tt.name, tt.input, diff)
			}
		}
	}
}

func TestConfirmationLineIsPerTerminal(t *testing.T) {
	k := newConfirmation(Confirm{}, 3, t0)
	if _, ok := typeKeys(k, 0, keysOf("3")); ok {
		t.Fatal("decided on a digit")
	}
	if d, ok := typeKeys(k, 1, keysOf("\r")); ok {
		t.Fatalf("Enter on terminal 1 after 3 on terminal 0 = %+v; want no decision", d)
	}
	if got := k.prompt(0, t0).Typed; got != "3" {
		t.Errorf("terminal 0 typed = %q; want 3", got)
	}
	if d, ok := typeKeys(k, 0, keysOf("\r")); !ok || !d.Erase {
		t.Errorf("Enter on terminal 0 = %+v, %v; want erase", d, ok)
	}
}

func TestCountdown(t *testing.T) {
	k := newConfirmation(Confirm{Unattended: true, Countdown: 30 * time.Second}, 24, t0)
	if got := k.prompt(0, t0); got != (Prompt{Mode: PromptCountdown, Remaining: 30}) {
		t.Errorf("prompt at start = %+v; want countdown 30", got)
	}
	if got := k.prompt(0, t0.Add(2500*time.Millisecond)).Remaining; got != 28 {
		t.Errorf("remaining at 2.5 s = %d; want 28 (rounded up)", got)
	}
	if _, ok := k.tick(t0.Add(29 * time.Second)); ok {
		t.Fatal("countdown ended at 29 s of 30")
	}
	d, ok := k.tick(t0.Add(30 * time.Second))
	if want := (Decision{Erase: true, How: HowCountdown, At: t0.Add(30 * time.Second)}); !ok || d != want {
		t.Errorf("tick at 30 s = %+v, %v; want %+v", d, ok, want)
	}
}

func TestCountdownStoppedByAnyKey(t *testing.T) {
	for _, in := range []string{" ", "x", "\r", "\x1b", "\x03", "\x1b[6~", "3"} {
		k := newConfirmation(Confirm{Unattended: true, Countdown: 30 * time.Second}, 3, t0)
		if d, ok := typeKeys(k, 0, keysOf(in)); ok {
			t.Errorf("key %q during the countdown decided %+v; want it only to stop the countdown", in, d)
			continue
		}
		if d, ok := k.tick(t0.Add(time.Hour)); ok {
			t.Errorf("after key %q, the countdown still ended: %+v", in, d)
		}
		if got := k.prompt(0, t0); got.Mode != PromptTyped || !got.Stopped || got.Typed != "" {
			t.Errorf("after key %q, prompt = %+v; want typed confirmation, stopped, nothing typed", in, got)
		}
		if d, ok := typeKeys(k, 0, keysOf("3\r")); !ok || d.How != HowTypedCount {
			t.Errorf("after key %q, typing 3 = %+v, %v; want typed confirmation", in, d, ok)
		}
	}
}

func TestCountdownIgnoresClosedInput(t *testing.T) {
	k := newConfirmation(Confirm{Unattended: true, Countdown: 10 * time.Second}, 3, t0)
	if _, ok := k.key(0, "tty", Key{Code: KeyEOF}, t0); ok {
		t.Fatal("EOF decided")
	}
	if d, ok := k.tick(t0.Add(10 * time.Second)); !ok || d.How != HowCountdown {
		t.Errorf("countdown after EOF = %+v, %v; want it to run out (no keyboard is normal when unattended)", d, ok)
	}
}

func TestAborter(t *testing.T) {
	tests := []struct {
		name string
		keys []struct {
			term int
			in   string
		}
		abort bool
	}{
		{"q then y", []struct {
			term int
			in   string
		}{{0, "q"}, {0, "y"}}, true},
		{"Ctrl-C then Y", []struct {
			term int
			in   string
		}{{0, "\x03"}, {0, "Y"}}, true},
		{"y alone", []struct {
			term int
			in   string
		}{{0, "y"}}, false},
		{"q alone", []struct {
			term int
			in   string
		}{{0, "q"}}, false},
		{"q then n", []struct {
			term int
			in   string
		}{{0, "q"}, {0, "n"}, {0, "y"}}, false},
		{"q then Enter", []struct {
			term int
			in   string
		}{{0, "q"}, {0, "\r"}, {0, "y"}}, false},
		{"q, Ctrl-C", []struct {
			term int
			in   string
		}{{0, "q"}, {0, "\x03"}}, false},
		{"q on one terminal, y on another", []struct {
			term int
			in   string
		}{{0, "q"}, {1, "y"}}, false},
		{"asked again after withdrawing", []struct {
			term int
			in   string
		}{{0, "q"}, {0, "x"}, {0, "q"}, {0, "y"}}, true},
	}
	for _, tt := range tests {
		var a aborter
		got := false
		for _, k := range tt.keys {
			for _, key := range keysOf(k.in) {
				if ab, _ := a.key(k.term, key); ab {
					if got {
						t.Errorf("%s: abort reported twice", tt.name)
					}
					got = true
				}
			}
		}
		if got != tt.abort {
			t.Errorf("%s: aborted = %v; want %v", tt.name, got, tt.abort)
		}
	}
	var a aborter
	a.key(0, r('q'))
	if got := a.prompt(0).Mode; got != PromptAbortAsk {
		t.Errorf("prompt after q = %v; want PromptAbortAsk", got)
	}
	if got := a.prompt(1).Mode; got != PromptNone {
		t.Errorf("other terminal's prompt after q = %v; want none", got)
	}
	a.key(0, r('y'))
	if got := a.prompt(1).Mode; got != PromptAborting {
		t.Errorf("prompt after abort = %v; want PromptAborting everywhere", got)
	}
	if _, handled := (&aborter{}).key(0, Key{Code: KeyPageDown}); handled {
		t.Error("aborter handled PgDn; paging must stay with the caller")
	}
}

func TestNextStep(t *testing.T) {
	n := newNextStep(Next{Action: ActionPowerOff, Delay: 60 * time.Second}, t0)
	if got := n.prompt(t0.Add(time.Second)); got != (Prompt{Mode: PromptNextCountdown, Remaining: 59, Action: ActionPowerOff}) {
		t.Errorf("prompt = %+v; want power-off countdown 59", got)
	}
	if a, ok := n.tick(t0.Add(60 * time.Second)); !ok || a != ActionPowerOff {
		t.Errorf("tick at 60 s = %q, %v; want poweroff", a, ok)
	}

	n = newNextStep(Next{Action: ActionReboot, Delay: 10 * time.Second}, t0)
	if _, ok := n.key(r('x')); ok {
		t.Error("a key during the countdown chose an action; want it to hold")
	}
	if a, ok := n.tick(t0.Add(time.Hour)); ok {
		t.Errorf("held countdown still ended with %q", a)
	}
	if got := n.prompt(t0).Mode; got != PromptHeld {
		t.Errorf("prompt after hold = %v; want PromptHeld", got)
	}
	if _, ok := n.key(r('r')); ok {
		t.Error("r chose an action while held; only P powers off")
	}
	if a, ok := n.key(r('P')); !ok || a != ActionPowerOff {
		t.Errorf("P = %q, %v; want poweroff", a, ok)
	}

	n = newNextStep(Next{Action: ActionWait}, t0)
	if got := n.prompt(t0).Mode; got != PromptWaiting {
		t.Errorf("wait prompt = %v; want PromptWaiting", got)
	}
	if a, ok := n.tick(t0.Add(24 * time.Hour)); ok {
		t.Errorf("wait ended by itself with %q", a)
	}
	if a, ok := n.key(r('p')); !ok || a != ActionPowerOff {
		t.Errorf("p while waiting = %q, %v; want poweroff", a, ok)
	}
}

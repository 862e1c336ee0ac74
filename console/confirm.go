package console

import (
	"strconv"
	"strings"
	"time"
)

// How says how the confirmation, or a PSID question, ended, for the record.
type How string

// Confirmation outcomes.
const (
	HowTypedCount How = "typed-count" // the operator typed the number of drives
	HowTypedWord  How = "typed-word"  // the operator typed the config's confirm word
	HowCountdown  How = "countdown"   // the unattended countdown ran out
	HowRefused    How = "refused"     // the operator typed no, or pressed Esc or Ctrl-C
	HowNoInput    How = "no-input"    // every input closed before a confirmation
	HowNoDrives   How = "no-drives"   // there was nothing to confirm
	HowContext    How = "interrupted" // the caller's context ended
)

// Decision is the outcome of the confirmation.
type Decision struct {
	Erase    bool
	How      How
	Terminal string    // where it was typed (empty for countdown, no-input, ...)
	Typed    string    // the text typed, when it was typed
	At       time.Time // when it was decided
}

// refused reports whether the operator (or a closed input, or the
// caller's context) turned the plan down.
func (d Decision) refused() bool {
	return d.How != "" && !d.Erase && d.How != HowNoDrives
}

// PromptMode is what the bottom of the screen asks for.
type PromptMode int

// Prompt modes.
const (
	PromptNone          PromptMode = iota
	PromptCountdown                // unattended: "erasing starts in N s"
	PromptTyped                    // "type N and press Enter"
	PromptAbortAsk                 // "abort? y / any other key"
	PromptAborting                 // abort confirmed, waiting for workers
	PromptNextCountdown            // "powering off in N s"
	PromptWaiting                  // "waiting; P powers off"
	PromptHeld                     // power-off countdown stopped by a key
	PromptFinal                    // power-off or reboot under way
	PromptPSID                     // a blocked drive's PSID, typed twice (AskPSID)
)

// PromptError is what was wrong with the last typed confirmation.
type PromptError int

// Prompt errors.
const (
	PromptOK           PromptError = iota
	PromptWrong                    // Prompt.Wrong is what was typed
	PromptNothing                  // Enter on an empty line
	PromptPSIDLength               // a PSID of other than 32 characters; Prompt.Entered says how many
	PromptPSIDChars                // a PSID with a character other than A-Z, a-z, 0-9
	PromptPSIDMismatch             // the two entries of a PSID differ
	PromptPSIDLower                // the first entry was taken but has lower-case letters: a warning
)

// Prompt is one terminal's interaction state, drawn at the bottom of the
// screen.
type Prompt struct {
	Mode      PromptMode
	Remaining int    // seconds left, for the countdowns
	Typed     string // the line typed so far
	Error     PromptError
	Wrong     string // the rejected input, for PromptWrong
	Stopped   bool   // the unattended countdown was stopped
	Attempts  int    // how often Enter was pressed on this terminal
	Action    Action // for PromptNextCountdown and PromptFinal

	// For PromptPSID. The typed characters themselves are never here:
	// only how many there are.
	Ask     PSIDRequest // the drive asked about
	Again   bool        // the second entry is being typed
	Masked  int         // characters typed so far, drawn as '*'
	Entered int         // characters in the entry Enter last took
	Outcome How         // how the question ended; empty while it is open
}

// maxTyped bounds the confirmation line.
const maxTyped = 40

// cancelWords cancel the confirmation when typed and entered.
var cancelWords = []string{"no", "n", "cancel", "quit", "いいえ"}

// confirmation is the pure state machine of the "before" screen: it wants
// the number of drives (or the config's word) typed on one terminal and
// Enter; wrong input asks again; "no", Esc, Ctrl-C and Ctrl-D cancel. In
// unattended mode it first counts down; any key stops the countdown and
// falls back to the typed confirmation.
type confirmation struct {
	want     string
	word     bool
	counting bool
	deadline time.Time
	stopped  bool
	lines    map[int]*typedLine
}

type typedLine struct {
	typed    []rune
	err      PromptError
	wrong    string
	attempts int
}

func newConfirmation(c Confirm, drives int, now time.Time) *confirmation {
	k := &confirmation{want: strconv.Itoa(drives), lines: map[int]*typedLine{}}
	if w := strings.TrimSpace(c.Word); w != "" {
		k.want, k.word = w, true
	}
	if c.Unattended {
		k.counting = true
		k.deadline = now.Add(c.Countdown)
	}
	return k
}

func (k *confirmation) line(term int) *typedLine {
	l, ok := k.lines[term]
	if !ok {
		l = &typedLine{}
		k.lines[term] = l
	}
	return l
}

// tick ends the countdown when its time is up.
func (k *confirmation) tick(now time.Time) (Decision, bool) {
	if k.counting && !now.Before(k.deadline) {
		k.counting = false
		return Decision{Erase: true, How: HowCountdown, At: now}, true
	}
	return Decision{}, false
}

// key handles one key typed on terminal term (named name).
func (k *confirmation) key(term int, name string, key Key, now time.Time) (Decision, bool) {
	if key.Code == KeyEOF {
		return Decision{}, false // the caller decides what closed inputs mean
	}
	if k.counting {
		k.counting, k.stopped = false, true
		return Decision{}, false
	}
	l := k.line(term)
	switch key.Code {
	case KeyEscape, KeyInterrupt, KeyEOT:
		return Decision{How: HowRefused, Terminal: name, At: now}, true
	case KeyBackspace:
		if n := len(l.typed); n > 0 {
			l.typed = l.typed[:n-1]
		}
	case KeyKill:
		l.typed = nil
	case KeyRune:
		if len(l.typed) < maxTyped {
			l.typed = append(l.typed, key.Rune)
		}
	case KeyEnter:
		typed := strings.TrimSpace(string(l.typed))
		l.typed = nil
		l.attempts++
		switch {
		case typed == "":
			l.err = PromptNothing
		case typed == k.want || (k.word && strings.EqualFold(typed, k.want)):
			how := HowTypedCount
			if k.word {
				how = HowTypedWord
			}
			return Decision{Erase: true, How: how, Terminal: name, Typed: typed, At: now}, true
		case isCancelWord(typed):
			return Decision{How: HowRefused, Terminal: name, Typed: typed, At: now}, true
		default:
			l.err, l.wrong = PromptWrong, typed
		}
	}
	return Decision{}, false
}

func isCancelWord(s string) bool {
	for _, w := range cancelWords {
		if strings.EqualFold(s, w) {
			return true
		}
	}
	return false
}

// prompt is what terminal term shows.
func (k *confirmation) prompt(term int, now time.Time) Prompt {
	if k.counting {
		return Prompt{Mode: PromptCountdown, Remaining: secondsLeft(k.deadline.Sub(now))}
	}
	l := k.line(term)
	return Prompt{Mode: PromptTyped, Typed: string(l.typed), Error: l.err, Wrong: l.wrong, Stopped: k.stopped, Attempts: l.attempts}
}

// aborter is the pure state machine of the abort sequence while erasing:
// q or Ctrl-C asks on that terminal; y there confirms; any other key
// withdraws the question.
type aborter struct {
	asking  map[int]bool
	aborted bool
}

// key handles a key on terminal term; it reports true once, when the
// abort is confirmed. Paging keys are not its business: it reports them
// as not handled.
func (a *aborter) key(term int, k Key) (abort, handled bool) {
	if a.asking == nil {
		a.asking = map[int]bool{}
	}
	if a.aborted || k.Code == KeyEOF {
		return false, k.Code != KeyEOF
	}
	if a.asking[term] {
		delete(a.asking, term)
		if k.Code == KeyRune && (k.Rune == 'y' || k.Rune == 'Y') {
			a.aborted = true
			return true, true
		}
		return false, true
	}
	if k.Code == KeyInterrupt || (k.Code == KeyRune && (k.Rune == 'q' || k.Rune == 'Q')) {
		a.asking[term] = true
		return false, true
	}
	return false, false
}

func (a *aborter) prompt(term int) Prompt {
	switch {
	case a.aborted:
		return Prompt{Mode: PromptAborting}
	case a.asking[term]:
		return Prompt{Mode: PromptAbortAsk}
	}
	return Prompt{}
}

// nextStep is the pure state machine of the summary's last line: a
// visible countdown to power-off or reboot that any key stops, then (or
// when the config says wait) P powers off.
type nextStep struct {
	action   Action
	deadline time.Time
	counting bool
	held     bool
	chosen   Action
}

func newNextStep(n Next, now time.Time) *nextStep {
	s := &nextStep{action: n.Action}
	switch n.Action {
	case ActionPowerOff, ActionReboot:
		s.counting = true
		s.deadline = now.Add(n.Delay)
	case ActionExit:
		s.chosen = ActionExit
	}
	return s
}

func (s *nextStep) tick(now time.Time) (Action, bool) {
	if s.counting && !now.Before(s.deadline) {
		s.counting = false
		s.chosen = s.action
		return s.action, true
	}
	return "", false
}

func (s *nextStep) key(k Key) (Action, bool) {
	if k.Code == KeyEOF || s.chosen != "" {
		return "", false
	}
	if s.counting {
		s.counting, s.held = false, true
		return "", false
	}
	if k.Code == KeyRune && (k.Rune == 'p' || k.Rune == 'P') {
		s.chosen = ActionPowerOff
		return ActionPowerOff, true
	}
	return "", false
}

func (s *nextStep) prompt(now time.Time) Prompt {
	switch {
	case s.chosen == ActionExit:
		return Prompt{}
	case s.chosen != "":
		return Prompt{Mode: PromptFinal, Action: s.chosen}
	case s.counting:
		return Prompt{Mode: PromptNextCountdown, Remaining: secondsLeft(s.deadline.Sub(now)), Action: s.action}
	case s.held:
		return Prompt{Mode: PromptHeld}
	}
	return Prompt{Mode: PromptWaiting}
}

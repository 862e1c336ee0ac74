package console

import (
	"context"
	"time"
)

// PSIDRequest names a blocked drive whose PSID the technician may type.
// Nothing in it is secret.
type PSIDRequest struct {
	Drive  string // Drive.ID
	Bay    string
	Model  string
	Serial string
	Why    string // why the drive is blocked, e.g. "locked by its owner (locking range 1)"
}

// PSID question outcomes (PSIDAnswer.How). A closed input is HowNoInput
// and an ended context HowContext, as for the confirmation.
const (
	HowTypedTwice How = "typed-twice" // the same valid PSID was typed twice on one terminal
	HowSkipped    How = "skipped"     // Enter on an empty line, Esc, Ctrl-C or Ctrl-D
)

// PSIDAnswer is the outcome of AskPSID.
type PSIDAnswer struct {
	// PSID is the 32 characters typed (ASCII letters and digits, as
	// typed), for HowTypedTwice only; nil otherwise. The caller should
	// clear it once used.
	PSID     []byte
	How      How
	Terminal string    // where it was typed or skipped
	At       time.Time // when it was decided
}

// psidLength is the number of characters of a PSID: the TCG PSID authority's
// credential printed on the drive's label (EDK2 OpalPasswordSupportLib and
// the Opal driver: PSID_CHARACTER_LENGTH 0x20).
const psidLength = 32

// maxPSIDTyped bounds a typed entry; later keys are ignored.
const maxPSIDTyped = 2 * psidLength

// psidRune reports whether r may be part of a PSID: 0-9, A-Z, a-z.
func psidRune(r rune) bool {
	return (r >= '0' && r <= '9') || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z')
}

// psidQuestion is the pure state machine of the PSID question: on one
// terminal, a valid PSID typed, Enter, the same typed again, Enter. A
// wrong entry (length, characters, or a second entry that differs) is
// said and both entries start over. Enter on an empty line, Esc, Ctrl-C
// or Ctrl-D skip. Each terminal has its own entries; the prompt shows only
// their lengths.
type psidQuestion struct {
	req     PSIDRequest
	lines   map[int]*psidLine
	outcome How
}

type psidLine struct {
	typed    []rune
	first    []rune // the first entry, once it was valid
	err      PromptError
	entered  int
	attempts int
}

func newPSIDQuestion(r PSIDRequest) *psidQuestion {
	return &psidQuestion{req: r, lines: map[int]*psidLine{}}
}

func (q *psidQuestion) line(term int) *psidLine {
	l, ok := q.lines[term]
	if !ok {
		l = &psidLine{}
		q.lines[term] = l
	}
	return l
}

// key handles one key typed on terminal term (named name).
func (q *psidQuestion) key(term int, name string, k Key, now time.Time) (PSIDAnswer, bool) {
	if q.outcome != "" || k.Code == KeyEOF {
		return PSIDAnswer{}, false
	}
	l := q.line(term)
	switch k.Code {
	case KeyEscape, KeyInterrupt, KeyEOT:
		return PSIDAnswer{How: HowSkipped, Terminal: name, At: now}, true
	case KeyBackspace:
		if n := len(l.typed); n > 0 {
			l.typed[n-1] = 0
			l.typed = l.typed[:n-1]
		}
	case KeyKill:
		wipe(l.typed)
		l.typed = l.typed[:0]
	case KeyRune:
		if l.typed == nil { // room for every key: append never leaves a copy behind
			l.typed = make([]rune, 0, maxPSIDTyped)
		}
		if len(l.typed) < maxPSIDTyped {
			l.typed = append(l.typed, k.Rune)
		}
	case KeyEnter:
		typed := l.typed
		l.typed = nil
		l.entered = len(typed)
		l.attempts++
		if len(typed) == 0 {
			return PSIDAnswer{How: HowSkipped, Terminal: name, At: now}, true
		}
		valid := len(typed) == psidLength
		for _, r := range typed {
			valid = valid && psidRune(r)
		}
		switch {
		case !valid:
			l.err = PromptPSIDLength
			for _, r := range typed {
				if !psidRune(r) {
					l.err = PromptPSIDChars
				}
			}
		case l.first == nil:
			l.first, l.err = typed, PromptOK
			for _, r := range typed {
				if r >= 'a' && r <= 'z' {
					// Labels print PSIDs in upper case and the drive
					// compares bytes: say so before the entry is confirmed.
					l.err = PromptPSIDLower
				}
			}
			return PSIDAnswer{}, false
		case equalRunes(l.first, typed):
			psid := make([]byte, len(typed))
			for i, r := range typed {
				psid[i] = byte(r) // ASCII: checked above
			}
			wipe(typed)
			return PSIDAnswer{PSID: psid, How: HowTypedTwice, Terminal: name, At: now}, true
		default:
			l.err = PromptPSIDMismatch
		}
		wipe(typed)
		wipe(l.first)
		l.first = nil
	}
	return PSIDAnswer{}, false
}

// prompt is what terminal term shows: lengths, never characters.
func (q *psidQuestion) prompt(term int) Prompt {
	l := q.line(term)
	return Prompt{Mode: PromptPSID, Ask: q.req, Again: l.first != nil, Masked: len(l.typed),
		Entered: l.entered, Error: l.err, Attempts: l.attempts, Outcome: q.outcome}
}

// wipeAll clears every terminal's entries.
func (q *psidQuestion) wipeAll() {
	for _, l := range q.lines {
		wipe(l.typed)
		wipe(l.first)
		l.typed, l.first = nil, nil
	}
}

func wipe(r []rune) {
	for i := range r {
		r[i] = 0
	}
}

func equalRunes(a, b []rune) bool {
	if len(a) != len(b) {
		return false
	}
	same := true
	for i := range a {
		same = same && a[i] == b[i]
	}
	return same
}

// AskPSID asks for the PSID of a drive that is blocked (locked by an
// owner) so that it can be PSID reverted; call it after Confirm decided to
// erase and before Run, once per such drive, on an attended run.
//
// Every terminal with input shows the drive, r.Why and what to type: the
// 32-character PSID from the drive's label, then Enter, then the same
// again. Typed characters are shown as '*' with a count, never in clear;
// the PSID is kept in no model, snapshot or frame, only returned. An
// entry of other than 32 characters, with a character other than A-Z, a-z
// and 0-9, or a second entry that differs is said and both entries are
// asked again. Keys from any terminal count, each terminal's entries
// apart. Enter on an empty line, Esc, Ctrl-C or Ctrl-D skip (HowSkipped).
// When every input has closed it returns HowNoInput; when ctx ends,
// HowContext and ctx's error.
func (u *UI) AskPSID(ctx context.Context, r PSIDRequest) (PSIDAnswer, error) {
	u.startInput()
	q := newPSIDQuestion(r)
	defer q.wipeAll()
	u.dropTypedAhead()
	for _, t := range u.terms {
		if t.plain != nil {
			t.plain.psid = plainPSID{}
		}
	}
	u.firstPage()
	u.setPrompt(func(t int) Prompt { return q.prompt(t) })
	if err := ctx.Err(); err != nil {
		return u.answerPSID(q, PSIDAnswer{How: HowContext, At: u.clock.Now()}), err
	}
	if u.openInputs() == 0 {
		return u.answerPSID(q, PSIDAnswer{How: HowNoInput, At: u.clock.Now()}), nil
	}
	tick := u.clock.NewTicker(u.opt.Tick)
	defer tick.Stop()
	u.drawAll()
	for {
		select {
		case <-ctx.Done():
			return u.answerPSID(q, PSIDAnswer{How: HowContext, At: u.clock.Now()}), ctx.Err()
		case in := <-u.inputs:
			t := u.terms[in.term]
			if in.key.Code == KeyEOF {
				t.open = false
				if u.openInputs() == 0 {
					return u.answerPSID(q, PSIDAnswer{How: HowNoInput, At: u.clock.Now()}), nil
				}
				continue
			}
			if a, ok := q.key(in.term, t.Name, in.key, u.clock.Now()); ok {
				return u.answerPSID(q, a), nil
			}
			u.draw(t)
		case <-tick.C():
			u.drawAll()
			handled(tick)
		}
	}
}

// answerPSID shows how the question ended on every terminal and clears
// the prompt.
func (u *UI) answerPSID(q *psidQuestion, a PSIDAnswer) PSIDAnswer {
	q.outcome = a.How
	q.wipeAll()
	u.drawAll()
	u.setPrompt(nil)
	return a
}

// dropTypedAhead discards keys typed before a question was shown (a
// second Enter after the confirmation must not answer it), keeping
// track of inputs that closed meanwhile.
func (u *UI) dropTypedAhead() {
	for {
		select {
		case in := <-u.inputs:
			if in.key.Code == KeyEOF {
				u.terms[in.term].open = false
			}
		default:
			return
		}
	}
}

package console

import (
	"bytes"
	"io"
	"strings"
	"time"
)

// plainScreen writes plain lines — no escape sequences — for serial
// consoles and pipes, so a log stays readable: the plan and the summary
// as text, the prompts as they change, and while erasing a line per drive
// on every phase change, warning and result, and every `every` otherwise.
// The run-wide status line (Snapshot.Status) is printed with the plan and
// with the summary, and while erasing when it changes, at most once per
// `every`.
type plainScreen struct {
	w     io.Writer
	view  View // Width, Lang, Glyphs; Height is ignored (everything is printed)
	every time.Duration
	echo  bool // we turned the tty's echo off: echo typed keys ourselves

	planShown   bool
	promptMode  PromptMode
	remaining   int
	typed       string
	attempts    int
	decided     bool
	runShown    bool
	abortMode   PromptMode
	seen        []plainSeen
	doneShown   bool
	nextMode    PromptMode
	nextShownAt int
	psid        plainPSID // the PSID question under way; reset for each

	status   string    // the last run-wide status line printed
	statusAt time.Time // when it was printed; zero before the first
}

// plainPSID is what the plain renderer has printed of a PSID question.
type plainPSID struct {
	shown    bool // the question and the first "> "
	attempts int
	masked   int  // '*' echoed on the current line
	onPrompt bool // the last line is an open "> "
	answered bool
}

type plainSeen struct {
	steps     int
	warnings  int // entries printed
	repeats   int // repeats of the last entry printed
	lastLine  time.Time
	lastWarn  time.Time
	finalDone bool
}

func (p *plainScreen) m() *messages { return msgs(p.view.Lang) }

// show prints whatever changed since the last call.
func (p *plainScreen) show(s *Snapshot, pr Prompt) error {
	var b bytes.Buffer
	switch {
	case pr.Mode == PromptPSID:
		p.psidLines(&b, pr)
	case s.Stage == StagePlan || s.Stage == StageCancelled:
		p.plan(&b, s, pr)
	case s.Stage == StageRunning:
		p.running(&b, s, pr)
	case s.Stage == StageDone:
		p.done(&b, s, pr)
	}
	if b.Len() == 0 {
		return nil
	}
	_, err := p.w.Write(b.Bytes())
	return err
}

// lines writes a frame's lines, trailing spaces removed.
func writeLines(b *bytes.Buffer, sc Screen) {
	for _, l := range sc.Strings() {
		b.WriteString(strings.TrimRight(l, " "))
		b.WriteByte('\n')
	}
}

func (p *plainScreen) wrapped(b *bytes.Buffer, s string) {
	for _, l := range wrap(clean(s, false), p.view.Width) {
		b.WriteString(l)
		b.WriteByte('\n')
	}
}

func (p *plainScreen) plan(b *bytes.Buffer, s *Snapshot, pr Prompt) {
	m := p.m()
	if !p.planShown {
		p.planShown = true
		v := p.view
		v.Height, v.Prompt = 0, Prompt{}
		snap := *s
		snap.Decision, snap.Status = Decision{}, ""
		writeLines(b, Frame(&snap, v))
		// Later changes wait for the run: a line printed now could land
		// in the middle of a typed answer.
		p.statusLine(b, s, "", true)
	}
	if p.decided {
		return
	}
	if s.Decision.How != "" {
		p.decided = true
		if p.promptMode == PromptTyped {
			if !p.echo && s.Decision.Typed != "" {
				b.WriteString(clean(s.Decision.Typed, false))
			}
			b.WriteByte('\n')
		}
		switch {
		case s.Decision.Erase:
			p.wrapped(b, m.Starting)
		case s.Decision.How == HowNoInput:
			p.wrapped(b, m.NoInput)
		case s.Decision.How == HowNoDrives:
			p.wrapped(b, m.NoDrives)
		default:
			p.wrapped(b, m.Cancelled)
		}
		return
	}
	n := len(s.Plan.Drives)
	switch pr.Mode {
	case PromptCountdown:
		r := pr.Remaining
		if p.promptMode != PromptCountdown || (r != p.remaining && (r%10 == 0 || r <= 5)) {
			if p.promptMode != PromptCountdown {
				p.wrapped(b, sentences(sprintf(m.Countdown, r), m.CountdownHow))
			} else {
				p.wrapped(b, sprintf(m.Countdown, r))
			}
			p.remaining = r
		}
		p.promptMode = PromptCountdown
	case PromptTyped:
		if p.promptMode != PromptTyped {
			if p.promptMode == PromptCountdown || pr.Stopped {
				p.wrapped(b, m.Stopped)
			}
			ask := sprintf(m.PromptCount, n, n)
			if w := strings.TrimSpace(s.Plan.Confirm.Word); w != "" {
				ask = sprintf(m.PromptWord, w, n)
			}
			p.wrapped(b, ask)
			p.wrapped(b, m.PromptCancel)
			b.WriteString("> ")
			p.promptMode, p.typed, p.attempts = PromptTyped, "", pr.Attempts
		}
		if pr.Attempts != p.attempts { // Enter was pressed: the answer was wrong
			if !p.echo {
				b.WriteString(clean(pr.Wrong, false))
			}
			b.WriteByte('\n')
			word := strings.TrimSpace(s.Plan.Confirm.Word)
			switch {
			case pr.Error == PromptNothing:
				p.wrapped(b, m.NothingTyped)
			case word != "":
				p.wrapped(b, sprintf(m.WrongWord, pr.Wrong, word))
			default:
				p.wrapped(b, sprintf(m.WrongCount, pr.Wrong, n))
			}
			b.WriteString("> ")
			p.attempts, p.typed = pr.Attempts, ""
		}
		if p.echo && pr.Typed != p.typed {
			b.WriteString(echoEdit(p.typed, pr.Typed))
		}
		p.typed = pr.Typed
	}
}

// psidLines prints the PSID question once, then each entry as stars
// (echoed as typed when kesu does the echo, else when Enter takes it),
// what was wrong with it, and how the question ended. The typed
// characters are never printed.
func (p *plainScreen) psidLines(b *bytes.Buffer, pr Prompt) {
	m, q := p.m(), &p.psid
	if q.answered {
		return
	}
	if !q.shown {
		q.shown = true
		b.WriteByte('\n')
		p.wrapped(b, m.TitlePSID)
		p.wrapped(b, sprintf(m.PSIDDrive, psidDrive(m, pr.Ask)))
		if why := strings.TrimSpace(pr.Ask.Why); why != "" {
			p.wrapped(b, why)
		}
		p.wrapped(b, m.PSIDWhat)
		p.wrapped(b, m.PSIDAsk)
		if pr.Outcome == "" {
			b.WriteString("> ")
			q.onPrompt = true
		}
		q.attempts = pr.Attempts
	}
	entered := pr.Attempts != q.attempts // Enter took an entry on this terminal
	if entered && !p.echo {
		b.WriteString(strings.Repeat("*", pr.Entered))
	}
	if pr.Outcome != "" {
		q.answered = true
		if q.onPrompt {
			b.WriteByte('\n')
		}
		_, msg := psidOutcome(m, pr.Outcome, psidBay(pr.Ask))
		p.wrapped(b, msg)
		return
	}
	if entered {
		b.WriteByte('\n')
		if msg := psidError(m, pr); msg != "" {
			p.wrapped(b, msg)
		}
		if pr.Again {
			p.wrapped(b, m.PSIDAgain)
		}
		b.WriteString("> ")
		q.attempts, q.masked = pr.Attempts, 0
	}
	if p.echo && pr.Masked != q.masked {
		b.WriteString(echoEdit(strings.Repeat("*", q.masked), strings.Repeat("*", pr.Masked)))
		q.masked = pr.Masked
	}
}

// echoEdit is what turns the echoed line old into new on a terminal
// without escape sequences: backspaces over what changed, then the rest.
func echoEdit(old, new string) string {
	o, n := []rune(old), []rune(new)
	same := 0
	for same < len(o) && same < len(n) && o[same] == n[same] {
		same++
	}
	var b strings.Builder
	for _, r := range o[same:] {
		w := runeWidth(r)
		b.WriteString(strings.Repeat("\b", w) + strings.Repeat(" ", w) + strings.Repeat("\b", w))
	}
	b.WriteString(clean(string(n[same:]), false))
	return b.String()
}

func (p *plainScreen) running(b *bytes.Buffer, s *Snapshot, pr Prompt) {
	m := p.m()
	if !p.runShown {
		p.runShown = true
		p.wrapped(b, sprintf(m.PlainRunning, len(s.Drives)))
	}
	for len(p.seen) < len(s.Drives) {
		p.seen = append(p.seen, plainSeen{})
	}
	for i := range s.Drives {
		p.driveLines(b, s, i)
	}
	p.statusLine(b, s, p.stamp(s), false)
	if pr.Mode != p.abortMode {
		switch pr.Mode {
		case PromptAbortAsk:
			p.wrapped(b, m.AbortAsk)
			p.wrapped(b, m.AbortHow)
		case PromptAborting:
			p.wrapped(b, m.Aborting)
		case PromptNone:
			if p.abortMode == PromptAbortAsk {
				p.wrapped(b, m.AbortNo)
			}
		}
		p.abortMode = pr.Mode
	}
}

// driveLines prints drive i's news.
func (p *plainScreen) driveLines(b *bytes.Buffer, s *Snapshot, i int) {
	m, d, seen := p.m(), &s.Drives[i], &p.seen[i]
	bay := clean(d.Bay, false)
	if pad := 12 - textWidth(bay); pad > 0 { // never cut: bays must stay distinguishable
		bay += strings.Repeat(" ", pad)
	}
	prefix := p.stamp(s) + bay + " "
	emit := func(text string) { p.emit(b, prefix, text) }
	printed := false
	for ; seen.steps < len(d.Steps); seen.steps++ {
		st := d.Steps[seen.steps]
		if st.Phase == PhaseDone {
			continue
		}
		emit(fit(m.phase(st.Phase), 14, false) + " " + clean(st.Method, false))
		printed = true
	}
	if n := len(d.Warnings); n > 0 {
		last := d.Warnings[n-1]
		switch {
		case n > seen.warnings:
			for _, w := range d.Warnings[seen.warnings:] {
				t := "! " + clean(w.Text, false)
				if w.Count > 1 {
					t += " " + sprintf(m.Repeated, w.Count)
				}
				emit(t)
			}
			seen.warnings, seen.repeats, seen.lastWarn = n, last.Count, s.Now
		case last.Count > seen.repeats && s.Now.Sub(seen.lastWarn) >= p.every:
			emit("! " + clean(last.Text, false) + " " + sprintf(m.Repeated, last.Count))
			seen.repeats, seen.lastWarn = last.Count, s.Now
		}
	}
	if d.Status != "" {
		if !seen.finalDone {
			seen.finalDone = true
			text := d.Level
			if d.Status != StatusPass || text == "" {
				text = joinNonEmpty(" - ", d.Level, d.Reason)
			}
			emit(joinNonEmpty("  ", m.status(d.Status), clean(text, false), "("+sprintf(m.PlainTook, hms(d.Elapsed(s.Now)))+")"))
		}
		return
	}
	if d.Started.IsZero() || d.Phase == PhaseWaiting {
		return
	}
	if printed && d.Done == 0 && d.Percent == 0 {
		seen.lastLine = s.Now
		return
	}
	if !seen.lastLine.IsZero() && s.Now.Sub(seen.lastLine) < p.every {
		return
	}
	seen.lastLine = s.Now
	frac := d.Fraction()
	v := p.view
	f := &framer{s: s, v: v, g: v.Glyphs.set()}
	parts := []string{fit(m.phase(d.Phase), 14, false), f.bar(frac, 10), fit(percent(frac), 6, true)}
	if frac < 0 {
		parts = []string{fit(m.phase(d.Phase), 14, false), m.PlainBusy}
	}
	if d.Rate > 0 {
		parts = append(parts, rate(d.Rate))
	}
	if d.ETA > 0 {
		parts = append(parts, sprintf(m.PlainLeft, hms(d.ETA)))
	}
	emit(strings.Join(parts, " "))
}

// stamp is a line's time into the run, "[+0:01:20] ".
func (p *plainScreen) stamp(s *Snapshot) string {
	if s.Started.IsZero() {
		return "[+" + hms(time.Duration(0)) + "] "
	}
	return "[+" + hms(s.Now.Sub(s.Started)) + "] "
}

// emit writes text after prefix. Long text wraps under itself rather than
// being cut: a log keeps every word of a failure reason.
func (p *plainScreen) emit(b *bytes.Buffer, prefix, text string) {
	indent := textWidth(prefix)
	lines := wrap(text, max(p.view.Width-indent, 30))
	for i, l := range lines {
		if i == 0 {
			b.WriteString(prefix)
		} else {
			b.WriteString(strings.Repeat(" ", indent))
		}
		b.WriteString(strings.TrimRight(l, " "))
		b.WriteByte('\n')
	}
}

// statusLine prints the run-wide status after prefix when it differs from
// the last one printed: the first at once, later ones only once p.every
// has passed since the last (so an upload retrying every few seconds does
// not flood the log; the text shown is then the latest), and at once when
// force. An empty status prints nothing.
func (p *plainScreen) statusLine(b *bytes.Buffer, s *Snapshot, prefix string, force bool) {
	st := clean(strings.TrimSpace(s.Status), false)
	if st == "" || st == p.status {
		return
	}
	if !force && !p.statusAt.IsZero() && s.Now.Sub(p.statusAt) < p.every {
		return
	}
	p.status, p.statusAt = st, s.Now
	p.emit(b, prefix, st)
}

func (p *plainScreen) done(b *bytes.Buffer, s *Snapshot, pr Prompt) {
	m := p.m()
	if !p.doneShown {
		p.doneShown = true
		if p.runShown {
			for i := range s.Drives { // results that came with the finish
				if i < len(p.seen) {
					p.driveLines(b, s, i)
				}
			}
		}
		b.WriteByte('\a')
		b.WriteByte('\n')
		v := p.view
		v.Height, v.Prompt = 0, Prompt{}
		snap := *s
		snap.Status = ""
		writeLines(b, Frame(&snap, v))
		// The summary ends with the status, whatever was printed before:
		// a reader of the log finds the record store's state with it.
		p.status = ""
		p.statusLine(b, s, "", true)
	}
	p.statusLine(b, s, "", false)
	if pr.Mode == p.nextMode && (pr.Mode != PromptNextCountdown || pr.Remaining == p.nextShownAt ||
		(pr.Remaining%10 != 0 && pr.Remaining > 5)) {
		return
	}
	switch pr.Mode {
	case PromptNextCountdown:
		msg := m.PowerOffIn
		if pr.Action == ActionReboot {
			msg = m.RebootIn
		}
		if p.nextMode != PromptNextCountdown {
			p.wrapped(b, sentences(sprintf(msg, pr.Remaining), m.HoldHow))
		} else {
			p.wrapped(b, sprintf(msg, pr.Remaining))
		}
		p.nextShownAt = pr.Remaining
	case PromptWaiting:
		p.wrapped(b, m.Waiting)
	case PromptHeld:
		p.wrapped(b, m.Held)
	case PromptFinal:
		if pr.Action == ActionReboot {
			p.wrapped(b, m.Rebooting)
		} else {
			p.wrapped(b, m.PoweringOff)
		}
	}
	p.nextMode = pr.Mode
}

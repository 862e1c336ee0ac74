package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Mode picks a terminal's renderer.
type Mode int

// Renderers.
const (
	ModeAuto  Mode = iota // full screen on a tty, plain lines otherwise
	ModeANSI              // full screen redrawn in place (VGA console, terminals)
	ModePlain             // plain lines (serial consoles, pipes, logs)
)

// Terminal is one place the technician looks and types.
type Terminal struct {
	Name string    // for the record: "tty0", "ttyS0", "stdout"
	Out  io.Writer // where frames go
	In   io.Reader // keys; nil for output only. A tty is put in cbreak mode.
	Mode Mode
	// VGA marks the Linux VGA/framebuffer console: it has no CJK font, so
	// it shows English whatever Lang says, and only characters its CP437
	// font has.
	VGA  bool
	Lang Lang // "" = Options.Lang
	// ASCII forces '#'/'.' bars and letters (a terminal that is not UTF-8).
	ASCII bool
	// Width, Height fix the size; 0 asks the tty (TIOCGWINSZ), else 80x25.
	Width, Height int
}

// Options tune a UI; the zero value is fine.
type Options struct {
	Lang         Lang          // default language; "" = English
	Clock        Clock         // nil = the real clock
	Tick         time.Duration // redraw and countdown step; default 1 s
	PlainEvery   time.Duration // plain progress line per drive; default 15 s
	PageEvery    time.Duration // automatic page turn; default 5 s
	RepaintEvery int           // full-screen repaint every N frames; default 10
}

// ErrAborted is the cause of the run context's cancellation when the
// operator confirmed an abort.
var ErrAborted = errors.New("aborted by the operator")

// UI drives the technician's screens: the plan and its confirmation, the
// live view while erasing, the summary. One UI serves every terminal at
// once; keys from any of them count.
//
// Use: New, Confirm, then (if the decision says erase) AskPSID for each
// blocked drive that may be PSID reverted, Run and feed events with Apply
// from the workers, then Finish, then Close.
type UI struct {
	model *Model
	clock Clock
	opt   Options
	terms []*term

	inputs    chan input
	quit      chan struct{}
	startOnce sync.Once
	closeOnce sync.Once

	promptMu sync.Mutex
	prompt   func(term int) Prompt

	runStop   chan struct{}
	runDone   chan struct{}
	cancelRun context.CancelCauseFunc
	aborted   atomic.Bool
}

type input struct {
	term int
	key  Key
}

type term struct {
	Terminal
	idx     int
	lang    Lang
	glyphs  Glyphs
	out     *asyncWriter
	ansi    *ansiScreen
	plain   *plainScreen
	in      io.Reader
	restore func() error
	open    bool
	page    int
	pages   int
	flipAt  time.Time
	bell    bool
}

// New prepares the terminals (ttys go into cbreak mode at once, so early
// keys are neither echoed nor lost) and a model of plan.
func New(p Plan, opt Options, terms ...Terminal) (*UI, error) {
	if opt.Clock == nil {
		opt.Clock = realClock{}
	}
	if opt.Tick <= 0 {
		opt.Tick = time.Second
	}
	if opt.PlainEvery <= 0 {
		opt.PlainEvery = 15 * time.Second
	}
	if opt.PageEvery <= 0 {
		opt.PageEvery = 5 * time.Second
	}
	if opt.RepaintEvery <= 0 {
		opt.RepaintEvery = 10
	}
	if opt.Lang == "" {
		opt.Lang = English
	}
	u := &UI{
		model:  NewModel(p, opt.Clock.Now),
		clock:  opt.Clock,
		opt:    opt,
		inputs: make(chan input, 64),
		quit:   make(chan struct{}),
	}
	for i, tc := range terms {
		t := &term{Terminal: tc, idx: i, lang: tc.Lang}
		if t.lang == "" {
			t.lang = opt.Lang
		}
		if t.VGA {
			t.lang = English
		}
		if t.Mode == ModeAuto {
			t.Mode = ModePlain
			if isTerminal(tc.Out) {
				t.Mode = ModeANSI
			}
		}
		t.glyphs = GlyphsASCII
		if t.Mode == ModeANSI && !t.ASCII && (t.VGA || t.lang == English) {
			t.glyphs = GlyphsBlocks
		}
		if tc.Out == nil {
			t.Out = io.Discard
		}
		t.out = newAsyncWriter(t.Out)
		raw := false
		if tc.In != nil {
			in, restore, isRaw, err := openInput(tc.In)
			if err != nil {
				t.out.close(time.Second)
				u.Close()
				return nil, fmt.Errorf("console: terminal %s: %w", tc.Name, err)
			}
			t.in, t.restore, t.open, raw = in, restore, true, isRaw
		}
		if t.Mode == ModeANSI {
			t.ansi = &ansiScreen{w: t.out, repaintEvery: opt.RepaintEvery}
		} else {
			w, _ := u.size(t)
			t.plain = &plainScreen{w: t.out, every: opt.PlainEvery, echo: raw,
				view: View{Width: w - 1, Lang: t.lang, Glyphs: t.glyphs}}
		}
		u.terms = append(u.terms, t)
	}
	return u, nil
}

// Model is the UI's model (for tests and for callers that keep their own
// reference).
func (u *UI) Model() *Model { return u.model }

// Apply feeds a worker's event to the model; safe from any goroutine and
// never blocks on a terminal.
func (u *UI) Apply(e Event) { u.model.Apply(e) }

// SetStatus replaces the run-wide status line (e.g. the record store's
// upload state); "" clears it. Safe from any goroutine and never blocks on
// a terminal: the screens show it at their next redraw — every tick while
// Confirm, Run or Finish waits. Full-screen terminals show it on the line
// above the key help; plain terminals print it when it changes, at most
// once per Options.PlainEvery while erasing, and with the summary.
func (u *UI) SetStatus(text string) { u.model.SetStatus(text) }

// size is a terminal's size in columns and rows.
func (u *UI) size(t *term) (int, int) {
	if t.Width > 0 && t.Height > 0 {
		return t.Width, t.Height
	}
	if w, h, ok := termSize(t.Out); ok {
		return w, h
	}
	return 80, 25
}

func (u *UI) startInput() {
	u.startOnce.Do(func() {
		for _, t := range u.terms {
			if t.in != nil {
				go u.read(t)
			}
		}
	})
}

// read turns one terminal's bytes into keys until EOF or Close.
func (u *UI) read(t *term) {
	var dec keyDecoder
	buf := make([]byte, 256)
	for {
		n, err := t.in.Read(buf)
		for _, k := range dec.decode(buf[:n]) {
			select {
			case u.inputs <- input{t.idx, k}:
			case <-u.quit:
				return
			}
		}
		if err != nil {
			select {
			case u.inputs <- input{t.idx, Key{Code: KeyEOF}}:
			case <-u.quit:
			}
			return
		}
	}
}

func (u *UI) setPrompt(f func(term int) Prompt) {
	u.promptMu.Lock()
	u.prompt = f
	u.promptMu.Unlock()
}

// draw shows the current state on terminal t.
func (u *UI) draw(t *term) {
	s := u.model.Snapshot()
	u.promptMu.Lock()
	pf := u.prompt
	u.promptMu.Unlock()
	var p Prompt
	if pf != nil {
		p = pf(t.idx)
	}
	if t.plain != nil {
		if t.out.takeDropped() {
			io.WriteString(t.out, "[kesu: console output was too slow; lines were dropped]\n")
		}
		t.plain.show(&s, p)
		return
	}
	w, h := u.size(t)
	sc := Frame(&s, View{Width: w, Height: h, Lang: t.lang, VGA: t.VGA, Glyphs: t.glyphs, Page: t.page, Prompt: p})
	t.pages, t.page = sc.Pages, sc.Page
	bell := s.Stage == StageDone && !t.bell
	t.bell = t.bell || bell
	if t.out.takeDropped() {
		t.ansi.prev = nil
	}
	t.ansi.draw(sc, w, h, bell)
}

func (u *UI) drawAll() {
	for _, t := range u.terms {
		u.draw(t)
	}
}

// autoPage turns the page of every paged full-screen terminal whose time
// has come.
func (u *UI) autoPage(now time.Time) {
	for _, t := range u.terms {
		if t.ansi == nil || t.pages <= 1 {
			continue
		}
		if t.flipAt.IsZero() {
			t.flipAt = now.Add(u.opt.PageEvery)
			continue
		}
		if !now.Before(t.flipAt) {
			t.page++
			t.flipAt = now.Add(u.opt.PageEvery)
		}
	}
}

// pageKey turns the page on a paging key (and holds automatic paging for
// a while); it reports whether k was one.
func (u *UI) pageKey(in input) bool {
	d := 0
	switch in.key.Code {
	case KeyPageDown, KeyDown:
		d = 1
	case KeyPageUp, KeyUp:
		d = -1
	default:
		return false
	}
	t := u.terms[in.term]
	t.page += d
	t.flipAt = u.clock.Now().Add(6 * u.opt.PageEvery)
	return true
}

// firstPage shows every terminal's first page (at a change of screen).
func (u *UI) firstPage() {
	for _, t := range u.terms {
		t.page, t.flipAt = 0, time.Time{}
	}
}

func (u *UI) openInputs() int {
	n := 0
	for _, t := range u.terms {
		if t.open {
			n++
		}
	}
	return n
}

// Confirm shows the plan and waits for the confirmation: the number of
// drives (or Plan.Confirm.Word) typed on any terminal and Enter. Wrong
// input asks again; "no", Esc, Ctrl-C or Ctrl-D cancel. Unattended, a
// countdown runs first and erasing starts when it ends; any key stops it
// and falls back to the typed confirmation. With no drives it returns at
// once; when every input has closed (and no countdown runs) it refuses.
// The error is the context's, if it ended first.
func (u *UI) Confirm(ctx context.Context) (Decision, error) {
	u.startInput()
	s := u.model.Snapshot()
	now := u.clock.Now()
	n := len(s.Plan.Drives)
	if n == 0 {
		return u.decide(Decision{How: HowNoDrives, At: now}), nil
	}
	u.firstPage()
	c := newConfirmation(s.Plan.Confirm, n, now)
	u.setPrompt(func(t int) Prompt { return c.prompt(t, u.clock.Now()) })
	if !c.counting && u.openInputs() == 0 {
		u.drawAll()
		return u.decide(Decision{How: HowNoInput, At: now}), nil
	}
	tick := u.clock.NewTicker(u.opt.Tick) // before the first frame: a test clock may tick once it is seen
	defer tick.Stop()
	u.drawAll()
	for {
		select {
		case <-ctx.Done():
			return u.decide(Decision{How: HowContext, At: u.clock.Now()}), ctx.Err()
		case in := <-u.inputs:
			t := u.terms[in.term]
			if in.key.Code == KeyEOF {
				t.open = false
				if !c.counting && u.openInputs() == 0 {
					return u.decide(Decision{How: HowNoInput, At: u.clock.Now()}), nil
				}
				continue
			}
			wasCounting := c.counting
			if !c.counting && u.pageKey(in) {
				u.draw(t)
				continue
			}
			if d, ok := c.key(in.term, t.Name, in.key, u.clock.Now()); ok {
				return u.decide(d), nil
			}
			if wasCounting { // the countdown stopped: every terminal shows the typed prompt
				u.drawAll()
			} else {
				u.draw(t)
			}
		case now := <-tick.C():
			if d, ok := c.tick(now); ok {
				return u.decide(d), nil
			}
			if !c.counting && u.openInputs() == 0 {
				return u.decide(Decision{How: HowNoInput, At: now}), nil
			}
			u.autoPage(now)
			u.drawAll()
			handled(tick)
		}
	}
}

// decide records the decision and shows it.
func (u *UI) decide(d Decision) Decision {
	u.model.update(func(s *Snapshot, _ time.Time) {
		s.Decision = d
		if !d.Erase && d.How != HowNoDrives {
			s.Stage = StageCancelled
		}
	})
	u.setPrompt(nil)
	u.drawAll()
	return d
}

// Run switches to the live view and returns the context the workers must
// use: it is cancelled, with cause ErrAborted, when the operator aborts
// (q or Ctrl-C, then y). The screen is redrawn every tick from the events
// given to Apply until Finish.
func (u *UI) Run(ctx context.Context) context.Context {
	u.startInput()
	runCtx, cancel := context.WithCancelCause(ctx)
	u.cancelRun = cancel
	u.model.update(func(s *Snapshot, now time.Time) {
		s.Stage = StageRunning
		s.Started = now
	})
	ab := &aborter{}
	var abMu sync.Mutex
	u.setPrompt(func(t int) Prompt {
		abMu.Lock()
		defer abMu.Unlock()
		return ab.prompt(t)
	})
	u.firstPage()
	u.runStop, u.runDone = make(chan struct{}), make(chan struct{})
	tick := u.clock.NewTicker(u.opt.Tick)
	u.drawAll()
	go func() {
		defer close(u.runDone)
		defer tick.Stop()
		for {
			select {
			case <-u.runStop:
				return
			case in := <-u.inputs:
				t := u.terms[in.term]
				if in.key.Code == KeyEOF {
					t.open = false
					continue
				}
				abMu.Lock()
				abort, handled := ab.key(in.term, in.key)
				abMu.Unlock()
				if abort {
					u.aborted.Store(true)
					u.model.update(func(s *Snapshot, now time.Time) {
						s.Aborting, s.AbortedBy, s.AbortedAt = true, t.Name, now
					})
					cancel(ErrAborted)
				}
				if !handled && !u.pageKey(in) {
					continue
				}
				u.drawAll()
			case now := <-tick.C():
				u.autoPage(now)
				u.drawAll()
				handled(tick)
			}
		}
	}()
	return runCtx
}

// Aborted reports whether the operator aborted the run, where and when.
func (u *UI) Aborted() (by string, at time.Time, ok bool) {
	if !u.aborted.Load() {
		return "", time.Time{}, false
	}
	s := u.model.Snapshot()
	return s.AbortedBy, s.AbortedAt, true
}

func (u *UI) stopRun() {
	if u.runStop == nil {
		return
	}
	select {
	case <-u.runStop:
	default:
		close(u.runStop)
	}
	<-u.runDone
}

// noResult is the reason given to a drive whose worker never reported.
const noResult = "no result reported"

// Finish shows the summary with a bell: each drive's result, the overall
// verdict in big letters, the record and its key, and what happens next.
// Drives without a final event are marked (ABORTED after an abort, else
// FAIL or SKIPPED "no result reported"). For ActionExit it returns at
// once. For power-off and reboot it counts Next.Delay down visibly and
// returns the action when it ends; any key stops the countdown, and then
// (as for ActionWait) only P — returning ActionPowerOff — or the end of
// ctx (ActionWait and its error) ends the wait.
func (u *UI) Finish(ctx context.Context, r Result) (Action, error) {
	u.stopRun()
	u.startInput()
	u.model.finish(r, noResult)
	for drained := false; !drained; {
		select {
		case <-u.inputs:
		default:
			drained = true
		}
	}
	u.firstPage()
	ns := newNextStep(r.Next, u.clock.Now())
	u.setPrompt(func(int) Prompt { return ns.prompt(u.clock.Now()) })
	if r.Next.Action == ActionExit || r.Next.Action == "" {
		u.drawAll()
		return ActionExit, nil
	}
	tick := u.clock.NewTicker(u.opt.Tick)
	defer tick.Stop()
	u.drawAll()
	for {
		select {
		case <-ctx.Done():
			return ActionWait, ctx.Err()
		case in := <-u.inputs:
			if in.key.Code == KeyEOF {
				u.terms[in.term].open = false
				continue
			}
			a, ok := ns.key(in.key)
			u.pageKey(in)
			u.drawAll()
			if ok {
				return a, nil
			}
		case now := <-tick.C():
			a, ok := ns.tick(now)
			u.autoPage(now)
			u.drawAll()
			if ok {
				return a, nil
			}
			handled(tick)
		}
	}
}

// Close stops reading keys, leaves full-screen terminals with the cursor
// below the last frame, writes out what is queued (waiting at most a few
// seconds for a stuck terminal) and restores the ttys' modes.
func (u *UI) Close() error {
	var first error
	u.closeOnce.Do(func() {
		u.stopRun()
		close(u.quit)
		for _, t := range u.terms {
			if t.ansi != nil {
				t.ansi.close()
			}
			if err := t.out.close(5 * time.Second); err != nil && first == nil {
				first = err
			}
			if t.restore != nil {
				if err := t.restore(); err != nil && first == nil {
					first = err
				}
			}
		}
	})
	return first
}

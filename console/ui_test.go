package console_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/console"
	"github.com/kesu-erase/kesu/console/internal/sample"
)

// screen is a terminal's output as the test sees it: every write, in
// order. waitFor reads until a text appears — the UI's own output is the
// synchronisation, so nothing sleeps. (The 10 s guard only turns a hang
// into a failure; no test is timed.)
type screen struct {
	ch      chan string
	all     strings.Builder
	pending string
}

func newScreen() *screen { return &screen{ch: make(chan string, 10000)} }

func (s *screen) Write(p []byte) (int, error) {
	s.ch <- string(p)
	return len(p), nil
}

func (s *screen) waitFor(t *testing.T, text string) {
	t.Helper()
	guard := time.NewTimer(10 * time.Second)
	defer guard.Stop()
	for !strings.Contains(s.pending, text) {
		select {
		case c := <-s.ch:
			s.pending += c
			s.all.WriteString(c)
		case <-guard.C:
			t.Fatalf("no output containing %q; output so far:\n%s", text, s.all.String())
		}
	}
	s.pending = s.pending[strings.Index(s.pending, text)+len(text):]
}

// rest drains what is left (call after Close) and returns all output.
func (s *screen) rest() string {
	for {
		select {
		case c := <-s.ch:
			s.all.WriteString(c)
		default:
			return s.all.String()
		}
	}
}

type rig struct {
	t     *testing.T
	ui    *console.UI
	clock *sample.FakeClock
	out   *screen
	keys  *io.PipeWriter
}

// newRig makes a UI over one plain (serial) terminal fed through a pipe.
func newRig(t *testing.T, p console.Plan, lang console.Lang, mode console.Mode) *rig {
	t.Helper()
	pr, pw := io.Pipe()
	r := &rig{t: t, clock: sample.NewFakeClock(sample.T0), out: newScreen(), keys: pw}
	ui, err := console.New(p, console.Options{Lang: lang, Clock: r.clock},
		console.Terminal{Name: "ttyS0", Out: r.out, In: pr, Mode: mode, Width: 80, Height: 25})
	if err != nil {
		t.Fatal(err)
	}
	r.ui = ui
	t.Cleanup(func() {
		pw.Close()
		ui.Close()
	})
	return r
}

func (r *rig) typeKeys(s string) {
	r.t.Helper()
	if _, err := io.WriteString(r.keys, s); err != nil {
		r.t.Fatal(err)
	}
}

type decided struct {
	d   console.Decision
	err error
}

func (r *rig) confirm() <-chan decided {
	ch := make(chan decided, 1)
	go func() {
		d, err := r.ui.Confirm(context.Background())
		ch <- decided{d, err}
	}()
	return ch
}

func wait[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	guard := time.NewTimer(10 * time.Second)
	defer guard.Stop()
	select {
	case v := <-ch:
		return v
	case <-guard.C:
		t.Fatal("no result")
	}
	var zero T
	return zero
}

func threeDrives() console.Plan {
	p := sample.Failing()
	p.Confirm = console.Confirm{}
	return p
}

func TestConfirmTypedCount(t *testing.T) {
	r := newRig(t, threeDrives(), console.English, console.ModePlain)
	res := r.confirm()
	r.out.waitFor(t, "Type 3 and press Enter")
	r.typeKeys("2\r")
	r.out.waitFor(t, `"2" is not 3. Nothing was started; type again.`)
	r.typeKeys("\r")
	r.out.waitFor(t, "Nothing typed.")
	r.typeKeys("3")
	r.typeKeys("\r")
	got := wait(t, res)
	want := console.Decision{Erase: true, How: console.HowTypedCount, Terminal: "ttyS0", Typed: "3", At: sample.T0}
	if got.err != nil || got.d != want {
		t.Errorf("Confirm = %+v, %v; want %+v", got.d, got.err, want)
	}
	r.out.waitFor(t, "Starting the erase.")
}

func TestConfirmWord(t *testing.T) {
	r := newRig(t, sample.Failing(), console.English, console.ModePlain) // confirm word ERASE
	res := r.confirm()
	r.out.waitFor(t, "Type ERASE and press Enter")
	r.typeKeys("3\r")
	r.out.waitFor(t, `"3" is not ERASE.`)
	r.typeKeys("ERASE\r")
	if got := wait(t, res); !got.d.Erase || got.d.How != console.HowTypedWord {
		t.Errorf("Confirm = %+v; want erase by the typed word", got.d)
	}
}

func TestConfirmCancels(t *testing.T) {
	for _, in := range []string{"no\r", "\x1b", "\x03", "\x04", "いいえ\r"} {
		r := newRig(t, threeDrives(), console.English, console.ModePlain)
		res := r.confirm()
		r.out.waitFor(t, "To cancel")
		r.typeKeys(in)
		got := wait(t, res)
		if got.err != nil || got.d.Erase || got.d.How != console.HowRefused {
			t.Errorf("Confirm after %q = %+v, %v; want refused", in, got.d, got.err)
		}
		r.out.waitFor(t, "Cancelled. Nothing was erased.")
		if s := r.ui.Model().Snapshot(); s.Stage != console.StageCancelled || s.Verdict() != console.VerdictCancelled {
			t.Errorf("after %q: stage %v verdict %v; want cancelled", in, s.Stage, s.Verdict())
		}
	}
}

func TestConfirmWithoutKeyboard(t *testing.T) {
	// Attended, and the only input closes: nothing is erased.
	out := newScreen()
	ui, err := console.New(threeDrives(), console.Options{Clock: sample.NewFakeClock(sample.T0)},
		console.Terminal{Name: "pipe", Out: out, In: strings.NewReader(""), Mode: console.ModePlain})
	if err != nil {
		t.Fatal(err)
	}
	defer ui.Close()
	d, err := ui.Confirm(context.Background())
	if err != nil || d.Erase || d.How != console.HowNoInput {
		t.Errorf("Confirm with closed input = %+v, %v; want no-input refusal", d, err)
	}
	// No input at all.
	ui2, _ := console.New(threeDrives(), console.Options{Clock: sample.NewFakeClock(sample.T0)},
		console.Terminal{Name: "log", Out: newScreen(), Mode: console.ModePlain})
	defer ui2.Close()
	if d, _ := ui2.Confirm(context.Background()); d.Erase || d.How != console.HowNoInput {
		t.Errorf("Confirm without input = %+v; want no-input refusal", d)
	}
	// Nothing to erase.
	ui3, _ := console.New(console.Plan{}, console.Options{}, console.Terminal{Out: newScreen(), Mode: console.ModePlain})
	defer ui3.Close()
	if d, _ := ui3.Confirm(context.Background()); d.Erase || d.How != console.HowNoDrives {
		t.Errorf("Confirm without drives = %+v; want no-drives", d)
	}
}

func TestConfirmContextEnds(t *testing.T) {
	r := newRig(t, threeDrives(), console.English, console.ModePlain)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d, err := r.ui.Confirm(ctx)
	if !errors.Is(err, context.Canceled) || d.Erase || d.How != console.HowContext {
		t.Errorf("Confirm with ended context = %+v, %v; want interrupted", d, err)
	}
}

func TestCountdownRunsOut(t *testing.T) {
	p := threeDrives()
	p.Confirm = console.Confirm{Unattended: true, Countdown: 30 * time.Second}
	r := newRig(t, p, console.English, console.ModePlain)
	res := r.confirm()
	r.out.waitFor(t, "Erasing starts automatically in 30 s. Press any key to stop the countdown.")
	r.clock.Advance(10 * time.Second)
	r.out.waitFor(t, "in 20 s.")
	r.clock.Advance(19 * time.Second)
	r.out.waitFor(t, "in 1 s.") // the tick at 29 s was handled and did not start anything
	r.clock.Advance(time.Second)
	got := wait(t, res)
	if want := (console.Decision{Erase: true, How: console.HowCountdown, At: sample.T0.Add(30 * time.Second)}); got.d != want {
		t.Errorf("Confirm = %+v; want %+v", got.d, want)
	}
}

func TestCountdownCancelledByKey(t *testing.T) {
	p := threeDrives()
	p.Confirm = console.Confirm{Unattended: true, Countdown: 30 * time.Second}
	r := newRig(t, p, console.English, console.ModePlain)
	res := r.confirm()
	r.out.waitFor(t, "in 30 s.")
	r.clock.Advance(5 * time.Second)
	r.typeKeys(" ")
	r.out.waitFor(t, "Countdown stopped.")
	r.out.waitFor(t, "Type 3 and press Enter")
	r.clock.Advance(time.Hour) // an hour of ticks: the countdown stays stopped
	r.typeKeys("3\r")
	if got := wait(t, res); got.d.How != console.HowTypedCount || !got.d.At.Equal(sample.T0.Add(time.Hour+5*time.Second)) {
		t.Errorf("Confirm = %+v; want the typed confirmation an hour later", got.d)
	}
}

func TestAbortSequence(t *testing.T) {
	r := newRig(t, threeDrives(), console.English, console.ModePlain)
	res := r.confirm()
	r.out.waitFor(t, "To cancel")
	r.typeKeys("3\r")
	wait(t, res)
	ctx := r.ui.Run(context.Background())
	r.ui.Apply(console.PhaseEvent("/dev/sda", console.PhaseOverwrite, "overwrite (zero)"))
	r.out.waitFor(t, "Erasing 3 drive(s). To abort: q, then y.")

	r.typeKeys("q")
	r.out.waitFor(t, "Abort? Overwrites stop")
	r.typeKeys("n")
	r.out.waitFor(t, "Not aborted; erasing goes on.")
	if ctx.Err() != nil {
		t.Fatalf("after q, n the run context ended: %v", context.Cause(ctx))
	}
	if _, _, ok := r.ui.Aborted(); ok {
		t.Error("Aborted() after q, n = true")
	}
	r.typeKeys("y") // y alone does nothing
	r.typeKeys("\x03")
	r.out.waitFor(t, "Abort? Overwrites stop")
	if ctx.Err() != nil {
		t.Fatalf("y without a question ended the run: %v", context.Cause(ctx))
	}
	r.clock.Advance(90 * time.Second)
	r.typeKeys("y")
	r.out.waitFor(t, "Aborting: waiting for the drives to stop...")
	wait(t, ctx.Done())
	if cause := context.Cause(ctx); !errors.Is(cause, console.ErrAborted) {
		t.Errorf("run context cause = %v; want ErrAborted", cause)
	}
	by, at, ok := r.ui.Aborted()
	if !ok || by != "ttyS0" || !at.Equal(sample.T0.Add(90*time.Second)) {
		t.Errorf("Aborted() = %q, %v, %v; want ttyS0 at 90 s", by, at, ok)
	}

	r.ui.Apply(console.DoneEvent("/dev/sda", console.StatusAborted, "", "overwrite stopped at 12%"))
	a, err := r.ui.Finish(context.Background(), console.Result{RecordPath: "KESU:/records/x.kesu", Next: console.Next{Action: console.ActionExit}})
	if a != console.ActionExit || err != nil {
		t.Errorf("Finish = %q, %v; want exit", a, err)
	}
	r.out.waitFor(t, "Aborted by the operator.")
	s := r.ui.Model().Snapshot()
	var got []console.Status
	for _, d := range s.Drives {
		got = append(got, d.Status)
	}
	if s.Verdict() != console.VerdictAborted || got[0] != console.StatusAborted || got[1] != console.StatusSkipped || got[2] != console.StatusSkipped {
		t.Errorf("after abort: verdict %s, statuses %v; want ABORTED, [ABORTED SKIPPED SKIPPED]", s.Verdict(), got)
	}
}

func TestFinishPowerOffCountdown(t *testing.T) {
	r := newRig(t, threeDrives(), console.English, console.ModePlain)
	res := make(chan console.Action, 1)
	go func() {
		a, _ := r.ui.Finish(context.Background(), console.Result{Next: console.Next{Action: console.ActionPowerOff, Delay: 20 * time.Second}})
		res <- a
	}()
	r.out.waitFor(t, "Powering off in 20 s. Press any key to stay on this screen.")
	r.clock.Advance(10 * time.Second)
	r.out.waitFor(t, "Powering off in 10 s.")
	r.clock.Advance(10 * time.Second)
	if a := wait(t, res); a != console.ActionPowerOff {
		t.Errorf("Finish = %q; want poweroff", a)
	}
	r.out.waitFor(t, "Powering off.")
}

func TestFinishHeldByKey(t *testing.T) {
	r := newRig(t, threeDrives(), console.English, console.ModePlain)
	res := make(chan console.Action, 1)
	go func() {
		a, _ := r.ui.Finish(context.Background(), console.Result{Next: console.Next{Action: console.ActionReboot, Delay: 20 * time.Second}})
		res <- a
	}()
	r.out.waitFor(t, "Rebooting in 20 s.")
	r.typeKeys("x")
	r.out.waitFor(t, "Staying on this screen. Press P to power off.")
	r.clock.Advance(time.Hour)
	r.typeKeys("p")
	if a := wait(t, res); a != console.ActionPowerOff {
		t.Errorf("Finish = %q; want poweroff after P", a)
	}
}

// A full-screen terminal: cleared once, rows addressed, the bell rung once
// when the summary comes up, pages turned automatically.
func TestANSITerminal(t *testing.T) {
	p := sample.Bays()
	p.Confirm = console.Confirm{}
	r := newRig(t, p, console.English, console.ModeANSI)
	res := r.confirm()
	r.out.waitFor(t, "\x1b[H\x1b[2J")
	r.out.waitFor(t, "page 1/")
	r.clock.Advance(5 * time.Second) // the first tick arms the page timer
	r.clock.Advance(5 * time.Second)
	r.out.waitFor(t, "page 2/")
	r.typeKeys("\x1b[6~") // PgDn
	r.out.waitFor(t, "page 3/")
	r.typeKeys("\x1b[5~\x1b[5~") // PgUp twice
	r.out.waitFor(t, "page 1/")
	r.clock.Advance(25 * time.Second) // a turned page holds automatic turning for 30 s
	r.typeKeys("\x1b[B")              // Down: one page on
	r.out.waitFor(t, "page 2/")
	r.typeKeys("2")
	r.out.waitFor(t, "> \x1b[0m2") // the typed digit echoed in the frame
	r.typeKeys("4\r")
	if got := wait(t, res); !got.d.Erase {
		t.Fatalf("Confirm = %+v; want erase", got.d)
	}
	r.ui.Run(context.Background())
	r.out.waitFor(t, "erasing 24 drive(s)")
	for _, d := range p.Drives {
		r.ui.Apply(console.DoneEvent(d.ID, console.StatusPass, "Purge", ""))
	}
	if _, err := r.ui.Finish(context.Background(), console.Result{RecordPath: "KESU:/records/r.kesu"}); err != nil {
		t.Fatal(err)
	}
	r.out.waitFor(t, "Every drive was erased and verified.")
	r.ui.Close()
	all := r.out.rest()
	if n := strings.Count(all, "\a"); n != 1 {
		t.Errorf("output has %d bells; want 1", n)
	}
	if n := strings.Count(all, "\x1b[2J"); n != 1 {
		t.Errorf("screen cleared %d times; want once (rows are redrawn in place)", n)
	}
	if !strings.Contains(all, "\x1b[25;1H") || !strings.HasSuffix(all, "\x1b[0m\x1b[?25h\x1b[25;1H\r\n") {
		t.Errorf("output does not address row 25 or does not end with the cursor restored below the frame: ...%q", all[max(0, len(all)-80):])
	}
}

// The serial console's log of a whole run, in English and Japanese.
func TestGoldenSerialLog(t *testing.T) {
	for _, lang := range []console.Lang{console.English, console.Japanese} {
		r := newRig(t, sample.Failing(), lang, console.ModePlain)
		res := r.confirm()
		r.out.waitFor(t, "ERASE")
		r.out.waitFor(t, "> ")
		r.typeKeys("3\r")
		r.out.waitFor(t, "> ")
		r.typeKeys("ERASE\r")
		wait(t, res)
		r.ui.Run(context.Background())
		sa, sb, sc := "/dev/sda", "/dev/sdb", "/dev/sdc"
		r.ui.Apply(console.PhaseEvent(sa, console.PhaseProbe, ""))
		r.ui.Apply(console.PhaseEvent(sb, console.PhaseProbe, ""))
		r.ui.Apply(console.PhaseEvent(sc, console.PhaseProbe, ""))
		r.clock.Advance(time.Second)
		r.ui.Apply(console.PhaseEvent(sa, console.PhaseFirmwareErase, "SCSI Sanitize overwrite"))
		r.ui.Apply(console.PhaseEvent(sb, console.PhaseFirmwareErase, "SCSI Sanitize overwrite"))
		r.ui.Apply(console.WarningEvent(sb, "SMART: grown defect list 2317 entries"))
		r.ui.Apply(console.PhaseEvent(sc, console.PhaseRestoreHidden, "HPA 4000787030 -> 7814037168 LBAs"))
		r.clock.Advance(time.Second)
		r.ui.Apply(console.PhaseEvent(sc, console.PhaseOverwrite, "overwrite (zero)"))
		for k := 1; k <= 4; k++ {
			r.clock.Advance(15 * time.Second)
			r.ui.Apply(console.PercentEvent(sa, float64(k)*6, time.Duration(100-k*6)*10*time.Second))
			r.ui.Apply(console.PercentEvent(sb, -1, 0))
			r.ui.Apply(console.ProgressEvent(sc, int64(k)*15*187e6, 4e12, 187e6, time.Duration(21390-k*15)*time.Second))
			if k == 3 {
				r.ui.Apply(console.WarningEvent(sc, "unwritable sectors: LBA 81920-81927 (8 blocks)"))
			}
		}
		r.clock.Advance(time.Second)
		r.ui.Apply(console.PhaseEvent(sb, console.PhaseVerify, "10% sampled, expect pattern"))
		r.clock.Advance(time.Second)
		r.ui.Apply(console.DoneEvent(sb, console.StatusFail, "", "verify: 4096 of 1953125 sampled blocks still hold old data"))
		r.ui.Apply(console.DoneEvent(sa, console.StatusPass, "Purge", "sanitize overwrite completed; read-back found the pattern"))
		r.ui.Apply(console.DoneEvent(sc, console.StatusFail, "", "8 unwritable sectors: not every block was overwritten"))
		fin := make(chan console.Action, 1)
		go func() {
			a, _ := r.ui.Finish(context.Background(), console.Result{
				RecordPath: "KESU:/records/2025-11-04T093000Z-CZ2049ABCD.kesu", Fingerprint: "SHA256:3f9a 51c2 0be7 9d44",
				Next: console.Next{Action: console.ActionPowerOff, Delay: 12 * time.Second}})
			fin <- a
		}()
		r.out.waitFor(t, "KESU:/records/")
		r.clock.Advance(12 * time.Second)
		if a := wait(t, fin); a != console.ActionPowerOff {
			t.Errorf("Finish = %q; want poweroff", a)
		}
		r.ui.Close()
		log := r.out.rest()
		if strings.Contains(log, "\x1b") {
			t.Errorf("%s serial log contains an escape sequence", lang)
		}
		golden(t, "serial-"+string(lang), log)
	}
}

func TestFinishAfterCancel(t *testing.T) {
	r := newRig(t, threeDrives(), console.English, console.ModePlain)
	res := r.confirm()
	r.out.waitFor(t, "To cancel")
	r.typeKeys("no\r")
	wait(t, res)
	if _, err := r.ui.Finish(context.Background(), console.Result{Next: console.Next{Action: console.ActionExit}}); err != nil {
		t.Fatal(err)
	}
	r.out.waitFor(t, "Cancelled. Nothing was erased.")
	s := r.ui.Model().Snapshot()
	if v := s.Verdict(); v != console.VerdictCancelled {
		t.Errorf("Verdict after a refused plan = %s; want CANCELLED", v)
	}
	for _, d := range s.Drives {
		if d.Status != console.StatusSkipped || d.Reason != "" {
			t.Errorf("drive %s = %s %q; want SKIPPED", d.Bay, d.Status, d.Reason)
		}
	}
}

// The appliance's two consoles: the VGA console (full screen, English even
// when Japanese is asked for) and the serial console (plain, Japanese).
// A key on either stops the countdown; the confirmation typed on one
// counts, and names it.
func TestTwoTerminals(t *testing.T) {
	p := threeDrives()
	p.Confirm = console.Confirm{Unattended: true, Countdown: 30 * time.Second}
	clock := sample.NewFakeClock(sample.T0)
	vgaIn, vgaKeys := io.Pipe()
	serIn, serKeys := io.Pipe()
	vga, ser := newScreen(), newScreen()
	ui, err := console.New(p, console.Options{Lang: console.Japanese, Clock: clock},
		console.Terminal{Name: "tty0", Out: vga, In: vgaIn, Mode: console.ModeANSI, VGA: true, Width: 80, Height: 25},
		console.Terminal{Name: "ttyS0", Out: ser, In: serIn, Mode: console.ModePlain})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { vgaKeys.Close(); serKeys.Close(); ui.Close() }()
	res := make(chan console.Decision, 1)
	go func() {
		d, _ := ui.Confirm(context.Background())
		res <- d
	}()
	vga.waitFor(t, "Erasing starts automatically in 30 s.")
	ser.waitFor(t, "あと 30 秒で自動的に消去を始めます。")
	io.WriteString(serKeys, "x")
	ser.waitFor(t, "カウントダウンを止めました。")
	vga.waitFor(t, "Countdown stopped.")
	io.WriteString(vgaKeys, "3\r")
	d := wait(t, res)
	if !d.Erase || d.Terminal != "tty0" || d.How != console.HowTypedCount {
		t.Errorf("decision = %+v; want typed on tty0", d)
	}
	ser.waitFor(t, "消去を始めます。")
	ui.Close()
	if all := vga.rest(); strings.ContainsAny(all, "消去") {
		t.Error("the VGA console got Japanese text; it has no CJK font")
	}
}

func TestRecordErrorIsAFailure(t *testing.T) {
	s := sample.Done(sample.OneDriveRun().Snapshot(7*time.Minute), console.Next{})
	s.Result = console.Result{RecordError: "KESU volume is full (0 bytes free)"}
	if v := s.Verdict(); v != console.VerdictFail {
		t.Errorf("Verdict with the record lost = %s; want FAIL even though every drive passed", v)
	}
	sc := console.Frame(&s, console.View{Width: 80, Height: 25})
	found := false
	for _, l := range sc.Lines {
		if strings.Contains(l.String(), "THE RECORD WAS NOT WRITTEN: KESU volume is full") {
			found = l[0].Style == console.Bad
		}
	}
	if !found {
		t.Errorf("frame does not say, in the failure style, that the record was not written:\n%s", strings.Join(sc.Strings(), "\n"))
	}
}

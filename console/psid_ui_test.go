package console_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/console"
	"github.com/kesu-erase/kesu/console/internal/sample"
)

// Made-up PSIDs as printed on a label: 32 characters of 0-9 and A-Z.
const (
	psid      = "3K9QW7ZT1M5XRB2H8VNC4JYD6FGP0LSA"
	psidOther = "3K9QW7ZT1M5XRB2H8VNC4JYD6FGP0LSB"
)

// lockedDrive is sample.Failing's second drive, locked by an owner.
var lockedDrive = console.PSIDRequest{Drive: "/dev/sdb", Bay: "encl0 slot 1", Model: "SEAGATE ST8000NM001A",
	Serial: "WKD31A27", Why: "Locked by its owner: locking range 1 is locked, so kesu cannot prove an overwrite."}

type answered struct {
	a   console.PSIDAnswer
	err error
}

func (r *rig) askPSID(ctx context.Context, req console.PSIDRequest) <-chan answered {
	ch := make(chan answered, 1)
	go func() {
		a, err := r.ui.AskPSID(ctx, req)
		ch <- answered{a, err}
	}()
	return ch
}

// confirmed is a rig past the confirmation of sample.Failing (word ERASE).
func confirmed(t *testing.T, lang console.Lang, mode console.Mode) *rig {
	t.Helper()
	r := newRig(t, sample.Failing(), lang, mode)
	res := r.confirm()
	r.out.waitFor(t, "> ")
	r.typeKeys("ERASE\r")
	if d := wait(t, res); !d.d.Erase {
		t.Fatalf("Confirm = %+v; want erase", d.d)
	}
	return r
}

func TestAskPSIDTypedTwice(t *testing.T) {
	r := confirmed(t, console.English, console.ModePlain)
	res := r.askPSID(context.Background(), lockedDrive)
	r.out.waitFor(t, "PSID revert\nDrive: encl0 slot 1   SEAGATE ST8000NM001A   serial WKD31A27\n"+
		"Locked by its owner: locking range 1 is locked, so kesu cannot prove an\noverwrite.\n")
	r.out.waitFor(t, "Type the 32-character PSID printed on the drive's label, then Enter. Enter\n"+
		"alone or Esc: skip (the drive stays FAIL).\n> ")
	r.typeKeys(psid + "\r")
	// The pipe's other end echoes nothing, so kesu shows the entry as
	// stars when Enter takes it.
	r.out.waitFor(t, "********************************\nType it again, then Enter.\n> ")
	r.typeKeys(psid + "\r")
	got := wait(t, res)
	if got.err != nil || string(got.a.PSID) != psid || got.a.How != console.HowTypedTwice ||
		got.a.Terminal != "ttyS0" || !got.a.At.Equal(sample.T0) {
		t.Errorf("AskPSID = %+v (PSID %q), %v; want %q typed twice on ttyS0 at T0", got.a, got.a.PSID, got.err, psid)
	}
	r.out.waitFor(t, "********************************\nPSID typed twice for encl0 slot 1: kesu will reset the drive, then erase it as\nplanned.\n")
}

func TestAskPSIDMismatchThenRight(t *testing.T) {
	r := confirmed(t, console.English, console.ModePlain)
	res := r.askPSID(context.Background(), lockedDrive)
	r.out.waitFor(t, "(the drive stays FAIL).\n> ")
	r.typeKeys(psid + "\r")
	r.out.waitFor(t, "Type it again, then Enter.\n> ")
	r.typeKeys(psidOther + "\r")
	r.out.waitFor(t, "The two entries differ. Type the PSID again.\n> ")
	r.typeKeys(psid + "\r")
	r.out.waitFor(t, "Type it again, then Enter.\n> ")
	r.typeKeys(psid + "\r")
	if got := wait(t, res); string(got.a.PSID) != psid || got.a.How != console.HowTypedTwice {
		t.Errorf("AskPSID = %+v (PSID %q); want %q typed twice", got.a, got.a.PSID, psid)
	}
}

func TestAskPSIDRejects(t *testing.T) {
	r := confirmed(t, console.English, console.ModePlain)
	res := r.askPSID(context.Background(), lockedDrive)
	r.out.waitFor(t, "(the drive stays FAIL).\n> ")
	r.typeKeys(psid[:31] + "\r")
	r.out.waitFor(t, "*******************************\n31 characters typed; a PSID has 32. Type the PSID again.\n> ")
	r.typeKeys(psid[:16] + "-" + psid[17:] + "\r")
	r.out.waitFor(t, "********************************\n"+
		"A PSID has only letters and digits (A-Z, a-z, 0-9); what was typed had another\ncharacter. Type the PSID again.\n> ")
	// A rejected second entry starts both over.
	r.typeKeys(psid + "\r")
	r.out.waitFor(t, "Type it again, then Enter.\n> ")
	r.typeKeys(psid + "!\r")
	r.out.waitFor(t, "A PSID has only letters and digits")
	r.out.waitFor(t, "> ")
	r.typeKeys(psid + "\r")
	r.out.waitFor(t, "Type it again, then Enter.\n> ")
	r.typeKeys(psid + "\r")
	if got := wait(t, res); string(got.a.PSID) != psid {
		t.Errorf("AskPSID = %+v (PSID %q); want %q after the rejected entries", got.a, got.a.PSID, psid)
	}
}

func TestAskPSIDSkips(t *testing.T) {
	for _, in := range []string{"\x1b", "\r", psid[:12] + "\x1b", psid + "\r\x1b", psid + "\r\r", "\x03"} {
		r := confirmed(t, console.English, console.ModePlain)
		res := r.askPSID(context.Background(), lockedDrive)
		r.out.waitFor(t, "(the drive stays FAIL).\n> ")
		r.typeKeys(in)
		got := wait(t, res)
		if got.err != nil || got.a.PSID != nil || got.a.How != console.HowSkipped || got.a.Terminal != "ttyS0" {
			t.Errorf("AskPSID after %q = %+v, %v; want skipped on ttyS0 without a PSID", in, got.a, got.err)
		}
		r.out.waitFor(t, "Skipped: encl0 slot 1 stays FAIL.\n")
	}
}

func TestAskPSIDInputClosed(t *testing.T) {
	r := confirmed(t, console.English, console.ModePlain)
	res := r.askPSID(context.Background(), lockedDrive)
	r.out.waitFor(t, "(the drive stays FAIL).\n> ")
	r.typeKeys(psid[:10])
	r.keys.Close()
	got := wait(t, res)
	if got.err != nil || got.a.PSID != nil || got.a.How != console.HowNoInput || got.a.Terminal != "" {
		t.Errorf("AskPSID with the input closed = %+v, %v; want no-input", got.a, got.err)
	}
	r.out.waitFor(t, "No keyboard input: encl0 slot 1 stays FAIL.\n")

	// The next question finds no input at once and still says so.
	got = wait(t, r.askPSID(context.Background(), console.PSIDRequest{Drive: "/dev/sdc", Bay: "ata3"}))
	if got.a.How != console.HowNoInput {
		t.Errorf("AskPSID after the input closed = %+v; want no-input", got.a)
	}
	r.out.waitFor(t, "Drive: ata3\n")
	r.out.waitFor(t, "No keyboard input: ata3 stays FAIL.\n")

	// A terminal without input: nothing to ask on.
	ui, err := console.New(sample.Failing(), console.Options{Clock: sample.NewFakeClock(sample.T0)},
		console.Terminal{Name: "log", Out: newScreen(), Mode: console.ModePlain})
	if err != nil {
		t.Fatal(err)
	}
	defer ui.Close()
	if a, err := ui.AskPSID(context.Background(), lockedDrive); err != nil || a.How != console.HowNoInput {
		t.Errorf("AskPSID without input = %+v, %v; want no-input", a, err)
	}
}

func TestAskPSIDContextEnds(t *testing.T) {
	r := confirmed(t, console.English, console.ModePlain)
	ctx, cancel := context.WithCancel(context.Background())
	res := r.askPSID(ctx, lockedDrive)
	r.out.waitFor(t, "(the drive stays FAIL).\n> ")
	r.typeKeys(psid + "\r")
	r.out.waitFor(t, "Type it again")
	cancel()
	got := wait(t, res)
	if !errors.Is(got.err, context.Canceled) || got.a.PSID != nil || got.a.How != console.HowContext {
		t.Errorf("AskPSID with the context ended = %+v, %v; want interrupted with context.Canceled", got.a, got.err)
	}
	r.out.waitFor(t, "Interrupted: encl0 slot 1 stays FAIL.\n")

	ended, stop := context.WithCancel(context.Background())
	stop()
	if a, err := r.ui.AskPSID(ended, lockedDrive); !errors.Is(err, context.Canceled) || a.How != console.HowContext {
		t.Errorf("AskPSID with an ended context = %+v, %v; want interrupted", a, err)
	}
}

func TestAskPSIDJapanese(t *testing.T) {
	r := confirmed(t, console.Japanese, console.ModePlain)
	res := r.askPSID(context.Background(), lockedDrive)
	r.out.waitFor(t, "PSID による初期化\nドライブ: encl0 slot 1   SEAGATE ST8000NM001A   シリアル WKD31A27\n")
	r.out.waitFor(t, "32 文字の PSID を入力して")
	r.out.waitFor(t, "> ")
	r.typeKeys(psid[:5] + "\r")
	r.out.waitFor(t, "入力は 5 文字でした。PSID は 32 文字です。もう一度 PSID を入力してください。\n> ")
	r.typeKeys(psid + "\r")
	r.out.waitFor(t, "確認のため、もう一度入力して Enter を押してください。\n> ")
	r.typeKeys("\x1b")
	if got := wait(t, res); got.a.How != console.HowSkipped {
		t.Errorf("AskPSID = %+v; want skipped", got.a)
	}
	r.out.waitFor(t, "スキップしました。encl0 slot 1 は失敗のままです。\n")
}

// Two terminals as on the appliance: the VGA console (full screen) and a
// serial console (plain), both with a keyboard. Keys on both count, each
// terminal's entries apart; the masked count shows on the full screen;
// the PSID is in no byte written to either, nor in the model.
func TestAskPSIDNeverShown(t *testing.T) {
	clock := sample.NewFakeClock(sample.T0)
	vgaIn, vgaKeys := io.Pipe()
	serIn, serKeys := io.Pipe()
	vga, ser := newScreen(), newScreen()
	ui, err := console.New(sample.Failing(), console.Options{Lang: console.Japanese, Clock: clock},
		console.Terminal{Name: "tty0", Out: vga, In: vgaIn, Mode: console.ModeANSI, VGA: true, Width: 80, Height: 25},
		console.Terminal{Name: "ttyS0", Out: ser, In: serIn, Mode: console.ModePlain})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { vgaKeys.Close(); serKeys.Close(); ui.Close() }()
	dec := make(chan console.Decision, 1)
	go func() {
		d, _ := ui.Confirm(context.Background())
		dec <- d
	}()
	ser.waitFor(t, "> ")
	io.WriteString(serKeys, "ERASE\r")
	wait(t, dec)

	res := make(chan console.PSIDAnswer, 1)
	go func() {
		a, _ := ui.AskPSID(context.Background(), lockedDrive)
		res <- a
	}()
	vga.waitFor(t, "Type the 32-character PSID printed on the drive's label, then Enter.")
	vga.waitFor(t, "_  0/32")
	ser.waitFor(t, "32 文字の PSID を入力して")
	ser.waitFor(t, "> ")

	io.WriteString(vgaKeys, psid[:17])
	vga.waitFor(t, "*****************_______________  17/32")
	io.WriteString(serKeys, psid[:20]) // the serial console's own entry, apart
	io.WriteString(vgaKeys, psid[17:]+"\r")
	vga.waitFor(t, "Type it again, then Enter.") // the VGA console's first entry was taken
	io.WriteString(serKeys, psid[20:]+"X\r")     // 33 characters on the serial console
	ser.waitFor(t, "入力は 33 文字でした。")
	clock.Advance(3 * time.Second) // redraws on ticks
	io.WriteString(vgaKeys, psid[:31]+"Z\x7f"+psid[31:]+"\r")
	a := wait(t, res)
	if string(a.PSID) != psid || a.How != console.HowTypedTwice || a.Terminal != "tty0" {
		t.Errorf("AskPSID = %+v (PSID %q); want %q typed twice on tty0", a, a.PSID, psid)
	}
	vga.waitFor(t, "PSID typed twice for encl0 slot 1")
	ser.waitFor(t, "encl0 slot 1 の PSID を 2 回入力しました。")

	snap := fmt.Sprintf("%+v", ui.Model().Snapshot())
	ui.Close()
	written := map[string]string{"VGA console": vga.rest(), "serial console": ser.rest(), "snapshot": snap}
	for name, out := range written {
		for i := 0; i+6 <= len(psid); i++ {
			if strings.Contains(out, psid[i:i+6]) {
				t.Errorf("the %s shows %q, a part of the PSID", name, psid[i:i+6])
			}
		}
	}
	if !strings.Contains(written["serial console"], "********************************\n") {
		t.Error("the serial console does not show the entries as stars")
	}
	for _, r := range written["VGA console"] {
		if r > 0x7e && r != '█' && r != '░' {
			t.Errorf("the VGA console got %U; it shows ASCII and its CP437 glyphs", r)
			break
		}
	}
}

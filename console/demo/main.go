// Command demo shows kesu's console screens without touching a drive.
//
//	go run ./console/demo                     # every screen, 80x25, English, as text
//	go run ./console/demo -w 132 -h 43 -lang ja -screen running24
//	go run ./console/demo -ansi -screen done  # with colours, for a terminal
//	go run ./console/demo -live               # the real UI on this terminal, simulated drives
//
// In -live mode the drives are simulated (a few seconds each); the
// confirmation, the countdown (-unattended), paging and the abort key
// (q, then y) work as on the appliance.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/kesu-erase/kesu/console"
	"github.com/kesu-erase/kesu/console/internal/sample"
)

func main() {
	screen := flag.String("screen", "all", "plan, countdown, confirm, wrong, running1, running24, failing, abort, done, done24, donefail, cancelled, or all")
	w := flag.Int("w", 80, "width")
	h := flag.Int("h", 25, "height")
	lang := flag.String("lang", "en", "en or ja")
	vga := flag.Bool("vga", false, "as on the Linux VGA console (English, CP437 characters)")
	ansi := flag.Bool("ansi", false, "write escape sequences (colours) instead of a text box")
	page := flag.Int("page", 0, "page to show when the body does not fit")
	live := flag.Bool("live", false, "run the real UI on this terminal with simulated drives")
	drives := flag.Int("drives", 24, "with -live: 1, 3 or 24 drives")
	unattended := flag.Bool("unattended", false, "with -live: count down instead of asking")
	flag.Parse()

	if *live {
		if err := runLive(console.Lang(*lang), *drives, *unattended); err != nil {
			fmt.Fprintln(os.Stderr, "demo:", err)
			os.Exit(1)
		}
		return
	}
	names := sample.Screens
	if *screen != "all" {
		names = []string{*screen}
	}
	for _, n := range names {
		s, p, ok := sample.Screen(n)
		if !ok {
			fmt.Fprintf(os.Stderr, "demo: no screen %q\n", n)
			os.Exit(2)
		}
		v := console.View{Width: *w, Height: *h, Lang: console.Lang(*lang), VGA: *vga, Page: *page, Prompt: p}
		if *vga || (*ansi && *lang == "en") {
			v.Glyphs = console.GlyphsBlocks
		}
		sc := console.Frame(&s, v)
		if *ansi {
			printANSI(os.Stdout, sc)
			continue
		}
		fmt.Printf("%s (%dx%d, %s, page %d/%d)\n", n, *w, *h, *lang, sc.Page+1, sc.Pages)
		fmt.Print(sample.Box(sc, *w, *h))
	}
}

func printANSI(w io.Writer, sc console.Screen) {
	for _, l := range sc.Lines {
		fmt.Fprintln(w, console.EncodeLine(l))
	}
}

// runLive runs the real UI on stdin/stdout with simulated drives.
func runLive(lang console.Lang, n int, unattended bool) error {
	var p console.Plan
	switch n {
	case 1:
		p = sample.OneDrive()
	case 3:
		p = sample.Failing()
	default:
		p = sample.Bays()
	}
	p.Confirm.Unattended = unattended
	if unattended {
		p.Confirm.Countdown = 10 * time.Second
	}
	ui, err := console.New(p, console.Options{Lang: lang, PlainEvery: 2 * time.Second},
		console.Terminal{Name: "stdout", Out: os.Stdout, In: os.Stdin})
	if err != nil {
		return err
	}
	defer ui.Close()
	ctx := context.Background()
	d, err := ui.Confirm(ctx)
	if err != nil || !d.Erase {
		ui.Finish(ctx, console.Result{Next: console.Next{Action: console.ActionExit}})
		return err
	}
	runCtx := ui.Run(ctx)
	var wg sync.WaitGroup
	for i, dr := range p.Drives {
		wg.Add(1)
		go func() {
			defer wg.Done()
			simulate(runCtx, ui, dr, i)
		}()
	}
	wg.Wait()
	a, err := ui.Finish(ctx, console.Result{RecordPath: "demo: nothing recorded", Fingerprint: "(demo)",
		Next: console.Next{Action: console.ActionPowerOff, Delay: 15 * time.Second}})
	ui.Close()
	fmt.Printf("demo: would %s now\n", a)
	return err
}

// simulate walks one drive through its phases in a few seconds.
func simulate(ctx context.Context, ui *console.UI, d console.Drive, i int) {
	rng := rand.New(rand.NewPCG(uint64(i), 7))
	step := func(dur time.Duration) bool {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(dur):
			return true
		}
	}
	ui.Apply(console.PhaseEvent(d.ID, console.PhaseProbe, ""))
	if !step(time.Duration(300+rng.IntN(700)) * time.Millisecond) {
		ui.Apply(console.DoneEvent(d.ID, console.StatusAborted, "", "aborted during probe"))
		return
	}
	if d.Health == console.HealthFail {
		ui.Apply(console.WarningEvent(d.ID, "SMART: "+d.HealthNote))
	}
	phase := console.PhaseOverwrite
	if strings.Contains(d.Method, "Sanitize") {
		phase = console.PhaseFirmwareErase
	}
	for _, ph := range []console.Phase{phase, console.PhaseVerify} {
		ui.Apply(console.PhaseEvent(d.ID, ph, d.Method))
		total := d.Capacity
		if ph == console.PhaseVerify {
			total /= 10
		}
		steps := 20 + rng.IntN(40)
		for k := 1; k <= steps; k++ {
			if !step(250 * time.Millisecond) {
				ui.Apply(console.DoneEvent(d.ID, console.StatusAborted, "", "aborted during "+string(ph)))
				return
			}
			left := time.Duration(steps-k) * 250 * time.Millisecond * 1000
			if ph == console.PhaseFirmwareErase {
				ui.Apply(console.PercentEvent(d.ID, 100*float64(k)/float64(steps), left))
			} else {
				ui.Apply(console.ProgressEvent(d.ID, total*int64(k)/int64(steps), total, float64(total)/float64(steps)*4, left))
			}
			if d.Bay == "ata5" && k == steps/2 {
				ui.Apply(console.DoneEvent(d.ID, console.StatusFail, "", "verify: 12 sampled blocks still hold old data"))
				return
			}
		}
	}
	ui.Apply(console.DoneEvent(d.ID, console.StatusPass, d.Level, "simulated"))
}

package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/internal/size"
)

// progressPrinter shows erase.Progress on stderr: a bar redrawn in place on
// a terminal, a plain line every few seconds otherwise (logs stay readable).
type progressPrinter struct {
	w     io.Writer
	tty   bool
	every time.Duration
	mu    sync.Mutex
	last  time.Time
	width int
}

func newProgressPrinter(w io.Writer) *progressPrinter {
	return &progressPrinter{w: w, tty: isTerminal(w), every: 5 * time.Second}
}

func (p *progressPrinter) show(pr erase.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if !p.tty && !pr.Final && now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	line := fmt.Sprintf("%-9s %5.1f%%  %s of %s  %s/s  elapsed %s", pr.Phase, pr.Percent(),
		humanBytes(pr.Done), humanBytes(pr.Total), humanBytes(int64(pr.Rate)), clock(pr.Elapsed))
	if pr.ETA > 0 {
		line += "  ETA " + clock(pr.ETA)
	}
	if !p.tty {
		fmt.Fprintln(p.w, line)
		return
	}
	const barWidth = 24
	filled := int(pr.Percent() / 100 * barWidth)
	bar := "[" + strings.Repeat("#", filled) + strings.Repeat(".", barWidth-filled) + "] "
	out := "\r" + bar + line
	if pad := p.width - len(out); pad > 0 {
		out += strings.Repeat(" ", pad)
	}
	p.width = len(out)
	if pr.Final {
		out += "\n"
		p.width = 0
	}
	fmt.Fprint(p.w, out)
}

// humanBytes is the CLI's one size format: binary (IEC) prefixes
// (internal/size).
func humanBytes(n int64) string { return size.IEC(n) }

func clock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

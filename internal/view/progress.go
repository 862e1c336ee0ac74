package view

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/internal/human"
)

// Progress shows erase.Progress: a bar redrawn in place on a terminal, a
// plain line every few seconds otherwise (logs stay readable).
type Progress struct {
	w     io.Writer
	tty   bool
	every time.Duration
	mu    sync.Mutex
	last  time.Time
	width int
}

// NewProgress shows progress on w; tty says w is a terminal.
func NewProgress(w io.Writer, tty bool) *Progress {
	return &Progress{w: w, tty: tty, every: 5 * time.Second}
}

// Show shows one progress report (erase.OverwriteOptions.Progress and
// the like); it is safe from any goroutine.
func (p *Progress) Show(pr erase.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if !p.tty && !pr.Final && now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	line := fmt.Sprintf("%-9s %5.1f%%  %s of %s  %s  elapsed %s", pr.Phase, pr.Percent(),
		human.Size(pr.Done), human.Size(pr.Total), human.Rate(pr.Rate), human.Clock(pr.Elapsed))
	if pr.ETA > 0 {
		line += "  ETA " + human.Clock(pr.ETA)
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

package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/kesu-erase/kesu/erase/worker"
)

// linePrinter prints worker events as plain lines: phase changes at once,
// progress at most every 5 s per drive.
type linePrinter struct {
	w     io.Writer
	mu    sync.Mutex
	phase map[string]worker.Phase
	last  map[string]time.Time
}

func newLinePrinter(w io.Writer) *linePrinter {
	return &linePrinter{w: w, phase: map[string]worker.Phase{}, last: map[string]time.Time{}}
}

func (l *linePrinter) event(e worker.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	changed := l.phase[e.Drive] != e.Phase
	if !changed && e.Warning == "" && time.Since(l.last[e.Drive]) < 5*time.Second {
		return
	}
	l.phase[e.Drive], l.last[e.Drive] = e.Phase, time.Now()
	line := fmt.Sprintf("kesu: %s %s", e.Drive, e.Phase)
	if e.Method != "" {
		line += " " + string(e.Method)
	}
	switch {
	case e.Total > 0:
		line += fmt.Sprintf(" %5.1f%% %s/s", 100*float64(e.Done)/float64(e.Total), humanBytes(int64(e.Rate)))
	case e.Fraction >= 0:
		line += fmt.Sprintf(" %5.1f%%", 100*e.Fraction)
	}
	if e.ETA > 0 {
		line += " ETA " + clock(e.ETA)
	}
	if e.Warning != "" {
		line += " — " + e.Warning
	}
	if e.Result != nil {
		line += fmt.Sprintf(" %s: %s", e.Result.Status, e.Result.Reason)
	}
	fmt.Fprintln(l.w, line)
}

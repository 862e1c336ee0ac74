package console

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// asyncWriter writes to a terminal from its own goroutine, so a slow or
// stuck console (a serial line with flow control and nobody attached)
// never stalls the UI, the abort key or the other terminals. When its
// queue is full a write is dropped and takeDropped says so: the full
// screen then repaints everything, the plain log says lines are missing.
type asyncWriter struct {
	w       io.Writer
	ch      chan []byte
	done    chan struct{}
	dropped atomic.Bool

	mu     sync.Mutex
	closed bool
	err    error
}

func newAsyncWriter(w io.Writer) *asyncWriter {
	a := &asyncWriter{w: w, ch: make(chan []byte, 256), done: make(chan struct{})}
	go func() {
		defer close(a.done)
		for b := range a.ch {
			if _, err := a.w.Write(b); err != nil {
				a.mu.Lock()
				if a.err == nil {
					a.err = err
				}
				a.mu.Unlock()
			}
		}
	}()
	return a
}

func (a *asyncWriter) Write(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return 0, errors.New("console: terminal closed")
	}
	select {
	case a.ch <- append([]byte(nil), p...):
	default:
		a.dropped.Store(true)
	}
	return len(p), nil
}

func (a *asyncWriter) takeDropped() bool { return a.dropped.Swap(false) }

// close stops accepting writes and waits up to wait for the queue to be
// written out; it returns the first write error.
func (a *asyncWriter) close(wait time.Duration) error {
	a.mu.Lock()
	if !a.closed {
		a.closed = true
		close(a.ch)
	}
	a.mu.Unlock()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-a.done:
	case <-t.C:
		return errors.New("console: terminal output stuck; summary may be incomplete")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

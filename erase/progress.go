package erase

import (
	"context"
	"sync/atomic"
	"time"
)

// Progress is a snapshot of a running pass, delivered to a callback at least
// once a second and once more when the pass ends.
type Progress struct {
	Phase   string        // "overwrite" or "verify"
	Done    int64         // bytes written or read so far
	Total   int64         // bytes the pass will cover
	Rate    float64       // bytes per second over the last interval
	Elapsed time.Duration // since the pass started
	ETA     time.Duration // estimated time left; 0 when unknown or done
	Final   bool          // the pass has ended
}

// Percent returns Done as a percentage of Total.
func (p Progress) Percent() float64 {
	if p.Total <= 0 {
		return 0
	}
	return 100 * float64(p.Done) / float64(p.Total)
}

// meter publishes a counter's progress through a callback from its own
// goroutine, so slow callbacks never stall I/O.
type meter struct {
	phase    string
	total    int64
	done     atomic.Int64
	start    time.Time
	fn       func(Progress)
	interval time.Duration
	stop     chan struct{}
	stopped  chan struct{}
	lastDone int64
	lastTime time.Time
	rate     float64
	broken   atomic.Bool // the callback panicked: report no more
}

func startMeter(ctx context.Context, phase string, total int64, fn func(Progress), interval time.Duration) *meter {
	if interval <= 0 || interval > time.Second {
		interval = time.Second
	}
	now := time.Now()
	m := &meter{phase: phase, total: total, start: now, fn: fn, interval: interval,
		stop: make(chan struct{}), stopped: make(chan struct{}), lastTime: now}
	if fn == nil {
		close(m.stopped)
		return m
	}
	go func() {
		defer close(m.stopped)
		defer func() {
			// A failing progress display must not take the pass down:
			// stop reporting, keep erasing.
			if r := recover(); r != nil {
				m.broken.Store(true)
			}
		}()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-m.stop:
				return
			case <-ctx.Done():
				return
			case now := <-t.C:
				m.fn(m.snapshot(now, false))
			}
		}
	}()
	return m
}

func (m *meter) add(n int64) { m.done.Add(n) }

func (m *meter) snapshot(now time.Time, final bool) Progress {
	done := m.done.Load()
	if dt := now.Sub(m.lastTime).Seconds(); dt > 0 {
		inst := float64(done-m.lastDone) / dt
		if m.rate == 0 {
			m.rate = inst
		} else {
			m.rate = 0.5*m.rate + 0.5*inst
		}
	}
	m.lastDone, m.lastTime = done, now
	p := Progress{Phase: m.phase, Done: done, Total: m.total, Rate: m.rate, Elapsed: now.Sub(m.start), Final: final}
	if !final && m.rate > 0 && done < m.total {
		p.ETA = time.Duration(float64(m.total-done) / m.rate * float64(time.Second))
	}
	if final && p.Elapsed > 0 {
		p.Rate = float64(done) / p.Elapsed.Seconds()
	}
	return p
}

// finish stops the ticker and delivers the final snapshot.
func (m *meter) finish() {
	if m.fn == nil {
		return
	}
	close(m.stop)
	<-m.stopped
	if m.broken.Load() {
		return
	}
	func() {
		defer func() { recover() }()
		m.fn(m.snapshot(time.Now(), true))
	}()
}

package sample

import (
	"sync"
	"time"

	"github.com/kesu-erase/kesu/console"
)

// FakeClock is a console.Clock that moves only when told. Advance delivers
// every tick that falls due, one at a time, and waits until the UI has
// handled it (or stopped the ticker): when Advance returns, every screen
// shows the new time — no sleeping anywhere.
type FakeClock struct {
	mu      sync.Mutex
	now     time.Time
	tickers []*fakeTicker
}

// NewFakeClock starts a clock at t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{now: t} }

// Now returns the clock's time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTicker makes a ticker firing every d of fake time.
func (c *FakeClock) NewTicker(d time.Duration) console.Ticker {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTicker{ch: make(chan time.Time), handled: make(chan struct{}), stop: make(chan struct{}), period: d, next: c.now.Add(d)}
	c.tickers = append(c.tickers, t)
	return t
}

// Advance moves the clock forward by d, delivering due ticks in order.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		var next *fakeTicker
		live := c.tickers[:0]
		for _, t := range c.tickers {
			select {
			case <-t.stop:
				continue
			default:
			}
			live = append(live, t)
			if !t.next.After(end) && (next == nil || t.next.Before(next.next)) {
				next = t
			}
		}
		c.tickers = live
		if next == nil {
			c.now = end
			c.mu.Unlock()
			return
		}
		c.now = next.next
		at := c.now
		next.next = next.next.Add(next.period)
		c.mu.Unlock()
		select {
		case next.ch <- at:
			select {
			case <-next.handled:
			case <-next.stop:
			}
		case <-next.stop:
		}
	}
}

type fakeTicker struct {
	ch      chan time.Time
	handled chan struct{}
	stop    chan struct{}
	once    sync.Once
	period  time.Duration
	next    time.Time
}

func (t *fakeTicker) C() <-chan time.Time { return t.ch }
func (t *fakeTicker) Stop()               { t.once.Do(func() { close(t.stop) }) }

// Handled is called by the UI after it handled a tick.
func (t *fakeTicker) Handled() {
	select {
	case t.handled <- struct{}{}:
	case <-t.stop:
	}
}

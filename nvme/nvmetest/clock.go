package nvmetest

import (
	"context"
	"sync"
	"time"
)

// FakeClock is an nvme.Clock whose Sleep returns at once and moves Now on,
// so polling loops run without wall-clock time.
type FakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
	// OnSleep, if set, runs after each Sleep (e.g. to advance an emulator).
	OnSleep func(d time.Duration)
}

// NewFakeClock starts at t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{now: t} }

// Now is the fake time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep advances the fake time by d unless ctx is done.
func (c *FakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.slept = append(c.slept, d)
	hook := c.OnSleep
	c.mu.Unlock()
	if hook != nil {
		hook(d)
	}
	return nil
}

// Slept lists the durations slept so far.
func (c *FakeClock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

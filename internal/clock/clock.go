// Package clock is the time source of kesu's polling loops (sanitize and
// long-operation progress): the system clock in production, and a fake
// whose Sleep returns at once and moves Now on, so tests never sleep.
package clock

import (
	"context"
	"sync"
	"time"
)

// Clock is what a polling loop needs of time.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, returning ctx.Err() then.
	Sleep(ctx context.Context, d time.Duration) error
}

// System is the real clock.
type System struct{}

// Now returns time.Now().
func (System) Now() time.Time { return time.Now() }

// Sleep waits for d or until ctx is done.
func (System) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Fake is a Clock whose Sleep returns at once after moving Now on by the
// requested duration.
type Fake struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
	// OnSleep, if set, runs after each Sleep (e.g. to advance an emulator).
	OnSleep func(d time.Duration)
}

// NewFake starts a fake clock at t.
func NewFake(t time.Time) *Fake { return &Fake{now: t} }

// Now returns the fake time.
func (c *Fake) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep advances the fake time by d unless ctx is done.
func (c *Fake) Sleep(ctx context.Context, d time.Duration) error {
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

// Advance moves the fake time forward without recording a sleep.
func (c *Fake) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Slept lists the durations slept so far, in order.
func (c *Fake) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

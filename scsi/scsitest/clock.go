package scsitest

import (
	"context"
	"sync"
	"time"
)

// FakeClock is a scsi.Clock whose Sleep returns at once after advancing
// Now by the requested duration, so polling loops run without waiting.
type FakeClock struct {
	mu     sync.Mutex
	now    time.Time
	Sleeps []time.Duration // every Sleep requested, in order
}

// NewFakeClock starts a fake clock at a fixed instant.
func NewFakeClock() *FakeClock {
	return &FakeClock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

// Now returns the fake time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep advances the fake time by d (or returns ctx.Err()).
func (c *FakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.Sleeps = append(c.Sleeps, d)
	return nil
}

// Advance moves the fake time forward.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

package clock

import (
	"context"
	"testing"
	"time"
)

func TestFake(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewFake(t0)
	var hooked time.Duration
	c.OnSleep = func(d time.Duration) { hooked += d }
	c.Sleep(context.Background(), 3*time.Second)
	c.Advance(time.Minute)
	c.Sleep(context.Background(), 2*time.Second)
	if got, want := c.Now(), t0.Add(time.Minute+5*time.Second); !got.Equal(want) {
		t.Errorf("Now() = %v; want %v", got, want)
	}
	if s := c.Slept(); len(s) != 2 || s[0] != 3*time.Second || s[1] != 2*time.Second || hooked != 5*time.Second {
		t.Errorf("Slept() = %v, hooked %v; want [3s 2s], 5s", s, hooked)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, time.Hour); err == nil || !c.Now().Equal(t0.Add(time.Minute+5*time.Second)) {
		t.Errorf("Sleep on a done context = %v and moved the clock; want an error, no move", err)
	}
}

func TestSystemSleepCancels(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (System{}).Sleep(ctx, time.Hour); err != context.Canceled {
		t.Errorf("System.Sleep on a cancelled context = %v; want context.Canceled", err)
	}
}

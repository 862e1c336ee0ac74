package console

import "time"

// Clock is the time source; tests use a fake one so countdowns and
// progress lines run without sleeping.
type Clock interface {
	Now() time.Time
	NewTicker(d time.Duration) Ticker
}

// Ticker delivers ticks on C until stopped. A Ticker may also have a
// Handled() method: the UI calls it after it has fully handled each tick
// (drawn every terminal), so a test clock can step in lockstep with it.
type Ticker interface {
	C() <-chan time.Time
	Stop()
}

// handled tells t's owner that a tick was handled, if it wants to know.
func handled(t Ticker) {
	if h, ok := t.(interface{ Handled() }); ok {
		h.Handled()
	}
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTicker(d time.Duration) Ticker { return realTicker{time.NewTicker(d)} }

type realTicker struct{ t *time.Ticker }

func (r realTicker) C() <-chan time.Time { return r.t.C }
func (r realTicker) Stop()               { r.t.Stop() }

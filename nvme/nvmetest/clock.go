package nvmetest

import (
	"time"

	"github.com/kesu-erase/kesu/internal/clock"
)

// FakeClock is an nvme.Clock whose Sleep returns at once and moves Now on,
// so polling loops run without wall-clock time.
type FakeClock = clock.Fake

// NewFakeClock starts at t.
func NewFakeClock(t time.Time) *FakeClock { return clock.NewFake(t) }

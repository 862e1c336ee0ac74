package scsitest

import (
	"time"

	"github.com/kesu-erase/kesu/internal/clock"
)

// FakeClock is a scsi.Clock whose Sleep returns at once after advancing
// Now by the requested duration, so polling loops run without waiting.
type FakeClock = clock.Fake

// NewFakeClock starts a fake clock at a fixed instant.
func NewFakeClock() *FakeClock {
	return clock.NewFake(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
}

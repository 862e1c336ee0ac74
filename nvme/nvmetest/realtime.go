package nvmetest

import "time"

// A sanitize normally advances one step per read of the Sanitize Status
// log (Config.SanitizeSteps), so tests need no time at all. With
// Config.SanitizeTime it lasts a known time instead, as a real drive's does:
// the log reports progress by elapsed time and the operation completes at
// the first log read once SanitizeTime has passed. Benchmarks use it to
// measure how much a caller's polling adds to the drive's own time.

// now reads the controller's clock.
func (c *Controller) now() time.Time {
	if c.cfg.Clock != nil {
		return c.cfg.Clock.Now()
	}
	return time.Now()
}

// advanceSanitize moves a running sanitize on for one log read: by one step,
// or by the clock when it is timed. FailSanitizeAtStep applies to stepped
// sanitizes only.
func (c *Controller) advanceSanitize() error {
	if c.cfg.SanitizeTime <= 0 {
		return c.stepSanitize()
	}
	if c.now().Sub(c.started) >= c.cfg.SanitizeTime {
		return c.finishSanitize(true)
	}
	return nil
}

// sanitizeProgress is SPROG for the running sanitize: the fraction done of
// 65536.
func (c *Controller) sanitizeProgress() uint16 {
	if c.cfg.SanitizeTime <= 0 {
		return uint16(uint64(c.step) * 65536 / uint64(c.total))
	}
	done := min(c.now().Sub(c.started), c.cfg.SanitizeTime)
	return uint16(min(float64(done)/float64(c.cfg.SanitizeTime)*65536, 65535))
}

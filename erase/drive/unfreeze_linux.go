package drive

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kesu-erase/kesu/erase/worker"
)

// Paths of the sysfs files a suspend-to-RAM cycle uses, relative to the
// sysfs root (Documentation/ABI/testing/sysfs-power, sysfs-class-rtc).
const (
	powerStateFile = "sys/power/state"
	memSleepFile   = "sys/power/mem_sleep"
	wakeAlarmFile  = "sys/class/rtc/rtc0/wakealarm"
)

// PowerFiles reads and writes the sysfs files of a suspend cycle, named by
// their path below the sysfs root ("sys/power/state"). Tests use a fake
// directory; nothing in a test may reach the real /sys/power/state.
type PowerFiles interface {
	ReadFile(name string) ([]byte, error)
	// WriteFile writes data with one write to an existing file.
	WriteFile(name string, data []byte) error
}

// DirFiles is PowerFiles over the directory tree rooted at Root ("/" on a
// real machine).
type DirFiles struct{ Root string }

// ReadFile implements PowerFiles.
func (d DirFiles) ReadFile(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(d.Root, name))
}

// WriteFile implements PowerFiles. It never creates a file: a sysfs
// attribute that is missing means the feature is missing.
func (d DirFiles) WriteFile(name string, data []byte) error {
	f, err := os.OpenFile(filepath.Join(d.Root, name), os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}

// SuspendUnfreezer is the worker.Unfreezer for real machines: one
// suspend-to-RAM cycle with an RTC wake alarm. Firmware freezes ATA
// security (and sometimes sanitize) at boot with SECURITY FREEZE LOCK; the
// drives lose power during suspend-to-RAM and usually come back unfrozen,
// because the firmware's boot path does not run on resume (some firmware
// freezes them again; the worker probes again and records it).
type SuspendUnfreezer struct {
	Files PowerFiles
	// WakeAfter is how long after the suspend the RTC wakes the machine
	// (default 10 s).
	WakeAfter time.Duration
	// Settle is how long to wait after resuming before the drives are
	// probed again (default 5 s: a margin for the disk drivers' resume work,
	// not a measured value).
	Settle time.Duration
	// Sleep waits (default: a timer that ends early when ctx is done).
	Sleep func(ctx context.Context, d time.Duration) error
	// Log, if set, receives what was done, in plain words.
	Log func(string)
}

// NewUnfreezer returns the unfreezer for this machine's /sys; log, if not
// nil, receives what each cycle did.
func NewUnfreezer(log func(string)) worker.Unfreezer {
	return &SuspendUnfreezer{Files: DirFiles{Root: "/"}, Log: log}
}

// Unfreeze implements worker.Unfreezer: it checks that the machine offers
// suspend-to-RAM ("mem" in /sys/power/state) and an RTC wake alarm, selects
// "deep" (S3) in /sys/power/mem_sleep when offered, arms the alarm N
// seconds ahead on the RTC's own clock ("+N", after clearing any old alarm
// with 0), and writes "mem" to /sys/power/state, which returns after the
// resume. It never suspends without a working wake alarm.
func (u *SuspendUnfreezer) Unfreeze(ctx context.Context) error {
	if u.Files == nil {
		return errors.New("unfreeze: no sysfs files configured")
	}
	wake := u.WakeAfter
	if wake <= 0 {
		wake = 10 * time.Second
	}
	secs := int64((wake + time.Second - 1) / time.Second)

	states, err := u.Files.ReadFile(powerStateFile)
	if err != nil {
		return fmt.Errorf("unfreeze: this kernel offers no suspend (/%s: %v)", powerStateFile, err)
	}
	if !hasWord(string(states), "mem") {
		return fmt.Errorf("unfreeze: this machine offers no suspend-to-RAM (/%s offers %q)", powerStateFile, strings.TrimSpace(string(states)))
	}
	if _, err := u.Files.ReadFile(wakeAlarmFile); err != nil {
		return fmt.Errorf("unfreeze: no RTC wake alarm (/%s: %v); kesu does not suspend a machine it cannot wake", wakeAlarmFile, err)
	}

	mode := "the kernel's default suspend mode (no /" + memSleepFile + ")"
	if ms, err := u.Files.ReadFile(memSleepFile); err == nil {
		cur := currentChoice(string(ms))
		switch {
		case cur == "deep":
			mode = `mem_sleep "deep" (suspend-to-RAM, S3)`
		case hasWord(string(ms), "deep"):
			if err := u.Files.WriteFile(memSleepFile, []byte("deep")); err != nil {
				return fmt.Errorf(`unfreeze: selecting "deep" in /%s: %w`, memSleepFile, err)
			}
			mode = fmt.Sprintf(`mem_sleep "deep" (suspend-to-RAM, S3; was %q)`, cur)
		default:
			mode = fmt.Sprintf(`mem_sleep %q: "deep" is not offered (%q), so the drives may keep power and stay frozen`, cur, strings.TrimSpace(string(ms)))
		}
	}

	if err := u.Files.WriteFile(wakeAlarmFile, []byte("0")); err != nil {
		return fmt.Errorf("unfreeze: clearing the RTC wake alarm: %w", err)
	}
	if err := u.Files.WriteFile(wakeAlarmFile, []byte("+"+strconv.FormatInt(secs, 10))); err != nil {
		return fmt.Errorf("unfreeze: setting the RTC wake alarm: %w", err)
	}
	if armed, err := u.Files.ReadFile(wakeAlarmFile); err != nil || strings.TrimSpace(string(armed)) == "" || strings.TrimSpace(string(armed)) == "0" {
		u.Files.WriteFile(wakeAlarmFile, []byte("0"))
		return fmt.Errorf("unfreeze: the RTC wake alarm did not arm (read back %q, %v); not suspending", strings.TrimSpace(string(armed)), err)
	}
	if err := ctx.Err(); err != nil {
		u.Files.WriteFile(wakeAlarmFile, []byte("0"))
		return err
	}
	if err := u.Files.WriteFile(powerStateFile, []byte("mem")); err != nil {
		u.Files.WriteFile(wakeAlarmFile, []byte("0"))
		return fmt.Errorf("unfreeze: the suspend failed (writing mem to /%s: %w)", powerStateFile, err)
	}
	// Resumed. The alarm has fired, or the machine woke for another
	// reason: clear it either way.
	u.Files.WriteFile(wakeAlarmFile, []byte("0"))
	settle := u.Settle
	if settle <= 0 {
		settle = 5 * time.Second
	}
	sleep := u.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	err = sleep(ctx, settle)
	if u.Log != nil {
		u.Log(fmt.Sprintf("one suspend-to-RAM cycle with %s; RTC wake alarm +%d s; waited %s after resuming", mode, secs, settle))
	}
	return err
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// hasWord reports whether s lists w (bracketed or not) among its
// space-separated words.
func hasWord(s, w string) bool {
	for _, f := range strings.Fields(s) {
		if strings.Trim(f, "[]") == w {
			return true
		}
	}
	return false
}

// currentChoice returns the bracketed word of a sysfs choice list such as
// "s2idle [deep]".
func currentChoice(s string) string {
	for _, f := range strings.Fields(s) {
		if strings.HasPrefix(f, "[") && strings.HasSuffix(f, "]") {
			return strings.Trim(f, "[]")
		}
	}
	return ""
}

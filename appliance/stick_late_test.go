package appliance

import (
	"context"
	"testing"
	"time"
)

// lateSystem is a fakeSystem on which the real boot stick (sda, GPT
// partition GUID = the command line's) appears only after `after`.
type lateSystem struct {
	*fakeSystem
	start time.Time
	after time.Duration
	added bool
}

func (s *lateSystem) Sleep(ctx context.Context, d time.Duration) {
	s.fakeSystem.Sleep(ctx, d)
	if !s.added && s.now.Sub(s.start) >= s.after {
		s.disk("sda", gptDisk(stickGUID))
		s.part("sda", "sda1", 1, fat32Sector("KESU"))
		s.added = true
	}
}

func newLate(t *testing.T, other [16]byte, after time.Duration) *lateSystem {
	fs := newFakeSystem(t)
	// Remove the stick: it has not enumerated yet (USB is slow).
	for k := range fs.sys {
		if len(k) >= 9 && k[:9] == "block/sda" {
			delete(fs.sys, k)
		}
	}
	delete(fs.devs, "sda")
	delete(fs.devs, "sda1")
	// An internal disk holding a KESU volume (an old stick image dd'ed to it).
	fs.disk("sdb", gptDisk(other))
	fs.part("sdb", "sdb1", 1, fat32Sector("KESU"))
	return &lateSystem{fakeSystem: fs, start: fs.now, after: after}
}

func findWith(t *testing.T, s *lateSystem) (Volume, error) {
	a := &app{o: Options{System: s, StickWait: 60 * time.Second, Settle: 5 * time.Second, Poll: 250 * time.Millisecond}, sys: s}
	return a.findStick(context.Background())
}

// An internal disk with a KESU volume under ANOTHER partition GUID is taken
// for the stick when the real stick (named on the command line) appears
// after the 5 s settle time; the real stick is then an erase target.
func TestStickNotChosenBeforeTheNamedOneAppears(t *testing.T) {
	other := stickGUID
	other[0] ^= 0xff
	s := newLate(t, other, 6*time.Second)
	v, err := findWith(t, s)
	if err == nil && v.Disk != "sda" {
		t.Errorf("findStick = %s (PARTUUID %s), not the stick the command line names (%s, appeared at +6 s)", v.Name, v.PartUUID, StickFromCmdline(s.cmdline))
	}
}

// A copy with the SAME partition GUID on an internal disk is chosen at
// once, before the real stick enumerates; ChooseStick's "two with the named
// GUID are refused" rule never gets to see both.
func TestStickCopyWithSameGUIDRefused(t *testing.T) {
	s := newLate(t, stickGUID, 2*time.Second)
	v, err := findWith(t, s)
	if err == nil {
		t.Errorf("findStick = %s at +%v; want a refusal (two volumes carry the stick's PARTUUID once the real stick appears at +2 s)", v.Name, s.now.Sub(s.start))
	}
}

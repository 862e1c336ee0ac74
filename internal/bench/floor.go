package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/internal/asyncio"
)

// The sampled-read floor: the reads a `kesu verify --sample 10%` makes —
// the same sampling plan (NIST SP 800-88 Rev.1's 1,000 subsections, at
// least two locations each), adjacent samples joined, at most 4 MiB a
// read, submitted as kesu submits them (asynchronously, up to 64 or 8 MiB
// in flight) — and nothing else: no comparison, no canaries, no record.
// Timed as a process like kesu, it is what those reads alone cost when
// submitted kesu's way, so floor / full verify says how much of kesu's 10%
// verify is the reads themselves.
const (
	floorDepth    = 64
	floorInFlight = 8 << 20
	floorMaxBytes = 4 << 20
)

// floorFlag runs the floor on a device instead of the bench.
const floorFlag = "-sample-floor"

// floorCommand is this program reading the plan of percent on d.
func floorCommand(self string, d *Device, percent int) Command {
	return Command{Name: self, Args: []string{floorFlag, d.Path, "-sample-percent", fmt.Sprint(percent)}}
}

// sampledReadFloor reads a fresh plan of percent on the device at path
// with O_DIRECT and returns how many bytes it read.
func sampledReadFloor(path string, percent float64) (int64, error) {
	f, size, err := openDirect(path, os.O_RDONLY)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	bs, err := unix.IoctlGetInt(int(f.Fd()), unix.BLKSSZGET)
	if err != nil {
		return 0, fmt.Errorf("%s: logical block size: %w", path, err)
	}
	seed, err := erase.NewSeed()
	if err != nil {
		return 0, err
	}
	plan, err := erase.NewSamplePlan(seed, size/int64(bs), bs, percent)
	if err != nil {
		return 0, err
	}
	maxBlocks := int64(floorMaxBytes / bs)
	if plan.MaxSampleBlocks > 0 {
		maxBlocks = min(maxBlocks, plan.MaxSampleBlocks)
	}
	reqs := joinedReads(plan, maxBlocks)
	if len(reqs) == 0 {
		return 0, nil
	}
	unit := int64(0)
	for _, r := range reqs {
		unit = max(unit, r.Count*int64(bs))
	}
	unit = (unit + 4095) / 4096 * 4096
	depth := min(max(floorInFlight/int(unit), 1), floorDepth, len(reqs))
	q := asyncio.Open(depth, asyncio.Best)
	if q == nil {
		return 0, errors.New("no asynchronous I/O on this kernel")
	}
	// Buffers as kesu's (huge pages: fewer pieces to pin per read).
	arena, release, err := erase.AlignedBuffer(depth * int(unit))
	if err != nil {
		return 0, err
	}
	defer release()
	inflight := 0
	defer func() { q.Close(inflight) }()
	free := make([]int, 0, depth)
	for s := range depth {
		free = append(free, s)
	}
	evs := make([]asyncio.Completion, depth)
	var total int64
	queued := 0
	for next := 0; next < len(reqs) || inflight+queued > 0; {
		for ; next < len(reqs) && len(free) > 0; next++ {
			s := free[len(free)-1]
			free = free[:len(free)-1]
			r := reqs[next]
			q.Queue(s, false, f.Fd(), arena[int64(s)*unit:int64(s)*unit+r.Count*int64(bs)], r.LBA*int64(bs))
			queued++
		}
		for queued > 0 {
			taken, _, err := q.Submit(inflight)
			if err == asyncio.ErrBusy {
				break
			}
			if err != nil {
				return total, err
			}
			inflight += taken
			queued -= taken
		}
		if inflight == 0 {
			continue
		}
		got, err := q.Reap(evs)
		if err != nil {
			return total, err
		}
		for _, e := range evs[:got] {
			inflight--
			if e.Res < 0 {
				return total, syscall.Errno(-e.Res)
			}
			total += e.Res
			free = append(free, e.Slot)
		}
	}
	return total, nil
}

// openDirect opens the device at path with O_DIRECT and flag and returns
// its size.
func openDirect(path string, flag int) (*os.File, int64, error) {
	f, err := os.OpenFile(path, flag|syscall.O_DIRECT, 0)
	if err != nil {
		return nil, 0, err
	}
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, size, nil
}

// joinedReads is the plan's reads as kesu's verification issues them
// (SamplePlan.Reads).
func joinedReads(plan *erase.SamplePlan, maxBlocks int64) []erase.LBARange {
	var out []erase.LBARange
	plan.Reads(maxBlocks, func(r erase.LBARange) error {
		out = append(out, r)
		return nil
	})
	return out
}

// errFloorUsage is a floor run without its device.
var errFloorUsage = errors.New("usage: bench -sample-floor DEVICE [-sample-percent N]")

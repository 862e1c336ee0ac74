package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/kesu-erase/kesu/erase"
)

// The sampled-read floor: the reads a `kesu verify --sample 10%` makes —
// the same sampling plan (NIST SP 800-88 Rev.1's 1,000 subsections, at
// least two locations each), adjacent samples joined, at most 4 MiB a
// read, on as many readers as kesu uses (8) — and nothing else: no
// comparison, no canaries, no record. Timed as a process like kesu, it is
// what the device itself allows for that request pattern, so the ratio
// floor / full verify says how far below kesu's 10% verify the goal could
// be reached at all on this device.
const (
	floorReaders  = 8
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
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_DIRECT, 0)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, err
	}
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
	work := make(chan erase.LBARange, floorReaders*2)
	var (
		mu    sync.Mutex
		total int64
		first error
		wg    sync.WaitGroup
	)
	for range floorReaders {
		// mmap gives page-aligned memory, as O_DIRECT wants.
		buf, err := unix.Mmap(-1, 0, floorMaxBytes, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
		if err != nil {
			return 0, err
		}
		defer unix.Munmap(buf)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range work {
				n, err := f.ReadAt(buf[:r.Count*int64(bs)], r.LBA*int64(bs))
				mu.Lock()
				total += int64(n)
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	for _, r := range reqs {
		work <- r
	}
	close(work)
	wg.Wait()
	return total, first
}

// joinedReads is the plan's extents with adjacent ones joined and split
// at maxBlocks, as kesu's verification reads them.
func joinedReads(plan *erase.SamplePlan, maxBlocks int64) []erase.LBARange {
	var out []erase.LBARange
	var run erase.LBARange
	emit := func() {
		for lba := run.LBA; lba < run.End(); lba += maxBlocks {
			out = append(out, erase.LBARange{LBA: lba, Count: min(maxBlocks, run.End()-lba)})
		}
	}
	plan.Each(func(r erase.LBARange) error {
		if run.Count > 0 && r.LBA == run.End() {
			run.Count += r.Count
			return nil
		}
		if run.Count > 0 {
			emit()
		}
		run = r
		return nil
	})
	if run.Count > 0 {
		emit()
	}
	return out
}

// errFloorUsage is a floor run without its device.
var errFloorUsage = errors.New("usage: bench -sample-floor DEVICE [-sample-percent N]")

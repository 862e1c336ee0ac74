package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// ErrNoMultiDevice: the kesu measured cannot erase several devices in one
// process (`kesu erase --device A --device B …`).
var ErrNoMultiDevice = errors.New("kesu lacks multi-device erase")

// parallelMethod is what results.json says of the parallel measurement.
const parallelMethod = "one `kesu erase --device D1 … --device DN --pattern zero --verify 10% --journal DIR --unsigned --yes` " +
	"(one process, one record; canaries and a 10% read-back included, as a record requires verification) against N concurrent " +
	"`dd if=/dev/zero bs=4M oflag=direct conv=fsync` on the same RAM-backed loop devices, alternating in n rounds; the dd side's " +
	"wall is its slowest dd's (all started together). value = median(dd_parallel) / median(kesu_parallel): kesu's aggregate " +
	"throughput ÷ dd's, the bytes being the same. Before every kesu run each device gets marker blocks (untimed) that must be gone after it."

// kesuParallel erases every device in one kesu process with one record.
func kesuParallel(kesu string, devs []*Device, journal string) Command {
	args := []string{"erase"}
	for _, d := range devs {
		args = append(args, "--device", d.Path)
	}
	return Command{Name: kesu, Args: append(args, "--pattern", "zero", "--verify", "10%", "--journal", journal, "--unsigned", "--yes")}
}

// runParallel alternates one kesu process over every device with as many
// concurrent dd writes, n rounds. A kesu that refuses several devices, or
// leaves one unwritten, ends the measurement with ErrNoMultiDevice in the
// kesu series.
func runParallel(ctx context.Context, r Runner, dv Devices, kesu string, devs []*Device, journal string, n int, log io.Writer) (k, d *Series) {
	k = &Series{Name: "kesu_parallel", Tool: "kesu", Device: devs[0], Command: kesuParallel(kesu, devs, journal).String()}
	d = &Series{Name: "dd_parallel", Tool: "dd", Device: devs[0], Command: fmt.Sprintf("%d × %s", len(devs), ddWrite(devs[0]))}
	steps := Group{{Name: k.Name, Tool: "kesu"}, {Name: d.Name, Tool: "dd"}}
	for round := range n {
		for _, c := range roundOrder(steps, round) {
			if c.Name == k.Name {
				s, err := parallelKesu(ctx, r, dv, kesu, devs, journal)
				if err != nil {
					k.Err = err
					fmt.Fprintf(log, "  parallel kesu FAILED: %v\n", err)
					return k, d
				}
				k.Samples = append(k.Samples, s)
				fmt.Fprintf(log, "  %-6s %-20s %8.3fs  %6.1f MiB\n", devs[0].Kind, k.Name, s.Wall.Seconds(), float64(s.MaxRSSKiB)/1024)
				continue
			}
			s, err := parallelDD(ctx, r, devs)
			if err != nil {
				d.Err = err
				fmt.Fprintf(log, "  parallel dd FAILED: %v\n", err)
				return k, d
			}
			d.Samples = append(d.Samples, s)
			fmt.Fprintf(log, "  %-6s %-20s %8.3fs\n", devs[0].Kind, d.Name, s.Wall.Seconds())
		}
	}
	return k, d
}

func parallelKesu(ctx context.Context, r Runner, dv Devices, kesu string, devs []*Device, journal string) (Sample, error) {
	for _, d := range devs {
		if err := dv.Mark(d); err != nil {
			return Sample{}, err
		}
	}
	s, err := r.Run(ctx, kesuParallel(kesu, devs, journal))
	if ce := (*CommandError)(nil); errors.As(err, &ce) && ce.Exit == 2 {
		return s, fmt.Errorf("%w: it refused several --device flags: %v", ErrNoMultiDevice, err)
	}
	if err != nil {
		return s, err
	}
	var left []string
	for _, d := range devs {
		marked, err := dv.Marked(d)
		if err != nil {
			return s, err
		}
		if marked {
			left = append(left, d.Path)
		}
	}
	if len(left) > 0 {
		return s, fmt.Errorf("%w: %d of %d devices were not written (%v)", ErrNoMultiDevice, len(left), len(devs), left)
	}
	return s, nil
}

// parallelDD runs one dd zero write per device, all at once; the sample's
// wall is the slowest dd's and its RSS the largest.
func parallelDD(ctx context.Context, r Runner, devs []*Device) (Sample, error) {
	samples := make([]Sample, len(devs))
	errs := make([]error, len(devs))
	var wg sync.WaitGroup
	for i, d := range devs {
		wg.Go(func() { samples[i], errs[i] = r.Run(ctx, ddWrite(d)) })
	}
	wg.Wait()
	var s Sample
	for _, x := range samples {
		s.Wall, s.MaxRSSKiB = max(s.Wall, x.Wall), max(s.MaxRSSKiB, x.MaxRSSKiB)
	}
	return s, errors.Join(errs...)
}

// parallelKey is kesu's aggregate throughput over dd's.
func parallelKey(k, d *Series, drives int) *Key {
	key := ratioKey(d, k, 0.9, AtLeast)
	key.Formula = "median(dd_parallel) / median(kesu_parallel)"
	key.Method = parallelMethod
	key.ParallelDrives = drives
	if p := peakRSSKiB(k.Samples); p > 0 {
		mib := float64(p) / 1024
		key.PeakRSSMiB = &mib
	}
	if k.Err != nil {
		key.Error = k.Err.Error()
	}
	return key
}

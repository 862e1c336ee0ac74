package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// checkRandomFlag checks, untimed, what a random pass left on a device
// (after each kesu_random and nwipe_random sample): a pass that wrote
// short, or nothing, must not pass for a fast one.
const checkRandomFlag = "-check-random"

// checkRandomCommand is this program checking d's random content.
func checkRandomCommand(self string, d *Device) Command {
	return Command{Name: self, Args: []string{checkRandomFlag, d.Path}}
}

var errCheckRandomUsage = errors.New("usage: bench -check-random DEVICE")

// checkSamples is how many 4 KiB blocks checkRandom reads: the first, the
// last, and evenly spaced ones between.
const checkSamples = 66

// checkRandom reads checkSamples 4 KiB blocks spread over the device at
// path and says which one shows that it was not written with fresh random
// bytes: all zeros (kesu_random starts on zeros, so a pass that skipped a
// range leaves them), or a repeat of another block sampled or of the block
// 64 KiB, 1 MiB or 4 MiB after it (a pass writing one buffer again and
// again).
func checkRandom(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	const block = 4096
	blocks := size / block
	if blocks < checkSamples {
		return fmt.Errorf("%s: %d bytes, too small to check", path, size)
	}
	seen := map[string]int64{}
	buf, next := make([]byte, block), make([]byte, block)
	zero := make([]byte, block)
	for i := range int64(checkSamples) {
		b := i * (blocks - 1) / (checkSamples - 1)
		if _, err := f.ReadAt(buf, b*block); err != nil {
			return fmt.Errorf("%s: block %d: %w", path, b, err)
		}
		if bytes.Equal(buf, zero) {
			return fmt.Errorf("%s: 4 KiB block %d holds zeros: the random pass did not write it", path, b)
		}
		if other, ok := seen[string(buf)]; ok {
			return fmt.Errorf("%s: 4 KiB blocks %d and %d hold the same bytes: not fresh random data", path, other, b)
		}
		seen[string(buf)] = b
		// A buffer written again and again repeats at its own length:
		// the block one 64 KiB, 1 MiB or 4 MiB on must differ.
		for _, stride := range []int64{16, 256, 1024} {
			if b+stride >= blocks {
				continue
			}
			if _, err := f.ReadAt(next, (b+stride)*block); err != nil {
				return fmt.Errorf("%s: block %d: %w", path, b+stride, err)
			}
			if bytes.Equal(buf, next) {
				return fmt.Errorf("%s: 4 KiB blocks %d and %d hold the same bytes: not fresh random data", path, b, b+stride)
			}
		}
	}
	return nil
}

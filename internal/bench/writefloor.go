package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"

	"github.com/kesu-erase/kesu/erase"
)

// The random-write floor: kesu's random pass with the generation taken
// out. The device is written from start to end in 4 MiB chunks with
// O_DIRECT and one write in flight, from a ring of four chunk buffers (as
// kesu's generator pipeline hands them to its writer, on huge pages as
// kesu's are) filled with random
// bytes once before the clock matters, then fsync'd. It is what writing
// bytes that are not one cached buffer costs on the device, however fast
// they are generated, so floor / dd's zero write says how close to dd any
// random pass written this way can come.
const (
	writeFloorChunk = 4 << 20
	writeFloorRing  = 4
)

// writeFloorFlag runs the random-write floor on a device instead of the
// bench.
const writeFloorFlag = "-random-write-floor"

// writeFloorCommand is this program writing d as the floor does.
func writeFloorCommand(self string, d *Device) Command {
	return Command{Name: self, Args: []string{writeFloorFlag, d.Path}}
}

var errWriteFloorUsage = errors.New("usage: bench -random-write-floor DEVICE")

// randomWriteFloor writes the whole device at path as the floor does and
// returns the bytes written.
func randomWriteFloor(path string) (int64, error) {
	f, size, err := openDirect(path, os.O_WRONLY)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	// Buffers as kesu's (huge pages: fewer pieces to pin per write).
	ring, release, err := erase.AlignedBuffer(writeFloorRing * writeFloorChunk)
	if err != nil {
		return 0, err
	}
	defer release()
	if _, err := rand.Read(ring); err != nil {
		return 0, err
	}
	var written int64
	for i := 0; written < size; i++ {
		s := i % writeFloorRing
		n := int(min(writeFloorChunk, size-written))
		w, err := f.WriteAt(ring[s*writeFloorChunk:s*writeFloorChunk+n], written)
		written += int64(w)
		if err != nil {
			return written, fmt.Errorf("write at byte %d: %w", written, err)
		}
	}
	return written, f.Sync()
}

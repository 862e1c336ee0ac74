package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"

	"github.com/kesu-erase/kesu/erase"
)

// The random-write floor: kesu's random pass with the keystream replaced
// by one goroutine copying fresh bytes (a reference, not a bound: kesu's
// generators run on several cores and can beat it). The device is written from start
// to end in 4 MiB chunks with O_DIRECT and one write in flight, from a
// ring of four chunk buffers on huge pages (as kesu's generator pipeline
// hands them to its writer); before each buffer is written again, a second
// goroutine refills it by copying a random chunk made once beforehand (a
// copy costs far less than any keystream). It is what writing bytes made
// just before, on another core than the one writing them, costs on the
// device, however cheaply they are made; then fsync. The content repeats
// (a 4 MiB source rotated by 4 KiB a chunk): a loop device does not
// notice, a device that deduplicates or compresses would. So floor / dd's zero
// write says how close to dd a random pass fed by one copying core comes.
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
	src := make([]byte, writeFloorChunk)
	if _, err := rand.Read(src); err != nil {
		return 0, err
	}
	// free and full pass ring slots between the filler and the writer.
	free, full := make(chan int, writeFloorRing), make(chan int, writeFloorRing)
	for s := range writeFloorRing {
		free <- s
	}
	chunks := int((size + writeFloorChunk - 1) / writeFloorChunk)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for i := range chunks {
			var s int
			select {
			case s = <-free:
			case <-stop:
				return
			}
			// Rotated by the chunk's index, so that no two chunks in a
			// row are the same bytes.
			b := ring[s*writeFloorChunk : (s+1)*writeFloorChunk]
			k := (i * 4096) % writeFloorChunk
			copy(b, src[k:])
			copy(b[writeFloorChunk-k:], src[:k])
			full <- s
		}
	}()
	var written int64
	for written < size {
		s := <-full
		n := int(min(writeFloorChunk, size-written))
		w, err := f.WriteAt(ring[s*writeFloorChunk:s*writeFloorChunk+n], written)
		written += int64(w)
		if err != nil {
			return written, fmt.Errorf("write at byte %d: %w", written, err)
		}
		free <- s
	}
	return written, f.Sync()
}

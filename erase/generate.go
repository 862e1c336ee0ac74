package erase

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// The random pass's generator: a pipeline of a few chunk buffers. One
// goroutine hands out the chunks in device order, cutting each into parts;
// the generator goroutines fill parts of whichever chunks are waiting, so
// every core given to the pass works on the next chunks while the writer
// writes the current one. The memory held is genDepth chunks whatever the
// number of generators.

// genDepth is the number of chunk buffers in flight: one being written, the
// others being filled or filled and waiting.
const genDepth = 4

// genPartSize is the largest part of a chunk one generator fills at a time:
// small enough that several cores share one 4 MiB chunk, large enough that
// handing parts out costs nothing next to the AES work.
const genPartSize = 1 << 20

// genChunk is one buffer of the pipeline and the device range it holds.
type genChunk struct {
	off     int64
	n       int
	buf     []byte
	pending atomic.Int32  // parts not yet filled
	ready   chan struct{} // receives once every part is filled
}

// genPart is the part [lo, hi) of a chunk's buffer for one generator.
type genPart struct {
	c      *genChunk
	lo, hi int
}

// generateAndWrite fills [0, size) with p in chunks of cs bytes using
// workers generator goroutines and calls write for each chunk, in device
// order, on the calling goroutine. It stops at the first error write
// returns (or the context's), returning it once every goroutine it started
// has ended.
func generateAndWrite(ctx context.Context, p Pattern, size int64, cs, workers int, write func(b []byte, off int64) error) error {
	arena, free, err := alignedBuffer(genDepth * cs)
	if err != nil {
		return fmt.Errorf("buffer: %w", err)
	}
	defer free()
	freeq := make(chan *genChunk, genDepth)
	for i := range genDepth {
		freeq <- &genChunk{buf: arena[i*cs : (i+1)*cs : (i+1)*cs], ready: make(chan struct{}, 1)}
	}
	partsPerChunk := (cs + genPartSize - 1) / genPartSize
	jobs := make(chan genPart, genDepth*partsPerChunk)
	order := make(chan *genChunk, genDepth)
	stop := make(chan struct{})

	var wg sync.WaitGroup
	for range max(1, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				p.Fill(j.c.buf[j.lo:j.hi], j.c.off+int64(j.lo))
				if j.c.pending.Add(-1) == 0 {
					j.c.ready <- struct{}{}
				}
			}
		}()
	}
	go func() {
		defer close(order)
		defer close(jobs)
		for off := int64(0); off < size; off += int64(cs) {
			var c *genChunk
			select {
			case c = <-freeq:
			case <-stop:
				return
			}
			c.off, c.n = off, int(min(int64(cs), size-off))
			c.pending.Store(int32((c.n + genPartSize - 1) / genPartSize))
			for lo := 0; lo < c.n; lo += genPartSize {
				jobs <- genPart{c: c, lo: lo, hi: min(lo+genPartSize, c.n)}
			}
			order <- c
		}
	}()

	var werr error
	for c := range order {
		<-c.ready
		if werr == nil {
			werr = ctx.Err()
		}
		if werr == nil {
			werr = write(c.buf[:c.n], c.off)
		}
		if werr != nil {
			select {
			case <-stop:
			default:
				close(stop)
			}
		}
		freeq <- c
	}
	wg.Wait()
	return werr
}

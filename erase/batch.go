package erase

import (
	"context"
	"fmt"
	"sync"

	"github.com/kesu-erase/kesu/internal/asyncio"
)

// batchDepth is how many of a batch's I/Os are in flight at once through
// the kernel's asynchronous I/O; batchWorkers how many goroutines run a
// batch without it (each a thread blocked in its system call).
const (
	batchDepth   = 64
	batchWorkers = 8
)

// asyncKind is the asynchronous interface batches use: the best the kernel
// has, or one forced by a test.
var asyncKind = asyncio.Best

// batchItem is one I/O of a batch as its prep function returns it: the
// bytes to write (or the buffer to read into) and the device offset.
type batchItem struct {
	buf  []byte
	off  int64
	skip bool // nothing to do for this index
}

// batchIO runs n small I/Os of one kind (reads or writes) against t, up to
// batchDepth at once, each in a unit-byte aligned buffer of its own. For
// index i, prep fills or prepares buf (unit bytes) and says what to do;
// done receives the outcome of every I/O prep did not skip (for a read, buf
// then holds what was read). Block devices open with O_DIRECT get the
// I/Os through the kernel's asynchronous I/O in a few system calls
// (submitted from one goroutine: prep and done are then never called
// concurrently); other targets run them on batchWorkers goroutines, prep
// and done being called concurrently. The error is non-nil only when buffers
// cannot be had or ctx ended before every I/O was started.
func batchIO(ctx context.Context, t Target, write bool, n, unit int,
	prep func(i int, buf []byte) batchItem, done func(i int, buf []byte, err error)) error {
	if n == 0 {
		return nil
	}
	depth := min(batchDepth, n)
	arena, free, err := alignedBuffer(depth * unit)
	if err != nil {
		return fmt.Errorf("I/O buffer: %w", err)
	}
	defer free()
	if a, ok := t.(asyncIO); ok {
		if ran, err := a.asyncBatch(ctx, write, n, unit, arena, prep, done); ran {
			return err
		}
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for w := range min(depth, batchWorkers) {
		buf := arena[w*unit : (w+1)*unit : (w+1)*unit]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				it := prep(i, buf)
				if it.skip {
					continue
				}
				done(i, it.buf, syncIO(t, write, it.buf, it.off))
			}
		}()
	}
	for i := range n {
		if err = ctx.Err(); err != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return err
}

// asyncIO is implemented by targets that can run a batch through the
// kernel's asynchronous I/O; ran is false when they cannot (nothing was
// done, and the caller runs the batch itself).
type asyncIO interface {
	asyncBatch(ctx context.Context, write bool, n, unit int, arena []byte,
		prep func(int, []byte) batchItem, done func(int, []byte, error)) (ran bool, err error)
}

// syncIO does one whole read or write with ReadAt or WriteAt.
func syncIO(t Target, write bool, b []byte, off int64) error {
	if write {
		n, err := t.WriteAt(b, off)
		if err == nil && n != len(b) {
			err = fmt.Errorf("short write: %d of %d bytes", n, len(b))
		}
		return err
	}
	n, err := t.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil {
		err = fmt.Errorf("short read: %d of %d bytes", n, len(b))
	}
	return err
}

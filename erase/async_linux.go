package erase

import (
	"context"
	"fmt"
	"io"
	"syscall"

	"github.com/kesu-erase/kesu/internal/asyncio"
)

// feedEvery is how many slots completions free before more I/Os start,
// when a reap returns many.
const feedEvery = 8

// asyncBatch implements asyncIO for block devices open with O_DIRECT.
func (d *Device) asyncBatch(ctx context.Context, write bool, n, unit int, arena []byte,
	prep func(int, []byte) batchItem, done func(int, []byte, error)) (bool, error) {
	if !d.direct || !d.isBlock || (write && !d.write) || unit%d.align != 0 {
		return false, nil
	}
	depth := len(arena) / unit
	q := asyncio.Open(depth, asyncKind)
	if q == nil {
		return false, nil
	}
	inflight := 0
	defer func() { q.Close(inflight) }()
	fd := d.f.Fd()
	evs := make([]asyncio.Completion, depth)
	items := make([]batchItem, depth)
	index := make([]int, depth)
	free := make([]int, depth)
	for s := range free {
		free[s] = depth - 1 - s
	}
	fail := func(s int, e error) {
		done(index[s], items[s].buf, fmt.Errorf("%s at byte %d: %w", opName(write), items[s].off, e))
		free = append(free, s)
	}
	queued, next := 0, 0
	var err error
	// feed starts I/Os in the free slots and hands them to the kernel; the
	// error is a queue that can go on no more.
	feed := func() error {
		for err == nil && next < n && len(free) > 0 {
			if err = ctx.Err(); err != nil {
				break
			}
			s := free[len(free)-1]
			buf := arena[s*unit : (s+1)*unit : (s+1)*unit]
			i := next
			next++
			it := prep(i, buf)
			if it.skip {
				continue
			}
			if len(it.buf) == 0 || !d.aligned(len(it.buf), it.off) {
				// Not for O_DIRECT: done the ordinary way.
				done(i, it.buf, syncIO(d, write, it.buf, it.off))
				continue
			}
			free = free[:len(free)-1]
			items[s], index[s] = it, i
			q.Queue(s, write, fd, it.buf, it.off)
			queued++
		}
		for queued > 0 {
			taken, refused, e := q.Submit(inflight)
			if e == asyncio.ErrBusy {
				break // reap, then submit the rest
			}
			if e != nil {
				if refused < 0 {
					return fmt.Errorf("asynchronous I/O on %s: %w", d.path, e)
				}
				// That I/O fails, the others are tried.
				fail(refused, e)
				queued--
				continue
			}
			inflight += taken
			queued -= taken
		}
		return nil
	}
	for {
		if e := feed(); e != nil {
			return true, e
		}
		if inflight == 0 {
			if queued == 0 && (next >= n || err != nil) {
				return true, err
			}
			continue
		}
		got, e := q.Reap(evs)
		if e != nil {
			// Nothing more can be known of what is in flight; close
			// (deferred) waits for it before the buffers go.
			return true, fmt.Errorf("waiting for asynchronous I/O on %s: %w", d.path, e)
		}
		// Reaped, so no longer in the kernel's hands, even if a done
		// below panics before its turn: close must not wait for them.
		inflight -= got
		for k, ev := range evs[:got] {
			if k > 0 && len(free) >= feedEvery {
				// Keep the device busy while the rest are looked at
				// (a read's check takes as long as a short read).
				if e := feed(); e != nil {
					return true, e
				}
			}
			s := ev.Slot
			switch {
			case ev.Res < 0:
				fail(s, syscall.Errno(-ev.Res))
			case ev.Res != int64(len(items[s].buf)):
				fail(s, fmt.Errorf("%d of %d bytes: %w", ev.Res, len(items[s].buf), io.ErrUnexpectedEOF))
			default:
				done(index[s], items[s].buf, nil)
				free = append(free, s)
			}
		}
	}
}

func opName(write bool) string {
	if write {
		return "write"
	}
	return "read"
}

package erase

import (
	"context"
	"fmt"
	"io"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The kernel's asynchronous I/O (io_setup, io_submit, io_getevents): with
// O_DIRECT on a block device the requests are queued to the device without
// a system call and a sleeping thread each, which is what small scattered
// I/Os (canaries) cost most.

// aioCB is struct iocb of <linux/aio_abi.h> on little-endian 64-bit.
type aioCB struct {
	data      uint64
	key       uint32
	rwFlags   int32
	opcode    uint16
	reqPrio   int16
	fd        uint32
	buf       uint64
	nbytes    uint64
	offset    int64
	reserved2 uint64
	flags     uint32
	resFD     uint32
}

// aioEvent is struct io_event.
type aioEvent struct {
	data, obj uint64
	res, res2 int64
}

const (
	aioCmdPread  = 0
	aioCmdPwrite = 1
)

// aioSupported: the layouts above are those of 64-bit little-endian Linux.
var aioSupported = unsafe.Sizeof(aioCB{}) == 64 && unsafe.Sizeof(aioEvent{}) == 32 &&
	unsafe.Sizeof(uintptr(0)) == 8 && isLittleEndian()

func isLittleEndian() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}

// asyncBatch implements asyncIO for block devices open with O_DIRECT.
func (d *Device) asyncBatch(ctx context.Context, write bool, n, unit int, arena []byte,
	prep func(int, []byte) batchItem, done func(int, []byte, error)) (bool, error) {
	if !aioSupported || !d.direct || !d.isBlock || (write && !d.write) || unit%d.align != 0 {
		return false, nil
	}
	depth := len(arena) / unit
	var actx uint64
	if _, _, e := syscall.Syscall(unix.SYS_IO_SETUP, uintptr(depth), uintptr(unsafe.Pointer(&actx)), 0); e != 0 {
		return false, nil // no AIO here (aio-max-nr reached, a kernel without it)
	}
	inflight := 0
	defer func() {
		destroy := func() { syscall.Syscall(unix.SYS_IO_DESTROY, uintptr(actx), 0, 0) }
		if inflight > 0 {
			destroy() // waits for what is in flight before its buffers go
			return
		}
		// Nothing in flight: io_destroy only waits out an RCU grace period
		// (tens of milliseconds), which the pass need not wait for.
		go destroy()
	}()
	fd := d.f.Fd()
	op := uint16(aioCmdPread)
	if write {
		op = aioCmdPwrite
	}
	cbs := make([]aioCB, depth)
	var pending []*aioCB // built, not yet taken by io_submit
	evs := make([]aioEvent, depth)
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
	next := 0
	var err error
	for {
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
			cbs[s] = aioCB{data: uint64(s), opcode: op, fd: uint32(fd),
				buf: uint64(uintptr(unsafe.Pointer(unsafe.SliceData(it.buf)))), nbytes: uint64(len(it.buf)), offset: it.off}
			pending = append(pending, &cbs[s])
		}
		for len(pending) > 0 {
			r, _, e := syscall.Syscall(unix.SYS_IO_SUBMIT, uintptr(actx), uintptr(len(pending)), uintptr(unsafe.Pointer(&pending[0])))
			if e == syscall.EINTR {
				continue
			}
			if e == syscall.EAGAIN && inflight > 0 {
				break // reap, then submit the rest
			}
			if e != 0 {
				// The first request was refused: it fails, the others
				// are tried.
				fail(int(pending[0].data), e)
				pending = pending[1:]
				continue
			}
			inflight += int(r)
			pending = pending[r:]
		}
		if inflight == 0 {
			if len(pending) == 0 && (next >= n || err != nil) {
				return true, err
			}
			continue
		}
		got, _, e := syscall.Syscall6(unix.SYS_IO_GETEVENTS, uintptr(actx), 1, uintptr(len(evs)), uintptr(unsafe.Pointer(&evs[0])), 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			// Nothing more can be known of what is in flight; io_destroy
			// (deferred) waits for it before the buffers go.
			return true, fmt.Errorf("io_getevents on %s: %w", d.path, e)
		}
		for _, ev := range evs[:got] {
			s := int(ev.data)
			inflight--
			switch {
			case ev.res < 0:
				fail(s, syscall.Errno(-ev.res))
			case ev.res != int64(len(items[s].buf)):
				fail(s, fmt.Errorf("%d of %d bytes: %w", ev.res, len(items[s].buf), io.ErrUnexpectedEOF))
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

package asyncio

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The kernel's older asynchronous I/O (io_setup(2), io_submit(2),
// io_getevents(2)).

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

// aioQueue is a Queue over an AIO context.
type aioQueue struct {
	ctx     uint64
	cbs     []aioCB
	pending []*aioCB // queued, not yet taken by io_submit
	evs     []aioEvent
}

func openAIO(depth int) Queue {
	q := &aioQueue{cbs: make([]aioCB, depth), evs: make([]aioEvent, depth)}
	if _, _, e := syscall.Syscall(unix.SYS_IO_SETUP, uintptr(depth), uintptr(unsafe.Pointer(&q.ctx)), 0); e != 0 {
		return nil // no AIO here (aio-max-nr reached, a kernel without it)
	}
	return q
}

func (q *aioQueue) Queue(slot int, write bool, fd uintptr, buf []byte, off int64) {
	op := uint16(aioCmdPread)
	if write {
		op = aioCmdPwrite
	}
	q.cbs[slot] = aioCB{data: uint64(slot), opcode: op, fd: uint32(fd),
		buf: uint64(uintptr(unsafe.Pointer(unsafe.SliceData(buf)))), nbytes: uint64(len(buf)), offset: off}
	q.pending = append(q.pending, &q.cbs[slot])
}

func (q *aioQueue) Submit(inflight int) (int, int, error) {
	for {
		r, _, e := syscall.Syscall(unix.SYS_IO_SUBMIT, uintptr(q.ctx), uintptr(len(q.pending)), uintptr(unsafe.Pointer(&q.pending[0])))
		switch {
		case e == syscall.EINTR:
			continue
		case e == syscall.EAGAIN && inflight > 0:
			return 0, -1, ErrBusy
		case e != 0:
			// io_submit refuses the first request only.
			s := int(q.pending[0].data)
			q.pending = q.pending[1:]
			return 0, s, e
		}
		q.pending = q.pending[r:]
		return int(r), -1, nil
	}
}

func (q *aioQueue) Reap(evs []Completion) (int, error) {
	for {
		got, _, e := syscall.Syscall6(unix.SYS_IO_GETEVENTS, uintptr(q.ctx), 1, uintptr(len(q.evs)), uintptr(unsafe.Pointer(&q.evs[0])), 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			return 0, e
		}
		for i, ev := range q.evs[:got] {
			evs[i] = Completion{Slot: int(ev.data), Res: ev.res}
		}
		return int(got), nil
	}
}

func (q *aioQueue) Close(inflight int) {
	destroy := func() { syscall.Syscall(unix.SYS_IO_DESTROY, uintptr(q.ctx), 0, 0) }
	if inflight > 0 {
		destroy() // waits for what is in flight before its buffers go
		return
	}
	// Nothing in flight: io_destroy only waits out an RCU grace period
	// (tens of milliseconds), which the batch need not wait for.
	go destroy()
}

func (q *aioQueue) Kind() string { return "aio" }

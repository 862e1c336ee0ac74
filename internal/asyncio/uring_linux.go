package asyncio

import (
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// io_uring (io_uring_setup(2), io_uring_enter(2)): a submission ring and a
// completion ring shared with the kernel. Unlike an AIO context, whose
// teardown at process exit waits out RCU grace periods (about 37 ms here),
// a ring is torn down by the kernel after the process has gone.

// uringSQE is struct io_uring_sqe of <linux/io_uring.h>.
type uringSQE struct {
	opcode      uint8
	flags       uint8
	ioprio      uint16
	fd          int32
	off         uint64
	addr        uint64
	len         uint32
	rwFlags     uint32
	userData    uint64
	bufIndex    uint16
	personality uint16
	spliceFDIn  int32
	addr3       uint64
	pad2        uint64
}

// uringCQE is struct io_uring_cqe (without IORING_SETUP_CQE32).
type uringCQE struct {
	userData uint64
	res      int32
	flags    uint32
}

// uringRingOffsets is struct io_sqring_offsets, and struct
// io_cqring_offsets with its fields renamed (head, tail, ring_mask,
// ring_entries, overflow, cqes, flags, resv1, resv2).
type uringRingOffsets struct {
	head, tail, ringMask, ringEntries, flagsOrOverflow, droppedOrCQEs, arrayOrFlags, resv1 uint32
	resv2                                                                                  uint64
}

// uringParams is struct io_uring_params.
type uringParams struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFD uint32
	resv                                                                   [3]uint32
	sqOff, cqOff                                                           uringRingOffsets
}

const (
	uringOpRead  = 22 // IORING_OP_READ
	uringOpWrite = 23 // IORING_OP_WRITE

	uringOffSQRing = 0          // IORING_OFF_SQ_RING
	uringOffSQEs   = 0x10000000 // IORING_OFF_SQES

	uringFeatSingleMmap = 1 << 0 // IORING_FEAT_SINGLE_MMAP (Linux 5.4)
	uringFeatRWCurPos   = 1 << 3 // IORING_FEAT_RW_CUR_POS (Linux 5.6, with IORING_OP_READ and _WRITE)
	uringEnterGetEvents = 1 << 0 // IORING_ENTER_GETEVENTS
)

// uringQueue is a Queue over one ring.
type uringQueue struct {
	fd           int
	ring, sqeMem []byte
	sqes         []uringSQE
	sqArray      []uint32
	cqes         []uringCQE
	sqTail       *uint32 // shared: the kernel reads it
	cqHead       *uint32 // shared: the kernel reads it
	cqTail       *uint32 // shared: the kernel writes it
	sqMask       uint32
	cqMask       uint32
	tail         uint32 // the next submission's index, not yet published
	queued       uint32
}

func openURing(depth int) Queue {
	var p uringParams
	fd, _, e := syscall.Syscall(unix.SYS_IO_URING_SETUP, uintptr(depth), uintptr(unsafe.Pointer(&p)), 0)
	if e != 0 {
		return nil // no io_uring (an old kernel, kernel.io_uring_disabled, a seccomp filter)
	}
	q := &uringQueue{fd: int(fd)}
	if p.features&uringFeatSingleMmap == 0 || p.features&uringFeatRWCurPos == 0 || p.sqEntries < uint32(depth) || p.cqEntries < uint32(depth) {
		unix.Close(q.fd)
		return nil // a kernel before 5.6, without IORING_OP_READ and IORING_OP_WRITE: AIO serves
	}
	sqSize := int(p.sqOff.arrayOrFlags) + int(p.sqEntries)*4
	cqSize := int(p.cqOff.droppedOrCQEs) + int(p.cqEntries)*int(unsafe.Sizeof(uringCQE{}))
	var err error
	q.ring, err = unix.Mmap(q.fd, uringOffSQRing, max(sqSize, cqSize), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		unix.Close(q.fd)
		return nil
	}
	q.sqeMem, err = unix.Mmap(q.fd, uringOffSQEs, int(p.sqEntries)*int(unsafe.Sizeof(uringSQE{})), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		unix.Munmap(q.ring)
		unix.Close(q.fd)
		return nil
	}
	u32 := func(off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&q.ring[off])) }
	q.sqes = unsafe.Slice((*uringSQE)(unsafe.Pointer(&q.sqeMem[0])), p.sqEntries)
	q.sqArray = unsafe.Slice(u32(p.sqOff.arrayOrFlags), p.sqEntries)
	q.cqes = unsafe.Slice((*uringCQE)(unsafe.Pointer(&q.ring[p.cqOff.droppedOrCQEs])), p.cqEntries)
	q.sqTail, q.cqHead, q.cqTail = u32(p.sqOff.tail), u32(p.cqOff.head), u32(p.cqOff.tail)
	q.sqMask, q.cqMask = *u32(p.sqOff.ringMask), *u32(p.cqOff.ringMask)
	q.tail = atomic.LoadUint32(q.sqTail)
	return q
}

func (q *uringQueue) Queue(slot int, write bool, fd uintptr, buf []byte, off int64) {
	op := uint8(uringOpRead)
	if write {
		op = uringOpWrite
	}
	i := q.tail & q.sqMask
	q.sqes[i] = uringSQE{opcode: op, fd: int32(fd), off: uint64(off),
		addr: uint64(uintptr(unsafe.Pointer(unsafe.SliceData(buf)))), len: uint32(len(buf)), userData: uint64(slot)}
	q.sqArray[i] = i
	q.tail++
	q.queued++
}

func (q *uringQueue) enter(submit, wait uint32) (int, syscall.Errno) {
	flags := uintptr(0)
	if wait > 0 {
		flags = uringEnterGetEvents
	}
	for {
		r, _, e := syscall.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(q.fd), uintptr(submit), uintptr(wait), flags, 0, 0)
		if e != syscall.EINTR {
			return int(r), e
		}
	}
}

func (q *uringQueue) Submit(inflight int) (int, int, error) {
	atomic.StoreUint32(q.sqTail, q.tail)
	r, e := q.enter(q.queued, 0)
	switch {
	case (e == syscall.EAGAIN || e == syscall.EBUSY) && inflight > 0:
		return 0, -1, ErrBusy
	case e != 0:
		// A refused submission names no request: the ring cannot go on.
		return 0, -1, e
	}
	// Each request taken completes with its own result, a refused one too.
	q.queued -= uint32(r)
	return r, -1, nil
}

func (q *uringQueue) Reap(evs []Completion) (int, error) {
	for {
		head, tail := *q.cqHead, atomic.LoadUint32(q.cqTail)
		if head == tail {
			if _, e := q.enter(0, 1); e != 0 {
				return 0, e
			}
			continue
		}
		n := 0
		for ; head != tail && n < len(evs); head++ {
			c := q.cqes[head&q.cqMask]
			evs[n] = Completion{Slot: int(c.userData), Res: int64(c.res)}
			n++
		}
		atomic.StoreUint32(q.cqHead, head)
		return n, nil
	}
}

func (q *uringQueue) Close(inflight int) {
	evs := make([]Completion, max(inflight, 1))
	for tries := 0; inflight > 0; {
		n, err := q.Reap(evs)
		if err != nil {
			// Not seen in practice (EINTR is retried in enter). The
			// kernel tears a closed ring down after its requests end,
			// and those may still write into their buffers: try again
			// for a while before giving up.
			if tries++; tries > 100 {
				break
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		inflight -= n
	}
	unix.Munmap(q.sqeMem)
	unix.Munmap(q.ring)
	unix.Close(q.fd)
}

func (q *uringQueue) Kind() string { return "io_uring" }

// Package asyncio hands batches of I/Os on a file descriptor to the Linux
// kernel to run asynchronously: through io_uring where the kernel offers it
// and through the older AIO (io_submit) where it does not. Each I/O is
// queued to the device without a system call and a sleeping thread of its
// own, which is what small scattered I/Os cost most.
package asyncio

import (
	"errors"
	"unsafe"
)

// Queue is one of the kernel's interfaces for asynchronous I/O, with room
// for a fixed number of I/Os in flight, each named by a slot.
type Queue interface {
	// Queue adds an I/O in slot; it reaches the kernel at the next Submit.
	// buf must stay put until the I/O completes (memory the Go heap does
	// not move: mmap'd).
	Queue(slot int, write bool, fd uintptr, buf []byte, off int64)
	// Submit hands the queued I/Os to the kernel and returns how many it
	// took; inflight are those it holds already. ErrBusy: none, and some
	// of those in flight must complete first; another error with
	// refused ≥ 0: the kernel refused the I/O of that slot (it is no
	// longer queued); with refused < 0, nothing more can be done.
	Submit(inflight int) (taken, refused int, err error)
	// Reap waits for at least one I/O to complete and fills evs.
	Reap(evs []Completion) (int, error)
	// Close releases the queue; inflight I/Os are still in the kernel's
	// hands, and Close waits for them before their buffers can go.
	Close(inflight int)
	// Kind names the interface: "io_uring" or "aio".
	Kind() string
}

// Completion is one finished I/O: its slot and its result (bytes, or a
// negated errno).
type Completion struct {
	Slot int
	Res  int64
}

// ErrBusy: the kernel takes no more I/Os until some complete.
var ErrBusy = errors.New("asynchronous I/O queue busy")

// Kind chooses the interface Open returns.
type Kind int

const (
	Best  Kind = iota // io_uring, else AIO
	URing             // io_uring only
	AIO               // AIO only
)

// Open returns a queue for depth I/Os in flight, or nil when the kernel
// offers none of kind.
func Open(depth int, kind Kind) Queue {
	if !layouts {
		return nil
	}
	if kind != AIO {
		if q := openURing(depth); q != nil {
			return q
		}
	}
	if kind != URing {
		if q := openAIO(depth); q != nil {
			return q
		}
	}
	return nil
}

// layouts: the kernel structures of aio_linux.go and uring_linux.go are
// laid out for 64-bit little-endian Linux.
var layouts = unsafe.Sizeof(aioCB{}) == 64 && unsafe.Sizeof(aioEvent{}) == 32 &&
	unsafe.Sizeof(uringSQE{}) == 64 && unsafe.Sizeof(uringCQE{}) == 16 && unsafe.Sizeof(uringParams{}) == 120 &&
	unsafe.Sizeof(uintptr(0)) == 8 && isLittleEndian()

func isLittleEndian() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}

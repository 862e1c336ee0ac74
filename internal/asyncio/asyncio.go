// Package asyncio hands batches of I/Os on a file descriptor to the Linux
// kernel to run asynchronously: through io_uring where the kernel offers it
// and through the older AIO (io_submit) where it does not. Each I/O is
// queued to the device without a system call and a sleeping thread of its
// own, which is what small scattered I/Os cost most.
package asyncio

import "errors"

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

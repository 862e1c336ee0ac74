package asyncio

import "unsafe"

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

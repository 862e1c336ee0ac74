package erase

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePage is the size of a transparent huge page on the platforms kesu
// runs on.
const hugePage = 2 << 20

// alignedBuffer returns a page-aligned buffer outside the Go heap (O_DIRECT
// needs aligned memory) and a function releasing it. Buffers of a huge page
// or more start on a huge-page boundary and ask for transparent huge pages
// (MADV_HUGEPAGE): the kernel then pins a buffer for each O_DIRECT request
// a huge page at a time instead of 4 KiB page by page. Where huge pages are
// unavailable the buffer is an ordinary one.
func alignedBuffer(n int) ([]byte, func(), error) {
	if n < hugePage {
		b, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
		if err != nil {
			return nil, nil, err
		}
		return b, func() { unix.Munmap(b) }, nil
	}
	// Map a huge page more than asked and keep an aligned window of it.
	raw, err := unix.Mmap(-1, 0, n+hugePage, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return nil, nil, err
	}
	start := hugeAlignedOffset(raw)
	b := raw[start : start+n : start+n]
	unix.Madvise(b, unix.MADV_HUGEPAGE) // advice only: an ordinary buffer works too
	return b, func() { unix.Munmap(raw) }, nil
}

// hugeAlignedOffset returns the offset into b of its first byte on a
// huge-page boundary.
func hugeAlignedOffset(b []byte) int {
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return int((hugePage - addr%hugePage) % hugePage)
}

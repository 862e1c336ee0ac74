package erase

import "golang.org/x/sys/unix"

// alignedBuffer returns a page-aligned buffer outside the Go heap (O_DIRECT
// needs aligned memory) and a function releasing it.
func alignedBuffer(n int) ([]byte, func(), error) {
	b, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return nil, nil, err
	}
	return b, func() { unix.Munmap(b) }, nil
}

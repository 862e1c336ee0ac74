//go:build !linux

package erase

import "unsafe"

// alignedBuffer returns a 4096-byte-aligned buffer.
func alignedBuffer(n int) ([]byte, func(), error) {
	raw := make([]byte, n+4096)
	off := int(4096-uintptr(unsafe.Pointer(&raw[0]))%4096) % 4096
	return raw[off : off+n : off+n], func() {}, nil
}

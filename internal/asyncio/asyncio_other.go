//go:build !linux

package asyncio

// Open returns nil: no asynchronous I/O off Linux.
func Open(depth int, kind Kind) Queue { return nil }

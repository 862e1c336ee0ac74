//go:build !linux

package erase

import "context"

// asyncBatch: no asynchronous I/O off Linux; the batch runs on goroutines.
func (d *Device) asyncBatch(ctx context.Context, write bool, n, unit int, arena []byte,
	prep func(int, []byte) batchItem, done func(int, []byte, error)) (bool, error) {
	return false, nil
}

//go:build !linux

// Package asyncio: no asynchronous I/O off Linux; Open returns nil.
package asyncio

import "errors"

type Queue interface {
	Queue(slot int, write bool, fd uintptr, buf []byte, off int64)
	Submit(inflight int) (taken, refused int, err error)
	Reap(evs []Completion) (int, error)
	Close(inflight int)
	Kind() string
}

type Completion struct {
	Slot int
	Res  int64
}

var ErrBusy = errors.New("asynchronous I/O queue busy")

type Kind int

const (
	Best Kind = iota
	URing
	AIO
)

func Open(depth int, kind Kind) Queue { return nil }

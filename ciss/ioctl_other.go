//go:build !linux

package ciss

import (
	"context"
	"errors"
)

// ErrNoIoctl is returned off Linux, where there is no CCISS_PASSTHRU.
var ErrNoIoctl = errors.New("ciss: CCISS_PASSTHRU is only available on Linux")

// MaxConcurrent is hpsa's limit of concurrent pass-through ioctls (hpsa.h
// HPSA_MAX_CONCURRENT_PASSTHRUS).
const MaxConcurrent = 10

// Node is unavailable off Linux; its methods fail.
type Node struct{ path string }

var _ Transport = (*Node)(nil)

// Open fails off Linux.
func Open(path string) (*Node, error) { return nil, ErrNoIoctl }

// Path returns the path.
func (n *Node) Path() string { return n.path }

// Close does nothing.
func (n *Node) Close() error { return nil }

// Exec fails off Linux.
func (n *Node) Exec(ctx context.Context, r *Request) error { return ErrNoIoctl }

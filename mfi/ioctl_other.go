//go:build !linux || !(amd64 || arm64 || riscv64 || loong64)

package mfi

import (
	"context"
	"errors"
)

// ErrNoIoctl is returned where MEGASAS_IOC_FIRMWARE is not available:
// off Linux, and on architectures whose ioctl encoding or iovec layout
// this package does not carry.
var ErrNoIoctl = errors.New("mfi: MEGASAS_IOC_FIRMWARE is only available on 64-bit Linux")

// ErrNoDriver is returned by OpenNode when megaraid_sas is not loaded.
var ErrNoDriver = errors.New("mfi: megaraid_sas is not loaded")

// Node is unavailable here; its methods fail.
type Node struct{}

var _ Transport = (*Node)(nil)

// OpenNode fails here.
func OpenNode() (*Node, error) { return nil, ErrNoIoctl }

// Path returns "".
func (n *Node) Path() string { return "" }

// Close does nothing.
func (n *Node) Close() error { return nil }

// Exec fails here.
func (n *Node) Exec(ctx context.Context, p *Packet) error { return ErrNoIoctl }

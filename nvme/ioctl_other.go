//go:build !linux

package nvme

import (
	"context"
	"errors"
)

var errNotLinux = errors.New("nvme: the admin passthrough ioctl is only available on Linux")

// LinuxTransport is only functional on Linux.
type LinuxTransport struct{}

// Open fails off Linux.
func Open(dev string) (*LinuxTransport, error) { return nil, errNotLinux }

// Path is empty off Linux.
func (t *LinuxTransport) Path() string { return "" }

// Paths is empty off Linux.
func (t *LinuxTransport) Paths() Paths { return Paths{} }

// Close does nothing off Linux.
func (t *LinuxTransport) Close() error { return nil }

// Admin fails off Linux.
func (t *LinuxTransport) Admin(ctx context.Context, cmd *Command) (Completion, error) {
	return Completion{}, errNotLinux
}

// NamespaceID fails off Linux.
func (t *LinuxTransport) NamespaceID() (uint32, error) { return 0, errNotLinux }

// Rescan does nothing off Linux.
func (t *LinuxTransport) Rescan(ctx context.Context) RescanReport {
	return RescanReport{Steps: []RescanStep{{Action: "rescan", Err: errNotLinux.Error()}}}
}

//go:build !linux

package scsi

import (
	"context"
	"errors"
)

// ErrNoSGIO is returned off Linux, where there is no SG_IO.
var ErrNoSGIO = errors.New("scsi: SG_IO is only available on Linux")

// SGIO is unavailable off Linux; its methods fail.
type SGIO struct{ path string }

// Open fails off Linux.
func Open(path string) (*SGIO, error) { return nil, ErrNoSGIO }

// OpenReadOnly fails off Linux.
func OpenReadOnly(path string) (*SGIO, error) { return nil, ErrNoSGIO }

// OpenFile fails off Linux.
func OpenFile(path string, flag int) (*SGIO, error) { return nil, ErrNoSGIO }

// Path returns the path.
func (s *SGIO) Path() string { return s.path }

// Close does nothing.
func (s *SGIO) Close() error { return nil }

// Exec fails off Linux.
func (s *SGIO) Exec(ctx context.Context, cmd *Command) (*Response, error) { return nil, ErrNoSGIO }

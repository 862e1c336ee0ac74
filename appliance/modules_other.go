//go:build !linux

package appliance

import (
	"errors"
	"io"
	"time"
)

// NewModuleLoader is Linux-only.
func NewModuleLoader(root string, timeout time.Duration, log io.Writer) (*ModuleLoader, error) {
	return nil, errors.New("kernel modules: only on Linux")
}

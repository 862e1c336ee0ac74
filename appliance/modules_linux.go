package appliance

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// NewModuleLoader returns a loader for the running kernel's modules under
// root/lib/modules/<release> that loads with finit_module(2) (the call the
// kernel checks module signatures on, also under lockdown).
func NewModuleLoader(root string, timeout time.Duration, log io.Writer) (*ModuleLoader, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return nil, err
	}
	dir := filepath.Join(root, "lib", "modules", unix.ByteSliceToString(u.Release[:]))
	return &ModuleLoader{
		Dir: os.DirFS(dir),
		Load: func(ctx context.Context, rel, params string) error {
			return finitModule(filepath.Join(dir, rel), params)
		},
		Params:  ModuleParams(Cmdline()),
		Present: modulePresent,
		Timeout: timeout,
		Log:     log,
	}, nil
}

func finitModule(path, params string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	err = unix.FinitModule(int(f.Fd()), params, 0)
	if errors.Is(err, unix.EEXIST) {
		return nil
	}
	return err
}

// modulePresent reports whether the kernel has a module of that name,
// loaded or built in (with parameters or a version, so that it shows in
// /sys/module).
func modulePresent(name string) bool {
	_, err := os.Stat(filepath.Join("/sys/module", name))
	return err == nil
}

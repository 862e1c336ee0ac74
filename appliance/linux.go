//go:build linux

package appliance

import (
	"bufio"
	"context"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"
)

// NewSystem returns the real System: this kernel, /sys, /dev and the
// consoles. Modules load from /lib/modules/<release> with a time limit each.
func NewSystem(log io.Writer, moduleTimeout time.Duration) System {
	return &linuxSystem{log: log, moduleTimeout: moduleTimeout}
}

type linuxSystem struct {
	log           io.Writer
	moduleTimeout time.Duration
}

func (s *linuxSystem) LoadModules(ctx context.Context) ([]ModuleResult, error) {
	l, err := NewModuleLoader("/", s.moduleTimeout, s.log)
	if err != nil {
		return nil, err
	}
	return l.LoadAll(ctx)
}

func (s *linuxSystem) MountEfivarfs() error                          { return MountEfivarfs() }
func (s *linuxSystem) Sys() fs.FS                                    { return os.DirFS("/sys") }
func (s *linuxSystem) Cmdline() string                               { return Cmdline() }
func (s *linuxSystem) Open(name string) (io.ReadCloser, error)       { return OpenDevice(name) }
func (s *linuxSystem) MountStick(dev, dir string) error              { return MountStick(dev, dir) }
func (s *linuxSystem) UnmountStick(dir string) error                 { return UnmountStick(dir) }
func (s *linuxSystem) PowerOff() error                               { return PowerOff() }
func (s *linuxSystem) Network(ctx context.Context) ([]string, error) { return Network(ctx) }
func (s *linuxSystem) Reboot() error                                 { return Reboot() }

func (s *linuxSystem) Now() time.Time { return time.Now() }

func (s *linuxSystem) Sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// Consoles lists /sys/class/tty/console/active: the console= devices,
// e.g. tty0 and ttyS0 ("console" if it cannot be read).
func (s *linuxSystem) Consoles() []string {
	if b, err := os.ReadFile("/sys/class/tty/console/active"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			return f
		}
	}
	return []string{"console"}
}

// Lines reads lines from every active console, so that a technician at the
// screen and keyboard, or on the serial console, can answer.
func (s *linuxSystem) Lines(ctx context.Context) <-chan string {
	ch := make(chan string)
	for _, n := range s.Consoles() {
		f, err := os.Open("/dev/" + n)
		if err != nil {
			continue
		}
		go func() {
			defer f.Close()
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				select {
				case ch <- strings.TrimSpace(sc.Text()):
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	return ch
}

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Command is one process the bench runs.
type Command struct {
	Name string
	Args []string
	// OKExit lists exit statuses accepted besides 0 (kesu erase --verify
	// none exits 4: written, not verified).
	OKExit []int
}

// String is the command line as a shell would show it.
func (c Command) String() string { return strings.Join(append([]string{c.Name}, c.Args...), " ") }

// Sample is how one run of a command went.
type Sample struct {
	Wall      time.Duration
	MaxRSSKiB int64 // peak resident set (getrusage ru_maxrss)
	Exit      int
	Stdout    []byte
}

// Runner runs commands: execRunner runs processes, tests use a fake.
type Runner interface {
	Run(ctx context.Context, c Command) (Sample, error)
}

// CommandError is a command that failed or exited with a status it must
// not.
type CommandError struct {
	Command string
	Exit    int // -1: did not run to an exit
	Stderr  string
	Err     error
}

func (e *CommandError) Error() string {
	msg := fmt.Sprintf("%s: %v", e.Command, e.Err)
	if s := strings.TrimSpace(e.Stderr); s != "" {
		msg += ": " + lastLines(s, 3)
	}
	return msg
}

func (e *CommandError) Unwrap() error { return e.Err }

// ErrExit is wrapped by a CommandError for an exit status not accepted.
var ErrExit = errors.New("unexpected exit status")

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}

// execRunner runs each command as a process and takes its wall time from
// just before the start to just after the wait, and its peak RSS from the
// child's rusage.
type execRunner struct{}

func (execRunner) Run(ctx context.Context, c Command) (Sample, error) {
	cmd := exec.CommandContext(ctx, c.Name, c.Args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	s := Sample{Wall: time.Since(start), Stdout: stdout.Bytes(), Exit: -1}
	if cmd.ProcessState != nil {
		s.Exit = cmd.ProcessState.ExitCode()
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			s.MaxRSSKiB = ru.Maxrss
		}
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && slices.Contains(c.OKExit, s.Exit):
	case errors.As(err, &ee):
		return s, &CommandError{Command: c.String(), Exit: s.Exit, Stderr: stderr.String(), Err: fmt.Errorf("%w %d", ErrExit, s.Exit)}
	default:
		return s, &CommandError{Command: c.String(), Exit: s.Exit, Stderr: stderr.String(), Err: err}
	}
	return s, nil
}

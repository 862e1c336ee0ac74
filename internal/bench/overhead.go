package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The fixed overhead is taken from a system-call trace of a whole kesu
// run, so that it is what the definition says and not a difference of two
// clocks: strace -f -ttt -T -y records when the kesu process was exec'd,
// every write and fsync with the file behind its descriptor, and when the
// last thread exited. Only the traced calls stop the process
// (--seccomp-bpf), so the start-up and shut-down stay almost untouched.

// overheadMethod is what results.json says of the method.
const overheadMethod = "strace -f -q --seccomp-bpf -ttt -T -y -e trace=execve,pwrite64,write,fsync,fdatasync around " +
	"`kesu erase --pattern zero --verify 10% --journal DIR --key KEY --yes --json` on a small RAM-backed loop device " +
	"(run n times, outside the interleaved rounds): (first write to the device − execve) + (process exit − end of the " +
	"last write or fsync on the device). The canaries are written with io_uring (or io_submit), which is not traced, so their planting " +
	"and read-back count as overhead (the conservative side), as do start-up, probing, key loading, journal creation, " +
	"the 10% read-back, the record, its signature and exit."

// straceArgs are strace's arguments around cmd, writing the trace to out.
func straceArgs(out string, cmd Command) []string {
	return append([]string{"-f", "-q", "--seccomp-bpf", "-ttt", "-T", "-y", "-o", out,
		"-e", "trace=execve,pwrite64,write,fsync,fdatasync", cmd.Name}, cmd.Args...)
}

// Trace is what one traced run says of its time, in seconds since the
// epoch.
type Trace struct {
	Start      float64 // execve
	FirstWrite float64 // start of the first write to the device
	LastEnd    float64 // end of the last write or fsync on the device
	Exit       float64 // the last thread's exit
	DevCalls   int
}

// Overhead is the time outside the device's data window.
func (t Trace) Overhead() float64 { return (t.FirstWrite - t.Start) + (t.Exit - t.LastEnd) }

// ErrTrace is wrapped by errors reading a trace.
var ErrTrace = errors.New("unreadable strace output")

// parseStrace reads the output of straceArgs for the device path dev.
func parseStrace(text, dev string) (Trace, error) {
	var t Trace
	pending := map[string]bool{} // pids inside an unfinished device call
	tag := "</" + strings.TrimPrefix(dev, "/") + ">"
	for n, line := range strings.Split(strings.TrimSpace(text), "\n") {
		// "PID TIME CALL...": strace pads the pid to a width with spaces.
		pid, after, _ := strings.Cut(strings.TrimSpace(line), " ")
		stamp, rest, ok := strings.Cut(strings.TrimLeft(after, " "), " ")
		if !ok {
			return t, fmt.Errorf("%w: line %d: %q", ErrTrace, n+1, line)
		}
		ts, err := strconv.ParseFloat(stamp, 64)
		if err != nil {
			return t, fmt.Errorf("%w: line %d: %v", ErrTrace, n+1, err)
		}
		if n == 0 {
			if !strings.HasPrefix(rest, "execve(") {
				return t, fmt.Errorf("%w: first line is not the execve: %q", ErrTrace, line)
			}
			t.Start = ts
		}
		t.Exit = ts
		switch {
		case strings.HasPrefix(rest, "<... ") && pending[pid]:
			delete(pending, pid)
			t.LastEnd = max(t.LastEnd, ts)
		case isDeviceCall(rest, tag):
			t.DevCalls++
			if t.FirstWrite == 0 {
				t.FirstWrite = ts
			}
			if strings.HasSuffix(rest, "<unfinished ...>") {
				pending[pid] = true
				continue
			}
			t.LastEnd = max(t.LastEnd, ts+callDuration(rest))
		}
	}
	if t.DevCalls == 0 {
		return t, fmt.Errorf("%w: no write to %s", ErrTrace, dev)
	}
	return t, nil
}

func isDeviceCall(rest, tag string) bool {
	name, args, ok := strings.Cut(rest, "(")
	if !ok {
		return false
	}
	switch name {
	case "pwrite64", "write", "fsync", "fdatasync":
		fd, _, _ := strings.Cut(args, ",")
		fd, _, _ = strings.Cut(fd, ")")
		return strings.HasSuffix(fd, tag)
	}
	return false
}

// callDuration is the <seconds> strace -T appends.
func callDuration(rest string) float64 {
	i := strings.LastIndex(rest, "<")
	if i < 0 || !strings.HasSuffix(rest, ">") {
		return 0
	}
	d, err := strconv.ParseFloat(rest[i+1:len(rest)-1], 64)
	if err != nil {
		return 0
	}
	return d
}

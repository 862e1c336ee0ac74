package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// fakeDevices hands out /dev/loopN names and tracks markers.
type fakeDevices struct {
	mu      sync.Mutex
	next    int
	live    map[string]*Device
	removed []string
	marked  map[string]bool
	last    *Device
}

func newFakeDevices() *fakeDevices {
	return &fakeDevices{live: map[string]*Device{}, marked: map[string]bool{}}
}

func (f *fakeDevices) Create(k Kind, size int64) (*Device, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := &Device{Kind: k, Path: fmt.Sprintf("/dev/loop%d", f.next), Backing: fmt.Sprintf("/fake/%s/%d.img", k, f.next), FS: "fakefs", Size: size}
	f.next++
	f.live[d.Path] = d
	f.last = d
	return d, nil
}

func (f *fakeDevices) Remove(d *Device) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.live, d.Path)
	f.removed = append(f.removed, d.Path)
	return nil
}

func (f *fakeDevices) Mark(d *Device) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.marked[d.Path] = true
	return nil
}

func (f *fakeDevices) Marked(d *Device) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.marked[d.Path], nil
}

func (f *fakeDevices) kind(path string) Kind {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d := f.live[path]; d != nil {
		return d.Kind
	}
	return "?"
}

// classify names a command as the tests see it: "ram/kesu_zero",
// "disk/dd_read", "kesu_parallel", "strace", ...
func classify(f *fakeDevices, c Command) string {
	arg := func(name string) string {
		for i, a := range c.Args {
			if a == name && i+1 < len(c.Args) {
				return c.Args[i+1]
			}
			if v, ok := strings.CutPrefix(a, name+"="); ok {
				return v
			}
		}
		return ""
	}
	switch {
	case c.Name == "dd" && arg("if") == "/dev/zero":
		return string(f.kind(arg("of"))) + "/dd_zero"
	case c.Name == "dd":
		return string(f.kind(arg("if"))) + "/dd_read"
	case strings.HasSuffix(c.Name, "strace"):
		return "strace"
	case strings.HasSuffix(c.Name, "nwipe"):
		m := map[string]string{"zero": nwipeZero, "random": nwipeRandom, "verify_zero": nwipeVerify}[arg("--method")]
		return string(f.kind(c.Args[len(c.Args)-1])) + "/" + m
	}
	if len(c.Args) == 0 {
		return "?"
	}
	if c.Args[0] == floorFlag && len(c.Args) > 1 {
		return string(f.kind(c.Args[1])) + "/" + floorVerify10
	}
	if c.Args[0] == checkRandomFlag && len(c.Args) > 1 {
		return string(f.kind(c.Args[1])) + "/check_random"
	}
	if c.Args[0] == writeFloorFlag && len(c.Args) > 1 {
		return string(f.kind(c.Args[1])) + "/" + floorRandom
	}
	dev := string(f.kind(arg("--device"))) + "/"
	switch c.Args[0] {
	case "version", "keygen":
		return c.Args[0]
	case "verify":
		if arg("--sample") == "full" {
			return dev + kesuVerifyFull
		}
		return dev + kesuVerify10
	case "erase":
		switch {
		case strings.Count(strings.Join(c.Args, " "), "--device") > 1:
			return "kesu_parallel"
		case arg("--pattern") == "random":
			return dev + kesuRandom
		case arg("--verify") == "10%":
			return dev + kesuZeroVerify10
		}
		return dev + kesuZero
	}
	return "?"
}

// fakeRunner answers commands by class: walls[class] is taken round-robin
// (a missing class takes 1 s), rss[class] is the peak RSS in KiB, fail
// lists classes that fail. Every call is logged by class.
type fakeRunner struct {
	dev   *fakeDevices
	mu    sync.Mutex
	walls map[string][]time.Duration
	rss   map[string]int64
	fail  map[string]error
	calls []string
	seen  map[string]int
	// multi: kesu erases every --device it is given; otherwise only the
	// last one (the flag overwritten), as a kesu without multi-device
	// erase does.
	multi bool
}

func newFakeRunner(dev *fakeDevices) *fakeRunner {
	return &fakeRunner{dev: dev, walls: map[string][]time.Duration{}, rss: map[string]int64{}, fail: map[string]error{}, seen: map[string]int{}, multi: true}
}

func (r *fakeRunner) Run(_ context.Context, c Command) (Sample, error) {
	class := classify(r.dev, c)
	r.mu.Lock()
	r.calls = append(r.calls, class)
	i := r.seen[class]
	r.seen[class]++
	w := time.Second
	if ws := r.walls[class]; len(ws) > 0 {
		w = ws[i%len(ws)]
	}
	err := r.fail[class]
	r.mu.Unlock()
	if err != nil {
		return Sample{Exit: 1}, err
	}
	if class == "kesu_parallel" {
		var devs []string
		for i, a := range c.Args {
			if a == "--device" {
				devs = append(devs, c.Args[i+1])
			}
		}
		if !r.multi {
			devs = devs[len(devs)-1:]
		}
		for _, d := range devs {
			r.dev.mu.Lock()
			r.dev.marked[d] = false
			r.dev.mu.Unlock()
		}
	}
	return Sample{Wall: w, MaxRSSKiB: r.rss[class], Stdout: []byte("kesu v1.0.0-test\n")}, nil
}

// callsOf is the logged calls without the setup commands.
func (r *fakeRunner) callsOf(keep func(string) bool) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(r.calls), func(s string) bool { return !keep(s) })
}

func secs(v ...float64) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x * float64(time.Second))
	}
	return out
}

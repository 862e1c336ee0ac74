// Command bench measures kesu's overwrite and verification speed against dd
// on a RAM-backed loop device (a file under /dev/shm), alternating the two
// on the same device, and kesu's peak memory. It needs root and cleans up
// its loop device. Run it with `make bench`.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

type sample struct {
	wall   time.Duration
	maxRSS int64 // KiB
}

type runner struct {
	kesu string
	dev  string
	size int64
}

func main() {
	kesu := flag.String("kesu", "out/kesu", "kesu binary to measure")
	sizeMiB := flag.Int64("size", 2048, "loop device size in MiB (≥ 1024)")
	runs := flag.Int("runs", 5, "runs of each command (≥ 3)")
	flag.Parse()
	if os.Geteuid() != 0 {
		fatal("bench needs root (loop devices)")
	}
	if *sizeMiB < 1024 || *sizeMiB%4 != 0 || *runs < 3 {
		fatal("want -size ≥ 1024 (a multiple of 4) and -runs ≥ 3")
	}
	bin, err := filepath.Abs(*kesu)
	if err != nil {
		fatal(err.Error())
	}
	img, err := os.CreateTemp("/dev/shm", "kesu-bench-*.img")
	if err != nil {
		fatal(err.Error())
	}
	imgPath := img.Name()
	img.Close()
	defer os.Remove(imgPath)
	size := *sizeMiB << 20
	if err := os.Truncate(imgPath, size); err != nil {
		fatal(err.Error())
	}
	out, err := exec.Command("losetup", "--find", "--show", imgPath).Output()
	if err != nil {
		fatal("losetup: " + err.Error())
	}
	dev := strings.TrimSpace(string(out))
	defer func() {
		if err := exec.Command("losetup", "--detach", dev).Run(); err != nil {
			fmt.Fprintln(os.Stderr, "bench: detach", dev, err)
		}
	}()
	r := &runner{kesu: bin, dev: dev, size: size}
	fmt.Printf("kesu bench: %s over %s (%d MiB, RAM-backed), %d runs each, alternating kesu and dd\n", dev, imgPath, *sizeMiB, *runs)
	// Populate tmpfs pages once so the first timed run does not pay for it.
	r.must(r.ddZero())

	count := fmt.Sprint(size / (4 << 20))
	cases := []struct {
		name string
		cmd  func() (sample, error)
	}{
		{"dd zero write", r.ddZero},
		{"kesu erase zero", func() (sample, error) {
			return r.run(4, r.kesu, "erase", "--device", dev, "--pattern", "zero", "--verify", "none", "--yes")
		}},
		{"kesu erase random", func() (sample, error) {
			return r.run(4, r.kesu, "erase", "--device", dev, "--pattern", "random", "--verify", "none", "--yes")
		}},
		{"dd read", func() (sample, error) {
			return r.run(0, "dd", "if="+dev, "of=/dev/null", "bs=4M", "count="+count, "iflag=direct", "status=none")
		}},
		{"kesu verify full", func() (sample, error) {
			return r.run(0, r.kesu, "verify", "--device", dev, "--expect", "zero", "--sample", "full")
		}},
		{"kesu verify 10%", func() (sample, error) {
			return r.run(0, r.kesu, "verify", "--device", dev, "--expect", "zero", "--sample", "10%")
		}},
	}
	res := map[string][]sample{}
	for i := 0; i < *runs; i++ {
		for _, c := range cases {
			if c.name == "kesu verify full" || c.name == "kesu verify 10%" || c.name == "dd read" {
				// Verification expects zeros: lay them down untimed.
				if c.name == "dd read" {
					r.must(r.ddZero())
				}
			}
			s, err := c.cmd()
			if err != nil {
				fatal(c.name + ": " + err.Error())
			}
			res[c.name] = append(res[c.name], s)
		}
	}
	med := func(name string) time.Duration { return median(res[name]) }
	fmt.Printf("\n%-20s %10s %10s %10s %12s\n", "command", "median", "min", "max", "peak RSS")
	for _, c := range cases {
		s := res[c.name]
		lo, hi := minmax(s)
		fmt.Printf("%-20s %9.3fs %9.3fs %9.3fs %9.1f MiB\n", c.name, med(c.name).Seconds(), lo.Seconds(), hi.Seconds(), float64(maxRSS(s))/1024)
	}
	fmt.Printf("\n%-44s %8s %8s  %s\n", "ratio (medians)", "value", "goal", "")
	ratio := func(label, a, b string, goal float64) {
		v := med(a).Seconds() / med(b).Seconds()
		verdict := "met"
		if v > goal {
			verdict = "NOT MET"
		}
		fmt.Printf("%-44s %8.3f %8.2f  %s\n", label, v, goal, verdict)
	}
	ratio("kesu erase zero / dd zero write", "kesu erase zero", "dd zero write", 1.05)
	ratio("kesu erase random / dd zero write", "kesu erase random", "dd zero write", 1.15)
	ratio("kesu verify full / dd read", "kesu verify full", "dd read", 1.05)
	ratio("kesu verify 10% / kesu verify full", "kesu verify 10%", "kesu verify full", 0.15)
	peak := max(maxRSS(res["kesu erase zero"]), maxRSS(res["kesu erase random"]))
	verdict := "met"
	if peak > 64<<10 {
		verdict = "NOT MET"
	}
	fmt.Printf("%-44s %6.1f MiB %5d MiB  %s\n", "peak RSS of kesu erase", float64(peak)/1024, 64, verdict)
}

func (r *runner) ddZero() (sample, error) {
	return r.run(0, "dd", "if=/dev/zero", "of="+r.dev, "bs=4M", fmt.Sprint("count=", r.size/(4<<20)), "oflag=direct", "conv=fsync", "status=none")
}

func (r *runner) must(_ sample, err error) {
	if err != nil {
		fatal(err.Error())
	}
}

// run times one command; okCode is an exit status accepted besides 0.
func (r *runner) run(okCode int, name string, args ...string) (sample, error) {
	cmd := exec.Command(name, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || okCode == 0 || ee.ExitCode() != okCode {
			return sample{}, fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, stderr.String())
		}
	}
	s := sample{wall: wall}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.maxRSS = ru.Maxrss
	}
	return s, nil
}

func median(s []sample) time.Duration {
	d := make([]time.Duration, len(s))
	for i, x := range s {
		d[i] = x.wall
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	if len(d)%2 == 1 {
		return d[len(d)/2]
	}
	return (d[len(d)/2-1] + d[len(d)/2]) / 2
}

func minmax(s []sample) (lo, hi time.Duration) {
	lo = s[0].wall
	for _, x := range s {
		lo, hi = min(lo, x.wall), max(hi, x.wall)
	}
	return lo, hi
}

func maxRSS(s []sample) int64 {
	var m int64
	for _, x := range s {
		m = max(m, x.maxRSS)
	}
	return m
}

func fatal(msg string) {
	fmt.Fprintln(os.Stderr, "bench:", msg)
	os.Exit(1)
}

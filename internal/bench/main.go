// Command bench is `make bench`: it measures kesu against dd (and nwipe
// when installed) on loop devices it creates — RAM-backed (/dev/shm) and
// disk-backed (a file on the root filesystem) — in interleaved rounds,
// plus kesu's fixed overhead, peak memory, parallel erasure of several
// devices and the wall time of a firmware erase on an emulated drive. It
// prints a table and writes out/bench/results.json. It needs root and
// removes every device it made.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == writeFloorFlag {
		if len(os.Args) != 3 {
			fmt.Fprintln(os.Stderr, "bench:", errWriteFloorUsage)
			os.Exit(2)
		}
		if _, err := randomWriteFloor(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "bench: random-write floor:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == checkRandomFlag {
		if len(os.Args) != 3 {
			fmt.Fprintln(os.Stderr, "bench:", errCheckRandomUsage)
			os.Exit(2)
		}
		if err := checkRandom(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, "bench: random content:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == floorFlag {
		floorMain(os.Args[2:])
		return
	}
	kesu := flag.String("kesu", "out/kesu", "kesu binary to measure")
	size := flag.Int64("size", 2048, "single-drive device size in MiB (a multiple of 4; the goals are stated at 2048)")
	runs := flag.Int("runs", 5, "interleaved rounds, n (the goals are stated for n ≥ 5)")
	drives := flag.Int("parallel", 8, "devices erased at once in the parallel case")
	psize := flag.Int64("parallel-size", 1024, "size of each parallel device in MiB (a multiple of 4)")
	osize := flag.Int64("overhead-size", 64, "size of the fixed-overhead device in MiB (a multiple of 4)")
	fw := flag.Duration("firmware-time", 30*time.Second, "how long the emulated drive's sanitize takes")
	fwsize := flag.Int64("firmware-size", 64, "the emulated drive's size in MiB")
	ramDir := flag.String("ram-dir", "/dev/shm", "directory (tmpfs) for the RAM-backed devices' files")
	diskDir := flag.String("disk-dir", "/var/tmp", "directory on the root filesystem for the disk-backed device's file")
	out := flag.String("out", "out/bench/results.json", "where to write the results")
	flag.Parse()
	if err := run(*kesu, *out, *ramDir, *diskDir, Config{SizeMiB: *size, Runs: *runs, ParallelDrives: *drives, ParallelSizeMiB: *psize,
		OverheadSizeMiB: *osize, FirmwareTime: *fw, FirmwareSizeMiB: *fwsize}); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// floorMain is `bench -sample-floor DEVICE [-sample-percent N]`: the
// sampled-read floor (floor.go) as a process of its own.
func floorMain(args []string) {
	fs := flag.NewFlagSet("sample-floor", flag.ExitOnError)
	pct := fs.Float64("sample-percent", 10, "the share of the device the plan reads")
	if len(args) < 1 {
		fmt.Fprintln(os.Stderr, "bench:", errFloorUsage)
		os.Exit(2)
	}
	fs.Parse(args[1:])
	if _, err := sampledReadFloor(args[0], *pct); err != nil {
		fmt.Fprintln(os.Stderr, "bench: sampled-read floor:", err)
		os.Exit(1)
	}
}

func run(kesu, out, ramDir, diskDir string, cfg Config) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("needs root (loop devices)")
	}
	for _, v := range []int64{cfg.SizeMiB, cfg.ParallelSizeMiB, cfg.OverheadSizeMiB} {
		if v < 16 || v%4 != 0 {
			return fmt.Errorf("device sizes must be multiples of 4 MiB, at least 16")
		}
	}
	if cfg.Runs < 3 || cfg.ParallelDrives < 1 || cfg.FirmwareTime <= 0 {
		return fmt.Errorf("want -runs ≥ 3, -parallel ≥ 1, -firmware-time > 0")
	}
	var err error
	if cfg.Kesu, err = filepath.Abs(kesu); err != nil {
		return err
	}
	cfg.NWipe, _ = exec.LookPath("nwipe")
	cfg.Strace, _ = exec.LookPath("strace")
	cfg.Floor, _ = os.Executable()
	if cfg.Work, err = os.MkdirTemp("", "kesu-bench-"); err != nil {
		return err
	}
	defer os.RemoveAll(cfg.Work)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r := execRunner{}
	env := Env{Runner: r, Devices: loopDevices{dirs: map[Kind]string{RAM: ramDir, Disk: diskDir}}, Firmware: emulatedSanitize,
		Machine: thisMachine(ctx, r, cfg.Kesu, time.Now()), ReadFile: os.ReadFile, Log: os.Stderr}
	res, err := Bench(ctx, cfg, env)
	if err != nil {
		return err
	}
	printTable(os.Stdout, res)
	if err := res.write(out); err != nil {
		return err
	}
	fmt.Printf("results: %s\n", out)
	return nil
}

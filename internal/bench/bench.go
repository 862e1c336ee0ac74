package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Config is what to measure and how much.
type Config struct {
	Kesu            string // absolute path of the kesu binary
	SizeMiB         int64  // each single-drive device
	Runs            int    // interleaved rounds (n)
	ParallelDrives  int
	ParallelSizeMiB int64
	OverheadSizeMiB int64
	FirmwareTime    time.Duration
	FirmwareSizeMiB int64
	NWipe           string // nwipe's path, "" when not installed
	Strace          string // strace's path
	// Floor is this program's path, to time the sampled-read floor
	// (floor.go) as a process; "" leaves it out.
	Floor string
	Work  string // a directory for journals, keys and traces
}

// Env is what the bench acts through; tests give fakes.
type Env struct {
	Runner   Runner
	Devices  Devices
	Firmware FirmwareRun
	Machine  Machine
	ReadFile func(string) ([]byte, error)
	Log      io.Writer
}

// Bench measures every key. Devices it creates are removed before it
// returns. Failures of one measurement are recorded in its key; only a
// failure to set up the devices or lay down data ends the bench.
func Bench(ctx context.Context, cfg Config, env Env) (res *Results, err error) {
	res = &Results{Schema: Schema, Machine: env.Machine, Caveats: []string{}}
	res.Settings = Settings{Kesu: cfg.Kesu, SizeMiB: cfg.SizeMiB, Runs: cfg.Runs,
		Interleaving:   "each round runs a group's commands in order, the next round in reverse; kesu and dd alternate on the same device",
		ParallelDrives: cfg.ParallelDrives, ParallelSizeMiB: cfg.ParallelSizeMiB, OverheadSizeMiB: cfg.OverheadSizeMiB,
		FirmwareSeconds: cfg.FirmwareTime.Seconds(), FirmwareSizeMiB: cfg.FirmwareSizeMiB,
		DDWrite: "dd if=/dev/zero bs=4M oflag=direct conv=fsync", DDRead: "dd of=/dev/null bs=4M iflag=direct"}
	if cfg.Runs < 5 {
		res.Caveats = append(res.Caveats, fmt.Sprintf("n = %d: the goals are stated for n ≥ 5", cfg.Runs))
	}
	if cfg.SizeMiB != 2048 {
		res.Caveats = append(res.Caveats, fmt.Sprintf("devices of %d MiB: verify10_vs_verify_full's goal is stated at 2 GiB", cfg.SizeMiB))
	}
	if cfg.NWipe != "" {
		res.NWipePath = cfg.NWipe
		res.NWipe = map[string]map[string]*Key{}
	}
	var created []*Device
	create := func(k Kind, size int64) (*Device, error) {
		d, err := env.Devices.Create(k, size)
		if err == nil {
			created = append(created, d)
			res.Devices = append(res.Devices, d)
		}
		return d, err
	}
	release := func() {
		for _, d := range created {
			if rerr := env.Devices.Remove(d); rerr != nil {
				err = errors.Join(err, fmt.Errorf("bench: removing %s: %w", d.Path, rerr))
			}
		}
		created = nil
	}
	defer release()

	// Single-drive rounds on a RAM-backed and a disk-backed device.
	var plans []DevicePlan
	for _, k := range []Kind{RAM, Disk} {
		d, err := create(k, cfg.SizeMiB<<20)
		if err != nil {
			return res, err
		}
		// Allocate the backing pages or blocks once, untimed.
		if _, err := env.Runner.Run(ctx, ddWrite(d)); err != nil {
			return res, fmt.Errorf("bench: populating %s: %w", d.Path, err)
		}
		plans = append(plans, DevicePlan{Device: d, Groups: singleDriveGroups(cfg.Kesu, cfg.NWipe, cfg.Floor, d), Zero: ddWrite(d)})
	}
	fmt.Fprintf(env.Log, "single-drive rounds: %d × (writes, reads) on %s and %s\n", cfg.Runs, plans[0].Device.Path, plans[1].Device.Path)
	series, err := runRounds(ctx, env.Runner, plans, cfg.Runs, env.Log)
	if err != nil {
		return res, err
	}
	for _, p := range plans {
		singleDriveKeys(res, series, p.Device.Kind, cfg.NWipe != "")
	}
	release()

	// Fixed overhead: traced runs on a small RAM device.
	ov, err := create(RAM, cfg.OverheadSizeMiB<<20)
	if err != nil {
		return res, err
	}
	res.setKey("fixed_overhead_s", string(RAM), fixedOverhead(ctx, cfg, env, ov))
	release()

	// Parallel: one kesu over N devices against N dd's.
	var devs []*Device
	for range cfg.ParallelDrives {
		d, err := create(RAM, cfg.ParallelSizeMiB<<20)
		if err != nil {
			return res, err
		}
		if _, err := env.Runner.Run(ctx, ddWrite(d)); err != nil {
			return res, fmt.Errorf("bench: populating %s: %w", d.Path, err)
		}
		devs = append(devs, d)
	}
	fmt.Fprintf(env.Log, "parallel rounds: %d devices of %d MiB\n", len(devs), cfg.ParallelSizeMiB)
	journal := filepath.Join(cfg.Work, "parallel-journal")
	if err := os.MkdirAll(journal, 0o700); err != nil {
		return res, fmt.Errorf("bench: %w", err)
	}
	ks, ds := runParallel(ctx, env.Runner, env.Devices, cfg.Kesu, devs, journal, cfg.Runs, env.Log)
	pk := parallelKey(ks, ds, len(devs))
	pk.Device = fmt.Sprintf("%d RAM-backed loop devices of %d MiB (%s over %s, …)", len(devs), cfg.ParallelSizeMiB, devs[0].Path, devs[0].Backing)
	res.setKey("parallel_vs_dd_parallel", string(RAM), pk)
	res.Series = append(res.Series, summarize(ks), summarize(ds))
	release()

	// Firmware erase on an emulated drive.
	fmt.Fprintf(env.Log, "firmware erase: %d runs of an emulated sanitize taking %v\n", cfg.Runs, cfg.FirmwareTime)
	n := 0
	tmp := func() (string, error) {
		n++
		dir := filepath.Join(cfg.Work, fmt.Sprintf("firmware-%d", n))
		return dir, os.MkdirAll(dir, 0o700)
	}
	fs := runFirmware(ctx, env.Firmware, cfg.FirmwareTime, cfg.FirmwareSizeMiB<<20, tmp, cfg.Runs)
	res.setKey("firmware_erase_wall_vs_device", string(fs.Device.Kind), firmwareKey(fs, cfg.FirmwareTime))
	res.Series = append(res.Series, summarize(fs))

	for _, id := range sortedIDs(series) {
		res.Series = append(res.Series, summarize(series[id]))
	}
	res.Publishable = len(res.Caveats) == 0
	res.finish()
	return res, nil
}

// singleDriveKeys files the keys of one device's rounds.
func singleDriveKeys(res *Results, series map[string]*Series, k Kind, nwipe bool) {
	s := func(name string) *Series {
		if x := series[seriesID(k, name)]; x != nil {
			return x
		}
		return &Series{Name: name, Device: &Device{Kind: k}, Err: fmt.Errorf("bench: %s was not run", name)}
	}
	dev := string(k)
	res.setKey("zero_vs_dd", dev, ratioKey(s(kesuZero), s(ddZero), 1.05, AtMost))
	// withLimit gives key the limit its floor series (if it ran) sets
	// against the same denominator.
	withLimit := func(key *Key, floorName string, against *Series, says, method string) *Key {
		if fl := series[seriesID(k, floorName)]; fl != nil {
			floor := ratioKey(fl, against, key.Goal, key.Comparison)
			key.Limit = &Limit{Value: floor.Value, Formula: floor.Formula, From: floor.From, Error: floor.Error, Says: says, Method: method}
		}
		return key
	}
	res.setKey("random_vs_dd", dev, withLimit(ratioKey(s(kesuRandom), s(ddZero), 1.10, AtMost), floorRandom, s(ddZero),
		"fresh bytes written as kesu writes them, made by one copying goroutine instead of kesu's keystream generators",
		"the device written as kesu's random pass writes it (4 MiB chunks, O_DIRECT, one write in flight, fsync at the end) from a ring of four 4 MiB buffers on huge pages that a second goroutine refills before each write by copying a random chunk made beforehand, rotated by 4 KiB a chunk — the keystream replaced by one core copying — timed as a process: what writing bytes made just before, on one other core, costs on the device. A reference, not a bound: kesu's generators run on several cores and can come in under it. The content repeats (1,024 distinct 4 KiB blocks), which a loop device does not notice; a device that deduplicates or compresses would write it faster than truly random data"))
	res.setKey("zero_verify10_vs_dd", dev, ratioKey(s(kesuZeroVerify10), s(ddZero), 1.20, AtMost))
	res.setKey("verify_full_vs_dd_read", dev, ratioKey(s(kesuVerifyFull), s(ddRead), 1.05, AtMost))
	v10 := withLimit(ratioKey(s(kesuVerify10), s(kesuVerifyFull), 0.15, AtMost), floorVerify10, s(kesuVerifyFull),
		"these reads alone, submitted as kesu submits them",
		"the same sampling plan's reads (adjacent samples joined, as kesu reads them) with O_DIRECT, submitted as kesu submits them (io_uring, else AIO; up to 64 or 8 MiB in flight), and nothing else — no comparison, canaries or record — timed as a process: what the device allows for that request pattern")
	res.setKey("verify10_vs_verify_full", dev, v10)
	res.setKey("rss_mib_one_drive", dev, rssKey(64, s(kesuZero), s(kesuRandom), s(kesuZeroVerify10)))
	if nwipe {
		res.setKey("random_vs_nwipe", dev, ratioKey(s(kesuRandom), s(nwipeRandom), 1.0, AtMost))
		res.setNWipe("zero_vs_dd", dev, ratioKey(s(nwipeZero), s(ddZero), 1.05, AtMost))
		res.setNWipe("random_vs_dd", dev, ratioKey(s(nwipeRandom), s(ddZero), 1.10, AtMost))
		res.setNWipe("verify_full_vs_dd_read", dev, ratioKey(s(nwipeVerify), s(ddRead), 1.05, AtMost))
	}
}

// fixedOverhead traces n kesu runs with a signed record on d.
func fixedOverhead(ctx context.Context, cfg Config, env Env, d *Device) *Key {
	k := &Key{Unit: "s", Goal: 0.3, Comparison: AtMost, Device: describe(d), Method: overheadMethod,
		Formula: "median over runs of (first device write − execve) + (exit − last device write end)"}
	fail := func(err error) *Key { k.Error = err.Error(); return k }
	if cfg.Strace == "" {
		return fail(errors.New("strace is not installed"))
	}
	keyDir := filepath.Join(cfg.Work, "key")
	journal := filepath.Join(cfg.Work, "overhead-journal")
	for _, dir := range []string{keyDir, journal} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fail(err)
		}
	}
	if _, err := env.Runner.Run(ctx, Command{Name: cfg.Kesu, Args: []string{"keygen", "--out", keyDir}}); err != nil {
		return fail(err)
	}
	run := Command{Name: cfg.Kesu, Args: []string{"erase", "--device", d.Path, "--pattern", "zero", "--verify", "10%",
		"--journal", journal, "--key", filepath.Join(keyDir, "kesu-signing.key"), "--yes", "--json"}}
	over := &Series{Name: "kesu_fixed_overhead", Tool: "kesu", Device: d, Command: run.String()}
	walls := &Series{Name: "kesu_traced_run", Tool: "kesu", Device: d, Command: "strace … " + run.String()}
	fmt.Fprintf(env.Log, "fixed overhead: %d traced runs on %s\n", cfg.Runs, d.Path)
	for i := range cfg.Runs {
		out := filepath.Join(cfg.Work, fmt.Sprintf("overhead-%d.strace", i))
		s, err := env.Runner.Run(ctx, Command{Name: cfg.Strace, Args: straceArgs(out, run)})
		if err != nil {
			return fail(err)
		}
		text, err := env.ReadFile(out)
		if err != nil {
			return fail(err)
		}
		tr, err := parseStrace(string(text), d.Path)
		if err != nil {
			return fail(err)
		}
		walls.Samples = append(walls.Samples, s)
		over.Samples = append(over.Samples, Sample{Wall: time.Duration(tr.Overhead() * float64(time.Second)), MaxRSSKiB: s.MaxRSSKiB})
		fmt.Fprintf(env.Log, "  overhead %.3fs (data window %.3fs, run %.3fs)\n", tr.Overhead(), tr.LastEnd-tr.FirstWrite, s.Wall.Seconds())
	}
	k.From = []Operand{operand(over), operand(walls)}
	k.N = len(over.Samples)
	k.setValue(median(over.Samples).Seconds())
	return k
}

func sortedIDs(m map[string]*Series) []string {
	var ids []string
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

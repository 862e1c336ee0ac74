package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		walls []float64
		want  float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{1, 9, 2, 8, 3}, 3},
	} {
		var s []Sample
		for _, w := range secs(tc.walls...) {
			s = append(s, Sample{Wall: w})
		}
		if got := median(s).Seconds(); got != tc.want {
			t.Errorf("median(%v) = %v; want %v", tc.walls, got, tc.want)
		}
	}
}

func TestMet(t *testing.T) {
	for _, tc := range []struct {
		v, goal float64
		cmp     string
		want    bool
	}{
		{1.05, 1.05, AtMost, true},
		{1.0501, 1.05, AtMost, false},
		{0.2, 1.05, AtMost, true},
		{0.9, 0.9, AtLeast, true},
		{0.89, 0.9, AtLeast, false},
		{1.3, 0.9, AtLeast, true},
	} {
		if got := met(tc.v, tc.goal, tc.cmp); got != tc.want {
			t.Errorf("met(%v, %v, %q) = %v; want %v", tc.v, tc.goal, tc.cmp, got, tc.want)
		}
	}
}

func series(name string, walls ...float64) *Series {
	s := &Series{Name: name, Device: &Device{Kind: RAM, Path: "/dev/loop9"}, Command: name}
	for _, w := range secs(walls...) {
		s.Samples = append(s.Samples, Sample{Wall: w, MaxRSSKiB: int64(w / time.Millisecond)})
	}
	return s
}

func TestRatioKey(t *testing.T) {
	k := ratioKey(series(kesuZero, 2, 9, 1, 2.2, 2.1), series(ddZero, 2, 2, 3, 1, 2), 1.05, AtMost)
	if k.Value == nil || math.Abs(*k.Value-1.05) > 1e-9 || !k.Met || k.N != 5 {
		t.Fatalf("ratioKey = value %v met %v n %d; want 1.05 (2.1/2), met, 5", k.Value, k.Met, k.N)
	}
	if k.From[0].MedianS != 2.1 || k.From[1].MedianS != 2 || k.From[0].Series != "ram/kesu_zero" {
		t.Errorf("from = %+v; want medians 2.1 and 2 of ram/kesu_zero and ram/dd_zero", k.From)
	}
	k = ratioKey(series(kesuRandom, 3, 3, 3), series(ddZero, 2, 2, 2), 1.10, AtMost)
	if *k.Value != 1.5 || k.Met {
		t.Errorf("ratioKey = %v met %v; want 1.5, not met", *k.Value, k.Met)
	}
	failed := series(kesuRandom)
	failed.Err = errors.New("boom")
	k = ratioKey(failed, series(ddZero, 1), 1.10, AtMost)
	if k.Value != nil || k.Met || k.Error != "boom" {
		t.Errorf("ratioKey of a failed series = %v met %v error %q; want null, not met, boom", k.Value, k.Met, k.Error)
	}
	k = rssKey(64, series(kesuZero, 0.010, 0.030), series(kesuRandom, 0.020))
	if *k.Value != 30.0/1024 || k.N != 3 || !k.Met {
		t.Errorf("rssKey = %v n %d; want %v over 3 samples, met", *k.Value, k.N, 30.0/1024)
	}
}

func TestRoundOrder(t *testing.T) {
	g := Group{{Name: "a"}, {Name: "b"}, {Name: "c"}}
	names := func(g Group) string {
		var s []string
		for _, c := range g {
			s = append(s, c.Name)
		}
		return strings.Join(s, ",")
	}
	for r, want := range []string{"a,b,c", "c,b,a", "a,b,c", "c,b,a"} {
		if got := names(roundOrder(g, r)); got != want {
			t.Errorf("roundOrder(round %d) = %s; want %s", r, got, want)
		}
	}
}

// Two rounds on one device with nwipe: kesu, dd and nwipe alternate, the
// second round reversed; after nwipe's random wipe the reads get zeros laid
// down first (untimed), after dd's zero write they do not.
func TestRunRoundsInterleaving(t *testing.T) {
	dv := newFakeDevices()
	d, _ := dv.Create(RAM, 64<<20)
	r := newFakeRunner(dv)
	plans := []DevicePlan{{Device: d, Groups: singleDriveGroups("/k/kesu", "/usr/sbin/nwipe", "", d), Zero: ddWrite(d)}}
	ss, err := runRounds(context.Background(), r, plans, 2, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"ram/dd_zero", "ram/kesu_zero", "ram/kesu_random", "ram/kesu_zero_verify10", "ram/nwipe_zero", "ram/nwipe_random",
		"ram/dd_zero", // untimed: the reads need zeros
		"ram/dd_read", "ram/kesu_verify_full", "ram/kesu_verify10", "ram/nwipe_verify",
		"ram/nwipe_random", "ram/nwipe_zero", "ram/kesu_zero_verify10", "ram/kesu_random", "ram/kesu_zero", "ram/dd_zero",
		"ram/nwipe_verify", "ram/kesu_verify10", "ram/kesu_verify_full", "ram/dd_read",
	}
	if diff := cmp.Diff(want, r.calls); diff != "" {
		t.Errorf("command order (-want +got):\n%s", diff)
	}
	for id, s := range ss {
		if len(s.Samples) != 2 {
			t.Errorf("%s: %d samples; want 2 (the untimed zero write is not one)", id, len(s.Samples))
		}
	}
}

// A failing case records its error, is not run again, and leaves the
// device's content unknown: the next read gets zeros first.
func TestRunRoundsFailure(t *testing.T) {
	dv := newFakeDevices()
	d, _ := dv.Create(Disk, 64<<20)
	r := newFakeRunner(dv)
	r.fail["disk/kesu_zero_verify10"] = &CommandError{Command: "kesu erase", Exit: 1, Err: ErrExit}
	plans := []DevicePlan{{Device: d, Groups: singleDriveGroups("/k/kesu", "", "", d), Zero: ddWrite(d)}}
	ss, err := runRounds(context.Background(), r, plans, 2, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"disk/dd_zero", "disk/kesu_zero", "disk/kesu_random", "disk/kesu_zero_verify10",
		"disk/dd_zero", "disk/dd_read", "disk/kesu_verify_full", "disk/kesu_verify10",
		"disk/kesu_random", "disk/kesu_zero", "disk/dd_zero",
		"disk/kesu_verify10", "disk/kesu_verify_full", "disk/dd_read",
	}
	if diff := cmp.Diff(want, r.calls); diff != "" {
		t.Errorf("command order (-want +got):\n%s", diff)
	}
	s := ss["disk/kesu_zero_verify10"]
	if s.Err == nil || len(s.Samples) != 0 {
		t.Errorf("failed series: err %v, %d samples; want the error and none", s.Err, len(s.Samples))
	}
	k := ratioKey(s, ss["disk/dd_zero"], 1.2, AtMost)
	if k.Value != nil || !strings.Contains(k.Error, "unexpected exit status") {
		t.Errorf("key of the failed series: value %v error %q", k.Value, k.Error)
	}
}

func straceFor(dev string) string {
	return strings.Join([]string{
		`100 1000.000000 execve("/k/kesu", ["/k/kesu", "erase", "--device", "` + dev + `"], 0x7ffd /* 3 vars */) = 0 <0.000200>`,
		`  101 1000.050000 write(2</dev/pts/0>, "kesu: about"..., 10) = 10 <0.000010>`,
		`102 1000.100000 pwrite64(5<` + dev + `>, "\252;"..., 512, 0 <unfinished ...>`,
		`103 1000.100500 pwrite64(5<` + dev + `>, "\1\2"..., 512, 512) = 512 <0.000100>`,
		`102 1000.101000 <... pwrite64 resumed>) = 512 <0.001000>`,
		`104  1000.900000 fsync(5<` + dev + `>) = 0 <0.100000>`,
		`104 1000.950000 pwrite64(6<` + dev + `0>, "\0"..., 512, 0) = 512 <0.500000>`,
		`101 1001.050000 write(7</tmp/j/x.jsonl>, "{}", 2) = 2 <0.000010>`,
		`101 1001.190000 +++ exited with 0 +++`,
		`100 1001.200000 +++ exited with 0 +++`,
	}, "\n") + "\n"
}

func TestParseStrace(t *testing.T) {
	tr, err := parseStrace(straceFor("/dev/loop1"), "/dev/loop1")
	if err != nil {
		t.Fatal(err)
	}
	want := Trace{Start: 1000, FirstWrite: 1000.1, LastEnd: 1001.0, Exit: 1001.2, DevCalls: 3}
	if diff := cmp.Diff(want, tr, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-6 })); diff != "" {
		t.Errorf("parseStrace (-want +got):\n%s", diff)
	}
	if o := tr.Overhead(); math.Abs(o-0.3) > 1e-6 {
		t.Errorf("Overhead() = %v; want 0.3 (0.1 before the first write, 0.2 after the fsync)", o)
	}
	if _, err := parseStrace(straceFor("/dev/loop1"), "/dev/loop7"); !errors.Is(err, ErrTrace) {
		t.Errorf("parseStrace for a device never written: %v; want ErrTrace", err)
	}
	if _, err := parseStrace("100 1.0 write(1, \"x\", 1) = 1 <0.1>\n", "/dev/loop1"); !errors.Is(err, ErrTrace) {
		t.Errorf("parseStrace of a trace not starting with execve: %v; want ErrTrace", err)
	}
}

// benchEnv is a whole bench over fakes: dd takes 2 s, kesu's zero 2.1 s
// (median of varying walls), random 2.4 s; reads 1 s against kesu's full
// verify 1.02 s and 10% verify 0.1 s.
func benchEnv(t *testing.T, nwipe string) (Config, Env, *fakeRunner, *fakeDevices) {
	dv := newFakeDevices()
	r := newFakeRunner(dv)
	for _, k := range []string{"ram", "disk"} {
		r.walls[k+"/dd_zero"] = secs(2)
		r.walls[k+"/kesu_zero"] = secs(2.1, 9, 1, 2.2, 2.0, 2.1, 2.1, 2.1, 2.1, 2.1)
		r.walls[k+"/kesu_random"] = secs(2.4)
		r.walls[k+"/kesu_zero_verify10"] = secs(2.3)
		r.walls[k+"/dd_read"] = secs(1)
		r.walls[k+"/kesu_verify_full"] = secs(1.02)
		r.walls[k+"/kesu_verify10"] = secs(0.1)
		r.walls[k+"/nwipe_zero"] = secs(2.2)
		r.walls[k+"/nwipe_random"] = secs(3)
		r.walls[k+"/nwipe_verify"] = secs(1.5)
		r.rss[k+"/kesu_random"] = 30 << 10
		r.rss[k+"/kesu_zero"] = 12 << 10
	}
	r.walls["kesu_parallel"] = secs(4)
	r.walls["ram/dd_zero"] = secs(2) // the parallel dd's are RAM-backed too
	r.rss["kesu_parallel"] = 40 << 10
	cfg := Config{Kesu: "/k/kesu", SizeMiB: 2048, Runs: 5, ParallelDrives: 8, ParallelSizeMiB: 256, OverheadSizeMiB: 64,
		FirmwareTime: 30 * time.Second, FirmwareSizeMiB: 64, NWipe: nwipe, Strace: "/usr/bin/strace", Work: t.TempDir()}
	fw := func(context.Context, time.Duration, int64, string) (time.Duration, error) {
		return 30600 * time.Millisecond, nil
	}
	env := Env{Runner: r, Devices: dv, Firmware: fw, Machine: Machine{CPUModel: "Test CPU", Cores: 2, Kernel: "6.1.0", Date: "2026-12-03T00:00:00Z", GoVersion: "go1.26"},
		ReadFile: func(string) ([]byte, error) { return []byte(straceFor(dv.last.Path)), nil }, Log: io.Discard}
	return cfg, env, r, dv
}

// The JSON has every key of issue 16 on the devices it is measured on, each
// with value, goal, comparison, met, n, device and the medians it came
// from; every device created is removed.
func TestBenchJSONShape(t *testing.T) {
	cfg, env, _, dv := benchEnv(t, "")
	res, err := Bench(context.Background(), cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	if len(dv.live) != 0 {
		t.Errorf("devices left: %v", dv.live)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	wantKeys := map[string][]string{
		"zero_vs_dd": {"ram", "disk"}, "random_vs_dd": {"ram", "disk"}, "zero_verify10_vs_dd": {"ram", "disk"},
		"verify_full_vs_dd_read": {"ram", "disk"}, "verify10_vs_verify_full": {"ram", "disk"},
		"rss_mib_one_drive": {"ram", "disk"}, "fixed_overhead_s": {"ram"}, "parallel_vs_dd_parallel": {"ram"},
		"firmware_erase_wall_vs_device": {"emulated-nvme"},
	}
	keys := doc["keys"].(map[string]any)
	if len(keys) != len(wantKeys) {
		t.Errorf("keys = %d; want %d", len(keys), len(wantKeys))
	}
	for name, devs := range wantKeys {
		byDev, ok := keys[name].(map[string]any)
		if !ok || len(byDev) != len(devs) {
			t.Errorf("keys.%s = %v; want devices %v", name, keys[name], devs)
			continue
		}
		for _, d := range devs {
			k, ok := byDev[d].(map[string]any)
			if !ok {
				t.Errorf("keys.%s.%s missing", name, d)
				continue
			}
			for _, f := range []string{"value", "unit", "goal", "comparison", "met", "n", "device", "formula", "from"} {
				if _, ok := k[f]; !ok {
					t.Errorf("keys.%s.%s has no %q", name, d, f)
				}
			}
			if k["n"].(float64) < 5 {
				t.Errorf("keys.%s.%s.n = %v; want ≥ 5", name, d, k["n"])
			}
			for _, o := range k["from"].([]any) {
				if _, ok := o.(map[string]any)["median_s"].(float64); !ok {
					t.Errorf("keys.%s.%s.from: %v has no median_s", name, d, o)
				}
			}
		}
	}
	for _, f := range []string{"cpu_model", "cores", "kernel", "date", "go_version", "kesu_version"} {
		if _, ok := doc["machine"].(map[string]any)[f]; !ok {
			t.Errorf("machine has no %q", f)
		}
	}
	if doc["nwipe"] != nil {
		t.Errorf("nwipe = %v; want null without nwipe", doc["nwipe"])
	}

	value := func(name, dev string) float64 {
		k := res.Keys[name][dev]
		if k.Value == nil {
			t.Fatalf("%s.%s not measured: %s", name, dev, k.Error)
		}
		return *k.Value
	}
	for _, tc := range []struct {
		name, dev string
		want      float64
		met       bool
	}{
		{"zero_vs_dd", "ram", 1.05, true},
		{"random_vs_dd", "disk", 1.2, false},
		{"zero_verify10_vs_dd", "ram", 1.15, true},
		{"verify_full_vs_dd_read", "disk", 1.02, true},
		{"verify10_vs_verify_full", "ram", 0.1 / 1.02, true},
		{"rss_mib_one_drive", "ram", 30, true},
		{"fixed_overhead_s", "ram", 0.3, true},
		{"parallel_vs_dd_parallel", "ram", 0.5, false},
		{"firmware_erase_wall_vs_device", "emulated-nvme", 1.02, true},
	} {
		if got := value(tc.name, tc.dev); math.Abs(got-tc.want) > 1e-6 || res.Keys[tc.name][tc.dev].Met != tc.met {
			t.Errorf("%s.%s = %v met %v; want %v met %v", tc.name, tc.dev, got, res.Keys[tc.name][tc.dev].Met, tc.want, tc.met)
		}
	}
	p := res.Keys["parallel_vs_dd_parallel"]["ram"]
	if p.ParallelDrives != 8 || p.PeakRSSMiB == nil || *p.PeakRSSMiB != 40 {
		t.Errorf("parallel: %d drives, peak RSS %v; want 8 and 40 MiB", p.ParallelDrives, p.PeakRSSMiB)
	}
	if res.AllMet || !res.Publishable || len(res.Unmeasured) != 0 {
		t.Errorf("all_met %v publishable %v unmeasured %v; want false (random, parallel), true, none", res.AllMet, res.Publishable, res.Unmeasured)
	}
}

// The parallel case is run against `kesu erase --device A --device B …`
// with a journal; a kesu that refuses several devices, or erases only one
// of them, is reported as lacking multi-device erase, and the rest of the
// bench goes on.
func TestBenchWithoutMultiDevice(t *testing.T) {
	for name, setup := range map[string]func(*fakeRunner){
		"last device only": func(r *fakeRunner) { r.multi = false },
		"usage error": func(r *fakeRunner) {
			r.fail["kesu_parallel"] = &CommandError{Command: "kesu erase", Exit: 2, Err: ErrExit}
		},
	} {
		t.Run(name, func(t *testing.T) {
			cfg, env, r, _ := benchEnv(t, "")
			setup(r)
			res, err := Bench(context.Background(), cfg, env)
			if err != nil {
				t.Fatal(err)
			}
			k := res.Keys["parallel_vs_dd_parallel"]["ram"]
			if k.Value != nil || k.Met || !strings.Contains(k.Error, "kesu lacks multi-device erase") {
				t.Errorf("parallel key: value %v met %v error %q; want null, not met, lacks multi-device erase", k.Value, k.Met, k.Error)
			}
			if res.Keys["firmware_erase_wall_vs_device"]["emulated-nvme"].Value == nil {
				t.Error("the firmware case was not measured after the parallel one failed")
			}
			if len(res.Unmeasured) != 1 || !strings.HasPrefix(res.Unmeasured[0], "parallel_vs_dd_parallel.ram: ") {
				t.Errorf("unmeasured = %v; want the parallel key only", res.Unmeasured)
			}
		})
	}
	cfg, env, r, _ := benchEnv(t, "")
	if _, err := Bench(context.Background(), cfg, env); err != nil {
		t.Fatal(err)
	}
	for _, c := range r.calls {
		if c == "kesu_parallel" {
			return
		}
	}
	t.Error("no kesu_parallel run")
}

// With nwipe on PATH its zero, random and verify runs join the rounds and
// the table gets its column; random_vs_nwipe compares kesu's random pass
// with nwipe's default generator.
func TestBenchNWipeColumn(t *testing.T) {
	cfg, env, r, _ := benchEnv(t, "/usr/sbin/nwipe")
	res, err := Bench(context.Background(), cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	if n := r.seen["ram/nwipe_random"]; n != 5 {
		t.Errorf("nwipe random runs on ram = %d; want 5", n)
	}
	for row, want := range map[string]float64{"zero_vs_dd": 1.1, "random_vs_dd": 1.5, "verify_full_vs_dd_read": 1.5} {
		k := res.NWipe[row]["disk"]
		if k == nil || k.Value == nil || math.Abs(*k.Value-want) > 1e-9 {
			t.Errorf("nwipe.%s.disk = %+v; want %v", row, k, want)
		}
	}
	k := res.Keys["random_vs_nwipe"]["ram"]
	if k == nil || k.Value == nil || math.Abs(*k.Value-0.8) > 1e-9 || !k.Met {
		t.Errorf("random_vs_nwipe.ram = %+v; want 0.8, met", k)
	}
	var out bytes.Buffer
	printTable(&out, res)
	for _, want := range []string{"nwipe", "zero_vs_dd                     ram                 1.050   <= 1.05 met                1.100  5",
		"random_vs_nwipe", "parallel_vs_dd_parallel"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestFirmwareKey(t *testing.T) {
	n := 0
	tmp := func() (string, error) { n++; return t.TempDir(), nil }
	walls := secs(10.5, 10.1, 10.3)
	i := 0
	run := func(_ context.Context, d time.Duration, size int64, _ string) (time.Duration, error) {
		if d != 10*time.Second || size != 1<<20 {
			t.Errorf("run(%v, %d); want 10s, 1 MiB", d, size)
		}
		w := walls[i]
		i++
		return w, nil
	}
	s := runFirmware(context.Background(), run, 10*time.Second, 1<<20, tmp, 3)
	k := firmwareKey(s, 10*time.Second)
	if n != 3 || k.Value == nil || math.Abs(*k.Value-1.03) > 1e-9 || k.Met || k.N != 3 {
		t.Errorf("firmware key = %+v over %d dirs; want 1.03 (10.3 s / 10 s), not met, n 3", k, n)
	}
	s = runFirmware(context.Background(), func(context.Context, time.Duration, int64, string) (time.Duration, error) {
		return 0, errors.New("no PASS")
	}, time.Second, 1<<20, tmp, 3)
	if k := firmwareKey(s, time.Second); k.Value != nil || k.Error != "no PASS" {
		t.Errorf("firmware key of a failed run = %+v; want null with the error", k)
	}
}

// The real firmware run erases an emulated drive by Sanitize Block Erase
// through the worker and PASSes (it takes the sanitize's second plus one
// poll, so it is not run with -short).
func TestEmulatedSanitize(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a one-second emulated sanitize")
	}
	if _, err := emulatedSanitize(context.Background(), time.Second, 1<<20, t.TempDir()); err != nil {
		t.Fatal(err)
	}
}

// kesu's random pass is checked after each sample (untimed): starting on
// zeros, a sample whose check fails fails its series instead of counting
// as a fast one.
func TestRandomPassIsChecked(t *testing.T) {
	dv := newFakeDevices()
	d, _ := dv.Create(RAM, 64<<20)
	r := newFakeRunner(dv)
	r.fail["ram/check_random"] = &CommandError{Command: "bench -check-random", Exit: 1, Err: ErrExit}
	plans := []DevicePlan{{Device: d, Groups: singleDriveGroups("/k/kesu", "", "/k/bench", d), Zero: ddWrite(d)}}
	ss, err := runRounds(context.Background(), r, plans, 1, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	calls := r.callsOf(func(string) bool { return true })
	i := slices.Index(calls, "ram/kesu_random")
	if i < 0 || i+1 >= len(calls) || calls[i+1] != "ram/check_random" {
		t.Errorf("calls %v; want the check right after kesu_random", calls)
	}
	if s := ss["ram/kesu_random"]; s.Err == nil || len(s.Samples) != 0 || !strings.Contains(s.Err.Error(), "what it left on the device") {
		t.Errorf("kesu_random whose check failed: err %v, %d samples; want the check's error and no sample", s.Err, len(s.Samples))
	}
}

// checkRandom tells fresh random data from what a pass that wrote short,
// or one buffer again and again, leaves.
func TestCheckRandom(t *testing.T) {
	const size = 8 << 20
	write := func(data []byte) string {
		p := filepath.Join(t.TempDir(), "dev")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	random := make([]byte, size)
	rand.Read(random)
	if err := checkRandom(write(random)); err != nil {
		t.Errorf("random data: %v", err)
	}
	short := bytes.Clone(random)
	clear(short[size/2:])
	if err := checkRandom(write(short)); err == nil || !strings.Contains(err.Error(), "holds zeros") {
		t.Errorf("half written: %v", err)
	}
	repeated := make([]byte, size)
	for off := 0; off < size; off += 1 << 20 {
		copy(repeated[off:], random[:1<<20])
	}
	if err := checkRandom(write(repeated)); err == nil || !strings.Contains(err.Error(), "the same bytes") {
		t.Errorf("one 1 MiB buffer repeated: %v", err)
	}
}

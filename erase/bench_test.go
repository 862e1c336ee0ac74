package erase

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/kesu-erase/kesu/internal/asyncio"
	"github.com/kesu-erase/kesu/internal/loopdev"
)

// The benchmarks below measure the generator and the overwrite and
// verification paths on a loop device they create themselves (never on any
// other device): KESU_BENCH_DIR holds its backing file (default /dev/shm,
// RAM-backed; a directory on a disk for a disk-backed device) and
// KESU_BENCH_MIB its size (default 512). Without loop devices (not root)
// they fall back to a file in that directory.

func benchTarget(b *testing.B) *Device {
	b.Helper()
	dir := os.Getenv("KESU_BENCH_DIR")
	if dir == "" {
		dir = "/dev/shm"
	}
	mib := int64(512)
	if s := os.Getenv("KESU_BENCH_MIB"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 16 {
			b.Fatalf("KESU_BENCH_MIB=%q: want a size in MiB ≥ 16", s)
		}
		mib = v
	}
	path := ""
	if loopdev.Available() == "" {
		path = loopdev.New(b, dir, mib<<20, 512).Path
	} else {
		f, err := os.CreateTemp(dir, "kesu-bench-*.img")
		if err != nil {
			b.Fatal(err)
		}
		path = f.Name()
		b.Cleanup(func() { os.Remove(path) })
		err = f.Truncate(mib << 20)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	d, err := Open(path, OpenOptions{Write: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	return d
}

func benchOverwrite(b *testing.B, d *Device, p Pattern, workers int) {
	b.Helper()
	res, err := Overwrite(context.Background(), d, OverwriteOptions{Pattern: p, Workers: workers})
	if err != nil || res.Outcome != OK {
		b.Fatalf("Overwrite(%s) = %+v, %v; want ok", p, res, err)
	}
}

// BenchmarkFill is the random pattern's generator on one core, per 4 MiB
// chunk.
func BenchmarkFill(b *testing.B) {
	p, err := RandomFromKey(make([]byte, 32))
	if err != nil {
		b.Fatal(err)
	}
	buf, free, err := alignedBuffer(4 << 20)
	if err != nil {
		b.Fatal(err)
	}
	defer free()
	b.SetBytes(int64(len(buf)))
	for i := 0; b.Loop(); i++ {
		p.Fill(buf, int64(i)*int64(len(buf)))
	}
}

// BenchmarkOverwrite writes the whole target once per iteration: zeros, and
// the random pattern with 1, 2 and 4 generators.
func BenchmarkOverwrite(b *testing.B) {
	d := benchTarget(b)
	rnd, err := NewRandom()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("zero", func(b *testing.B) {
		b.SetBytes(d.Size())
		for b.Loop() {
			benchOverwrite(b, d, Zero(), 0)
		}
	})
	for _, w := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("random/workers=%d", w), func(b *testing.B) {
			b.SetBytes(d.Size())
			for b.Loop() {
				benchOverwrite(b, d, rnd, w)
			}
		})
	}
}

// BenchmarkVerify reads the target back, full and by a 10% sampled plan
// (the plan's own bytes per second: compare ns/op of the two).
func BenchmarkVerify(b *testing.B) {
	d := benchTarget(b)
	benchOverwrite(b, d, Zero(), 0)
	bs := d.LogicalBlockSize()
	blocks := d.Size() / int64(bs)
	for _, pct := range []float64{100, 10} {
		p, err := NewSamplePlan(make([]byte, 32), blocks, bs, pct)
		if err != nil {
			b.Fatal(err)
		}
		planned, _ := p.PlannedBlocks()
		if !p.Full {
			// Workers 0: a sampled plan goes through the asynchronous
			// queue; each kind of it.
			for _, k := range []struct {
				name string
				kind asyncio.Kind
			}{{"io_uring", asyncio.URing}, {"aio", asyncio.AIO}} {
				b.Run(fmt.Sprintf("%s/%s", p.Method(), k.name), func(b *testing.B) {
					asyncKind = k.kind
					defer func() { asyncKind = asyncio.Best }()
					b.SetBytes(planned * int64(bs))
					for b.Loop() {
						res, err := Verify(context.Background(), d, VerifyOptions{Plan: p, Expect: ExpectPattern(Zero())})
						if err != nil || res.Outcome != OK {
							b.Fatalf("Verify = %+v, %v; want ok", res, err)
						}
					}
				})
			}
		}
		for _, w := range []int{0, 1, 2, 4, 8} {
			b.Run(fmt.Sprintf("%s/workers=%d", p.Method(), w), func(b *testing.B) {
				b.SetBytes(planned * int64(bs))
				for b.Loop() {
					res, err := Verify(context.Background(), d, VerifyOptions{Plan: p, Expect: ExpectPattern(Zero()), Workers: w})
					if err != nil || res.Outcome != OK {
						b.Fatalf("Verify = %+v, %v; want ok", res, err)
					}
				}
			})
		}
	}
}

// plainTarget hides a Device's asynchronous I/O, so a benchmark can
// compare it with ReadAt and WriteAt on goroutines.
type plainTarget struct{ Target }

// BenchmarkPlantCanaries plants (writes, flushes, reads back) the canaries
// of a 10% plan: through the kernel's asynchronous I/O and without it.
func BenchmarkPlantCanaries(b *testing.B) {
	d := benchTarget(b)
	bs := d.LogicalBlockSize()
	p, err := NewSamplePlan(make([]byte, 32), d.Size()/int64(bs), bs, 10)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		kind asyncio.Kind
		t    Target
	}{{"io_uring", asyncio.URing, d}, {"aio", asyncio.AIO, d}, {"goroutines", asyncio.Best, plainTarget{d}}} {
		b.Run(c.name, func(b *testing.B) {
			asyncKind = c.kind
			defer func() { asyncKind = asyncio.Best }()
			for b.Loop() {
				cs, err := PlantCanaries(context.Background(), c.t, p)
				if err != nil || !cs.Proven() {
					b.Fatalf("PlantCanaries = %v, %v", cs.Summary(), err)
				}
			}
		})
	}
}

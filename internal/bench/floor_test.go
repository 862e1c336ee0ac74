package main

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/internal/loopdev"
)

// The floor reads exactly the plan's blocks, each once, adjacent samples
// joined and no read longer than the limit, in LBA order.
func TestJoinedReadsCoverThePlan(t *testing.T) {
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = byte(i)
	}
	for _, pct := range []float64{1, 10, 50} {
		plan, err := erase.NewSamplePlan(seed, 4<<20, 512, pct)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]bool{}
		plan.Each(func(r erase.LBARange) error {
			for b := r.LBA; b < r.End(); b++ {
				want[b] = true
			}
			return nil
		})
		const maxBlocks = 256
		got := map[int64]bool{}
		var last erase.LBARange
		for i, r := range joinedReads(plan, maxBlocks) {
			if r.Count <= 0 || r.Count > maxBlocks {
				t.Fatalf("%v%%: read %v longer than %d blocks", pct, r, maxBlocks)
			}
			if i > 0 && r.LBA < last.End() {
				t.Fatalf("%v%%: read %v overlaps or precedes %v", pct, r, last)
			}
			if i > 0 && r.LBA == last.End() && last.Count < maxBlocks {
				t.Fatalf("%v%%: adjacent reads %v and %v not joined", pct, last, r)
			}
			for b := r.LBA; b < r.End(); b++ {
				got[b] = true
			}
			last = r
		}
		if len(got) != len(want) {
			t.Fatalf("%v%%: the reads cover %d blocks; the plan %d", pct, len(got), len(want))
		}
		for b := range want {
			if !got[b] {
				t.Fatalf("%v%%: planned block %d not read", pct, b)
			}
		}
	}
}

// With the floor given, it runs in the reads of every round, and the 10%
// verify key carries it as its limit: floor / full verify.
func TestFloorIsTheVerify10Limit(t *testing.T) {
	cfg, env, r, _ := benchEnv(t, "")
	cfg.Floor = "/k/bench"
	for _, k := range []string{"ram", "disk"} {
		r.walls[k+"/"+floorVerify10] = secs(0.051)
		r.walls[k+"/"+floorRandom] = secs(2.3)
	}
	res, err := Bench(context.Background(), cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{floorVerify10, floorRandom} {
		n := 0
		for _, c := range r.calls {
			if c == "ram/"+f {
				n++
			}
		}
		if n != cfg.Runs {
			t.Errorf("%s ran %d times on the RAM device; want %d (once a round)", f, n, cfg.Runs)
		}
	}
	rk := res.Keys["random_vs_dd"]["disk"]
	if rk == nil || rk.Limit == nil || rk.Limit.Value == nil || *rk.Limit.Value < 1.1499 || *rk.Limit.Value > 1.1501 {
		t.Errorf("random_vs_dd = %+v; want a limit of 2.3/2 = 1.15", rk)
	}
	k := res.Keys["verify10_vs_verify_full"]["ram"]
	if k == nil || k.Limit == nil || k.Limit.Value == nil {
		t.Fatalf("verify10_vs_verify_full = %+v; want a limit", k)
	}
	if v := *k.Limit.Value; v < 0.0499 || v > 0.0501 {
		t.Errorf("limit %v; want 0.051/1.02 = 0.05", v)
	}
	if v := *k.Value; v < 0.098 || v > 0.0981 {
		t.Errorf("value %v; want 0.1/1.02", v)
	}
}

// The floor reads on a loop device exactly the bytes the plan holds.
func TestSampledReadFloorOnLoopDevice(t *testing.T) {
	const size = 64 << 20
	l := loopdev.New(t, "", size, 512)
	got, err := sampledReadFloor(l.Path, 10)
	if err != nil {
		t.Fatal(err)
	}
	// The plan's size does not depend on its seed.
	plan, err := erase.NewSamplePlan(make([]byte, 32), size/512, 512, 10)
	if err != nil {
		t.Fatal(err)
	}
	blocks, _ := plan.PlannedBlocks()
	if got != blocks*512 {
		t.Fatalf("sampledReadFloor read %d bytes; the plan holds %d", got, blocks*512)
	}
}

// The random-write floor writes every byte of a loop device, none of it
// left zero.
func TestRandomWriteFloorOnLoopDevice(t *testing.T) {
	const size = 9 << 20 // not a whole number of chunks
	l := loopdev.New(t, "", size, 512)
	n, err := randomWriteFloor(l.Path)
	if err != nil || n != size {
		t.Fatalf("randomWriteFloor = %d, %v; want %d bytes", n, err, size)
	}
	img, err := os.ReadFile(l.Backing)
	if err != nil {
		t.Fatal(err)
	}
	zero := make([]byte, 512)
	for off := 0; off < size; off += 512 {
		if bytes.Equal(img[off:off+512], zero) {
			t.Fatalf("block at byte %d was left zero", off)
		}
	}
}

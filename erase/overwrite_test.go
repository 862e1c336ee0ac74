package erase

import (
	"bytes"
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOverwriteEveryByteMem(t *testing.T) {
	for _, pat := range []string{"zero", "one", "0x5a", "random"} {
		for _, size := range []int64{4096, 1 << 20, 3<<20 + 512*7, 10<<20 + 4096} {
			m := newMem(size, 512)
			for i := range m.data {
				m.data[i] = byte(i*31 + 7) // junk that no pattern matches
			}
			p, err := ParsePattern(pat)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Overwrite(context.Background(), m, OverwriteOptions{Pattern: p, ChunkSize: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != OK || res.BytesWritten != size || res.WrittenThrough != size || !res.Synced {
				t.Fatalf("Overwrite(%s, %d) = %+v; want ok, all %d bytes written and synced", pat, size, res, size)
			}
			want := make([]byte, size)
			p.Fill(want, 0)
			if !bytes.Equal(m.data, want) {
				i := 0
				for m.data[i] == want[i] {
					i++
				}
				t.Fatalf("Overwrite(%s, %d): first wrong byte at %d: %#x; want %#x", pat, size, i, m.data[i], want[i])
			}
			if pat == "random" && res.KeyID == "" {
				t.Errorf("random overwrite result has no key id")
			}
		}
	}
}

func TestOverwriteFailingRanges(t *testing.T) {
	m := newMem(8<<20, 512)
	m.badWrite = []LBARange{{LBA: 100, Count: 1}, {LBA: 2048, Count: 37}, {LBA: 16383, Count: 1}}
	res, err := Overwrite(context.Background(), m, OverwriteOptions{Pattern: Zero(), ChunkSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != Failed {
		t.Errorf("Outcome = %s; want failed", res.Outcome)
	}
	if diff := cmp.Diff(m.badWrite, res.Unwritable); diff != "" {
		t.Errorf("Unwritable ranges differ (-want +got):\n%s", diff)
	}
	if res.UnwritableBlocks != 39 {
		t.Errorf("UnwritableBlocks = %d; want 39", res.UnwritableBlocks)
	}
	if want := int64(8<<20 - 39*512); res.BytesWritten != want {
		t.Errorf("BytesWritten = %d; want %d", res.BytesWritten, want)
	}
	if res.WrittenThrough != 8<<20 {
		t.Errorf("WrittenThrough = %d; want the whole device: the pass must go on past bad blocks", res.WrittenThrough)
	}
	if !strings.Contains(res.Reason, "39 blocks") {
		t.Errorf("Reason = %q; want the count of unwritable blocks", res.Reason)
	}
}

func TestOverwriteUnwritableLimit(t *testing.T) {
	m := newMem(8<<20, 512)
	m.badWrite = []LBARange{{LBA: 0, Count: 1 << 14}} // everything
	res, _ := Overwrite(context.Background(), m, OverwriteOptions{Pattern: Zero(), ChunkSize: 1 << 20, MaxUnwritableBlocks: 3000})
	if res.Outcome != Failed || !strings.Contains(res.Reason, "abandoned") {
		t.Errorf("Overwrite of an unwritable device = %s %q; want failed, abandoned", res.Outcome, res.Reason)
	}
	if res.UnwritableBlocks < 3000 || res.WrittenThrough >= 8<<20 {
		t.Errorf("UnwritableBlocks = %d, WrittenThrough = %d; want ≥ 3000 and stopped early", res.UnwritableBlocks, res.WrittenThrough)
	}
}

func TestOverwriteVanishes(t *testing.T) {
	m := newMem(8<<20, 512)
	m.onWrite = func(off int64, n int) {
		if off >= 3<<20 {
			m.mu.Lock()
			m.gone = true
			m.mu.Unlock()
		}
	}
	res, _ := Overwrite(context.Background(), m, OverwriteOptions{Pattern: Zero(), ChunkSize: 1 << 20})
	if res.Outcome != Failed || !strings.Contains(res.Reason, ErrVanished.Error()) {
		t.Errorf("Overwrite of a vanishing device = %s %q; want failed, %q", res.Outcome, res.Reason, ErrVanished)
	}
	if res.BytesWritten != 3<<20 {
		t.Errorf("BytesWritten = %d; want %d", res.BytesWritten, 3<<20)
	}
	if m.writes > 8 {
		t.Errorf("%d writes after the device vanished; want the pass to stop without bisecting a dead device", m.writes)
	}
}

func TestOverwriteSyncFailureFails(t *testing.T) {
	m := newMem(1<<20, 512)
	m.syncErr = errIO
	res, _ := Overwrite(context.Background(), m, OverwriteOptions{Pattern: Zero()})
	if res.Outcome != Failed || res.Synced || !strings.Contains(res.Reason, "flush") {
		t.Errorf("Overwrite with failing flush = %s synced=%v %q; want failed, not synced", res.Outcome, res.Synced, res.Reason)
	}
}

func TestOverwriteShortDevice(t *testing.T) {
	m := newMem(1<<20, 512)
	res, _ := Overwrite(context.Background(), m, OverwriteOptions{Pattern: Zero(), ExpectedSize: 2 << 20})
	if res.Outcome != Failed || !strings.Contains(res.Reason, ErrShortDevice.Error()) || m.writes != 0 {
		t.Errorf("Overwrite of a short device = %s %q, %d writes; want failed before writing", res.Outcome, res.Reason, m.writes)
	}
}

func TestOverwriteCancel(t *testing.T) {
	for _, pat := range []Pattern{Zero(), mustRandom(t)} {
		m := newMem(64<<20, 512)
		ctx, cancel := context.WithCancel(context.Background())
		var n atomic.Int32
		m.onWrite = func(off int64, _ int) {
			if n.Add(1) == 5 {
				cancel()
			}
		}
		res, err := Overwrite(ctx, m, OverwriteOptions{Pattern: pat, ChunkSize: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != Cancelled {
			t.Errorf("%s: Outcome = %s; want cancelled", pat, res.Outcome)
		}
		// The write in flight when cancel came completes; nothing after it starts.
		if res.BytesWritten != 5<<20 || res.WrittenThrough != 5<<20 || m.writes != 5 {
			t.Errorf("%s: cancelled pass wrote %d bytes through %d in %d writes; want 5 MiB in 5 writes", pat, res.BytesWritten, res.WrittenThrough, m.writes)
		}
		if !strings.Contains(res.Reason, "5242880") {
			t.Errorf("%s: Reason = %q; want it to say how far the pass got", pat, res.Reason)
		}
	}
}

func TestOverwriteProgress(t *testing.T) {
	m := newMem(16<<20, 512)
	var last Progress
	calls := 0
	res, _ := Overwrite(context.Background(), m, OverwriteOptions{Pattern: Zero(), ChunkSize: 1 << 20,
		Progress: func(p Progress) { last = p; calls++ }})
	if res.Outcome != OK {
		t.Fatal(res.Reason)
	}
	if calls == 0 || !last.Final || last.Done != 16<<20 || last.Total != 16<<20 || last.Phase != "overwrite" {
		t.Errorf("last progress = %+v after %d calls; want a final report of all 16 MiB", last, calls)
	}
}

func mustRandom(t *testing.T) Pattern {
	t.Helper()
	p, err := NewRandom()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A drive that refuses every write is given up on after a few chunks, not
// bisected block by block to the end.
func TestOverwriteDeadDriveFailsFast(t *testing.T) {
	m := newMem(64<<20, 512)
	m.badWrite = []LBARange{{LBA: 0, Count: 1 << 17}}
	res, _ := Overwrite(context.Background(), m, OverwriteOptions{Pattern: Zero(), ChunkSize: 1 << 20})
	if res.Outcome != Failed || !strings.Contains(res.Reason, "refused every write") {
		t.Fatalf("Overwrite of a dead drive = %s %q; want failed, refused every write", res.Outcome, res.Reason)
	}
	if res.WrittenThrough != 3<<20 || res.BytesWritten != 0 {
		t.Errorf("gave up through %d having written %d; want after 3 chunks, nothing written", res.WrittenThrough, res.BytesWritten)
	}
	// Per chunk: the write, one retry, then at most maxChunkFails failing
	// single writes plus the halves tried on the way down (11 levels for
	// 2048 blocks).
	if m.writes > 3*(2+4*maxChunkFails+2*11) {
		t.Errorf("%d writes to give up on 3 dead chunks; want far fewer than bisecting every block", m.writes)
	}
}

// A failing region inside an otherwise good drive is recorded (partly
// untried), and the pass goes on past it.
func TestOverwriteFailingRegionGoesOn(t *testing.T) {
	m := newMem(16<<20, 512)
	m.badWrite = []LBARange{{LBA: 4096, Count: 1024}} // 512 KiB inside the third chunk
	res, _ := Overwrite(context.Background(), m, OverwriteOptions{Pattern: Zero(), ChunkSize: 1 << 20})
	if res.Outcome != Failed || res.WrittenThrough != 16<<20 {
		t.Fatalf("Overwrite = %s through %d; want failed, through the end", res.Outcome, res.WrittenThrough)
	}
	// Every really bad block is in the list; blocks recorded without their
	// own write are counted as untried.
	if res.UnwritableBlocks < 1024 || res.UntriedBlocks == 0 {
		t.Errorf("UnwritableBlocks = %d, UntriedBlocks = %d; want ≥ 1024 and some untried", res.UnwritableBlocks, res.UntriedBlocks)
	}
	covered := int64(0)
	for _, r := range res.Unwritable {
		lo, hi := max(r.LBA, 4096), min(r.End(), 5120)
		if hi > lo {
			covered += hi - lo
		}
	}
	if covered != 1024 {
		t.Errorf("the recorded ranges %v cover %d of the 1024 bad blocks", res.Unwritable, covered)
	}
	if res.BytesWritten+res.UnwritableBlocks*512 != 16<<20 {
		t.Errorf("written %d + unwritable %d blocks != the device", res.BytesWritten, res.UnwritableBlocks)
	}
}

package erase

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/internal/asyncio"
	"github.com/kesu-erase/kesu/internal/loopdev"
)

// blockContent is what the batch tests write into block i: every byte
// names the block.
func blockContent(buf []byte, i int) {
	for j := range buf {
		buf[j] = byte(i*7 + j/512 + 1)
	}
}

// eachAsyncKind runs f once with io_uring and once with the older AIO
// forced, so that both queues are tried on this kernel.
func eachAsyncKind(t *testing.T, f func(t *testing.T)) {
	for _, kind := range []asyncio.Kind{asyncio.URing, asyncio.AIO} {
		name := map[asyncio.Kind]string{asyncio.URing: "io_uring", asyncio.AIO: "aio"}[kind]
		t.Run(name, func(t *testing.T) {
			q := asyncio.Open(4, kind)
			if q == nil {
				if b, _ := os.ReadFile("/proc/sys/kernel/io_uring_disabled"); kind == asyncio.URing && len(b) > 0 && b[0] != '0' {
					t.Skipf("io_uring is disabled here (kernel.io_uring_disabled = %s)", b[:1])
				}
				t.Fatalf("no %s queue on this kernel", name)
			}
			q.Close(0)
			asyncKind = kind
			defer func() { asyncKind = asyncio.Best }()
			f(t)
		})
	}
}

// The kernel's asynchronous I/O writes and reads exactly what it is given
// on a loop device, with more I/Os than are in flight at once, and reports
// the failing ones (past the end, unaligned) without losing the others.
func TestAsyncBatchOnLoopDevice(t *testing.T) {
	eachAsyncKind(t, func(t *testing.T) {
		for _, sector := range []int{512, 4096} {
			t.Run(fmt.Sprint(sector), func(t *testing.T) {
				const size = 8 << 20
				l := loopdev.New(t, "", size, sector)
				d, err := Open(l.Path, OpenOptions{Write: true})
				if err != nil {
					t.Fatal(err)
				}
				defer d.Close()
				const n = 300 // > batchDepth
				stride := int64(size / n / sector * sector)
				offOf := func(i int) int64 {
					switch i {
					case 17:
						return size + int64(sector) // past the end
					case 18:
						return int64(sector) / 2 // unaligned
					}
					return int64(i) * stride
				}
				wantFail := map[int]bool{17: true, 18: true}
				arena, free, err := alignedBuffer(batchDepth * sector)
				if err != nil {
					t.Fatal(err)
				}
				defer free()
				var mu sync.Mutex
				errs := map[int]error{}
				ran, err := d.asyncBatch(context.Background(), true, n, sector, arena, func(i int, buf []byte) batchItem {
					if i == 5 {
						return batchItem{skip: true}
					}
					blockContent(buf, i)
					return batchItem{buf: buf, off: offOf(i)}
				}, func(i int, _ []byte, err error) {
					mu.Lock()
					errs[i] = err
					mu.Unlock()
				})
				if !ran || err != nil {
					t.Fatalf("asyncBatch(write) = %v, %v; want ran, nil", ran, err)
				}
				if len(errs) != n-1 {
					t.Errorf("done called for %d writes; want %d (all but the skipped one)", len(errs), n-1)
				}
				for i, e := range errs {
					if (e != nil) != wantFail[i] {
						t.Errorf("write %d at %d: error %v; want failure %v", i, offOf(i), e, wantFail[i])
					}
				}
				if _, ok := errs[5]; ok {
					t.Errorf("done called for the skipped write")
				}
				// The backing file, read without kesu.
				got, err := os.ReadFile(l.Backing)
				if err != nil {
					t.Fatal(err)
				}
				want := make([]byte, sector)
				for i := range n {
					if wantFail[i] {
						continue
					}
					blockContent(want, i)
					if i == 5 {
						clear(want)
					}
					if off := offOf(i); !bytes.Equal(got[off:off+int64(sector)], want) {
						t.Fatalf("block %d at %d holds %x…; want %x…", i, off, got[off:off+8], want[:8])
					}
				}
				// Read back through the batch.
				var bad []int
				err = batchIO(context.Background(), d, false, n, sector, func(i int, buf []byte) batchItem {
					if wantFail[i] || i == 5 {
						return batchItem{skip: true}
					}
					return batchItem{buf: buf, off: offOf(i)}
				}, func(i int, buf []byte, err error) {
					w := make([]byte, len(buf))
					blockContent(w, i)
					if err != nil || !bytes.Equal(buf, w) {
						mu.Lock()
						bad = append(bad, i)
						mu.Unlock()
					}
				})
				if err != nil || len(bad) > 0 {
					t.Errorf("batchIO(read) = %v, blocks read back wrong: %v; want nil, none", err, bad)
				}
			})
		}
	})
}

func TestAsyncBatchCancelled(t *testing.T) {
	eachAsyncKind(t, func(t *testing.T) {
		l := loopdev.New(t, "", 4<<20, 512)
		d, err := Open(l.Path, OpenOptions{Write: true})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		ctx, cancel := context.WithCancel(context.Background())
		var started int
		err = batchIO(ctx, d, true, 1000, 512, func(i int, buf []byte) batchItem {
			started++
			if i == 100 {
				cancel()
			}
			return batchItem{buf: buf, off: int64(i) * 512}
		}, func(int, []byte, error) {})
		if !errors.Is(err, context.Canceled) || started > 101 {
			t.Errorf("batchIO cancelled at I/O 100 = %v after %d started; want context.Canceled after at most 101", err, started)
		}
	})
}

// Canaries planted through the kernel's asynchronous I/O on a loop device
// all read back, catch an erase that did nothing, and are gone after an
// overwrite.
func TestCanariesOnLoopDevice(t *testing.T) {
	eachAsyncKind(t, func(t *testing.T) {
		for _, sector := range []int{512, 4096} {
			l := loopdev.New(t, "", 16<<20, sector)
			d, err := Open(l.Path, OpenOptions{Write: true})
			if err != nil {
				t.Fatal(err)
			}
			p, err := NewSamplePlan(seed(5), d.Size()/int64(sector), sector, 10)
			if err != nil {
				t.Fatal(err)
			}
			c, err := PlantCanaries(context.Background(), d, p)
			if err != nil || !c.Proven() || c.ReadBack != c.Planned || c.Planned < 1000 {
				t.Fatalf("PlantCanaries(%d-byte loop) = %s, %v; want every one of ≥ 1000 read back", sector, c.Summary(), err)
			}
			v, err := Verify(context.Background(), d, VerifyOptions{Plan: p, Expect: c.Expect(nil)})
			if err != nil || v.Outcome != Failed || v.CanariesSurvived != int64(c.Count()) {
				t.Fatalf("Verify before any erase = %+v, %v; want failed with every canary surviving", v, err)
			}
			ow, err := Overwrite(context.Background(), d, OverwriteOptions{Pattern: Zero()})
			if err != nil || ow.Outcome != OK {
				t.Fatalf("Overwrite = %+v, %v", ow, err)
			}
			plan, exp, _ := c.ProofPlan(p, ExpectPattern(Zero()))
			v, err = Verify(context.Background(), d, VerifyOptions{Plan: plan, Expect: exp})
			if err != nil || v.Outcome != OK || v.CanariesChecked != int64(c.Count()) {
				t.Fatalf("Verify after the overwrite = %+v, %v; want ok, all %d canaries checked", v, err, c.Count())
			}
			d.Close()
		}
	})
}

// A sampled verification on a loop device reads every planned block once
// and finds exactly the corrupted blocks the plan holds.
func TestSampledVerifyOnLoopDevice(t *testing.T) {
	eachAsyncKind(t, func(t *testing.T) {
		const size = 32 << 20
		l := loopdev.New(t, "", size, 512)
		d, err := Open(l.Path, OpenOptions{Write: true})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if ow, err := Overwrite(context.Background(), d, OverwriteOptions{Pattern: Zero()}); err != nil || ow.Outcome != OK {
			t.Fatalf("Overwrite = %+v, %v", ow, err)
		}
		p, err := NewSamplePlan(seed(11), size/512, 512, 10)
		if err != nil {
			t.Fatal(err)
		}
		times := planTimes(p)
		// Corrupt every 97th block through the backing file.
		f, err := os.OpenFile(l.Backing, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		var inPlan int64
		for lba := int64(3); lba < size/512; lba += 97 {
			if _, err := f.WriteAt([]byte{0x5a}, lba*512+100); err != nil {
				t.Fatal(err)
			}
			if times[lba] > 0 {
				inPlan++
			}
		}
		f.Close()
		v, err := Verify(context.Background(), d, VerifyOptions{Plan: p, Expect: ExpectPattern(Zero())})
		planned, _ := p.PlannedBlocks()
		if err != nil || v.Outcome != Failed || v.MismatchedBlocks != inPlan || v.BlocksRead != planned {
			t.Fatalf("Verify = %s, %d mismatches, %d of %d blocks read, %v; want failed, %d mismatches, all read",
				v.Outcome, v.MismatchedBlocks, v.BlocksRead, planned, err, inPlan)
		}
	})
}

// panicsThird is an expectation whose third check panics, as a bug in one
// would.
type panicsThird struct {
	Expectation
	calls *atomic.Int32
}

func (p panicsThird) Check(buf []byte, off int64, bs int, scratch []byte, bad func(int64)) {
	if p.calls.Add(1) == 3 {
		panic("expectation bug")
	}
	p.Expectation.Check(buf, off, bs, scratch, bad)
}

// A panic while checking the reads of a batch ends the verification as
// failed, saying so, and does not leave it waiting for completions
// already taken from the queue.
func TestSampledVerifyPanicInCheck(t *testing.T) {
	eachAsyncKind(t, func(t *testing.T) {
		const size = 64 << 20
		l := loopdev.New(t, "", size, 512)
		d, err := Open(l.Path, OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		p, err := NewSamplePlan(seed(7), size/512, 512, 10)
		if err != nil {
			t.Fatal(err)
		}
		type result struct {
			v   *VerifyResult
			err error
		}
		ch := make(chan result, 1)
		go func() {
			v, err := Verify(context.Background(), d, VerifyOptions{Plan: p, Expect: panicsThird{ExpectPattern(Zero()), new(atomic.Int32)}})
			ch <- result{v, err}
		}()
		select {
		case r := <-ch:
			if r.err != nil || r.v.Outcome != Failed || !strings.Contains(r.v.Reason, "internal error") {
				t.Fatalf("Verify with a panicking check = %+v, %v; want failed, internal error", r.v, r.err)
			}
		case <-time.After(60 * time.Second):
			t.Fatal("Verify with a panicking check did not return within 60 s")
		}
	})
}

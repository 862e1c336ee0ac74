package asyncio

import (
	"bytes"
	"os"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/kesu-erase/kesu/internal/loopdev"
)

// Both queues write and read a loop device with O_DIRECT, more I/Os than
// fit in flight at once, and report a read past the end as that slot's
// error without losing the others.
func TestQueuesOnLoopDevice(t *testing.T) {
	for _, kind := range []Kind{URing, AIO} {
		const size, unit, depth = 1 << 20, 4096, 8
		l := loopdev.New(t, "", size, 512)
		f, err := os.OpenFile(l.Path, os.O_RDWR|syscall.O_DIRECT, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		q := Open(depth, kind)
		if q == nil {
			if b, _ := os.ReadFile("/proc/sys/kernel/io_uring_disabled"); kind == URing && len(b) > 0 && b[0] != '0' {
				t.Logf("io_uring is disabled here: only AIO is tried")
				continue
			}
			t.Fatalf("Open(%d, %v) = nil on this kernel", depth, kind)
		}
		arena, err := unix.Mmap(-1, 0, depth*unit, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
		if err != nil {
			t.Fatal(err)
		}
		// run does I/Os 0..n-1 (I/O i at block i*3, slot i%depth) in
		// waves of depth and returns each one's result.
		run := func(write bool, n int, fill func(i int, b []byte), off func(i int) int64) map[int]int64 {
			res := map[int]int64{}
			evs := make([]Completion, depth)
			for first := 0; first < n; first += depth {
				for i := first; i < min(first+depth, n); i++ {
					b := arena[(i%depth)*unit : (i%depth+1)*unit]
					fill(i, b)
					q.Queue(i%depth, write, f.Fd(), b, off(i))
				}
				want := min(first+depth, n) - first
				taken, refused, err := q.Submit(0)
				if err != nil || taken != want {
					t.Fatalf("%s: Submit = %d, %d, %v; want %d taken", q.Kind(), taken, refused, err, want)
				}
				for got := 0; got < want; {
					k, err := q.Reap(evs)
					if err != nil {
						t.Fatalf("%s: Reap: %v", q.Kind(), err)
					}
					for _, e := range evs[:k] {
						res[first+e.Slot-first%depth] = e.Res
					}
					got += k
				}
			}
			return res
		}
		const n = 20
		offOf := func(i int) int64 {
			if i == 13 {
				return size // past the end
			}
			return int64(i) * 3 * unit
		}
		content := func(i int, b []byte) {
			for j := range b {
				b[j] = byte(i + 1)
			}
		}
		w := run(true, n, content, offOf)
		r := run(false, n, func(_ int, b []byte) { clear(b) }, offOf)
		// The reads land in the arena wave by wave: check the last wave's.
		img, err := os.ReadFile(l.Backing)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]byte, unit)
		for i := range n {
			if i == 13 {
				if w[i] == unit || r[i] == unit {
					t.Errorf("%s: I/O %d past the end = write %d, read %d; want failures", q.Kind(), i, w[i], r[i])
				}
				continue
			}
			if w[i] != unit || r[i] != unit {
				t.Errorf("%s: I/O %d = write %d, read %d; want %d each", q.Kind(), i, w[i], r[i], unit)
			}
			content(i, want)
			if off := offOf(i); !bytes.Equal(img[off:off+unit], want) {
				t.Errorf("%s: block of I/O %d holds %x…; want %x…", q.Kind(), i, img[off:off+4], want[:4])
			}
			if i >= n-n%depth {
				if b := arena[(i%depth)*unit : (i%depth+1)*unit]; !bytes.Equal(b, want) {
					t.Errorf("%s: read %d gave %x…; want %x…", q.Kind(), i, b[:4], want[:4])
				}
			}
		}
		q.Close(0)
		unix.Munmap(arena)
	}
}

package erase

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
)

// collect runs generateAndWrite and returns what it wrote, checking that the
// chunks came in device order, back to back, each cs long but the last.
func collect(t *testing.T, p Pattern, size int64, cs, workers int) []byte {
	t.Helper()
	out := make([]byte, size)
	var next int64
	err := generateAndWrite(context.Background(), p, size, cs, workers, func(b []byte, off int64) error {
		if off != next {
			t.Fatalf("chunk written at %d; want %d (device order, back to back)", off, next)
		}
		if want := min(int64(cs), size-off); int64(len(b)) != want {
			t.Fatalf("chunk at %d is %d bytes; want %d", off, len(b), want)
		}
		copy(out[off:], b)
		next = off + int64(len(b))
		return nil
	})
	if err != nil {
		t.Fatalf("generateAndWrite = %v; want nil", err)
	}
	if next != size {
		t.Fatalf("generateAndWrite wrote through %d; want %d", next, size)
	}
	return out
}

// The parallel generator's output is the serial AES-CTR stream of the same
// key, byte for byte: with any number of generators, chunks that are not a
// multiple of the AES block (so chunks and parts start at unaligned
// offsets), chunks smaller and larger than a part, and a short last chunk.
func TestGeneratorMatchesSerialStream(t *testing.T) {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(200 - i*3)
	}
	p, err := RandomFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		size int64
		cs   int
	}{
		{size: 9<<20 + 4096, cs: 4 << 20},              // short last chunk
		{size: 5<<20 + 1234, cs: 1<<20 + 512},          // parts of one byte past a part; odd tail
		{size: 3<<20 + 77, cs: genPartSize*2 + 8},      // chunk starts off the 16-byte grid
		{size: 1<<20 + 3, cs: 5000},                    // chunks smaller than a part, unaligned
		{size: 999, cs: 4 << 20},                       // one short chunk
		{size: 17 << 20, cs: 3*genPartSize + 1<<19},    // part boundaries inside chunks
		{size: 2*genPartSize + 1, cs: 2 * genPartSize}, // last chunk of one byte
	}
	for _, pat := range []Pattern{p, p.Complement()} {
		for _, c := range cases {
			serial := make([]byte, c.size)
			pat.Fill(serial, 0)
			for _, workers := range []int{1, 2, 3, 4, 7} {
				got := collect(t, pat, c.size, c.cs, workers)
				if !bytes.Equal(got, serial) {
					i := 0
					for got[i] == serial[i] {
						i++
					}
					t.Fatalf("%s, size %d, chunk %d, %d generators: first byte differing from the serial stream at %d: %#x; want %#x",
						pat, c.size, c.cs, workers, i, got[i], serial[i])
				}
			}
			if pat.inverted {
				continue
			}
			// The serial stream itself against the block-by-block oracle,
			// around every chunk and part boundary.
			for off := int64(0); off < c.size; off += int64(c.cs) {
				for lo := off; lo < min(off+int64(c.cs), c.size); lo += genPartSize {
					from, to := max(0, lo-40), min(c.size, lo+40)
					if want := oracleStream(t, key, from, int(to-from)); !bytes.Equal(serial[from:to], want) {
						t.Fatalf("serial stream [%d, %d) = %x; want %x", from, to, serial[from:to], want)
					}
				}
			}
		}
	}
}

// A write error ends the pass: nothing is written after it, the error is
// returned, and every generator has stopped.
func TestGeneratorStopsAtWriteError(t *testing.T) {
	p := mustRandom(t)
	boom := errors.New("boom")
	for _, workers := range []int{1, 4} {
		var calls int
		err := generateAndWrite(context.Background(), p, 64<<20, 1<<20, workers, func(b []byte, off int64) error {
			calls++
			if off == 5<<20 {
				return boom
			}
			return nil
		})
		if !errors.Is(err, boom) || calls != 6 {
			t.Errorf("generateAndWrite(%d generators) failing at chunk 5 = %v after %d writes; want boom after 6", workers, err, calls)
		}
	}
}

func TestGeneratorCancelled(t *testing.T) {
	p := mustRandom(t)
	ctx, cancel := context.WithCancel(context.Background())
	var calls int
	err := generateAndWrite(ctx, p, 64<<20, 1<<20, 2, func(b []byte, off int64) error {
		calls++
		if calls == 3 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || calls != 3 {
		t.Errorf("generateAndWrite cancelled after 3 writes = %v after %d writes; want context.Canceled after 3", err, calls)
	}
}

// Overwrite with every generator count leaves the serial stream on the
// target.
func TestOverwriteRandomAnyWorkers(t *testing.T) {
	p := mustRandom(t)
	const size = 6<<20 + 512*5
	want := make([]byte, size)
	p.Fill(want, 0)
	for _, workers := range []int{0, 1, 2, 4, 8} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			m := newMem(size, 512)
			res, err := Overwrite(context.Background(), m, OverwriteOptions{Pattern: p, Workers: workers, ChunkSize: 2<<20 + 4096})
			if err != nil || res.Outcome != OK {
				t.Fatalf("Overwrite = %+v, %v; want ok", res, err)
			}
			if !bytes.Equal(m.data, want) {
				t.Errorf("Overwrite with %d generators did not leave the serial stream", workers)
			}
		})
	}
}

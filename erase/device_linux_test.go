package erase

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/kesu-erase/kesu/internal/loopdev"
)

func TestOpenLoopGeometry(t *testing.T) {
	for _, sector := range []int{512, 4096} {
		l := loopdev.New(t, "", 8<<20, sector)
		d, err := Open(l.Path, OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Size() != 8<<20 || d.LogicalBlockSize() != sector || !d.IsBlockDevice() || !d.Direct() {
			t.Errorf("Open(%s loop) = size %d, lbs %d, block %v, direct %v; want 8 MiB, %d, true, true",
				l.Path, d.Size(), d.LogicalBlockSize(), d.IsBlockDevice(), d.Direct(), sector)
		}
		if d.PhysicalBlockSize() < sector {
			t.Errorf("PhysicalBlockSize = %d; want ≥ %d", d.PhysicalBlockSize(), sector)
		}
		if !d.Present() {
			t.Errorf("Present() = false for an attached loop device")
		}
		d.Close()
	}
}

func TestOverwriteLoopDeviceEveryByte(t *testing.T) {
	// 5 MiB + 7 sectors: the last chunk is partial and not a multiple of
	// the 1 MiB chunk.
	const size = 5<<20 + 7*512
	l := loopdev.New(t, "", size, 512)
	junk := make([]byte, size)
	for i := range junk {
		junk[i] = byte(i*13 + 1)
	}
	if err := os.WriteFile(l.Backing, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"random", "zero", "0xa5"} {
		p, _ := ParsePattern(name)
		d, err := Open(l.Path, OpenOptions{Write: true, Exclusive: true})
		if err != nil {
			t.Fatal(err)
		}
		res, err := Overwrite(context.Background(), d, OverwriteOptions{Pattern: p, ChunkSize: 1 << 20})
		d.Close()
		if err != nil || res.Outcome != OK || res.BytesWritten != size {
			t.Fatalf("Overwrite(%s) = %+v, %v; want ok, %d bytes", name, res, err, size)
		}
		// Read the backing file — not through kesu — and compare.
		got, err := os.ReadFile(l.Backing)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]byte, size)
		p.Fill(want, 0)
		if !bytes.Equal(got, want) {
			t.Fatalf("after Overwrite(%s) the backing file differs from the pattern", name)
		}
		// Spot checks at random offsets, regenerating from the offset alone.
		r := rand.New(rand.NewPCG(4, 5))
		for range 100 {
			off := r.Int64N(size - 100)
			buf := make([]byte, 100)
			p.Fill(buf, off)
			if !bytes.Equal(buf, got[off:off+100]) {
				t.Fatalf("%s: bytes at %d differ from the regenerated pattern", name, off)
			}
		}
		// And kesu's own verification agrees, full and sampled.
		d, _ = Open(l.Path, OpenOptions{})
		for _, pct := range []float64{10, 100} {
			sp, _ := NewSamplePlan(seed(7), size/512, 512, pct)
			v, err := Verify(context.Background(), d, VerifyOptions{Plan: sp, Expect: ExpectPattern(p)})
			if err != nil || v.Outcome != OK {
				t.Fatalf("Verify(%s, %v%%) = %+v, %v", name, pct, v, err)
			}
		}
		d.Close()
	}
}

func TestOverwriteFileUnalignedTail(t *testing.T) {
	const size = 1<<20 + 1000
	path := filepath.Join(t.TempDir(), "target.img")
	if err := os.WriteFile(path, bytes.Repeat([]byte{0x77}, size), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := Open(path, OpenOptions{Write: true})
	if err != nil {
		t.Fatal(err)
	}
	p := mustRandom(t)
	res, _ := Overwrite(context.Background(), d, OverwriteOptions{Pattern: p, ChunkSize: 256 << 10})
	d.Close()
	if res.Outcome != OK || res.BytesWritten != size {
		t.Fatalf("Overwrite(file of %d bytes) = %s %q, %d bytes", size, res.Outcome, res.Reason, res.BytesWritten)
	}
	got, _ := os.ReadFile(path)
	want := make([]byte, size)
	p.Fill(want, 0)
	if !bytes.Equal(got, want) {
		t.Fatal("file content differs from the pattern")
	}
}

func TestOpenExclusiveRefusesMounted(t *testing.T) {
	if _, err := exec.LookPath("mkfs.ext4"); err != nil {
		t.Skip("mkfs.ext4 not installed")
	}
	l := loopdev.New(t, "", 16<<20, 512)
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", l.Path).CombinedOutput(); err != nil {
		t.Fatalf("mkfs.ext4: %v: %s", err, out)
	}
	mnt := t.TempDir()
	if out, err := exec.Command("mount", l.Path, mnt).CombinedOutput(); err != nil {
		t.Fatalf("mount: %v: %s", err, out)
	}
	defer exec.Command("umount", mnt).Run()
	_, err := Open(l.Path, OpenOptions{Write: true, Exclusive: true})
	if !errors.Is(err, ErrInUse) {
		t.Errorf("Open(mounted %s, exclusive) error = %v; want ErrInUse", l.Path, err)
	}
}

func TestSameDevice(t *testing.T) {
	a := loopdev.New(t, "", 1<<20, 512)
	b := loopdev.New(t, "", 1<<20, 512)
	a1, _ := Open(a.Path, OpenOptions{})
	a2, _ := Open(a.Path, OpenOptions{})
	b1, _ := Open(b.Path, OpenOptions{})
	defer a1.Close()
	defer a2.Close()
	defer b1.Close()
	if !a1.SameDevice(a2) || a1.SameDevice(b1) {
		t.Errorf("SameDevice: same loop %v, different loops %v; want true, false", a1.SameDevice(a2), a1.SameDevice(b1))
	}
}

// The unaligned tail of a file is written to the file that was opened, even
// when another file has taken its name meanwhile (found by review: the tail
// descriptor was opened later by path).
func TestFileTailGoesToTheFileOpened(t *testing.T) {
	const size = 1<<20 + 1000
	dir := t.TempDir()
	path := filepath.Join(dir, "target.img")
	if err := os.WriteFile(path, bytes.Repeat([]byte{0x77}, size), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := Open(path, OpenOptions{Write: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// The opened file is renamed away; another file takes its name.
	moved := filepath.Join(dir, "moved.img")
	if err := os.Rename(path, moved); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, bytes.Repeat([]byte{0x11}, size), 0o600); err != nil {
		t.Fatal(err)
	}
	res, _ := Overwrite(context.Background(), d, OverwriteOptions{Pattern: Zero(), ChunkSize: 256 << 10})
	if res.Outcome != OK {
		t.Fatalf("Overwrite = %s %q", res.Outcome, res.Reason)
	}
	opened, _ := os.ReadFile(moved)
	other, _ := os.ReadFile(path)
	if !bytes.Equal(opened, make([]byte, size)) {
		t.Error("the file opened was not zeroed to its end")
	}
	if !bytes.Equal(other, bytes.Repeat([]byte{0x11}, size)) {
		t.Error("the file that took the name was written")
	}
}

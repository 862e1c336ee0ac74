package filemedia

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/scsi"
)

var errRange = errors.New("beyond the end")

func region(t *testing.T, size int64, gate error) (*Region, *os.File) {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "m"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	f.Truncate(size + 4096) // the file is larger than what is addressable
	return &Region{Mu: &sync.Mutex{}, F: f, Gate: func() error { return gate }, Size: func() int64 { return size }, ErrRange: errRange}, f
}

func TestRegion(t *testing.T) {
	r, f := region(t, 1024, nil)
	if n, err := r.WriteAt([]byte("abcd"), 1020); n != 4 || err != nil {
		t.Errorf("WriteAt at the end = %d, %v; want 4, nil", n, err)
	}
	if n, err := r.WriteAt([]byte("abcdef"), 1022); n != 2 || !errors.Is(err, errRange) {
		t.Errorf("WriteAt across the end = %d, %v; want 2, ErrRange", n, err)
	}
	raw := make([]byte, 2)
	f.ReadAt(raw, 1024)
	if raw[0] != 0 || raw[1] != 0 {
		t.Errorf("bytes past the limit changed: %q", raw)
	}
	buf := make([]byte, 8)
	if n, err := r.ReadAt(buf, 1020); n != 4 || err != io.EOF || string(buf[:4]) != "abab" {
		t.Errorf("ReadAt across the end = %d, %v, %q; want 4, EOF, \"abab\"", n, err, buf[:n])
	}
	if _, err := r.ReadAt(buf, 2000); !errors.Is(err, errRange) {
		t.Errorf("ReadAt past the end = %v; want ErrRange", err)
	}
	if r.Limit() != 1024 {
		t.Errorf("Limit() = %d; want 1024", r.Limit())
	}
}

func TestRegionGate(t *testing.T) {
	locked := errors.New("locked")
	r, _ := region(t, 1024, locked)
	if _, err := r.ReadAt(make([]byte, 4), 0); err != locked {
		t.Errorf("ReadAt while gated = %v; want the gate's error", err)
	}
	if _, err := r.WriteAt(make([]byte, 4), 0); err != locked {
		t.Errorf("WriteAt while gated = %v; want the gate's error", err)
	}
}

func TestRegionWriteFault(t *testing.T) {
	r, f := region(t, 1024, nil)
	drop := true
	var refuse error
	r.WriteFault = func() (bool, error) { return drop, refuse }
	if n, err := r.WriteAt([]byte("lost"), 0); n != 4 || err != nil {
		t.Errorf("WriteAt while dropping = %d, %v; want 4, nil (acknowledged)", n, err)
	}
	raw := make([]byte, 4)
	f.ReadAt(raw, 0)
	if string(raw) != "\x00\x00\x00\x00" {
		t.Errorf("a dropped write reached the medium: %q", raw)
	}
	drop, refuse = false, errors.New("write protected")
	if n, err := r.WriteAt([]byte("nope"), 0); n != 0 || err != refuse {
		t.Errorf("WriteAt while refusing = %d, %v; want 0, the fault's error", n, err)
	}
	refuse = nil
	if n, err := r.WriteAt([]byte("kept"), 0); n != 4 || err != nil {
		t.Errorf("WriteAt after the fault = %d, %v", n, err)
	}
	f.ReadAt(raw, 0)
	if string(raw) != "kept" {
		t.Errorf("medium = %q; want \"kept\"", raw)
	}
}

// TestRegionAccessAndOverlay checks the TPer hooks: Access sees the part
// of each access inside the medium and refuses it whole; Overlay rewrites
// what reads return (never what writes store); READ(16)/WRITE(16) through
// BlockCommand obey both.
func TestRegionAccessAndOverlay(t *testing.T) {
	r, f := region(t, 4096, nil)
	f.WriteAt(bytes.Repeat([]byte{0xAA}, 4096), 0)
	locked := errors.New("locked range")
	type access struct {
		off   int64
		n     int
		write bool
	}
	var seen []access
	r.Access = func(off int64, n int, write bool) error {
		seen = append(seen, access{off, n, write})
		if off < 2048 && off+int64(n) > 1024 { // bytes 1024-2047 are locked
			return locked
		}
		return nil
	}
	r.Overlay = func(p []byte, off int64) {
		for i := range p {
			if off+int64(i) < 16 {
				p[i] = 'S'
			}
		}
	}

	buf := make([]byte, 32)
	if n, err := r.ReadAt(buf, 0); n != 32 || err != nil {
		t.Fatalf("ReadAt(0) = %d, %v", n, err)
	}
	if want := append(bytes.Repeat([]byte{'S'}, 16), bytes.Repeat([]byte{0xAA}, 16)...); !bytes.Equal(buf, want) {
		t.Errorf("ReadAt(0) = % x; want the overlay over 16 bytes, then the medium", buf)
	}
	if _, err := r.WriteAt([]byte("data"), 0); err != nil {
		t.Fatalf("WriteAt(0) = %v", err)
	}
	raw := make([]byte, 4)
	f.ReadAt(raw, 0)
	if string(raw) != "data" {
		t.Errorf("medium at 0 = %q after a write; want \"data\" (the overlay changes reads only)", raw)
	}
	if _, err := r.ReadAt(make([]byte, 512), 1000); err != locked {
		t.Errorf("ReadAt across the locked range = %v; want the Access error", err)
	}
	if n, err := r.WriteAt(make([]byte, 512), 1536); n != 0 || err != locked {
		t.Errorf("WriteAt inside the locked range = %d, %v; want 0, the Access error", n, err)
	}
	f.ReadAt(raw, 1536)
	if !bytes.Equal(raw, []byte{0xAA, 0xAA, 0xAA, 0xAA}) {
		t.Errorf("a refused write reached the medium: % x", raw)
	}
	if _, err := r.ReadAt(make([]byte, 100), 4090); err != io.EOF {
		t.Errorf("ReadAt across the end = %v; want EOF", err)
	}
	want := []access{{0, 32, false}, {0, 4, true}, {1000, 512, false}, {1536, 512, true}, {4090, 6, false}}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("Access calls = %v; want %v", seen, want)
	}

	mu := r.Mu
	block := func(cdb []byte, data []byte) error {
		mu.Lock()
		defer mu.Unlock()
		dir := scsi.DirFromDevice
		if cdb[0] == scsi.OpWrite16 {
			dir = scsi.DirToDevice
		}
		return r.BlockCommand(&scsi.Command{CDB: cdb, Dir: dir, Data: data, Timeout: time.Second}, 512)
	}
	in := make([]byte, 512)
	if err := block(scsi.Read16CDB(0, 1), in); err != nil || string(in[:17]) != "SSSSSSSSSSSSSSSS\xAA" {
		t.Errorf("READ(16) of LBA 0 = %v, % x; want the overlay", err, in[:17])
	}
	if err := block(scsi.Read16CDB(2, 1), in); err != locked {
		t.Errorf("READ(16) of locked LBA 2 = %v; want the Access error", err)
	}
	if err := block(scsi.Write16CDB(3, 1), make([]byte, 512)); err != locked {
		t.Errorf("WRITE(16) of locked LBA 3 = %v; want the Access error", err)
	}
	if err := block(scsi.Write16CDB(4, 1), make([]byte, 512)); err != nil {
		t.Errorf("WRITE(16) of unlocked LBA 4 = %v", err)
	}
}

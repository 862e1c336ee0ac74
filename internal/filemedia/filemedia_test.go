package filemedia

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
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

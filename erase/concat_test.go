package erase

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

func TestConcat(t *testing.T) {
	a, b, c := newMem(8192, 512), newMem(1024, 512), newMem(2048, 512)
	closed := false
	cat, err := NewConcat(func() error { closed = true; return nil }, a, b, c)
	if err != nil {
		t.Fatal(err)
	}
	if cat.Size() != 11264 || cat.LogicalBlockSize() != 512 {
		t.Fatalf("Size %d, block %d; want 11264, 512", cat.Size(), cat.LogicalBlockSize())
	}
	// A write across all three parts lands in each at the right offset.
	data := bytes.Repeat([]byte("0123456789abcdef"), 256) // 4096 bytes
	if n, err := cat.WriteAt(data, 6656); n != 4096 || err != nil {
		t.Fatalf("WriteAt across parts = %d, %v", n, err)
	}
	if !bytes.Equal(a.data[6656:], data[:1536]) || !bytes.Equal(b.data, data[1536:2560]) || !bytes.Equal(c.data[:1536], data[2560:]) {
		t.Error("the write did not land where the parts' offsets say")
	}
	got := make([]byte, 4096)
	if n, err := cat.ReadAt(got, 6656); n != 4096 || err != nil || !bytes.Equal(got, data) {
		t.Errorf("ReadAt across parts = %d, %v, equal %v", n, err, bytes.Equal(got, data))
	}
	// Past the end.
	if _, err := cat.WriteAt(make([]byte, 1024), 10752); err == nil {
		t.Error("a write past the end succeeded")
	}
	// An error in one part names it.
	b.badWrite = []LBARange{{LBA: 0, Count: 2}}
	if _, err := cat.WriteAt(make([]byte, 1024), 8192); !errors.Is(err, errIO) {
		t.Errorf("WriteAt into a failing part = %v; want its error", err)
	}
	if _, starts := cat.Parts(); starts[0] != 0 || starts[1] != 16 || starts[2] != 18 {
		t.Errorf("first LBAs %v; want [0 16 18]", starts)
	}
	cat.Close()
	if !closed {
		t.Error("onClose did not run")
	}
	if _, err := NewConcat(nil, newMem(4096, 512), newMem(4096, 4096)); err == nil {
		t.Error("parts with different block sizes were joined")
	}
}

// The overwrite engine and the verifier cover every part of a Concat.
func TestConcatOverwriteAndVerify(t *testing.T) {
	parts := []*memTarget{newMem(4<<20, 512), newMem(1<<20, 512), newMem(1<<20, 512)}
	for _, p := range parts {
		fillByte(p.data, 0x5a)
	}
	cat, err := NewConcat(nil, parts[0], parts[1], parts[2])
	if err != nil {
		t.Fatal(err)
	}
	res, err := OverwriteAndVerify(context.Background(), cat, PassOptions{Overwrite: OverwriteOptions{Pattern: Zero()}, VerifyPercent: 10})
	if err != nil || res.Status != StatusPass {
		t.Fatalf("OverwriteAndVerify = %v, %v", res, err)
	}
	for i, p := range parts {
		if bytes.IndexByte(p.data, 0x5a) >= 0 {
			t.Errorf("part %d kept old data", i)
		}
	}
}

package tcgtest

import (
	"fmt"
	"io"
)

// Attach gives the TPer the drive's medium (capacity bytes from offset
// 0), which a new media key scrambles.
func (t *TPer) Attach(medium io.WriterAt, capacity int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.medium, t.capacity = medium, capacity
}

// extent is the bytes [start, end) of the medium.
type extent struct{ start, end int64 }

// extents returns the bytes range n covers: a non-global range its
// blocks, the global range what no other range covers (Opal SSC 2.01
// 4.3.5.2), clipped to the capacity when the medium is attached.
func (t *TPer) extents(n int) []extent {
	bs := int64(t.cfg.BlockSize)
	limit := t.capacity
	if limit <= 0 {
		limit = 1 << 62
	}
	clip := func(e extent) extent {
		e.start, e.end = min(e.start, limit), min(e.end, limit)
		return e
	}
	if n > 0 {
		r := t.ranges[n]
		if r.length == 0 {
			return nil
		}
		return []extent{clip(extent{int64(r.start) * bs, int64(r.start+r.length) * bs})}
	}
	var out []extent
	pos := int64(0)
	for _, i := range t.sortedRanges() {
		r := t.ranges[i]
		if s := int64(r.start) * bs; s > pos {
			out = append(out, clip(extent{pos, s}))
		}
		pos = max(pos, int64(r.start+r.length)*bs)
	}
	if pos < limit {
		out = append(out, extent{pos, limit})
	}
	return out
}

// newKey gives range n a new media key: with media encryption, its bytes
// on the medium become pseudo-random (the old ciphertext read with the new
// key). A TPer with LyingKeys counts the key but leaves the medium.
func (t *TPer) newKey(n int) {
	t.ranges[n].keyGen++
	if t.cfg.NoMediaEncryption && t.cfg.Kind != Pyrite2 || t.medium == nil || t.cfg.LyingKeys {
		return
	}
	buf := make([]byte, 1<<20)
	for _, e := range t.extents(n) {
		for off := e.start; off < e.end; off += int64(len(buf)) {
			b := buf[:min(int64(len(buf)), e.end-off)]
			t.fill(b)
			t.medium.WriteAt(b, off) //nolint:errcheck // a failed write leaves other bytes, like a failed drive
		}
	}
}

// shadowing reports whether reads below the MBR table size come from it.
func (t *TPer) shadowing() bool {
	return t.cfg.Kind.opalFamily() && t.lockingLife == lifeManufactured && t.mbrEnable && !t.mbrDone
}

// Access returns an error wrapping ErrLocked when an access of n bytes at
// off meets a range (or the global range's part) that is locked for it:
// ReadLockEnabled and ReadLocked for reads, WriteLockEnabled and
// WriteLocked for writes. Reads inside the MBR shadow are answered by it;
// writes there are refused (Opal SSC 2.01 4.3.5.4).
func (t *TPer) Access(off int64, n int, write bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n <= 0 || t.cfg.Kind.opalFamily() && t.lockingLife != lifeManufactured {
		return nil
	}
	end := off + int64(n)
	what := "read"
	if write {
		what = "write"
	}
	if t.shadowing() && off < t.cfg.MBRSize {
		if write {
			return fmt.Errorf("%w: write of %d bytes at %d into the MBR shadow", ErrLocked, n, off)
		}
		off = t.cfg.MBRSize
		if off >= end {
			return nil
		}
	}
	for i := range t.ranges {
		r := t.ranges[i]
		locked := r.rle && r.rl
		if write {
			locked = r.wle && r.wl
		}
		if !locked {
			continue
		}
		for _, e := range t.extents(i) {
			if off < e.end && e.start < end {
				name := fmt.Sprintf("range %d", i)
				if i == 0 {
					name = "the global range"
				}
				return fmt.Errorf("%w: %s of %d bytes at %d meets %s (bytes %d-%d)", ErrLocked, what, n, off, name, e.start, e.end-1)
			}
		}
	}
	return nil
}

// Shadow puts the MBR table over the bytes of p (read from off) below its
// size while MBR shadowing is enabled and not done.
func (t *TPer) Shadow(p []byte, off int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.shadowing() || off >= t.cfg.MBRSize || off < 0 {
		return
	}
	n := min(int64(len(p)), t.cfg.MBRSize-off)
	t.mbr.read(p[:n], off)
}

// sparse is a byte table stored in 64 KiB chunks; bytes never written
// read as zero.
type sparse map[int64][]byte

const chunk = 64 << 10

func (s sparse) read(p []byte, off int64) {
	for i := 0; i < len(p); {
		pos := off + int64(i)
		c, in := pos/chunk, pos%chunk
		n := min(len(p)-i, int(chunk-in))
		if b, ok := s[c]; ok {
			copy(p[i:i+n], b[in:])
		} else {
			clear(p[i : i+n])
		}
		i += n
	}
}

func (s sparse) write(p []byte, off int64) {
	for i := 0; i < len(p); {
		pos := off + int64(i)
		c, in := pos/chunk, pos%chunk
		n := min(len(p)-i, int(chunk-in))
		b, ok := s[c]
		if !ok {
			b = make([]byte, chunk)
			s[c] = b
		}
		copy(b[in:], p[i:i+n])
		i += n
	}
}

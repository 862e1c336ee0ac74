package erase

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Concat is a Target made of several targets laid one after the other in
// one LBA space: an eMMC's user data area followed by its boot and
// general-purpose partitions, so that one overwrite, one set of canaries
// and one sampling plan cover all of them. LBA 0 is the first part's LBA 0;
// each next part starts where the one before ends.
type Concat struct {
	parts   []Target
	starts  []int64 // byte offset of each part
	size    int64
	lbs     int
	onClose func() error
}

// NewConcat joins parts, which must all have the same logical block size
// and each a whole number of blocks. onClose, if set, runs after the parts
// are closed (e.g. to restore a partition's write protection).
func NewConcat(onClose func() error, parts ...Target) (*Concat, error) {
	if len(parts) == 0 {
		return nil, errors.New("concat: no parts")
	}
	c := &Concat{parts: parts, lbs: parts[0].LogicalBlockSize(), onClose: onClose}
	for _, p := range parts {
		if p.LogicalBlockSize() != c.lbs {
			return nil, fmt.Errorf("concat: %s has %d-byte blocks, %s %d", p.Name(), p.LogicalBlockSize(), parts[0].Name(), c.lbs)
		}
		if p.Size()%int64(c.lbs) != 0 {
			return nil, fmt.Errorf("concat: %s is not a whole number of %d-byte blocks", p.Name(), c.lbs)
		}
		c.starts = append(c.starts, c.size)
		c.size += p.Size()
	}
	return c, nil
}

// Parts returns the parts with the first LBA of each.
func (c *Concat) Parts() (parts []Target, firstLBA []int64) {
	for i, p := range c.parts {
		parts = append(parts, p)
		firstLBA = append(firstLBA, c.starts[i]/int64(c.lbs))
	}
	return parts, firstLBA
}

// do runs op over the parts that [off, off+len(p)) touches.
func (c *Concat) do(p []byte, off int64, op func(t Target, b []byte, off int64) (int, error)) (int, error) {
	if off < 0 || off > c.size {
		return 0, fmt.Errorf("concat: offset %d outside %d bytes", off, c.size)
	}
	done := 0
	for i, t := range c.parts {
		end := c.starts[i] + t.Size()
		if len(p) == done || off+int64(done) >= c.size {
			break
		}
		pos := off + int64(done)
		if pos >= end {
			continue
		}
		n := int(min(int64(len(p)-done), end-pos))
		k, err := op(t, p[done:done+n], pos-c.starts[i])
		done += k
		if err != nil && !(err == io.EOF && k == n) {
			return done, fmt.Errorf("%s: %w", t.Name(), err)
		}
		if k < n {
			return done, fmt.Errorf("%s: %w", t.Name(), io.ErrUnexpectedEOF)
		}
	}
	if done < len(p) {
		return done, io.EOF
	}
	return done, nil
}

// ReadAt implements Target.
func (c *Concat) ReadAt(p []byte, off int64) (int, error) {
	return c.do(p, off, func(t Target, b []byte, o int64) (int, error) { return t.ReadAt(b, o) })
}

// WriteAt implements Target.
func (c *Concat) WriteAt(p []byte, off int64) (int, error) {
	n, err := c.do(p, off, func(t Target, b []byte, o int64) (int, error) { return t.WriteAt(b, o) })
	if err == io.EOF {
		err = fmt.Errorf("concat: write of %d bytes at %d beyond %d bytes", len(p), off, c.size)
	}
	return n, err
}

// Size implements Target.
func (c *Concat) Size() int64 { return c.size }

// LogicalBlockSize implements Target.
func (c *Concat) LogicalBlockSize() int { return c.lbs }

// PhysicalBlockSize implements Target: the largest of the parts'.
func (c *Concat) PhysicalBlockSize() int {
	m := 0
	for _, p := range c.parts {
		m = max(m, p.PhysicalBlockSize())
	}
	return m
}

// Alignment is the largest alignment any part needs.
func (c *Concat) Alignment() int {
	m := 0
	for _, p := range c.parts {
		m = max(m, alignmentOf(p))
	}
	return m
}

// Direct reports whether every part bypasses the page cache.
func (c *Concat) Direct() bool {
	for _, p := range c.parts {
		d, ok := p.(interface{ Direct() bool })
		if !ok || !d.Direct() {
			return false
		}
	}
	return true
}

// Present reports whether every part that can tell is still attached.
func (c *Concat) Present() bool {
	for _, p := range c.parts {
		if pr, ok := p.(presence); ok && !pr.Present() {
			return false
		}
	}
	return true
}

// Sync implements Target: every part is flushed.
func (c *Concat) Sync() error {
	var errs []error
	for _, p := range c.parts {
		if err := p.Sync(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.Name(), err))
		}
	}
	return errors.Join(errs...)
}

// Close implements Target: every part is closed, then onClose runs.
func (c *Concat) Close() error {
	var errs []error
	for _, p := range c.parts {
		if err := p.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.onClose != nil {
		if err := c.onClose(); err != nil {
			errs = append(errs, err)
		}
		c.onClose = nil
	}
	return errors.Join(errs...)
}

// Name implements Target: the parts' names joined with "+".
func (c *Concat) Name() string {
	var n []string
	for _, p := range c.parts {
		n = append(n, p.Name())
	}
	return strings.Join(n, "+")
}

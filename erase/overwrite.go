package erase

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"
)

// Outcome is how a pass (overwrite or verification) ended.
type Outcome string

// Outcomes. Only OK means the pass did everything it set out to do.
const (
	OK        Outcome = "ok"
	Failed    Outcome = "failed"
	Cancelled Outcome = "cancelled"
)

// OverwriteOptions configures one overwrite pass.
type OverwriteOptions struct {
	Pattern Pattern
	// ChunkSize is the size of each write; default 4 MiB. Rounded to the
	// target's alignment.
	ChunkSize int
	// Retries is how often a failed chunk write is retried whole before it
	// is split to isolate bad blocks; default 1.
	Retries int
	// MaxUnwritableBlocks ends the pass (as failed) once this many blocks
	// could not be written — a dying drive is not worth days of
	// block-by-block retries. 0 means the default, 65536; <0 means no limit.
	MaxUnwritableBlocks int64
	// ExpectedSize, when set, is the size the drive's identity declares;
	// a smaller target fails the pass before anything is written.
	ExpectedSize int64
	// Workers generating a random pattern; default GOMAXPROCS − 1, at
	// least 1 and at most 4. One AES-CTR stream makes about 5 GB/s on one
	// core; a core is left for the kernel's side of the writes (the block
	// layer, a loop device's copy into its backing file), which on two
	// cores made the pass quicker with one generator than with two or
	// three. The generators share the pass's few buffers (genDepth chunks,
	// whatever Workers is), so more of them cost no memory, and they only
	// work as fast as the drive takes the data.
	Workers int
	// Progress, if set, is called at least every ProgressInterval (≤ 1 s).
	Progress         func(Progress)
	ProgressInterval time.Duration
}

// OverwriteResult says exactly what an overwrite pass did.
type OverwriteResult struct {
	Target            string     `json:"target"`
	Size              int64      `json:"size_bytes"`
	LogicalBlockSize  int        `json:"logical_block_size"`
	PhysicalBlockSize int        `json:"physical_block_size"`
	Pattern           string     `json:"pattern"`
	KeyID             string     `json:"key_id,omitempty"`
	BytesWritten      int64      `json:"bytes_written"`
	Unwritable        []LBARange `json:"unwritable,omitempty"`
	UnwritableBlocks  int64      `json:"unwritable_blocks"`
	// UntriedBlocks are unwritable blocks recorded without a write of their
	// own, after the drive refused many single-block writes in the same
	// chunk (a failing region, not isolated bad sectors).
	UntriedBlocks int64 `json:"untried_blocks,omitempty"`
	// WrittenThrough is the offset up to which the pass went (all bytes
	// before it were attempted); equals Size when the pass ran to the end.
	WrittenThrough int64         `json:"written_through"`
	Retries        int           `json:"retries"`
	Synced         bool          `json:"synced"`
	Started        time.Time     `json:"started"`
	Finished       time.Time     `json:"finished"`
	Duration       time.Duration `json:"duration_ns"`
	Outcome        Outcome       `json:"outcome"`
	Reason         string        `json:"reason,omitempty"`
}

// Throughput returns bytes written per second.
func (r *OverwriteResult) Throughput() float64 {
	if r.Duration <= 0 {
		return 0
	}
	return float64(r.BytesWritten) / r.Duration.Seconds()
}

// Overwrite writes the pattern over every byte of t, from offset 0 to
// t.Size(), and flushes. Failed writes are retried, then bisected down to
// single blocks; blocks that stay unwritable are recorded as LBA ranges and
// the pass goes on. The result's Outcome is OK only when every byte was
// written and the final flush succeeded. The returned error is non-nil only
// when the pass could not start.
func Overwrite(ctx context.Context, t Target, o OverwriteOptions) (*OverwriteResult, error) {
	if o.Pattern.IsZero() {
		return nil, fmt.Errorf("overwrite %s: %w: no pattern", t.Name(), ErrBadPattern)
	}
	lbs := t.LogicalBlockSize()
	if lbs <= 0 {
		return nil, fmt.Errorf("overwrite %s: logical block size %d", t.Name(), lbs)
	}
	align := alignmentOf(t)
	cs := o.ChunkSize
	if cs <= 0 {
		cs = 4 << 20
	}
	if cs < align {
		cs = align
	}
	cs -= cs % align
	if o.Retries == 0 {
		o.Retries = 1
	}
	maxBad := o.MaxUnwritableBlocks
	if maxBad == 0 {
		maxBad = 65536
	}
	workers := o.Workers
	if workers <= 0 {
		workers = min(max(runtime.GOMAXPROCS(0)-1, 1), 4)
	}

	size := t.Size()
	res := &OverwriteResult{
		Target: t.Name(), Size: size, LogicalBlockSize: lbs, PhysicalBlockSize: t.PhysicalBlockSize(),
		Pattern: o.Pattern.String(), KeyID: o.Pattern.KeyID(), Started: time.Now(),
	}
	finish := func(out Outcome, reason string) *OverwriteResult {
		res.Finished = time.Now()
		res.Duration = res.Finished.Sub(res.Started)
		res.Outcome, res.Reason = out, reason
		return res
	}
	if ro, ok := t.(readOnlyReporter); ok {
		if r, err := ro.ReadOnly(); err == nil && r {
			return finish(Failed, fmt.Sprintf("%s is %v (the kernel's read-only flag, or the file's permissions): nothing was written", t.Name(), ErrReadOnly)), nil
		}
	}
	if o.ExpectedSize > 0 && size < o.ExpectedSize {
		return finish(Failed, fmt.Sprintf("%v: the target has %d bytes, the drive declares %d", ErrShortDevice, size, o.ExpectedSize)), nil
	}
	if size <= 0 {
		return finish(Failed, "the target has no addressable bytes: nothing was written"), nil
	}
	if d, isFile := t.(*Device); size%int64(lbs) != 0 && !(isFile && !d.IsBlockDevice()) {
		return finish(Failed, fmt.Sprintf("size %d is not a multiple of the %d-byte block", size, lbs)), nil
	}

	m := startMeter(ctx, "overwrite", size, o.Progress, o.ProgressInterval)
	w := &writer{t: t, lbs: lbs, unit: align, retries: o.Retries, maxBad: maxBad, meter: m}
	err := w.run(ctx, size, cs, o.Pattern, workers)
	m.finish()

	res.BytesWritten = w.written
	res.WrittenThrough = w.through
	res.Unwritable = w.bad.list()
	res.UnwritableBlocks = w.bad.blocks
	res.UntriedBlocks = w.untried
	res.Retries = w.retried
	switch {
	case err != nil && errors.Is(err, context.Canceled), err != nil && errors.Is(err, context.DeadlineExceeded):
		// Flush what was written so the record of it holds.
		res.Synced = t.Sync() == nil
		return finish(Cancelled, fmt.Sprintf("cancelled after %d of %d bytes (%v)", w.through, size, err)), nil
	case err != nil:
		res.Synced = false
		return finish(Failed, err.Error()), nil
	}
	if err := t.Sync(); err != nil {
		return finish(Failed, fmt.Sprintf("final flush failed: %v", err)), nil
	}
	res.Synced = true
	if res.UnwritableBlocks > 0 {
		reason := fmt.Sprintf("%d blocks in %d ranges could not be written", res.UnwritableBlocks, len(res.Unwritable))
		if res.UntriedBlocks > 0 {
			reason += fmt.Sprintf(" (%d of them not tried one by one: they lie in chunks where the drive refused %d single-block writes)", res.UntriedBlocks, maxChunkFails)
		}
		return finish(Failed, reason), nil
	}
	if res.BytesWritten != size {
		return finish(Failed, fmt.Sprintf("wrote %d of %d bytes", res.BytesWritten, size)), nil
	}
	return finish(OK, ""), nil
}

// readOnlyReporter is implemented by targets that can tell, before any
// write, that they cannot be written (Device.ReadOnly).
type readOnlyReporter interface {
	ReadOnly() (bool, error)
}

// alignmentOf returns the alignment a target needs for its I/O.
func alignmentOf(t Target) int {
	if d, ok := t.(interface{ Alignment() int }); ok && d.Alignment() > 0 {
		return d.Alignment()
	}
	if pbs := t.PhysicalBlockSize(); pbs > t.LogicalBlockSize() && pbs <= 1<<16 {
		return pbs
	}
	return t.LogicalBlockSize()
}

type writer struct {
	t       Target
	lbs     int
	unit    int // smallest write the target accepts (its I/O alignment)
	retries int
	maxBad  int64
	meter   *meter

	written int64
	through int64
	retried int
	bad     rangeSet

	// chunkFails counts failed writes while bisecting the current chunk;
	// past maxChunkFails the rest of the chunk is recorded unwritable
	// without trying each block (untried counts those blocks).
	chunkFails int
	untried    int64
	// deadChunks counts consecutive chunks of which nothing could be
	// written: a drive refusing every write is given up on quickly.
	deadChunks int
}

// Limits that keep a dying drive from taking days: single-block retries per
// chunk, and whole chunks in a row that refuse every write.
const (
	maxChunkFails = 64
	maxDeadChunks = 3
)

// run writes the whole target: a random pattern through the generator
// pipeline (generateAndWrite), a constant one from one pre-filled buffer.
func (w *writer) run(ctx context.Context, size int64, cs int, p Pattern, workers int) error {
	nchunks := (size + int64(cs) - 1) / int64(cs)
	if _, constant := p.Constant(); constant {
		buf, free, err := alignedBuffer(cs)
		if err != nil {
			return fmt.Errorf("buffer: %w", err)
		}
		defer free()
		p.Fill(buf, 0)
		for i := int64(0); i < nchunks; i++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			off := i * int64(cs)
			n := int(min(int64(cs), size-off))
			if err := w.write(buf[:n], off); err != nil {
				return err
			}
		}
		return nil
	}
	return generateAndWrite(ctx, p, size, cs, workers, w.write)
}

// write writes one chunk, retrying and then bisecting on failure. It returns
// an error only when the pass must end: the device vanished or too many
// blocks are unwritable.
func (w *writer) write(b []byte, off int64) error {
	err := w.try(b, off)
	for r := 0; err != nil && r < w.retries; r++ {
		if vanished(w.t, err) {
			return fmt.Errorf("%w at byte %d: %v", ErrVanished, off, err)
		}
		w.retried++
		err = w.try(b, off)
	}
	if err != nil {
		if vanished(w.t, err) {
			return fmt.Errorf("%w at byte %d: %v", ErrVanished, off, err)
		}
		before := w.written
		w.chunkFails = 0
		if e := w.bisect(b, off); e != nil {
			return e
		}
		if w.written == before {
			w.deadChunks++
		} else {
			w.deadChunks = 0
		}
		if w.deadChunks >= maxDeadChunks {
			w.through = off + int64(len(b))
			return fmt.Errorf("pass abandoned at byte %d: the drive refused every write in %d chunks in a row (%d blocks unwritable so far, %d of them not tried one by one)",
				w.through, w.deadChunks, w.bad.blocks, w.untried)
		}
	} else {
		w.deadChunks = 0
		w.written += int64(len(b))
		w.meter.add(int64(len(b)))
	}
	w.through = off + int64(len(b))
	return nil
}

func (w *writer) try(b []byte, off int64) error {
	n, err := w.t.WriteAt(b, off)
	if err == nil && n != len(b) {
		err = io.ErrShortWrite
	}
	return err
}

// bisect splits a failed range down to single blocks (or the smallest unit
// the target's I/O alignment allows), recording what cannot be written.
func (w *writer) bisect(b []byte, off int64) error {
	units := len(b) / w.unit
	if w.chunkFails >= maxChunkFails {
		// The drive has refused too many single writes in this chunk:
		// record the rest as unwritable without trying each block.
		first := off / int64(w.lbs)
		last := (off + int64(len(b)) - 1) / int64(w.lbs)
		w.bad.add(first, last-first+1)
		w.untried += last - first + 1
		w.meter.add(int64(len(b)))
		if w.maxBad > 0 && w.bad.blocks >= w.maxBad {
			return fmt.Errorf("pass abandoned at byte %d: %d blocks could not be written (limit %d)", off, w.bad.blocks, w.maxBad)
		}
		return nil
	}
	if units <= 1 {
		if err := w.try(b, off); err != nil {
			if vanished(w.t, err) {
				return fmt.Errorf("%w at byte %d: %v", ErrVanished, off, err)
			}
			w.chunkFails++
			first := off / int64(w.lbs)
			last := (off + int64(len(b)) - 1) / int64(w.lbs)
			w.bad.add(first, last-first+1)
			w.meter.add(int64(len(b)))
			if w.maxBad > 0 && w.bad.blocks >= w.maxBad {
				return fmt.Errorf("pass abandoned at byte %d: %d blocks could not be written (limit %d)", off, w.bad.blocks, w.maxBad)
			}
			return nil
		}
		w.written += int64(len(b))
		w.meter.add(int64(len(b)))
		return nil
	}
	half := (units / 2) * w.unit
	if err := w.try(b[:half], off); err != nil {
		if err := w.bisect(b[:half], off); err != nil {
			return err
		}
	} else {
		w.written += int64(half)
		w.meter.add(int64(half))
	}
	if err := w.try(b[half:], off+int64(half)); err != nil {
		return w.bisect(b[half:], off+int64(half))
	}
	w.written += int64(len(b) - half)
	w.meter.add(int64(len(b) - half))
	return nil
}

func vanished(t Target, err error) bool {
	if vanishedErr(err) {
		return true
	}
	if p, ok := t.(presence); ok {
		return !p.Present()
	}
	return false
}

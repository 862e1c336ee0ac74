package erase

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// Expectation is the content a verification requires.
type Expectation interface {
	// Check compares buf, the content of whole blocks starting at byte
	// offset off, with what must be there and calls bad with the LBA of
	// every block that differs. scratch is a buffer at least len(buf) long
	// the check may use.
	Check(buf []byte, off int64, blockSize int, scratch []byte, bad func(lba int64))
	// ScratchSize is the scratch Check needs for reads of up to n bytes.
	ScratchSize(n int) int
	String() string
}

// ExpectPattern expects the content an overwrite with p left.
func ExpectPattern(p Pattern) Expectation {
	e := patternExpect{p: p}
	if b, ok := p.Constant(); ok {
		e.want = make([]byte, constWant)
		fillByte(e.want, b)
	}
	return e
}

type patternExpect struct {
	p    Pattern
	want []byte // a constant pattern's bytes, filled once, read-only
}

func (e patternExpect) String() string { return e.p.String() }

// Check compares in strides of whole blocks against a stride of the
// pattern small enough to stay in the CPU's cache, looking at single blocks
// only where a stride differs: a constant pattern's stride is filled once
// per expectation, a random one's is generated stride by stride.
const (
	constStride  = 16 << 10
	constWant    = 64 << 10
	randomStride = 64 << 10
)

func (e patternExpect) ScratchSize(n int) int {
	if _, ok := e.p.Constant(); ok {
		return 0
	}
	return min(n, randomStride)
}

func (e patternExpect) Check(buf []byte, off int64, bs int, scratch []byte, bad func(int64)) {
	var stride int
	var want []byte
	b, constant := e.p.Constant()
	if constant {
		stride = max(bs, constStride/bs*bs)
		want = e.want
	} else {
		stride = max(bs, randomStride/bs*bs)
		want = scratch
	}
	if len(want) < min(stride, len(buf)) {
		// Blocks larger than the buffers sized for usual ones.
		want = make([]byte, stride)
		if constant {
			fillByte(want, b)
		}
	}
	for i := 0; i < len(buf); i += stride {
		j := min(i+stride, len(buf))
		w := want[:j-i]
		if !constant {
			e.p.Fill(w, off+int64(i))
		}
		if bytes.Equal(buf[i:j], w) {
			continue
		}
		for k := i; k < j; k += bs {
			l := min(k+bs, j)
			if !bytes.Equal(buf[k:l], w[k-i:l-i]) {
				bad((off + int64(k)) / int64(bs))
			}
		}
	}
}

// VerifyOptions configures a read-back verification.
type VerifyOptions struct {
	Plan   *SamplePlan
	Expect Expectation
	// Workers reading and checking in parallel; default 4 for a full plan
	// (4 MiB reads: with 3 or 4 in flight a RAM-backed loop device read
	// 2 GiB in about 0.85× the time it took with 2, paired runs on two
	// cores) and 8 for a sampled one (short reads gain from a deeper queue:
	// 8 beat 2, 4 and 16). Fixed, not per core: a server verifying many
	// drives at once holds Workers buffers for each.
	Workers int
	// ReadSize is the largest single read; default 4 MiB.
	ReadSize int
	// Progress, if set, is called at least every ProgressInterval (≤ 1 s).
	Progress         func(Progress)
	ProgressInterval time.Duration
}

// maxListedMismatches bounds the mismatching LBAs a result lists.
const maxListedMismatches = 16

// VerifyResult says what a verification read and found.
type VerifyResult struct {
	Target           string     `json:"target"`
	Method           string     `json:"method"` // "full" or "sampled"
	Expect           string     `json:"expect"`
	Plan             SamplePlan `json:"plan"`
	PercentRead      float64    `json:"percent_read"`
	Locations        int64      `json:"locations"`
	BlocksPlanned    int64      `json:"blocks_planned"`
	BlocksRead       int64      `json:"blocks_read"`
	BytesRead        int64      `json:"bytes_read"`
	MismatchedBlocks int64      `json:"mismatched_blocks"`
	// FirstMismatches lists the lowest mismatching LBAs (at most 16).
	FirstMismatches  []int64    `json:"first_mismatches,omitempty"`
	Unreadable       []LBARange `json:"unreadable,omitempty"`
	UnreadableBlocks int64      `json:"unreadable_blocks"`
	// CanariesChecked and CanariesSurvived count canary blocks read back
	// and found still holding their planted content (canary verification
	// only).
	CanariesChecked  int64         `json:"canaries_checked,omitempty"`
	CanariesSurvived int64         `json:"canaries_survived,omitempty"`
	Started          time.Time     `json:"started"`
	Finished         time.Time     `json:"finished"`
	Duration         time.Duration `json:"duration_ns"`
	Outcome          Outcome       `json:"outcome"`
	Reason           string        `json:"reason,omitempty"`
}

// Throughput returns bytes read per second.
func (r *VerifyResult) Throughput() float64 {
	if r.Duration <= 0 {
		return 0
	}
	return float64(r.BytesRead) / r.Duration.Seconds()
}

// Reads calls fn with the reads that cover the plan's locations in LBA
// order, as kesu's verification issues them: locations that abut (whole
// subsections read back to back, or samples that happen to touch) are
// joined, and the result is cut into reads of at most maxBlocks. Every
// planned block is in exactly one read and no other block is read.
func (p *SamplePlan) Reads(maxBlocks int64, fn func(LBARange) error) error {
	var run LBARange
	emit := func() error {
		for lba := run.LBA; lba < run.End(); lba += maxBlocks {
			if err := fn(LBARange{LBA: lba, Count: min(maxBlocks, run.End()-lba)}); err != nil {
				return err
			}
		}
		return nil
	}
	if err := p.Each(func(e LBARange) error {
		if run.Count > 0 && run.End() == e.LBA {
			run.Count += e.Count
			return nil
		}
		if err := emit(); err != nil {
			return err
		}
		run = e
		return nil
	}); err != nil {
		return err
	}
	return emit()
}

type verifier struct {
	t      Target
	bs     int
	expect Expectation
	meter  *meter

	mu         sync.Mutex
	blocksRead int64
	bytesRead  int64
	mismatched int64
	first      []int64
	bad        rangeSet
	fatal      error
}

// Verify reads back the blocks of the plan and compares them with the
// expectation. The Outcome is OK only when every planned block was read,
// at least one block was planned, and none differed or was unreadable. The
// returned error is non-nil only when verification could not start.
func Verify(ctx context.Context, t Target, o VerifyOptions) (*VerifyResult, error) {
	if o.Plan == nil || o.Expect == nil {
		return nil, fmt.Errorf("verify %s: %w: no plan or expectation", t.Name(), ErrBadPlan)
	}
	bs := t.LogicalBlockSize()
	if o.Plan.BlockSize != bs {
		return nil, fmt.Errorf("verify %s: %w: plan for %d-byte blocks, target has %d", t.Name(), ErrBadPlan, o.Plan.BlockSize, bs)
	}
	if o.Plan.prng == nil && !o.Plan.Full {
		if err := o.Plan.init(); err != nil {
			return nil, err
		}
	}
	workers := o.Workers
	if workers <= 0 {
		workers = 4
		if !o.Plan.Full {
			workers = 8
		}
	}
	rs := o.ReadSize
	if rs <= 0 {
		rs = 4 << 20
	}
	if !o.Plan.Full && o.Plan.MaxSampleBlocks > 0 {
		rs = min(rs, int(o.Plan.MaxSampleBlocks)*bs)
	}
	align := alignmentOf(t)
	rs = max(rs-rs%align, align)
	rs -= rs % bs
	maxBlocks := int64(rs / bs)

	planned, locations := o.Plan.PlannedBlocks()
	res := &VerifyResult{
		Target: t.Name(), Method: o.Plan.Method(), Expect: o.Expect.String(), Plan: *o.Plan,
		Locations: locations, BlocksPlanned: planned, Started: time.Now(),
	}
	finish := func(out Outcome, reason string) (*VerifyResult, error) {
		res.Finished = time.Now()
		res.Duration = res.Finished.Sub(res.Started)
		res.Outcome, res.Reason = out, reason
		return res, nil
	}
	if size := t.Size(); o.Plan.Blocks*int64(bs) > size {
		return finish(Failed, fmt.Sprintf("%v: plan covers %d bytes, target has %d", ErrShortDevice, o.Plan.Blocks*int64(bs), size))
	}
	if planned <= 0 {
		return finish(Failed, "the plan reads nothing")
	}

	v := &verifier{t: t, bs: bs, expect: o.Expect}
	v.meter = startMeter(ctx, "verify", planned*int64(bs), o.Progress, o.ProgressInterval)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var genErr error
	ran := false
	if a, ok := t.(asyncIO); ok && !o.Plan.Full && o.Workers <= 0 {
		ran, genErr = v.readAsync(ctx, cancel, a, o.Plan, maxBlocks)
	}
	if !ran {
		genErr = v.readWorkers(ctx, cancel, o, rs, maxBlocks, workers)
	}
	v.meter.finish()
	if genErr == errVerifyBuffer {
		return nil, fmt.Errorf("verify buffer: %w", v.fatal)
	}
	sort.Slice(v.first, func(i, j int) bool { return v.first[i] < v.first[j] })
	res.BlocksRead, res.BytesRead = v.blocksRead, v.bytesRead
	res.MismatchedBlocks, res.FirstMismatches = v.mismatched, v.first
	res.Unreadable, res.UnreadableBlocks = v.bad.list(), v.bad.blocks
	if o.Plan.Blocks > 0 {
		res.PercentRead = 100 * float64(res.BlocksRead) / float64(o.Plan.Blocks)
	}
	canaries, isCanary := o.Expect.(interface{ Stats() (int64, int64) })
	if isCanary {
		res.CanariesChecked, res.CanariesSurvived = canaries.Stats()
	}
	switch {
	case v.fatal != nil:
		return finish(Failed, v.fatal.Error())
	case res.CanariesSurvived > 0:
		return finish(Failed, fmt.Sprintf("%d of %d canary blocks read back still hold the content planted before the erase: the drive did not erase them", res.CanariesSurvived, res.CanariesChecked))
	case genErr != nil:
		return finish(Cancelled, fmt.Sprintf("cancelled after reading %d of %d planned blocks (%v)", res.BlocksRead, planned, genErr))
	case res.MismatchedBlocks > 0:
		return finish(Failed, fmt.Sprintf("%d blocks do not hold %s; first at LBA %d", res.MismatchedBlocks, res.Expect, res.FirstMismatches[0]))
	case res.UnreadableBlocks > 0:
		return finish(Failed, fmt.Sprintf("%d blocks could not be read", res.UnreadableBlocks))
	case res.BlocksRead != planned || res.BlocksRead == 0:
		return finish(Failed, fmt.Sprintf("read %d of %d planned blocks", res.BlocksRead, planned))
	case isCanary && res.CanariesChecked == 0:
		return finish(Failed, "no canary block was read back, so the erase is not proven")
	}
	return finish(OK, "")
}

func (v *verifier) setFatal(err error) {
	v.mu.Lock()
	if v.fatal == nil {
		v.fatal = err
	}
	v.mu.Unlock()
}

// read reads one request, retrying once and bisecting on failure so that
// unreadable blocks are pinned down, and checks what was read.
func (v *verifier) read(buf, scratch []byte, r LBARange) error {
	n := int(r.Count) * v.bs
	b := buf[:n]
	off := r.LBA * int64(v.bs)
	err := v.try(b, off)
	if err != nil {
		if vanished(v.t, err) {
			return fmt.Errorf("%w at LBA %d: %v", ErrVanished, r.LBA, err)
		}
		err = v.try(b, off)
	}
	if err == nil {
		v.check(b, off, scratch)
		return nil
	}
	if vanished(v.t, err) {
		return fmt.Errorf("%w at LBA %d: %v", ErrVanished, r.LBA, err)
	}
	unit := int64(max(1, alignmentOf(v.t)/v.bs))
	if r.Count <= unit {
		v.mu.Lock()
		v.bad.add(r.LBA, r.Count)
		v.mu.Unlock()
		v.meter.add(int64(n))
		return nil
	}
	half := (r.Count / 2 / unit) * unit
	if half == 0 {
		half = unit
	}
	if err := v.read(buf, scratch, LBARange{LBA: r.LBA, Count: half}); err != nil {
		return err
	}
	return v.read(buf, scratch, LBARange{LBA: r.LBA + half, Count: r.Count - half})
}

func (v *verifier) try(b []byte, off int64) error {
	n, err := v.t.ReadAt(b, off)
	if err == io.EOF && n == len(b) {
		err = nil
	}
	if err == nil && n != len(b) {
		err = fmt.Errorf("short read: %d of %d bytes: %w", n, len(b), io.ErrUnexpectedEOF)
	}
	return err
}

func (v *verifier) check(b []byte, off int64, scratch []byte) {
	var mism []int64
	v.expect.Check(b, off, v.bs, scratch, func(lba int64) { mism = append(mism, lba) })
	v.meter.add(int64(len(b)))
	v.mu.Lock()
	defer v.mu.Unlock()
	v.blocksRead += int64(len(b) / v.bs)
	v.bytesRead += int64(len(b))
	v.mismatched += int64(len(mism))
	for _, lba := range mism {
		v.first = insertLowest(v.first, lba, maxListedMismatches)
	}
}

// insertLowest keeps the n lowest values of s, sorted.
func insertLowest(s []int64, x int64, n int) []int64 {
	i := sort.Search(len(s), func(i int) bool { return s[i] >= x })
	if i >= n {
		return s
	}
	s = append(s, 0)
	copy(s[i+1:], s[i:])
	s[i] = x
	if len(s) > n {
		s = s[:n]
	}
	return s
}

// errVerifyBuffer: the readers' buffers could not be had (v.fatal says why).
var errVerifyBuffer = errors.New("verify buffer")

// readWorkers reads the plan on workers goroutines, each a thread blocked
// in its read. The error is ctx's when it ended before every read started.
func (v *verifier) readWorkers(ctx context.Context, cancel func(), o VerifyOptions, rs int, maxBlocks int64, workers int) error {
	reqs := make(chan LBARange, workers*2)
	var wg sync.WaitGroup
	for range workers {
		// A buffer of its own for each reader, huge-page-backed when it is
		// large enough (alignedBuffer): only what a reader touches is ever
		// allocated, which for a sampled plan's short reads is a fraction.
		buf, free, err := alignedBuffer(rs)
		if err != nil {
			cancel()
			close(reqs)
			wg.Wait()
			v.fatal = err
			return errVerifyBuffer
		}
		defer free()
		scratch := make([]byte, o.Expect.ScratchSize(rs))
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				// A bug in an expectation must fail this verification,
				// not the whole run.
				if r := recover(); r != nil {
					v.setFatal(fmt.Errorf("internal error while verifying: %v", r))
					cancel()
					for range reqs {
					}
				}
			}()
			for r := range reqs {
				if ctx.Err() != nil {
					continue
				}
				if err := v.read(buf, scratch, r); err != nil {
					v.setFatal(err)
					cancel()
				}
			}
		}()
	}
	genErr := o.Plan.Reads(maxBlocks, func(r LBARange) error {
		select {
		case reqs <- r:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(reqs)
	wg.Wait()
	return genErr

}

// Sampled reads through the kernel's asynchronous I/O: asyncReadBytes
// bounds the buffers in flight, asyncReadDepth the reads. A plan's samples
// are short (about 50 KiB at 10% of 1 GiB), and the time of each is mostly
// its trip through the block layer; submitted 64 at a time in one system
// call they share those trips instead of each waking a thread of its own.
const (
	asyncReadBytes = 8 << 20
	asyncReadDepth = 64
)

// readAsync reads a sampled plan through t's asynchronous I/O, checking
// each read as it completes; a read that fails is done again the ordinary
// way (v.read: retried, then bisected to pin down unreadable blocks). ran
// is false when t cannot (nothing was read).
func (v *verifier) readAsync(ctx context.Context, cancel func(), a asyncIO, plan *SamplePlan, maxBlocks int64) (ran bool, err error) {
	var reqs []LBARange
	largest := int64(0)
	plan.Reads(maxBlocks, func(r LBARange) error {
		reqs = append(reqs, r)
		largest = max(largest, r.Count)
		return nil
	})
	if len(reqs) == 0 {
		return false, nil
	}
	unit := int(largest) * v.bs
	if align := alignmentOf(v.t); unit%align != 0 {
		unit += align - unit%align
	}
	depth := min(max(asyncReadBytes/unit, 1), asyncReadDepth, len(reqs))
	arena, free, err := alignedBuffer(depth * unit)
	if err != nil {
		return false, nil
	}
	defer free()
	scratch := make([]byte, v.expect.ScratchSize(unit))
	prep := func(i int, buf []byte) batchItem {
		r := reqs[i]
		return batchItem{buf: buf[:int(r.Count)*v.bs], off: r.LBA * int64(v.bs)}
	}
	done := func(i int, buf []byte, ioErr error) {
		if ctx.Err() != nil {
			return
		}
		if ioErr == nil {
			v.check(buf, reqs[i].LBA*int64(v.bs), scratch)
			return
		}
		if e := v.read(buf, scratch, reqs[i]); e != nil {
			v.setFatal(e)
			cancel()
		}
	}
	defer func() {
		// A bug in an expectation must fail this verification, not the
		// whole run.
		if r := recover(); r != nil {
			v.setFatal(fmt.Errorf("internal error while verifying: %v", r))
			ran, err = true, nil
		}
	}()
	ran, err = a.asyncBatch(ctx, false, len(reqs), unit, arena, prep, done)
	if err != nil && ctx.Err() == nil {
		// The queue failed, not the caller: a failed verification
		// saying why, not a cancelled one.
		v.setFatal(err)
		err = nil
	}
	return ran, err
}

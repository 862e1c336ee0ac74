package store

import (
	"github.com/kesu-erase/kesu/report"

	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
)

// A Streamer puts each record of a run's journal into the store as soon as
// the journal has written it, for a machine whose journal lives in RAM
// (the netbooted appliance, no stick): record seq of run RUN becomes the
// object <prefix>/RUN.steps/<seq as %08d>.line (the line and its
// newline), and Finish puts the sealed journal as <prefix>/RUN.jsonl. A
// put is written only once read back intact; a failing one is tried again,
// with backoff, for as long as the Streamer's context lives: a network
// that goes down loses no record, and the records keep queueing in memory.
//
// CopyOut assembles the steps of a run that has no sealed journal (the
// machine died before Finish) into an unsealed journal.
type Streamer struct {
	st         *Store
	ctx        context.Context
	backoff    time.Duration
	maxBackoff time.Duration
	tryFor     time.Duration
	now        func() time.Time
	// put and after are the store and the timer; tests replace them.
	put   func(ctx context.Context, key string, data []byte) error
	after func(time.Duration) <-chan time.Time

	mu      sync.Mutex
	queue   []step            // waiting, in the order given
	given   map[string][]step // every step given, by run, in seq order
	broken  string            // the steps given do not form a journal: why
	state   StreamState
	changed chan struct{} // closed (and replaced) when state changes
	wake    chan struct{}
}

type step struct {
	run  string
	seq  int64
	line []byte // without the newline
}

// StreamOptions adjusts Stream.
type StreamOptions struct {
	// Context bounds the Streamer's life: the uploads stop when it ends
	// (context.Background when nil).
	Context context.Context
	// Backoff is the wait after a failed put (1 s when 0), doubled after
	// each further failure up to MaxBackoff (30 s when 0); a put that
	// succeeds resets it.
	Backoff, MaxBackoff time.Duration
	// TryFor bounds one put (20 s when 0): a request sent just before the
	// network dropped is given up and tried again, instead of waiting for
	// the HTTP client's own timeouts (a minute for an answer).
	TryFor time.Duration
	// Now is the clock for the state's times (time.Now when nil).
	Now func() time.Time
}

// StreamState is what a Streamer has done so far.
type StreamState struct {
	// Uploaded counts the steps (records) in the store, read back intact;
	// Pending those waiting for their put.
	Uploaded, Pending int
	// Tries counts the failed puts so far (steps and sealed journal).
	Tries int
	// LastErr is the last failure and LastErrAt when it happened (kept
	// after the store answers again).
	LastErr   string
	LastErrAt time.Time
	// Since is when the current outage began: the first failure since the
	// last put that succeeded; zero when the last put succeeded.
	Since time.Time
	// Refused is set when the last failure was an answer of the store (a
	// refusal, an object of that name holding other bytes) rather than no
	// answer at all.
	Refused bool
	// RetryAt is when the failed put is tried again (zero when no put is
	// waiting to be tried again).
	RetryAt time.Time
	// Finishing is set once Finish was called; Sealed once the sealed
	// journal was put and read back intact, and SealedURL is its address.
	Finishing bool
	Sealed    bool
	SealedURL string
	// Now is when the state was taken.
	Now time.Time
}

// String says the state in one line for the console, e.g. "record store:
// 41 of 43 steps uploaded; 2 waiting; network down for 1m20s (last error:
// …); retrying in 8s".
func (s StreamState) String() string {
	if s.Sealed {
		return "record store: sealed journal uploaded and read back intact (" + s.SealedURL + ")"
	}
	total := s.Uploaded + s.Pending
	var b strings.Builder
	b.WriteString("record store: ")
	if s.Pending == 0 {
		fmt.Fprintf(&b, "all %d steps uploaded", total)
	} else {
		fmt.Fprintf(&b, "%d of %d steps uploaded; %d waiting", s.Uploaded, total, s.Pending)
	}
	if s.Finishing && s.Pending == 0 {
		b.WriteString("; sealed journal not stored yet")
	}
	if !s.Since.IsZero() {
		down := "network down"
		if s.Refused {
			down = "the store refusing"
		}
		fmt.Fprintf(&b, "; %s for %s (last error: %s)", down, roundDur(s.Now.Sub(s.Since)), s.LastErr)
		if !s.RetryAt.IsZero() {
			fmt.Fprintf(&b, "; retrying in %s", roundDur(s.RetryAt.Sub(s.Now)))
		}
	}
	return b.String()
}

func roundDur(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}
	return d.Round(time.Second)
}

// Stream starts a Streamer on the store.
func (s *Store) Stream(opt StreamOptions) *Streamer {
	st := &Streamer{
		st: s, ctx: opt.Context, backoff: opt.Backoff, maxBackoff: opt.MaxBackoff, tryFor: opt.TryFor, now: opt.Now,
		put: s.putOnce, after: time.After,
		given: map[string][]step{}, changed: make(chan struct{}), wake: make(chan struct{}, 1),
	}
	if st.ctx == nil {
		st.ctx = context.Background()
	}
	if st.backoff <= 0 {
		st.backoff = time.Second
	}
	if st.maxBackoff <= 0 {
		st.maxBackoff = 30 * time.Second
	}
	if st.maxBackoff < st.backoff {
		st.maxBackoff = st.backoff
	}
	if st.tryFor <= 0 {
		st.tryFor = 20 * time.Second
	}
	if st.now == nil {
		st.now = time.Now
	}
	go st.run()
	return st
}

// StepName is the file name, under the prefix, of record seq of run runID.
func StepName(runID string, seq int64) string {
	return fmt.Sprintf("%s.steps/%08d.line", runID, seq)
}

// Add queues record seq of run runID, whose line is given without its
// newline. It copies line and never blocks: it is meant to be the
// journal's report.Options.OnRecord. Records of a run must come in seq
// order from 0, each once (a record given again with the same bytes is
// ignored).
func (st *Streamer) Add(runID string, seq int64, line []byte) {
	l := bytes.Clone(line)
	st.mu.Lock()
	defer st.mu.Unlock()
	have := st.given[runID]
	if seq != int64(len(have)) {
		switch {
		case seq >= 0 && seq < int64(len(have)) && bytes.Equal(have[seq].line, l):
		case st.broken != "":
		case seq >= 0 && seq < int64(len(have)):
			st.broken = fmt.Sprintf("run %s: record %d was given twice, with different bytes", runID, seq)
		default:
			st.broken = fmt.Sprintf("run %s: record %d was given after %d records", runID, seq, len(have))
		}
		return
	}
	s := step{run: runID, seq: seq, line: l}
	st.given[runID] = append(have, s)
	st.queue = append(st.queue, s)
	st.state.Pending++
	st.changedLocked()
	select {
	case st.wake <- struct{}{}:
	default:
	}
}

// State returns what the Streamer has done so far.
func (st *Streamer) State() StreamState {
	st.mu.Lock()
	defer st.mu.Unlock()
	s := st.state
	s.Now = st.now()
	return s
}

// changedLocked wakes the waiters on the state (mu held).
func (st *Streamer) changedLocked() {
	close(st.changed)
	st.changed = make(chan struct{})
}

// run uploads the queue in order until the Streamer's context ends.
func (st *Streamer) run() {
	for {
		st.mu.Lock()
		if len(st.queue) == 0 {
			st.mu.Unlock()
			select {
			case <-st.ctx.Done():
				return
			case <-st.wake:
				continue
			}
		}
		s := st.queue[0]
		st.mu.Unlock()
		data := append(bytes.Clone(s.line), '\n')
		if st.try(st.ctx, st.st.loc.Key(StepName(s.run, s.seq)), data) != nil {
			return // the context ended
		}
		st.mu.Lock()
		st.queue[0] = step{}
		st.queue = st.queue[1:]
		st.state.Uploaded++
		st.state.Pending--
		st.changedLocked()
		st.mu.Unlock()
	}
}

// try puts data as key until it is in the store, read back intact,
// waiting between failed tries with doubling backoff and keeping the state
// up to date. It fails only when ctx ends.
func (st *Streamer) try(ctx context.Context, key string, data []byte) error {
	wait := st.backoff
	for {
		tctx, cancel := context.WithTimeout(ctx, st.tryFor)
		err := st.put(tctx, key, data)
		cancel()
		if err == nil {
			st.mu.Lock()
			st.state.Since, st.state.RetryAt, st.state.Refused = time.Time{}, time.Time{}, false
			st.changedLocked()
			st.mu.Unlock()
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		now := st.now()
		st.mu.Lock()
		st.state.Tries++
		st.state.LastErr = fmt.Sprintf("%s: %v", st.st.url(key), err)
		st.state.LastErrAt = now
		st.state.Refused = answered(err)
		if st.state.Since.IsZero() {
			st.state.Since = now
		}
		st.state.RetryAt = now.Add(wait)
		st.changedLocked()
		st.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-st.after(wait):
		}
		wait = nextBackoff(wait, st.maxBackoff)
	}
}

// nextBackoff is the wait after cur: twice as long, at most max.
func nextBackoff(cur, max time.Duration) time.Duration {
	if cur >= max/2 {
		return max
	}
	return cur * 2
}

// answered says whether err is the store's answer rather than no answer.
func answered(err error) bool {
	return minio.ToErrorResponse(err).Code != "" || errors.Is(err, errExists) || errors.Is(err, errReadBack)
}

// Finish makes the run's record safe in the store: it waits until every
// step given is uploaded, checks that the steps put together are sealed
// (the stream is the journal), then puts sealed as name (RUN.jsonl) and
// reads it back, trying again with backoff until ctx ends. It returns nil
// only when the sealed journal is in the store intact and the uploaded
// steps are the same journal; otherwise an error that says what is not
// safe. The Streamer's uploads stop when its own context ends: Finish then
// fails at once.
func (st *Streamer) Finish(ctx context.Context, name string, sealed []byte) error {
	runID, ok := strings.CutSuffix(name, ".jsonl")
	if !ok || runID == "" || strings.Contains(name, "/") {
		return fmt.Errorf("record store: %q is not a journal's file name (RUN.jsonl)", name)
	}
	key := st.st.loc.Key(name)
	st.mu.Lock()
	st.state.Finishing = true
	st.changedLocked()
	st.mu.Unlock()
	for {
		st.mu.Lock()
		pending, changed := st.state.Pending, st.changed
		st.mu.Unlock()
		if pending == 0 {
			break
		}
		select {
		case <-changed:
			continue
		case <-ctx.Done():
		case <-st.ctx.Done():
		}
		s := st.State()
		return fmt.Errorf("record store: the record of run %s is NOT safe: %d of %d steps not uploaded and the sealed journal %s not stored (last error: %s)",
			runID, s.Pending, s.Pending+s.Uploaded, st.st.url(key), orNone(s.LastErr))
	}
	st.mu.Lock()
	mismatch := st.broken
	if mismatch == "" {
		mismatch = sameJournal(st.given[runID], sealed)
	}
	st.mu.Unlock()
	if mismatch == "" && !report.EndsSealed(sealed) {
		// A journal whose seal could not be written is not the record
		// of a finished run: it is never called sealed. Its steps are in
		// the store, which the office reads as an unfinished run.
		return fmt.Errorf("record store: the journal of run %s is not sealed (its last record is no seal): its %d steps are in the store, which the office reads as an unfinished run", runID, st.State().Uploaded)
	}
	if err := st.try(ctx, key, sealed); err != nil {
		s := st.State()
		return fmt.Errorf("record store: the record of run %s is NOT safe: its %d steps are uploaded, but the sealed journal %s is not stored: %w (last error: %s)",
			runID, s.Uploaded, st.st.url(key), err, orNone(s.LastErr))
	}
	if mismatch != "" {
		return fmt.Errorf("record store: the sealed journal %s is stored, but the streamed steps are not that journal: %s", st.st.url(key), mismatch)
	}
	st.mu.Lock()
	st.state.Sealed, st.state.SealedURL = true, st.st.url(key)
	st.changedLocked()
	st.mu.Unlock()
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// sameJournal says how the steps differ from the sealed journal ("" when
// they are its lines, in order).
func sameJournal(steps []step, sealed []byte) string {
	rest := sealed
	for i, s := range steps {
		line, after, ok := bytes.Cut(rest, []byte("\n"))
		if !ok {
			return fmt.Sprintf("the sealed journal has %d complete lines; %d steps were streamed", i, len(steps))
		}
		if !bytes.Equal(line, s.line) {
			return fmt.Sprintf("record %d streamed differs from line %d of the sealed journal", s.seq, i+1)
		}
		rest = after
	}
	if len(rest) > 0 {
		return fmt.Sprintf("the sealed journal goes on after the %d streamed steps", len(steps))
	}
	return ""
}

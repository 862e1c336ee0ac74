package report

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"
)

// Errors the journal returns. A write or fsync failure makes the journal
// fail every later call with ErrJournalFailed (wrapping the first cause):
// the caller must stop starting new erasures.
var (
	ErrSealed        = errors.New("journal is sealed")
	ErrClosed        = errors.New("journal is closed")
	ErrJournalFailed = errors.New("journal write failed")
	ErrUnsigned      = errors.New("no signing key, and the policy does not allow an unsigned run")
)

// WriteError is a failure to write or fsync a record.
type WriteError struct {
	Path string
	Op   string // "write" or "fsync"
	Seq  int64  // the record that could not be written
	Err  error
}

func (e *WriteError) Error() string {
	return fmt.Sprintf("journal %s: %s of record %d: %v", e.Path, e.Op, e.Seq, e.Err)
}

func (e *WriteError) Unwrap() []error { return []error{ErrJournalFailed, e.Err} }

// journalFile is the part of *os.File the journal uses; tests substitute
// failing files.
type journalFile interface {
	Write([]byte) (int, error)
	Sync() error
	Truncate(int64) error
	Close() error
}

// Journal is one run's append-only, hash-chained, signed record file. All
// methods are safe for concurrent use: drive workers append from their own
// goroutines and the records stay chained in the order they were written.
type Journal struct {
	path   string
	signer *Signer
	now    func() time.Time

	mu  sync.Mutex
	f   journalFile
	seq int64 // seq of the next record
	// Group commit: records below synced are on stable storage; one
	// appender at a time (syncing) runs the fsync, with the lock released,
	// for every record written so far, and the others wait on synced (its
	// Cond uses mu). No append returns before its own record is synced.
	synced  int64
	syncing bool
	syncd   *sync.Cond
	prev    string // hash of the last record written
	size    int64  // bytes of complete records in the file
	asm     assembler
	err     error // sticky failure
	sealed  bool
	closed  bool
	// onRecord is Options.OnRecord; unsynced holds the lines written but
	// not yet covered by an fsync (seqs from notified on), for it.
	onRecord func(runID string, seq int64, line []byte)
	unsynced [][]byte
	notified int64
}

// Options adjusts Create for tests and special callers.
type Options struct {
	// Now is the clock for record times (time.Now when nil).
	Now func() time.Time
	// Rand supplies the run ID's random part (crypto/rand when nil).
	Rand io.Reader

	// OnRecord, when set, is called once for each record after its line
	// was written and fsynced — when the append that wrote it succeeds —
	// with the run's ID, the record's seq and its line, without the
	// trailing newline. Records come in seq order, each once, the run-start
	// record and the seal included; a record whose write or fsync failed
	// is never passed (nor any after it: the journal has failed).
	//
	// It is called with the journal's lock held, from whichever appender's
	// goroutine ran the fsync that covered the record: it must not block
	// (no network, no waiting on a channel that may be full), must not
	// call into the journal, and must copy line if it keeps it.
	// store.Streamer.Add is such a function.
	OnRecord func(runID string, seq int64, line []byte)

	// wrapFile, when set, wraps the journal's file (tests inject faults).
	wrapFile func(*os.File) journalFile
}

var runIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// Create starts a run's journal: it creates dir (if needed) and
// dir/<run-id>.jsonl, which must not exist, fsyncs the directory, and
// writes and fsyncs the run-start record. signer may be nil only when
// start.Policy.Unsigned says the configuration allows an unsigned run.
// Create fills start.Schema and start.Key, and start.RunID and start.Time
// when empty; it clears start.KeyCustody in an unsigned run and refuses a
// custody that is none of the Custody constants.
func Create(dir string, signer *Signer, start RunStart) (*Journal, error) {
	return CreateWith(dir, signer, start, Options{})
}

// CreateWith is Create with options.
func CreateWith(dir string, signer *Signer, start RunStart, opt Options) (*Journal, error) {
	if signer == nil && !start.Policy.Unsigned {
		return nil, ErrUnsigned
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	if start.Time.IsZero() {
		start.Time = now()
	}
	start.Time = start.Time.UTC()
	if start.RunID == "" {
		r := opt.Rand
		if r == nil {
			r = rand.Reader
		}
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("run id: %w", err)
		}
		start.RunID = start.Time.Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
	}
	if !runIDPattern.MatchString(start.RunID) {
		return nil, fmt.Errorf("run id %q: use letters, digits, '.', '_' and '-' only", start.RunID)
	}
	start.Schema = SchemaVersion
	start.Key = nil
	if signer != nil {
		k := signer.info
		start.Key = &k
	}
	switch start.KeyCustody {
	case "", CustodyStick, CustodyConsole, CustodyFile:
	default:
		return nil, fmt.Errorf("key custody %q: want %q, %q or %q", start.KeyCustody, CustodyStick, CustodyConsole, CustodyFile)
	}
	if signer == nil {
		start.KeyCustody = "" // no key, no custody
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("journal directory: %w", err)
	}
	path := filepath.Join(dir, start.RunID+".jsonl")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	j := &Journal{path: path, signer: signer, now: now, f: f, prev: ZeroHash, onRecord: opt.OnRecord}
	j.syncd = sync.NewCond(&j.mu)
	if opt.wrapFile != nil {
		j.f = opt.wrapFile(f)
	}
	if err := SyncDir(dir); err != nil {
		j.Close()
		return nil, removeUnstarted(dir, path, fmt.Errorf("journal: %w", err))
	}
	if err := j.append(KindRunStart, func(*Run, time.Time) (any, error) { return &start, nil }); err != nil {
		j.Close()
		return nil, removeUnstarted(dir, path, err)
	}
	return j, nil
}

// removeUnstarted removes the file of a journal whose run-start record
// could not be written (a full or failing stick): an empty or partial file
// would look like a run that started. It returns err, saying also when the
// file could not be removed.
func removeUnstarted(dir, path string, err error) error {
	if rerr := os.Remove(path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		return fmt.Errorf("%w (and the journal file %s it left could not be removed: %v)", err, path, rerr)
	}
	SyncDir(dir)
	return err
}

// ErrNotEmpty is returned by Abandon for a journal holding more than its
// run-start record.
var ErrNotEmpty = errors.New("the journal holds more than its run-start record")

// Abandon closes a journal that holds nothing but its run-start record —
// the run could not begin (its first drive record failed on a full or
// failing stick) — and removes its file, which would otherwise look like a
// run that started and never finished. It returns cause, saying also when
// the file could not be removed. A journal with more records is refused
// (ErrNotEmpty) and left as it is: what was recorded stays.
func (j *Journal) Abandon(cause error) error {
	j.mu.Lock()
	n := j.seq
	j.mu.Unlock()
	if n > 1 {
		return fmt.Errorf("%w: %w", cause, ErrNotEmpty)
	}
	j.Close()
	return removeUnstarted(filepath.Dir(j.path), j.path, cause)
}

// Path returns the journal file's path.
func (j *Journal) Path() string { return j.path }

// RunID returns the run's ID.
func (j *Journal) RunID() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.asm.run.Start.RunID
}

// Head returns the number of records written and the hash of the last one.
func (j *Journal) Head() (records int64, head string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.seq, j.prev
}

// Err returns the journal's sticky failure, if any.
func (j *Journal) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// append writes one record. build runs under the journal's lock with the
// run as written so far and the record's time, and returns the body; it may fill in numbers
// (drive IDs, attempt numbers) and the assessment. The record is checked
// against the run before anything is written, written with a single write
// of the whole line, and fsynced; a failure leaves the file ending with the
// last complete record (the partial line is cut off when the file system
// allows) and fails the journal for good.
func (j *Journal) append(kind Kind, build func(r *Run, now time.Time) (any, error)) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case j.err != nil:
		return fmt.Errorf("%w (earlier: %v)", ErrJournalFailed, j.err)
	case j.sealed:
		return ErrSealed
	case j.closed:
		return ErrClosed
	}
	now := j.now().UTC()
	body, err := build(&j.asm.run, now)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("journal: %s body: %w", kind, err)
	}
	// Fold the body as a reader of the file will see it, so that the run
	// the journal keeps (and the assessments it computes) equal the
	// verifier's.
	decoded, err := decodeBody(kind, raw)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if err := j.asm.check(j.seq, kind, decoded); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	env := envelope{Seq: j.seq, Time: now, Kind: kind, Prev: j.prev, Body: raw}
	line, err := encodeLine(env, j.signer)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	buf := append(line, '\n')
	n, err := j.f.Write(buf)
	if err == nil && n != len(buf) {
		err = io.ErrShortWrite
	}
	if err != nil {
		j.fail(&WriteError{Path: j.path, Op: "write", Seq: j.seq, Err: err}, n > 0)
		return j.err
	}
	if RecordWritten != nil {
		RecordWritten(j.path, line)
	}
	hash := hashLine(line)
	if err := j.asm.apply(j.seq, env.Time, hash, kind, decoded); err != nil {
		// check passed a moment ago; this is a bug, and the file is ahead
		// of the in-memory run: stop.
		j.fail(fmt.Errorf("journal: %w", err), false)
		return j.err
	}
	j.size += int64(len(buf))
	j.seq++
	j.prev = hash
	if j.onRecord != nil {
		j.unsynced = append(j.unsynced, line)
	}
	return j.syncTo(j.seq)
}

// notify passes the records below j.synced that OnRecord has not seen yet
// to it, in order (mu held).
func (j *Journal) notify() {
	if j.onRecord == nil {
		return
	}
	id := j.asm.run.Start.RunID
	for j.notified < j.synced && len(j.unsynced) > 0 {
		line := j.unsynced[0]
		j.unsynced[0] = nil
		j.unsynced = j.unsynced[1:]
		j.onRecord(id, j.notified, line)
		j.notified++
	}
}

// syncTo returns once every record below seq is on stable storage (called
// with mu held; it may release it while an fsync runs). The records of
// appenders that wrote while another fsync ran share the next one: drives
// erased in parallel do not queue one fsync each behind the lock, and still
// none of them goes on before its own record is durable. A failed fsync
// fails the journal for every record it covered.
func (j *Journal) syncTo(seq int64) error {
	for j.synced < seq {
		if j.err != nil {
			return j.err
		}
		if j.syncing {
			j.syncd.Wait()
			continue
		}
		j.syncing = true
		upto := j.seq
		j.mu.Unlock()
		err := j.f.Sync()
		j.mu.Lock()
		j.syncing = false
		if err == nil && j.err != nil {
			// The journal failed while this fsync ran, and fail's own
			// fsync may have taken the writeback error this one would have
			// reported (Linux reports it to one fsync only): this success
			// proves nothing.
			j.syncd.Broadcast()
			return j.err
		}
		if err != nil {
			if j.err == nil {
				j.fail(&WriteError{Path: j.path, Op: "fsync", Seq: upto - 1, Err: err}, false)
			}
			j.syncd.Broadcast()
			return j.err
		}
		j.synced = max(j.synced, upto)
		j.notify()
		j.syncd.Broadcast()
	}
	return nil
}

// fail records the journal's first failure. After a partial write it tries
// to cut the file back to its last complete record, so the file stays a
// clean (if unsealed) journal; if that fails too, the verifier reports the
// partial last line as a truncation.
func (j *Journal) fail(err error, partial bool) {
	j.err = err
	if partial {
		if j.f.Truncate(j.size) == nil {
			j.f.Sync()
		}
	}
}

// Note records a note about the run (drive 0) or a drive.
func (j *Journal) Note(n Note) error {
	if n.Severity == "" {
		n.Severity = SeverityInfo
	}
	return j.append(KindNote, func(*Run, time.Time) (any, error) { return &n, nil })
}

// Controller records a RAID controller with the physical drives and
// volumes behind it.
func (j *Journal) Controller(c Controller) error {
	return j.append(KindController, func(*Run, time.Time) (any, error) { return &c, nil })
}

// ControllerCheck records a controller's drive states read again after the
// erasure.
func (j *Journal) ControllerCheck(c ControllerCheck) error {
	return j.append(KindControllerCheck, func(*Run, time.Time) (any, error) { return &c, nil })
}

// Drive records a probed drive and returns its log. The journal numbers the
// drive (d.ID is ignored).
func (j *Journal) Drive(d Drive) (*DriveLog, error) {
	var id int
	err := j.append(KindDrive, func(r *Run, now time.Time) (any, error) {
		d.ID = len(r.Drives) + 1
		id = d.ID
		return &d, nil
	})
	if err != nil {
		return nil, err
	}
	return &DriveLog{j: j, id: id}, nil
}

// Seal writes the seal record — signed over the chain head hash and the
// record count — and closes the file, also when the seal cannot be written
// (the journal then stays unsealed: INCOMPLETE). Nothing can be appended
// afterwards. Drives without a result stay INCOMPLETE in the sealed record.
func (j *Journal) Seal() error {
	err := j.append(KindSeal, func(r *Run, now time.Time) (any, error) {
		s := Seal{Records: j.seq, Head: j.prev, Alg: "none"}
		if j.signer != nil {
			s.Alg = "Ed25519"
			s.Fingerprint = j.signer.Fingerprint()
		}
		return &s, nil
	})
	if err != nil {
		j.Close()
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.waitSync()
	j.sealed = true
	j.closed = true
	return j.f.Close()
}

// waitSync waits (mu held) until no fsync is running, so the file is not
// closed under one.
func (j *Journal) waitSync() {
	for j.syncing {
		j.syncd.Wait()
	}
}

// Close closes the journal without sealing it (the run then verifies as
// INCOMPLETE). Closing a sealed or closed journal does nothing.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil
	}
	j.waitSync()
	j.closed = true
	return j.f.Close()
}

// Policy returns the run's policy.
func (j *Journal) Policy() Policy {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.asm.run.Start.Policy
}

// DriveLog appends the records of one drive. Several DriveLogs may be used
// from different goroutines; one DriveLog is meant for one worker.
type DriveLog struct {
	j  *Journal
	id int
}

// ID returns the drive's number in the run.
func (l *DriveLog) ID() int { return l.id }

// HiddenArea records the outcome of restoring (or failing to restore) one
// hidden area; it replaces the drive's state for that kind of area.
func (l *DriveLog) HiddenArea(a HiddenArea) error {
	return l.j.append(KindHiddenArea, func(*Run, time.Time) (any, error) {
		return &HiddenAreaEvent{Drive: l.id, Area: a}, nil
	})
}

// TCG records a TCG action run on the drive before its first attempt (a
// PSID revert).
func (l *DriveLog) TCG(a TCGAction) error {
	return l.j.append(KindTCG, func(_ *Run, now time.Time) (any, error) {
		a.Drive = l.id
		if a.End.IsZero() {
			a.End = now
		}
		a.Start, a.End = a.Start.UTC(), a.End.UTC()
		return &a, nil
	})
}

// BeginAttempt records that method m is about to run and returns the
// attempt's number. start is the start time (now when zero).
func (l *DriveLog) BeginAttempt(m Method, start time.Time) (int, error) {
	var n int
	err := l.j.append(KindAttemptStart, func(r *Run, now time.Time) (any, error) {
		d := r.DriveByID(l.id)
		if d == nil {
			return nil, fmt.Errorf("journal: unknown drive %d", l.id)
		}
		n = d.maxAttempt + 1
		if start.IsZero() {
			start = now
		}
		return &AttemptStart{Drive: l.id, Attempt: n, Method: m, Start: start.UTC()}, nil
	})
	return n, err
}

// Attempt records how an attempt ended. a.Attempt is the number
// BeginAttempt returned, or 0 for an attempt recorded only at its end (the
// journal then numbers it). a.Start is taken from BeginAttempt when zero.
// It returns the attempt's number.
func (l *DriveLog) Attempt(a Attempt) (int, error) {
	err := l.j.append(KindAttempt, func(r *Run, now time.Time) (any, error) {
		d := r.DriveByID(l.id)
		if d == nil {
			return nil, fmt.Errorf("journal: unknown drive %d", l.id)
		}
		a.Drive = l.id
		if a.Attempt == 0 {
			a.Attempt = d.maxAttempt + 1
		}
		if a.Start.IsZero() {
			for _, s := range d.Starts {
				if s.Attempt == a.Attempt {
					a.Start = s.Start
				}
			}
		}
		if a.End.IsZero() {
			a.End = now
		}
		a.Start, a.End = a.Start.UTC(), a.End.UTC()
		return &a, nil
	})
	return a.Attempt, err
}

// Verification records the read-back check of attempt v.Attempt.
func (l *DriveLog) Verification(v Verification) error {
	return l.j.append(KindVerification, func(*Run, time.Time) (any, error) {
		v.Drive = l.id
		v.Start, v.End = v.Start.UTC(), v.End.UTC()
		return &v, nil
	})
}

// Note records a note about the drive.
func (l *DriveLog) Note(n Note) error {
	n.Drive = l.id
	return l.j.Note(n)
}

// Finish writes the drive's result: the caller's account f and the
// assessment computed by Assess from the drive's records. It returns the
// assessment. Nothing more can be recorded about the drive afterwards,
// except notes.
func (l *DriveLog) Finish(f Finish) (Assessment, error) {
	var a Assessment
	err := l.j.append(KindDriveResult, func(r *Run, now time.Time) (any, error) {
		d := r.DriveByID(l.id)
		if d == nil {
			return nil, fmt.Errorf("journal: unknown drive %d", l.id)
		}
		a = Assess(r.Start.Policy, d, &f)
		return &DriveResult{Drive: l.id, End: now, Finish: f, Assessment: a}, nil
	})
	return a, err
}

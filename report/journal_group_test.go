package report

import (
	"bytes"
	"fmt"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncTracker is the journal's file that remembers how many bytes each
// fsync covered, and makes each fsync take a while, as a stick's does.
type syncTracker struct {
	f      *os.File
	mu     sync.Mutex
	data   []byte
	synced int // bytes on "stable storage"
	syncs  int
}

func (w *syncTracker) Write(b []byte) (int, error) {
	w.mu.Lock()
	w.data = append(w.data, b...)
	w.mu.Unlock()
	return w.f.Write(b)
}

func (w *syncTracker) Sync() error {
	w.mu.Lock()
	upto := len(w.data)
	w.mu.Unlock()
	time.Sleep(2 * time.Millisecond)
	err := w.f.Sync()
	w.mu.Lock()
	w.synced, w.syncs = max(w.synced, upto), w.syncs+1
	w.mu.Unlock()
	return err
}

func (w *syncTracker) Truncate(n int64) error { return w.f.Truncate(n) }
func (w *syncTracker) Close() error           { return w.f.Close() }

// durable reports whether text is in the bytes an fsync has covered.
func (w *syncTracker) durable(text string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Contains(w.data[:w.synced], []byte(text))
}

// Appenders writing at once share fsyncs (group commit), and still none of
// them returns before an fsync covered its own record: the power-loss
// guarantee of one record at a time is kept.
func TestGroupCommitKeepsEachRecordDurable(t *testing.T) {
	var tr *syncTracker
	j, err := CreateWith(t.TempDir(), testSigner(), testStart(), Options{wrapFile: func(f *os.File) journalFile {
		tr = &syncTracker{f: f}
		return tr
	}})
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				text := fmt.Sprintf("writer %d note %d", w, i)
				if err := j.Note(Note{Code: "test", Text: text}); err != nil {
					errs <- err
					return
				}
				if !tr.durable(text) {
					errs <- fmt.Errorf("Note(%q) returned before an fsync covered it", text)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := j.Seal(); err != nil {
		t.Fatal(err)
	}
	records := 1 + writers*each + 1
	if tr.syncs >= records {
		t.Errorf("%d fsyncs for %d records written by %d writers at once; want them shared", tr.syncs, records, writers)
	}
	t.Logf("%d records, %d fsyncs", records, tr.syncs)
}

// oneShotErrFile reports a writeback error to the first fsync that looks
// after it happened and to no other, as Linux does for one open file; its
// next write can be made short (a full stick), and one fsync can be held
// until the test lets it go.
type oneShotErrFile struct {
	f         *os.File
	mu        sync.Mutex
	pending   error
	shortNext bool
	hold      bool
	held      chan struct{} // closed when the held fsync has started
	release   chan struct{}
}

func (w *oneShotErrFile) Write(b []byte) (int, error) {
	w.mu.Lock()
	short := w.shortNext
	w.mu.Unlock()
	if short {
		n, _ := w.f.Write(b[:len(b)/2])
		return n, syscall.ENOSPC
	}
	return w.f.Write(b)
}

func (w *oneShotErrFile) Sync() error {
	w.mu.Lock()
	hold := w.hold
	w.hold = false
	w.mu.Unlock()
	if hold {
		close(w.held)
		<-w.release
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	err := w.pending
	w.pending = nil
	return err
}

func (w *oneShotErrFile) Truncate(n int64) error { return w.f.Truncate(n) }
func (w *oneShotErrFile) Close() error           { return w.f.Close() }

// A record whose fsync succeeded only because the journal's own clean-up
// fsync (after another appender's short write) took the writeback error
// is not reported durable: its append fails.
func TestGroupCommitFsyncErrorTakenByCleanup(t *testing.T) {
	var w *oneShotErrFile
	j, err := CreateWith(t.TempDir(), testSigner(), testStart(), Options{wrapFile: func(f *os.File) journalFile {
		w = &oneShotErrFile{f: f, held: make(chan struct{}), release: make(chan struct{})}
		return w
	}})
	if err != nil {
		t.Fatal(err)
	}
	w.mu.Lock()
	w.hold = true
	w.mu.Unlock()
	first := make(chan error, 1)
	go func() { first <- j.Note(Note{Code: "a", Text: "first"}) }()
	<-w.held // the first record is written and its fsync runs without the lock
	w.mu.Lock()
	w.pending = syscall.EIO // the first record's writeback failed
	w.shortNext = true
	w.mu.Unlock()
	if err := j.Note(Note{Code: "b", Text: "second"}); err == nil {
		t.Fatal("a short write appended without an error")
	}
	close(w.release)
	select {
	case err := <-first:
		if err == nil {
			t.Error("the first record's append returned nil although the writeback of it failed")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the first append did not return")
	}
}

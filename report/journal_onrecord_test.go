package report_test

import (
	"bytes"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/reporttest"
)

// seen collects what Options.OnRecord is given.
type seen struct {
	mu    sync.Mutex
	ids   []string
	seqs  []int64
	lines [][]byte
}

func (s *seen) add(id string, seq int64, line []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ids = append(s.ids, id)
	s.seqs = append(s.seqs, seq)
	s.lines = append(s.lines, bytes.Clone(line))
}

// check compares what the hook saw with the journal file's lines: every
// line, in order, byte for byte, under the run's ID.
func (s *seen) check(t *testing.T, path, runID string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw := report.SplitJournal(data)
	if raw.Partial != nil {
		t.Fatalf("the journal ends with a partial line %q", raw.Partial)
	}
	if len(s.lines) != len(raw.Lines) {
		t.Fatalf("OnRecord saw %d records; the file holds %d", len(s.lines), len(raw.Lines))
	}
	for i, l := range raw.Lines {
		if s.seqs[i] != int64(i) || s.ids[i] != runID || !bytes.Equal(s.lines[i], l) {
			t.Errorf("call %d: run %q seq %d line %q; want run %q seq %d line %q", i, s.ids[i], s.seqs[i], s.lines[i], runID, i, l)
		}
	}
	if !bytes.Contains(s.lines[len(s.lines)-1], []byte(`"kind":"seal"`)) {
		t.Errorf("the last record OnRecord saw is not the seal: %s", s.lines[len(s.lines)-1])
	}
	// The lines put together are the journal.
	if got := append(bytes.Join(s.lines, []byte("\n")), '\n'); !bytes.Equal(got, data) {
		t.Error("the lines OnRecord saw, joined with newlines, are not the journal file")
	}
}

// The hook sees every record of the sample run, the seal included, in
// order and byte-identical to the file's lines.
func TestOnRecordSeesEveryLine(t *testing.T) {
	var s seen
	path := reporttest.WriteSampleOptions(t, t.TempDir(), reporttest.PurgePolicy, report.Options{OnRecord: s.add})
	s.check(t, path, reporttest.Start(reporttest.PurgePolicy).RunID)
}

// Drive workers appending at once share fsyncs (group commit); the hook
// still sees each record once, in seq order.
func TestOnRecordInOrderUnderGroupCommit(t *testing.T) {
	var s seen
	st := report.RunStart{RunID: "parallel", Policy: report.Policy{Level: report.LevelClear, Verify: report.VerifyPolicy{Mode: report.VerifyNone}}}
	j, err := report.CreateWith(t.TempDir(), reporttest.Signer(), st, report.Options{OnRecord: s.add})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 25 {
				if err := j.Note(report.Note{Text: fmt.Sprintf("worker %d note %d", w, i)}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := j.Seal(); err != nil {
		t.Fatal(err)
	}
	s.check(t, j.Path(), "parallel")
	if len(s.lines) != 1+8*25+1 {
		t.Errorf("OnRecord saw %d records; want %d", len(s.lines), 1+8*25+1)
	}
}

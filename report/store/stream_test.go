package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/internal/s3test"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/reporttest"
)

// waitFor waits until the streamer's state satisfies ok. The minute is a
// guard against a hang, not a measure of speed.
func waitFor(t *testing.T, st *Streamer, what string, ok func(StreamState) bool) StreamState {
	t.Helper()
	guard := time.After(time.Minute)
	for {
		st.mu.Lock()
		ch := st.changed
		st.mu.Unlock()
		s := st.State()
		if ok(s) {
			return s
		}
		select {
		case <-ch:
		case <-guard:
			t.Fatalf("waiting for %s: %s (%+v)", what, s, s)
		}
	}
}

// A failing put is tried again after 1 s, 2 s, 4 s … up to 30 s by
// default, for as long as it fails; a put that succeeds starts the next
// failure's backoff at 1 s again. The state counts the tries and says
// when the outage began. (A fake store and timer: no waiting.)
func TestStreamBackoff(t *testing.T) {
	var mu sync.Mutex
	var waits []time.Duration
	fails := map[string]int{}
	now := time.Date(2026, 5, 14, 9, 0, 0, 0, time.UTC)
	st := (&Store{loc: Location{Bucket: "b", Prefix: "p"}}).Stream(StreamOptions{Context: t.Context(), Now: func() time.Time { return now }})
	st.after = func(d time.Duration) <-chan time.Time {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		c := make(chan time.Time, 1)
		c <- now
		return c
	}
	stored := map[string][]byte{}
	st.put = func(_ context.Context, key string, data []byte) error {
		mu.Lock()
		defer mu.Unlock()
		want := map[string]int{"p/run.steps/00000000.line": 8, "p/run.steps/00000001.line": 2}[key]
		if fails[key] < want {
			fails[key]++
			return errors.New("dial tcp: connection refused")
		}
		stored[key] = bytes.Clone(data)
		return nil
	}
	st.Add("run", 0, []byte(`{"seq":0}`))
	s := waitFor(t, st, "the first step", func(s StreamState) bool { return s.Uploaded == 1 })
	mu.Lock()
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30, 30}
	if len(waits) != len(want) {
		t.Fatalf("waits %v; want %v seconds", waits, want)
	}
	for i := range want {
		if waits[i] != want[i]*time.Second {
			t.Errorf("wait %d: %v; want %v", i, waits[i], want[i]*time.Second)
		}
	}
	waits = nil
	mu.Unlock()
	if s.Tries != 8 || !s.Since.IsZero() || s.Pending != 0 || !strings.Contains(s.LastErr, "connection refused") || !s.LastErrAt.Equal(now) {
		t.Errorf("state after the outage: %+v", s)
	}
	st.Add("run", 1, []byte(`{"seq":1,"kind":"seal"}`))
	st.Add("run", 1, []byte(`{"seq":1,"kind":"seal"}`)) // the same record again: ignored
	s = waitFor(t, st, "the second step", func(s StreamState) bool { return s.Uploaded == 2 })
	mu.Lock()
	if len(waits) != 2 || waits[0] != time.Second || waits[1] != 2*time.Second {
		t.Errorf("waits after a success: %v; want [1s 2s]", waits)
	}
	mu.Unlock()
	if s.Tries != 10 || s.Pending != 0 {
		t.Errorf("state: %+v", s)
	}
	if got := string(stored["p/run.steps/00000001.line"]); got != "{\"seq\":1,\"kind\":\"seal\"}\n" {
		t.Errorf("step 1 stored as %q", got)
	}
	// The stream is the journal: Finish puts it.
	if err := st.Finish(t.Context(), "run.jsonl", []byte("{\"seq\":0}\n{\"seq\":1,\"kind\":\"seal\"}\n")); err != nil {
		t.Fatal(err)
	}
	if !st.State().Sealed || !bytes.Equal(stored["p/run.jsonl"], []byte("{\"seq\":0}\n{\"seq\":1,\"kind\":\"seal\"}\n")) {
		t.Errorf("after Finish: %+v, stored %q", st.State(), stored["p/run.jsonl"])
	}
}

// Finish refuses to call a record safe whose sealed journal is not the
// stream, and says what is not safe when its context ends first.
func TestStreamFinishProblems(t *testing.T) {
	down := true
	var mu sync.Mutex
	st := (&Store{loc: Location{Bucket: "b"}}).Stream(StreamOptions{Context: t.Context(), Backoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond})
	st.put = func(context.Context, string, []byte) error {
		mu.Lock()
		defer mu.Unlock()
		if down {
			return errors.New("network is unreachable")
		}
		return nil
	}
	st.Add("r", 0, []byte("a"))
	st.Add("r", 1, []byte("b"))
	waitFor(t, st, "a failure", func(s StreamState) bool { return s.Tries > 0 && s.Pending == 2 })
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := st.Finish(ctx, "r.jsonl", []byte("a\nb\n"))
	if err == nil || !strings.Contains(err.Error(), "NOT safe: 2 of 2 steps not uploaded") || !strings.Contains(err.Error(), "network is unreachable") {
		t.Errorf("Finish while the store is down: %v", err)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	for _, tc := range []struct{ sealed, want string }{
		{"a\nc\n", "record 1 streamed differs from line 2"},
		{"a\n", "1 complete lines; 2 steps were streamed"},
		{"a\nb\nc\n", "goes on after the 2 streamed steps"},
	} {
		err := st.Finish(t.Context(), "r.jsonl", []byte(tc.sealed))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Finish(%q) = %v; want %q", tc.sealed, err, tc.want)
		}
		if st.State().Sealed {
			t.Errorf("Finish(%q): the state says sealed", tc.sealed)
		}
	}
	if err := st.Finish(t.Context(), "r.steps/x", nil); err == nil {
		t.Error("Finish under a name that is no journal's succeeded")
	}
	st.Add("r", 1, []byte("B"))
	if err := st.Finish(t.Context(), "r.jsonl", []byte("a\nb\n")); err == nil || !strings.Contains(err.Error(), "given twice, with different bytes") {
		t.Errorf("Finish after a record given twice with other bytes: %v", err)
	}
}

// The console line says what is uploaded, what waits, since when the store
// has not answered and when the next try is.
func TestStreamStateString(t *testing.T) {
	now := time.Date(2026, 5, 14, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		s    StreamState
		want string
	}{
		{StreamState{Uploaded: 41, Pending: 2, Tries: 5, LastErr: "dial tcp: connection refused", Since: now.Add(-80 * time.Second), RetryAt: now.Add(8 * time.Second), Now: now},
			"record store: 41 of 43 steps uploaded; 2 waiting; network down for 1m20s (last error: dial tcp: connection refused); retrying in 8s"},
		{StreamState{Uploaded: 43, Tries: 5, LastErr: "old", Now: now}, "record store: all 43 steps uploaded"},
		{StreamState{Uploaded: 43, Finishing: true, Refused: true, LastErr: "AccessDenied", Since: now.Add(-time.Minute), RetryAt: now.Add(30 * time.Second), Now: now},
			"record store: all 43 steps uploaded; sealed journal not stored yet; the store refusing for 1m0s (last error: AccessDenied); retrying in 30s"},
		{StreamState{Uploaded: 43, Finishing: true, Sealed: true, SealedURL: "s3://b/p/RUN.jsonl", Now: now},
			"record store: sealed journal uploaded and read back intact (s3://b/p/RUN.jsonl)"},
	} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("String() =\n%s\nwant\n%s", got, tc.want)
		}
	}
}

func trusted() report.KeyRing {
	r := report.KeyRing{}
	r.Add(reporttest.Signer().PublicKey())
	return r
}

func srvConfig(srv *s3test.Server) Config {
	return Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Attempts: 3, Backoff: 50 * time.Millisecond}
}

// checkSteps checks that the server holds each line of the journal at
// path as its step object, and returns the journal's bytes.
func checkSteps(t *testing.T, srv *s3test.Server, folder, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	run := strings.TrimSuffix(filepath.Base(path), ".jsonl")
	lines := report.SplitJournal(data).Lines
	for i, l := range lines {
		got, err := os.ReadFile(filepath.Join(srv.Dir, folder, StepName(run, int64(i))))
		if err != nil || !bytes.Equal(got, append(bytes.Clone(l), '\n')) {
			t.Errorf("step %d: %q, %v; want line %d of the journal", i, got, err, i+1)
		}
	}
	if _, err := os.Stat(filepath.Join(srv.Dir, folder, StepName(run, int64(len(lines))))); err == nil {
		t.Errorf("a step after the journal's last line is stored")
	}
	return data
}

// A journal written with OnRecord wired to a Streamer arrives in the real
// store record by record, then sealed; List and CopyOut take the sealed
// journal alone, which verifies.
func TestStreamJournal(t *testing.T) {
	srv := s3test.Start(t)
	srv.MakeBucket(t, "records")
	s := open(t, srv, "s3://records/site-a")
	st := s.Stream(StreamOptions{Context: t.Context(), Backoff: 50 * time.Millisecond})
	path := reporttest.WriteSampleOptions(t, t.TempDir(), reporttest.PurgePolicy, report.Options{OnRecord: st.Add})
	name := filepath.Base(path)
	data, _ := os.ReadFile(path)
	if err := st.Finish(t.Context(), name, data); err != nil {
		t.Fatal(err)
	}
	n := len(report.SplitJournal(data).Lines)
	state := st.State()
	if !state.Sealed || state.Uploaded != n || state.Pending != 0 {
		t.Errorf("state %+v; want %d steps uploaded and sealed", state, n)
	}
	if want := "record store: sealed journal uploaded and read back intact (s3://records/site-a/" + name + ")"; state.String() != want {
		t.Errorf("state: %s; want %s", state, want)
	}
	checkSteps(t, srv, "records/site-a", path)
	if got, _ := os.ReadFile(filepath.Join(srv.Dir, "records", "site-a", name)); !bytes.Equal(got, data) {
		t.Error("the sealed journal in the store differs from the journal")
	}
	objs, err := s.List(t.Context(), nil)
	if err != nil || len(objs) != 1 || objs[0].Name() != name {
		t.Errorf("List = %+v, %v; want the sealed journal alone (no steps)", objs, err)
	}
	copies, err := CopyOut(t.Context(), srvConfig(srv), "s3://records/site-a", t.TempDir(), Progress{})
	if err != nil || len(copies) != 1 || copies[0].FromSteps || copies[0].URL != "s3://records/site-a/"+name {
		t.Fatalf("CopyOut = %+v, %v; want the sealed journal alone", copies, err)
	}
	if res, err := report.VerifyFile(copies[0].Path, trusted()); err != nil || res.Status != report.Intact {
		t.Errorf("the copy verifies as %+v, %v; want INTACT", res, err)
	}
}

// The store goes down in the middle of a run: the records written
// meanwhile wait in memory, the state says so, and once the store is back
// (same address, same data) every record and then the sealed journal are
// stored; the steps put together are the journal, which verifies.
func TestStreamAcrossOutage(t *testing.T) {
	srv := s3test.Start(t)
	srv.MakeBucket(t, "records")
	s := open(t, srv, "s3://records/site-a")
	st := s.Stream(StreamOptions{Context: t.Context(), Backoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	start := reporttest.Start(reporttest.PurgePolicy)
	start.RunID = "outage"
	j, err := report.CreateWith(t.TempDir(), reporttest.Signer(), start, report.Options{OnRecord: st.Add})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, err := j.Drive(reporttest.NVMeDrive()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, st, "the first two records", func(s StreamState) bool { return s.Uploaded == 2 })

	srv.Stop()
	for i := range 5 {
		if err := j.Note(report.Note{Text: fmt.Sprintf("written while the store is down (%d)", i)}); err != nil {
			t.Fatal(err)
		}
	}
	down := waitFor(t, st, "the outage to show", func(s StreamState) bool { return s.Tries >= 2 && !s.Since.IsZero() })
	if down.Pending != 5 || down.Uploaded != 2 || down.LastErr == "" {
		t.Errorf("state while down: %+v; want 2 uploaded, 5 waiting, an error", down)
	}
	if str := down.String(); !strings.Contains(str, "2 of 7 steps uploaded; 5 waiting; network down for") || !strings.Contains(str, "retrying in") {
		t.Errorf("console line while down: %s", str)
	}

	if err := srv.Restart(""); err != nil {
		t.Fatal(err)
	}
	if err := j.Note(report.Note{Text: "written after the store came back"}); err != nil {
		t.Fatal(err)
	}
	if err := j.Seal(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(j.Path())
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := st.Finish(ctx, "outage.jsonl", data); err != nil {
		t.Fatal(err)
	}
	final := st.State()
	if !final.Sealed || final.Uploaded != 9 || final.Pending != 0 || !final.Since.IsZero() || final.Tries < down.Tries {
		t.Errorf("final state %+v", final)
	}
	checkSteps(t, srv, "records/site-a", j.Path())
	if got, _ := os.ReadFile(filepath.Join(srv.Dir, "records", "site-a", "outage.jsonl")); !bytes.Equal(got, data) {
		t.Error("the sealed journal in the store differs from the journal")
	}
	// The steps put together, as the office would if the seal were lost.
	var joined []byte
	for i := range 9 {
		b, _ := os.ReadFile(filepath.Join(srv.Dir, "records", "site-a", StepName("outage", int64(i))))
		joined = append(joined, b...)
	}
	if !bytes.Equal(joined, data) {
		t.Error("the steps put together are not the journal")
	}
	res := report.Verify(report.SplitJournal(joined), trusted())
	if res.Status != report.Intact || res.Records != 9 {
		t.Errorf("the steps put together verify as %s (%d records, %v); want INTACT", res.Status, res.Records, res.Problems)
	}
}

// A run the store holds steps of but no sealed journal is assembled by
// CopyOut from its steps up to the first missing one, and verifies
// honestly: unsealed steps give INCOMPLETE (unsealed), steps ending with
// the seal give INTACT, a missing step cuts the journal there.
func TestCopyOutAssemblesSteps(t *testing.T) {
	srv := s3test.Start(t)
	srv.MakeBucket(t, "records")
	s := open(t, srv, "s3://records/site-b")
	st := s.Stream(StreamOptions{Context: t.Context(), Backoff: 50 * time.Millisecond})

	// "died": six records, never sealed.
	start := reporttest.Start(reporttest.PurgePolicy)
	start.RunID = "died"
	j, err := report.CreateWith(t.TempDir(), reporttest.Signer(), start, report.Options{OnRecord: st.Add})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Drive(reporttest.NVMeDrive()); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if err := j.Note(report.Note{Text: fmt.Sprintf("note %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	died, _ := os.ReadFile(j.Path())
	// "gap": the sample run, sealed and streamed, whose step 5 is lost.
	// "sealedonly": the sample run again, its steps all there but Finish
	// never ran.
	gapPath := reporttest.WriteSampleOptions(t, t.TempDir(), reporttest.PurgePolicy, report.Options{OnRecord: func(_ string, seq int64, line []byte) { st.Add("gap", seq, line) }})
	reporttest.WriteSampleOptions(t, t.TempDir(), reporttest.PurgePolicy, report.Options{OnRecord: func(_ string, seq int64, line []byte) { st.Add("sealedonly", seq, line) }})
	gapData, _ := os.ReadFile(gapPath)
	n := len(report.SplitJournal(gapData).Lines)
	waitFor(t, st, "every step", func(s StreamState) bool { return s.Pending == 0 && s.Uploaded == 6+2*n })
	if err := os.Remove(filepath.Join(srv.Dir, "records", "site-b", StepName("gap", 5))); err != nil {
		t.Fatal(err)
	}
	// Another run, sealed, whose steps are there too: the sealed journal
	// alone is taken.
	if err := s.Put(t.Context(), "other.jsonl", died); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		st.Add("other", int64(i), []byte("not taken"))
	}
	waitFor(t, st, "the other run's steps", func(s StreamState) bool { return s.Pending == 0 })

	if objs, err := s.List(t.Context(), nil); err != nil || len(objs) != 1 || objs[0].Name() != "other.jsonl" {
		t.Errorf("List = %+v, %v; want other.jsonl alone (steps are no records)", objs, err)
	}
	var read []string
	copies, err := CopyOut(t.Context(), srvConfig(srv), "s3://records/site-b", t.TempDir(), Progress{Read: func(d, of int) { read = append(read, fmt.Sprint(d, "/", of)) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(copies) != 4 || strings.Join(read, " ") != "1/4 2/4 3/4 4/4" {
		t.Fatalf("CopyOut = %+v (read %v); want other.jsonl, then died, gap and sealedonly assembled", copies, read)
	}
	by := map[string]Copy{}
	for _, c := range copies {
		by[strings.TrimSuffix(filepath.Base(c.Path), ".jsonl")] = c
	}
	if c := by["other"]; c.FromSteps || c.URL != "s3://records/site-b/other.jsonl" {
		t.Errorf("other: %+v; want the sealed journal", c)
	}
	for run, want := range map[string]struct {
		steps  int
		gap    string
		status report.VerifyStatus
		kind   report.ProblemKind
		data   []byte
	}{
		"died":       {6, "", report.Incomplete, report.ProblemUnsealed, died},
		"gap":        {5, fmt.Sprintf("record 5 is missing: 5 records assembled, %d later ones left out", n-6), report.Incomplete, report.ProblemUnsealed, nil},
		"sealedonly": {n, "", report.Intact, "", gapData},
	} {
		c := by[run]
		if !c.FromSteps || c.Steps != want.steps || c.Gap != want.gap || c.URL != "s3://records/site-b/"+run+".steps/" {
			t.Errorf("%s: %+v; want %d steps assembled, gap %q", run, c, want.steps, want.gap)
			continue
		}
		got, _ := os.ReadFile(c.Path)
		if want.data != nil && !bytes.Equal(got, want.data) {
			t.Errorf("%s: assembled %d bytes that are not the journal", run, len(got))
		}
		res, err := report.VerifyFile(c.Path, trusted())
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != want.status || res.Records != int64(want.steps) {
			t.Errorf("%s verifies as %s with %d records (%v); want %s with %d", run, res.Status, res.Records, res.Problems, want.status, want.steps)
		}
		if want.kind != "" && (len(res.Problems) != 1 || res.Problems[0].Kind != want.kind) {
			t.Errorf("%s: problems %v; want one %s", run, res.Problems, want.kind)
		}
	}
	// One run named by its journal's address is assembled too.
	one, err := CopyOut(t.Context(), srvConfig(srv), "s3://records/site-b/died.jsonl", t.TempDir(), Progress{})
	if err != nil || len(one) != 1 || !one[0].FromSteps || one[0].Steps != 6 {
		t.Errorf("CopyOut of died.jsonl = %+v, %v; want it assembled from 6 steps", one, err)
	}
}

// A put that hangs (a request sent just before the network dropped) is
// given up after TryFor and tried again, not waited for.
func TestStreamTryForEndsAHangingPut(t *testing.T) {
	st := (&Store{loc: Location{Bucket: "b"}}).Stream(StreamOptions{Context: t.Context(), Backoff: time.Millisecond, TryFor: 20 * time.Millisecond})
	var mu sync.Mutex
	calls := 0
	st.put = func(ctx context.Context, key string, _ []byte) error {
		mu.Lock()
		calls++
		first := calls == 1
		mu.Unlock()
		if first {
			<-ctx.Done() // hangs until the try's own deadline
			return ctx.Err()
		}
		return nil
	}
	st.Add("r", 0, []byte(`{"kind":"seal"}`))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := st.Finish(ctx, "r.jsonl", []byte("{\"kind\":\"seal\"}\n")); err != nil {
		t.Fatalf("Finish after one hanging put: %v", err)
	}
	if s := st.State(); s.Tries != 1 || !s.Sealed {
		t.Errorf("state %+v; want one failed try (the hanging put), then sealed", s)
	}
}

// A journal whose seal could not be written is never called sealed, even
// when the stream is exactly that journal.
func TestStreamFinishRefusesAnUnsealedJournal(t *testing.T) {
	st := (&Store{loc: Location{Bucket: "b"}}).Stream(StreamOptions{Context: t.Context()})
	var mu sync.Mutex
	stored := map[string]bool{}
	st.put = func(_ context.Context, key string, _ []byte) error {
		mu.Lock()
		defer mu.Unlock()
		stored[key] = true
		return nil
	}
	st.Add("r", 0, []byte(`{"seq":0,"kind":"run-start"}`))
	st.Add("r", 1, []byte(`{"seq":1,"kind":"note"}`))
	err := st.Finish(t.Context(), "r.jsonl", []byte("{\"seq\":0,\"kind\":\"run-start\"}\n{\"seq\":1,\"kind\":\"note\"}\n"))
	if err == nil || !strings.Contains(err.Error(), "not sealed") {
		t.Errorf("Finish of an unsealed journal = %v; want it refused as not sealed", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if s := st.State(); s.Sealed || stored["r.jsonl"] || !stored["r.steps/00000001.line"] {
		t.Errorf("state %+v, stored %v; want both steps stored, no r.jsonl, not sealed", s, stored)
	}
}

// BenchmarkStream streams a journal of 200 records of 600 bytes (about a
// 24-bay run's) to a real server on the loopback, one object per record,
// and finishes it: the time a record takes to reach the store when the
// network itself costs nothing.
func BenchmarkStream(b *testing.B) {
	srv := s3test.Start(b)
	srv.MakeBucket(b, "records")
	s, err := Open(Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}, Location{Bucket: "records", Prefix: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	const records = 200
	line := bytes.Repeat([]byte("x"), 600)
	var journal []byte
	for i := range records - 1 {
		journal = append(append(journal, fmt.Sprintf(`{"seq":%d,"kind":"note","body":"%s"}`, i, line)...), '\n')
	}
	journal = append(journal, fmt.Sprintf(`{"seq":%d,"kind":"seal"}`+"\n", records-1)...)
	lines := bytes.SplitAfter(journal, []byte("\n"))
	b.ResetTimer()
	for n := range b.N {
		run := fmt.Sprintf("run%d", n)
		st := s.Stream(StreamOptions{Context: b.Context()})
		for i, l := range lines[:records] {
			st.Add(run, int64(i), bytes.TrimSuffix(l, []byte("\n")))
		}
		if err := st.Finish(b.Context(), run+".jsonl", journal); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*records), "ms/record")
}

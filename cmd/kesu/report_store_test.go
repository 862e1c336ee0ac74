package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/internal/s3test"
	"github.com/kesu-erase/kesu/report/store"
)

// The record goes to a real S3-compatible server (versitygw) as well as to
// disk, and the office verifies, prints and lists it from the bucket; a
// store that cannot be reached refuses the erase before anything is
// written.
func TestRecordInStore(t *testing.T) {
	srv := s3test.Start(t)
	srv.MakeBucket(t, "records")
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	t.Setenv("AWS_ENDPOINT_URL", "")
	key, pub := signingKey(t)
	ls := markedLoops(t, 2, 2<<20)
	records := t.TempDir()

	// A bucket that does not exist, and a server that does not answer:
	// refused, nothing erased, no record.
	for _, c := range []struct{ endpoint, store, want string }{
		{srv.Endpoint, "s3://no-such-bucket/site-a", "does not exist"},
		{"http://127.0.0.1:1", "s3://records/site-a", "127.0.0.1:1"},
	} {
		_, stderr, code := kesu(t, "erase", ls[0].Path, ls[1].Path, "--journal", records, "--key", key, "--yes",
			"--store", c.store, "--endpoint", c.endpoint)
		if code != exitRefused || !strings.Contains(stderr, c.want) || !strings.Contains(stderr, "nothing was erased") {
			t.Errorf("--store %s at %s: exit %d\n%s", c.store, c.endpoint, code, stderr)
		}
	}
	if markers(t, ls[0])+markers(t, ls[1]) != 6 {
		t.Fatal("a refused erase wrote on a device")
	}
	if ents, _ := os.ReadDir(records); len(ents) != 0 {
		t.Fatalf("a refused erase left %d records", len(ents))
	}

	_, stderr, code := kesu(t, "erase", ls[0].Path, ls[1].Path, "--verify", "full", "--journal", records, "--key", key, "--yes",
		"--store", "s3://records/site-a", "--endpoint", srv.Endpoint)
	if code != exitPass || !strings.Contains(stderr, "read back intact") {
		t.Fatalf("kesu erase --store: exit %d\n%s", code, stderr)
	}
	ents, _ := os.ReadDir(records)
	if len(ents) != 1 {
		t.Fatalf("records on disk: %d; want the journal", len(ents))
	}
	name := ents[0].Name()
	local, _ := os.ReadFile(filepath.Join(records, name))
	inBucket, err := os.ReadFile(filepath.Join(srv.Dir, "records", "site-a", name))
	if err != nil || string(inBucket) != string(local) {
		t.Fatalf("the bucket's copy (%v) differs from the journal on disk", err)
	}
	if want := "record copied to s3://records/site-a/" + name + " and read back intact"; !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	// Every erase path copies its record: one device, and one named method.
	for _, c := range []struct{ prefix string }{{"one"}, {"method"}} {
		dir := t.TempDir()
		args := []string{"erase", ls[0].Path, "--verify", "full", "--journal", dir, "--key", key, "--yes", "--store", "s3://records/" + c.prefix, "--endpoint", srv.Endpoint}
		if c.prefix == "method" {
			args = append(args, "--method", "overwrite")
		}
		_, stderr, code := kesu(t, args...)
		got, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
		if code != exitPass || len(got) != 1 {
			t.Fatalf("erase --store (%s): exit %d, %d records\n%s", c.prefix, code, len(got), stderr)
		}
		local, _ := os.ReadFile(got[0])
		inBucket, err := os.ReadFile(filepath.Join(srv.Dir, "records", c.prefix, filepath.Base(got[0])))
		if err != nil || string(inBucket) != string(local) {
			t.Errorf("erase --store (%s): the bucket's copy (%v) is not the journal on disk\n%s", c.prefix, err, stderr)
		}
	}

	// The office side, from the bucket.
	t.Setenv("AWS_ENDPOINT_URL", srv.Endpoint)
	out, stderr, code := kesu(t, "report", "verify", "s3://records/site-a", "--pubkey", pub)
	if code != 0 || !strings.Contains(out, "s3://records/site-a/"+name) || !strings.Contains(out, "INTACT") || !strings.Contains(stderr, "listing s3://records/site-a (records found): 1") {
		t.Errorf("report verify s3://: exit %d\n%s%s", code, out, stderr)
	}
	out, stderr, code = kesu(t, "report", "csv", "s3://records/site-a/", "--pubkey", pub)
	if code != 0 || strings.Count(out, name) != 2 {
		t.Errorf("report csv s3://: exit %d (want 2 rows naming %s)\n%s%s", code, name, out, stderr)
	}
	pdfs := t.TempDir()
	out, stderr, code = kesu(t, "report", "pdf", "s3://records/site-a/"+name, "--pubkey", pub, "--out", pdfs, "--lang", "en")
	if code != 0 || strings.Count(out, ".pdf") != 2 {
		t.Errorf("report pdf s3://…/%s: exit %d\n%s%s", name, code, out, stderr)
	}
	// A location with no records says so.
	if _, stderr, code := kesu(t, "report", "verify", "s3://records/site-b", "--pubkey", pub); code == 0 || !strings.Contains(stderr, "holds no records") {
		t.Errorf("report verify of an empty prefix: exit %d\n%s", code, stderr)
	}
	// A run whose machine stopped before its sealed journal was stored:
	// only its first records, streamed one by one, are in the bucket. The
	// office assembles them and reports the run as incomplete.
	loc, _ := store.ParseURL("s3://records/site-c")
	st, err := store.Open(store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}, loc)
	if err != nil {
		t.Fatal(err)
	}
	streamer := st.Stream(store.StreamOptions{Context: t.Context(), Backoff: 50 * time.Millisecond})
	lines := strings.SplitAfter(string(local), "\n")
	for i, l := range lines[:3] {
		streamer.Add("died", int64(i), []byte(strings.TrimSuffix(l, "\n")))
	}
	for guard := time.Now().Add(time.Minute); streamer.State().Uploaded < 3; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(guard) {
			t.Fatalf("the steps were not stored: %s", streamer.State())
		}
	}
	out, stderr, code = kesu(t, "report", "verify", "s3://records/site-c", "--pubkey", pub)
	if code != exitJournalIncomplete || !strings.Contains(out, "s3://records/site-c/died.steps/") || !strings.Contains(out, "INCOMPLETE") ||
		!strings.Contains(stderr, "1 of 1 records assembled from streamed steps (not sealed in the store") {
		t.Errorf("report verify of streamed steps alone: exit %d\n%s%s", code, out, stderr)
	}
	// An altered copy in the bucket is caught like an altered file.
	bad := strings.Replace(string(inBucket), `"verify"`, `"verifx"`, 1)
	if err := os.WriteFile(filepath.Join(srv.Dir, "records", "site-a", name), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, _, code := kesu(t, "report", "verify", "s3://records/site-a", "--pubkey", pub); code != exitJournalInvalid || !strings.Contains(out, "INVALID") {
		t.Errorf("an altered copy in the bucket: exit %d\n%s", code, out)
	}
}

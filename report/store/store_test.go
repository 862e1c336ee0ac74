package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/internal/s3test"
)

func TestParseURL(t *testing.T) {
	for in, want := range map[string]Location{
		"s3://records":                 {Bucket: "records"},
		"s3://records/":                {Bucket: "records"},
		"s3://records/site-a/2026/":    {Bucket: "records", Prefix: "site-a/2026"},
		"s3://records/site-a//rack-3/": {Bucket: "records", Prefix: "site-a//rack-3"},
	} {
		got, err := ParseURL(in)
		if err != nil || got != want {
			t.Errorf("ParseURL(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"records", "s3:/records", "https://records/x", "s3:///x", "s3://b/p?x=1"} {
		if _, err := ParseURL(in); !errors.Is(err, ErrURL) {
			t.Errorf("ParseURL(%q) = %v; want ErrURL", in, err)
		}
	}
	if l := (Location{Bucket: "b", Prefix: "p/q"}); l.String() != "s3://b/p/q" || l.Key("x.jsonl") != "p/q/x.jsonl" {
		t.Errorf("Location %+v: %s, %s", l, l.String(), l.Key("x.jsonl"))
	}
}

func open(t *testing.T, srv *s3test.Server, loc string) *Store {
	t.Helper()
	l, err := ParseURL(loc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Attempts: 3, Backoff: 50 * time.Millisecond}, l)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A record put is read back from the real server; putting the same bytes
// again is no error; other bytes under the same name are refused and the
// object keeps what it held; List and Fetch find the records of the
// prefix only.
func TestPutListFetch(t *testing.T) {
	srv := s3test.Start(t)
	srv.MakeBucket(t, "records")
	ctx := context.Background()
	s := open(t, srv, "s3://records/site-a")
	one := []byte(`{"seq":0}` + "\n")
	if err := s.Put(ctx, "run-1.jsonl", one); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "run-1.jsonl", one); err != nil {
		t.Errorf("the same record put twice: %v", err)
	}
	if err := s.Put(ctx, "run-1.jsonl", []byte("other\n")); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("other content under the same name: %v; want a refusal", err)
	}
	if b, _ := os.ReadFile(filepath.Join(srv.Dir, "records", "site-a", "run-1.jsonl")); !bytes.Equal(b, one) {
		t.Errorf("the object holds %q; want the first record", b)
	}
	if err := s.Put(ctx, "run-2.jsonl", []byte("two\n")); err != nil {
		t.Fatal(err)
	}
	other := open(t, srv, "s3://records/site-b")
	if err := other.Put(ctx, "run-3.jsonl", []byte("three\n")); err != nil {
		t.Fatal(err)
	}
	var seen []int
	objs, err := s.List(ctx, func(n int) { seen = append(seen, n) })
	if err != nil || len(objs) != 2 || objs[0].Name() != "run-1.jsonl" || objs[1].Name() != "run-2.jsonl" || len(seen) != 2 {
		t.Fatalf("List = %+v, %v (progress %v); want run-1 and run-2", objs, err, seen)
	}
	dir := t.TempDir()
	paths, err := s.Fetch(ctx, objs, dir, nil)
	if err != nil || len(paths) != 2 {
		t.Fatalf("Fetch = %v, %v", paths, err)
	}
	if b, _ := os.ReadFile(paths[0]); !bytes.Equal(b, one) {
		t.Errorf("fetched %q; want %q", b, one)
	}
	cfg := Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}
	var listed, read int
	copies, err := CopyOut(ctx, cfg, "s3://records/site-a/run-2.jsonl", t.TempDir(), Progress{Listed: func(n int) { listed = n }, Read: func(d, of int) { read = d*10 + of }})
	if err != nil || len(copies) != 1 || copies[0].URL != "s3://records/site-a/run-2.jsonl" || listed != 2 || read != 11 {
		t.Errorf("CopyOut of one record = %+v, %v (listed %d, read %d); want run-2 alone", copies, err, listed, read)
	}
	if b, _ := os.ReadFile(copies[0].Path); string(b) != "two\n" {
		t.Errorf("the copy holds %q", b)
	}
	for loc, want := range map[string]string{
		"s3://records/site-a/nope.jsonl": "no such record",
		"s3://records/site-c":            "holds no records",
		"records/site-a":                 "store address",
	} {
		if _, err := CopyOut(ctx, cfg, loc, t.TempDir(), Progress{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CopyOut(%s) = %v; want %q", loc, err, want)
		}
	}
}

// The server is down while a record is put: Put tries again with backoff
// and succeeds once the server is back; a bucket that does not exist fails
// at once.
func TestPutRetriesUntilServerBack(t *testing.T) {
	srv := s3test.Start(t)
	srv.MakeBucket(t, "records")
	s := open(t, srv, "s3://records")
	s.attempts, s.backoff = 8, 100*time.Millisecond
	srv.Stop()
	restarted := make(chan struct{})
	go func() {
		defer close(restarted)
		time.Sleep(400 * time.Millisecond)
		if err := srv.Restart(""); err != nil {
			t.Error(err)
		}
	}()
	err := s.Put(context.Background(), "run.jsonl", []byte("x\n"))
	<-restarted // before the test's end stops the server: no process left behind
	if err != nil {
		t.Fatalf("Put across a restart: %v", err)
	}
	missing := open(t, srv, "s3://no-such-bucket")
	missing.attempts, missing.backoff = 5, 10*time.Millisecond
	err = missing.Put(context.Background(), "run.jsonl", []byte("x\n"))
	if err == nil || !strings.Contains(err.Error(), "bucket") {
		t.Errorf("Put to a missing bucket: %v", err)
	}
	if missing.tries != 1 {
		t.Errorf("a missing bucket was tried %d times; want once (trying again cannot help)", missing.tries)
	}
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kesu-erase/kesu/internal/view"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/destruction"
	"github.com/kesu-erase/kesu/report/store"
)

// storeFlags are the flags that reach an S3-compatible record store.
type storeFlags struct {
	endpoint, region string
}

func (f *storeFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.endpoint, "endpoint", "", "the S3-compatible store's `URL` for s3:// locations (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS S3); credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws/credentials")
	fs.StringVar(&f.region, "region", "", "the store's region (default: AWS_REGION, else us-east-1)")
}

// fetched is the local copies of records read from stores, and the s3://
// address of each.
type fetched struct {
	dirs []string
	url  map[string]string // local path -> s3:// address
}

func (f *fetched) close() {
	for _, d := range f.dirs {
		os.RemoveAll(d)
	}
}

// resolve replaces each s3:// location among args with local copies of its
// records (store.CopyOut), showing the listing's and the reading's
// progress on stderr. The copies are read like any journal; the results
// name them by their s3:// address (rename), the destruction records are
// read with readOptions.
func (f *storeFlags) resolve(ctx context.Context, args []string, stderr io.Writer) ([]string, *fetched, error) {
	fx := &fetched{url: map[string]string{}}
	var out []string
	for _, a := range args {
		if !store.IsURL(a) {
			out = append(out, a)
			continue
		}
		dir, err := os.MkdirTemp("", "kesu-store-")
		if err != nil {
			fx.close()
			return nil, nil, err
		}
		fx.dirs = append(fx.dirs, dir)
		tty := isTerminal(stderr)
		listing := view.NewCounter(stderr, tty, "kesu: listing "+a+" (records found)", 0)
		var reading *view.Counter
		copies, err := store.CopyOut(ctx, store.FromEnv(store.Config{Endpoint: f.endpoint, Region: f.region}), a, dir, store.Progress{
			Listed: listing.Set,
			Read: func(done, of int) {
				if reading == nil {
					listing.Done()
					reading = view.NewCounter(stderr, tty, "kesu: reading "+a, of)
				}
				reading.Set(done)
			},
		})
		if reading != nil {
			reading.Done()
		} else {
			listing.Done()
		}
		if errors.Is(err, store.ErrURL) {
			err = fmt.Errorf("%w: %v", errUsage, err)
		}
		if err != nil {
			fx.close()
			return nil, nil, err
		}
		steps := 0
		for _, c := range copies {
			if c.FromSteps {
				steps++
				if c.Gap != "" {
					fmt.Fprintf(stderr, "kesu: %s: %s\n", c.URL, c.Gap)
				}
			}
		}
		if steps > 0 {
			fmt.Fprintf(stderr, "kesu: %s: %d of %d records assembled from streamed steps (not sealed in the store: the machine stopped, or lost the store, before storing its sealed journal)\n", a, steps, len(copies))
		}
		journals := 0
		for _, c := range copies {
			fx.url[c.Path] = c.URL
			// The journals are the arguments; their addenda, beside them,
			// are found as beside a journal on disk.
			if !destruction.IsAddendum(c.Path) {
				out = append(out, c.Path)
				journals++
			}
		}
		if journals == 0 {
			// Only addenda (a location naming one): given on their own,
			// as on disk, so that they are said to need their journal.
			for _, c := range copies {
				out = append(out, c.Path)
			}
		}
	}
	return out, fx, nil
}

// name is how a record at a local path is shown: its s3:// address when
// it was read from a store.
func (fx *fetched) name(path string) string {
	if u, ok := fx.url[path]; ok {
		return u
	}
	return path
}

// readOptions is how the destruction records at a local path are read:
// a copy from a store is named by its s3:// address, and the evidence its
// addendum names was never put in the store, so it is not checked (not
// counted missing).
func (fx *fetched) readOptions(path string) destruction.ReadOptions {
	if u, ok := fx.url[path]; ok {
		return destruction.ReadOptions{Name: u, EvidenceNotHere: true}
	}
	return destruction.ReadOptions{}
}

// rename makes results name records read from a store by their s3://
// address (the ledgers are named so as they are read: readOptions).
func (fx *fetched) rename(results []*report.Result) {
	for _, r := range results {
		if r == nil {
			continue
		}
		if u, ok := fx.url[r.Path]; ok {
			r.Path = u
		}
	}
}

// recordStore is --store: where a copy of the record goes once sealed.
type recordStore struct {
	storeFlags
	url string
	st  *store.Store
}

func (r *recordStore) define(fs *flag.FlagSet) {
	fs.StringVar(&r.url, "store", "", "also copy the sealed record to this S3-compatible `LOCATION` (s3://BUCKET/PREFIX), read back intact; with --journal")
	r.storeFlags.define(fs)
}

// open checks --store before anything is erased: the address, and that
// the bucket can be reached.
func (r *recordStore) open(ctx context.Context) error {
	if r.url == "" {
		return nil
	}
	loc, err := store.ParseURL(r.url)
	if err != nil {
		return fmt.Errorf("%w: --store: %v", errUsage, err)
	}
	st, err := store.Open(store.FromEnv(store.Config{Endpoint: r.endpoint, Region: r.region}), loc)
	if err == nil {
		err = st.Check(ctx)
	}
	if err != nil {
		return fmt.Errorf("%w: --store: %v; nothing was erased", errRefused, err)
	}
	r.st = st
	return nil
}

// copy puts the sealed journal at path into the store and says so; the
// journal on disk stays the record whatever happens to the copy.
func (r *recordStore) copy(ctx context.Context, path string, stderr io.Writer) error {
	if r == nil || r.st == nil {
		return nil
	}
	data, err := os.ReadFile(path)
	if err == nil {
		err = r.st.Put(ctx, filepath.Base(path), data)
	}
	if err != nil {
		return fmt.Errorf("the record %s is complete on disk, but its copy to %s failed: %w", path, r.st.Location(), err)
	}
	fmt.Fprintf(stderr, "kesu: record copied to %s and read back intact\n", r.st.Location().URL(filepath.Base(path)))
	return nil
}

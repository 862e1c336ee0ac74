// Package store keeps erasure records (journals and destruction addenda)
// in an S3-compatible object store: AWS S3, MinIO, Ceph RGW, versitygw. A
// record is one object, <prefix>/<file name>; a copy is written only once
// it was read back intact.
package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// ErrURL is returned for a store address kesu cannot read.
var ErrURL = errors.New("store address")

// Location is a bucket and a key prefix (no leading or trailing slash).
type Location struct {
	Bucket string
	Prefix string
}

// ParseURL reads s3://BUCKET[/PREFIX].
func ParseURL(s string) (Location, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "s3" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return Location{}, fmt.Errorf("%w %q: want s3://BUCKET or s3://BUCKET/PREFIX", ErrURL, s)
	}
	return Location{Bucket: u.Host, Prefix: strings.Trim(u.Path, "/")}, nil
}

// IsURL reports whether s names a store rather than a file.
func IsURL(s string) bool { return strings.HasPrefix(s, "s3://") }

// String is the location as an s3:// URL.
func (l Location) String() string {
	if l.Prefix == "" {
		return "s3://" + l.Bucket
	}
	return "s3://" + l.Bucket + "/" + l.Prefix
}

// Key is the object key of a file name under the prefix.
func (l Location) Key(name string) string {
	if l.Prefix == "" {
		return name
	}
	return l.Prefix + "/" + name
}

// URL is the s3:// address of an object named name under the location.
func (l Location) URL(name string) string { return "s3://" + l.Bucket + "/" + l.Key(name) }

// Config is how to reach the store.
type Config struct {
	// Endpoint is the server's URL (https://s3.example.org, or http:// for
	// a server without TLS); empty: AWS S3 (s3.amazonaws.com).
	Endpoint string
	// Region; empty: us-east-1 (what S3-compatible servers expect).
	Region string
	// AccessKey, SecretKey and SessionToken; empty: taken from the usual
	// AWS environment variables, then the shared credentials file
	// (~/.aws/credentials, profile AWS_PROFILE).
	AccessKey, SecretKey, SessionToken string
	// Attempts is how often an operation is tried before it fails (3 when
	// 0); Backoff the wait after the first failure, doubled each time (1 s
	// when 0).
	Attempts int
	Backoff  time.Duration
}

// FromEnv fills what cfg leaves empty from the environment: the endpoint
// from AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, the region from AWS_REGION
// or AWS_DEFAULT_REGION.
func FromEnv(cfg Config) Config {
	for _, v := range []string{"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"} {
		if cfg.Endpoint == "" {
			cfg.Endpoint = os.Getenv(v)
		}
	}
	for _, v := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		if cfg.Region == "" {
			cfg.Region = os.Getenv(v)
		}
	}
	return cfg
}

// Store is an open location.
type Store struct {
	loc      Location
	c        *minio.Client
	attempts int
	backoff  time.Duration
	// tries counts the tries of the last operation (for tests).
	tries int
}

// Open returns the store at loc. It does not contact the server.
func Open(cfg Config, loc Location) (*Store, error) {
	host, secure := "s3.amazonaws.com", true
	if cfg.Endpoint != "" {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, fmt.Errorf("%w: endpoint %q: want http(s)://HOST[:PORT]", ErrURL, cfg.Endpoint)
		}
		host, secure = u.Host, u.Scheme == "https"
	}
	creds := credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken)
	if cfg.AccessKey == "" {
		creds = credentials.NewChainCredentials([]credentials.Provider{&credentials.EnvAWS{}, &credentials.FileAWSCredentials{}})
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	// One try per request: Store's own retry (Attempts, Backoff) is the
	// policy, and says so in its errors; minio-go would otherwise retry
	// every request up to ten times inside each attempt.
	c, err := minio.New(host, &minio.Options{Creds: creds, Secure: secure, Region: region, BucketLookup: minio.BucketLookupPath, MaxRetries: 1})
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", loc, err)
	}
	s := &Store{loc: loc, c: c, attempts: cfg.Attempts, backoff: cfg.Backoff}
	if s.attempts <= 0 {
		s.attempts = 3
	}
	if s.backoff <= 0 {
		s.backoff = time.Second
	}
	return s, nil
}

// Location is where the store is.
func (s *Store) Location() Location { return s.loc }

// retry runs op until it succeeds, fails for good, or the attempts are
// spent, waiting between tries (doubling).
func (s *Store) retry(ctx context.Context, what string, op func() error) error {
	wait := s.backoff
	var err error
	s.tries = 0
	for i := range s.attempts {
		s.tries++
		if err = op(); err == nil {
			return nil
		}
		if permanent(err) || i == s.attempts-1 {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w (last error: %v)", what, ctx.Err(), err)
		case <-time.After(wait):
		}
		wait *= 2
	}
	return fmt.Errorf("%s: %w", what, err)
}

// permanent says whether trying again cannot help: the server answered
// that the request is not allowed or the bucket does not exist.
func permanent(err error) bool {
	switch minio.ToErrorResponse(err).Code {
	case "AccessDenied", "NoSuchBucket", "InvalidAccessKeyId", "SignatureDoesNotMatch", "PreconditionFailed":
		return true
	}
	return errors.Is(err, errReadBack) || errors.Is(err, errExists) || errors.Is(err, errNoBucket)
}

var (
	errReadBack = errors.New("the copy read back differs from what was written")
	errExists   = errors.New("an object of that name already exists with other content")
)

// Put writes data as <prefix>/name and reads it back: it returns nil only
// once the object holds exactly data. An object of that name that already
// holds data counts as written; one that holds something else is never
// replaced.
func (s *Store) Put(ctx context.Context, name string, data []byte) error {
	key := s.loc.Key(name)
	return s.retry(ctx, "store "+s.url(key), func() error { return s.putOnce(ctx, key, data) })
}

// putOnce is one try of Put for the object key.
func (s *Store) putOnce(ctx context.Context, key string, data []byte) error {
	want := sha256.Sum256(data)
	if got, err := s.get(ctx, key); err == nil {
		if sha256.Sum256(got) == want {
			return nil
		}
		return errExists
	} else if minio.ToErrorResponse(err).Code != "NoSuchKey" {
		return err
	}
	opts := minio.PutObjectOptions{ContentType: "application/x-ndjson", SendContentMd5: true}
	// Never overwrite: a server that knows conditional writes refuses
	// if another copy appeared meanwhile.
	opts.SetMatchETagExcept("*")
	if _, err := s.c.PutObject(ctx, s.loc.Bucket, key, bytes.NewReader(data), int64(len(data)), opts); err != nil {
		return err
	}
	got, err := s.get(ctx, key)
	if err != nil {
		return fmt.Errorf("reading the copy back: %w", err)
	}
	if sha256.Sum256(got) != want {
		return errReadBack
	}
	return nil
}

func (s *Store) get(ctx context.Context, key string) ([]byte, error) {
	o, err := s.c.GetObject(ctx, s.loc.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, err
	}
	defer o.Close()
	return io.ReadAll(o)
}

func (s *Store) url(key string) string { return "s3://" + s.loc.Bucket + "/" + key }

// Object is a record in the store.
type Object struct {
	Key  string
	Size int64
}

// Name is the object's file name (the key's last element).
func (o Object) Name() string { return path.Base(o.Key) }

// List returns the records (*.jsonl) directly under the prefix, calling
// progress with the count found so far (nil: no calls). A Streamer's
// steps (RUN.steps/…) are no records.
func (s *Store) List(ctx context.Context, progress func(found int)) ([]Object, error) {
	l, err := s.list(ctx, progress)
	return l.records, err
}

// listing is what lies directly under a prefix: the records, and the runs
// whose steps a Streamer put (a RUN.steps/ folder).
type listing struct {
	records  []Object
	streamed []string
}

func (s *Store) dir() string {
	if s.loc.Prefix == "" {
		return ""
	}
	return s.loc.Prefix + "/"
}

func (s *Store) list(ctx context.Context, progress func(found int)) (listing, error) {
	prefix := s.dir()
	var out listing
	err := s.retry(ctx, "listing "+s.loc.String(), func() error {
		out = listing{}
		for o := range s.c.ListObjects(ctx, s.loc.Bucket, minio.ListObjectsOptions{Prefix: prefix}) {
			if o.Err != nil {
				return o.Err
			}
			name := strings.TrimPrefix(o.Key, prefix)
			if run, ok := strings.CutSuffix(name, ".steps/"); ok && run != "" && !strings.Contains(run, "/") {
				out.streamed = append(out.streamed, run)
			}
			if strings.HasSuffix(o.Key, ".jsonl") && !strings.Contains(name, "/") {
				out.records = append(out.records, Object{Key: o.Key, Size: o.Size})
				if progress != nil {
					progress(len(out.records))
				}
			}
		}
		return nil
	})
	return out, err
}

// Fetch copies objects into dir under their file names and returns the
// paths, calling progress after each.
func (s *Store) Fetch(ctx context.Context, objs []Object, dir string, progress func(done int)) ([]string, error) {
	var paths []string
	for i, o := range objs {
		var data []byte
		err := s.retry(ctx, "reading "+s.url(o.Key), func() error {
			var err error
			data, err = s.get(ctx, o.Key)
			return err
		})
		if err != nil {
			return paths, err
		}
		p := filepath.Join(dir, o.Name())
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return paths, err
		}
		paths = append(paths, p)
		if progress != nil {
			progress(i + 1)
		}
	}
	return paths, nil
}

// Check makes sure the bucket can be reached and exists, before anything
// is written anywhere.
func (s *Store) Check(ctx context.Context) error {
	return s.retry(ctx, "store "+s.loc.String(), func() error {
		ok, err := s.c.BucketExists(ctx, s.loc.Bucket)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: bucket %q does not exist", errNoBucket, s.loc.Bucket)
		}
		return nil
	})
}

var errNoBucket = errors.New("no such bucket")

// Copy is a record copied out of a store: where it lies now, and its s3://
// address.
type Copy struct {
	Path string
	URL  string
	// FromSteps is set for a run the store holds no sealed journal of,
	// only the records a Streamer put one by one (the machine stopped, or
	// its network never came back, before Finish): Path is those records
	// put together in seq order up to the first missing one, Steps of
	// them, and URL the address of the RUN.steps/ folder. Gap, when not
	// empty, says which record is missing and how many later ones were
	// left out.
	FromSteps bool
	Steps     int
	Gap       string
}

// Progress reports a count: the records found while listing, then those
// read (nil: no reports).
type Progress struct {
	Listed func(found int)
	Read   func(done, of int)
}

// CopyOut copies the records of location u into dir: every *.jsonl directly
// under its prefix, or the one object a location ending in NAME.jsonl
// names. A run whose RUN.jsonl is missing but whose records were streamed
// (RUN.steps/) is assembled from them into RUN.jsonl (Copy.FromSteps); a
// run with both is the sealed journal alone. It fails when there is no
// record.
func CopyOut(ctx context.Context, cfg Config, u, dir string, p Progress) ([]Copy, error) {
	loc, err := ParseURL(u)
	if err != nil {
		return nil, err
	}
	one := ""
	if strings.HasSuffix(loc.Prefix, ".jsonl") {
		one = path.Base(loc.Prefix)
		loc.Prefix = strings.TrimSuffix(strings.TrimSuffix(loc.Prefix, one), "/")
	}
	st, err := Open(cfg, loc)
	if err != nil {
		return nil, err
	}
	l, err := st.list(ctx, p.Listed)
	if err != nil {
		return nil, err
	}
	objs := l.records
	runs := slices.DeleteFunc(l.streamed, func(run string) bool {
		return slices.ContainsFunc(objs, func(o Object) bool { return o.Name() == run+".jsonl" })
	})
	if one != "" {
		objs = slices.DeleteFunc(objs, func(o Object) bool { return o.Name() != one })
		runs = slices.DeleteFunc(runs, func(run string) bool { return run+".jsonl" != one })
		if len(objs)+len(runs) == 0 {
			return nil, fmt.Errorf("%s: no such record in %s", one, loc)
		}
	}
	if len(objs)+len(runs) == 0 {
		return nil, fmt.Errorf("%s holds no records (*.jsonl)", loc)
	}
	var read func(int)
	if p.Read != nil {
		read = func(done int) { p.Read(done, len(objs)+len(runs)) }
	}
	paths, err := st.Fetch(ctx, objs, dir, read)
	if err != nil {
		return nil, err
	}
	out := make([]Copy, len(paths), len(paths)+len(runs))
	for i, pth := range paths {
		out[i] = Copy{Path: pth, URL: st.url(objs[i].Key)}
	}
	for i, run := range runs {
		c, err := st.assemble(ctx, run, dir)
		if err != nil {
			return out, err
		}
		out = append(out, c)
		if read != nil {
			read(len(objs) + i + 1)
		}
	}
	return out, nil
}

// assemble puts the streamed records of run together, in seq order up to
// the first missing one, as dir/RUN.jsonl.
func (s *Store) assemble(ctx context.Context, run, dir string) (Copy, error) {
	folder := s.loc.Key(run + ".steps/")
	keys := map[int64]string{}
	err := s.retry(ctx, "listing "+s.url(folder), func() error {
		clear(keys)
		for o := range s.c.ListObjects(ctx, s.loc.Bucket, minio.ListObjectsOptions{Prefix: folder}) {
			if o.Err != nil {
				return o.Err
			}
			num, ok := strings.CutSuffix(strings.TrimPrefix(o.Key, folder), ".line")
			if !ok || num == "" || strings.Trim(num, "0123456789") != "" {
				continue
			}
			if seq, err := strconv.ParseInt(num, 10, 64); err == nil {
				keys[seq] = o.Key
			}
		}
		return nil
	})
	if err != nil {
		return Copy{}, err
	}
	var data []byte
	n := int64(0)
	for ; ; n++ {
		key, ok := keys[n]
		if !ok {
			break
		}
		var b []byte
		err := s.retry(ctx, "reading "+s.url(key), func() error {
			var err error
			b, err = s.get(ctx, key)
			return err
		})
		if err != nil {
			return Copy{}, err
		}
		data = append(data, b...)
	}
	c := Copy{Path: filepath.Join(dir, run+".jsonl"), URL: s.url(folder), FromSteps: true, Steps: int(n)}
	if later := len(keys) - int(n); later > 0 {
		c.Gap = fmt.Sprintf("record %d is missing: %d records assembled, %d later ones left out", n, n, later)
	}
	if err := os.WriteFile(c.Path, data, 0o644); err != nil {
		return Copy{}, err
	}
	return c, nil
}

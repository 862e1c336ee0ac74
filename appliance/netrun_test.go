package appliance

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kesu-erase/kesu/internal/s3test"
	"github.com/kesu-erase/kesu/report"
)

const sitePass = "correct horse battery staple"

// netSite is a network boot's site files: policy (with store keys) and a
// key, sealed under sitePass unless plain is set.
func netSite(t *testing.T, storeKeys string, plain bool) (fstest.MapFS, ed25519.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := report.SealPrivateKey(priv, []byte(sitePass), rand.Reader)
	if plain {
		key, err = report.MarshalPrivateKeyPEM(priv)
	}
	if err != nil {
		t.Fatal(err)
	}
	toml := "version = 1\n[policy]\nlevel = \"clear\"\n[run]\nafter = \"poweroff\"\nafter_delay = 0\n[signing]\nkey = \"kesu.key.sealed\"\n[record]\n" + storeKeys
	return fstest.MapFS{"kesu.toml": {Data: []byte(toml)}, "kesu.key.sealed": {Data: key}}, pub
}

// noStick removes the fake machine's KESU stick.
func noStick(sys *fakeSystem) {
	for k := range sys.sys {
		if strings.HasPrefix(k, "block/sda") {
			delete(sys.sys, k)
		}
	}
}

// syncBuf is the console, read while the appliance writes it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func runNet(t *testing.T, sys *fakeSystem, erase EraseFunc) (string, *syncBuf) {
	t.Helper()
	out := &syncBuf{}
	o := Options{System: sys, Out: out, Version: "test", StickDir: sys.stickDir, Erase: erase, RAMRecords: filepath.Join(t.TempDir(), "ram")}
	return Run(context.Background(), o), out
}

func TestNetworkRunRefusals(t *testing.T) {
	for _, tc := range []struct {
		name    string
		site    func(t *testing.T) fstest.MapFS
		secrets []string
		want    string
		asked   int // passphrases read
	}{
		{"no store", func(t *testing.T) fstest.MapFS {
			s, _ := netSite(t, "", false)
			return s
		}, nil, "[record] store is empty", 0},
		{"plain key", func(t *testing.T) fstest.MapFS {
			s, _ := netSite(t, "store = \"s3://b/p\"\n", true)
			return s
		}, nil, "is not a sealed key", 0},
		{"no key file", func(t *testing.T) fstest.MapFS {
			s, _ := netSite(t, "store = \"s3://b/p\"\n", false)
			delete(s, "kesu.key.sealed")
			return s
		}, nil, "cannot read the sealed signing key", 0},
		{"wrong passphrases", func(t *testing.T) fstest.MapFS {
			s, _ := netSite(t, "store = \"s3://b/p\"\n", false)
			return s
		}, []string{"guess one", "guess two", "guess three", sitePass}, "3 wrong passphrases", 3},
		{"broken policy", func(t *testing.T) fstest.MapFS {
			return fstest.MapFS{"kesu.toml": {Data: []byte("version = 1\n[policy]\nlevel = \"wipe\"\n")}}
		}, nil, "level", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sys := newFakeSystem(t)
			noStick(sys)
			sys.site = tc.site(t)
			sys.secrets = make(chan string, len(tc.secrets))
			for _, s := range tc.secrets {
				sys.secrets <- s
			}
			called := false
			_, out := runNet(t, sys, func(context.Context, *Session) (Outcome, error) { called = true; return Outcome{}, nil })
			if called {
				t.Fatalf("the erase part ran; console:\n%s", out)
			}
			if !strings.Contains(out.String(), tc.want) || !strings.Contains(out.String(), MarkerNoErase) {
				t.Errorf("console lacks %q and %q:\n%s", tc.want, MarkerNoErase, out)
			}
			if asked := len(tc.secrets) - len(sys.secrets); asked != tc.asked {
				t.Errorf("%d passphrases read; want %d", asked, tc.asked)
			}
		})
	}
}

// storeKeysOf are a policy's [record] store keys for srv.
func storeKeysOf(srv *s3test.Server, location string) string {
	return fmt.Sprintf("store = %q\nstore_endpoint = %q\nstore_access_key = %q\nstore_secret_key = %q\n", location, srv.Endpoint, srv.AccessKey, srv.SecretKey)
}

// netErase is an erase part that journals like the real one: a run signed
// with the session's key, every record handed to the session's OnRecord,
// sealed. Before it returns it calls during (the test stops the store).
func netErase(t *testing.T, got **Session, during func()) EraseFunc {
	return func(ctx context.Context, s *Session) (Outcome, error) {
		*got = s
		j, err := report.CreateWith(s.RecordsDir, s.Signer, report.RunStart{Mode: "appliance", Tool: report.CurrentTool("test"),
			Host: report.LocalHost(), KeyCustody: s.KeyCustody}, report.Options{OnRecord: s.OnRecord})
		if err != nil {
			t.Error(err)
			return Outcome{}, err
		}
		if during != nil {
			during()
		}
		for i := range 5 {
			if err := j.Note(report.Note{Severity: report.SeverityInfo, Code: "test", Text: fmt.Sprintf("step %d", i)}); err != nil {
				t.Error(err)
			}
		}
		if err := j.Seal(); err != nil {
			t.Error(err)
		}
		return Outcome{Journal: j.Path(), Passed: 1}, nil
	}
}

func (s *fakeSystem) networkUp(ctx context.Context) ([]string, error) {
	return []string{"eth0: 10.0.2.15/24"}, nil
}

// TestNetworkRunKeepsTheRecordUntilSafe runs a network boot's appliance
// without a stick against a real store that stops while the run is
// journaled and comes back later: the key is opened with the passphrase
// (after one wrong one), every record reaches the store, the console says
// the record is not safe while the store is down, and the machine powers
// off only after it said the record is safe. The bucket's journal is the
// one written in RAM, its steps are its lines, and it verifies with the
// key's public half and states the console custody.
func TestNetworkRunKeepsTheRecordUntilSafe(t *testing.T) {
	old := safeEvery
	safeEvery = 20 * time.Millisecond
	defer func() { safeEvery = old }()
	srv := s3test.Start(t)
	srv.MakeBucket(t, "records")
	sys := newFakeSystem(t)
	noStick(sys)
	site, pub := netSite(t, storeKeysOf(srv, "s3://records/fleet"), false)
	sys.site = site
	sys.secrets = make(chan string, 2)
	sys.secrets <- "not it at all"
	sys.secrets <- sitePass
	sys.network = sys.networkUp
	var s *Session
	back := make(chan struct{})
	action, out := runNet(t, sys, netErase(t, &s, func() {
		srv.Stop()
		go func() {
			defer close(back)
			for !strings.Contains(out2(s), MarkerNotSafe) {
				time.Sleep(10 * time.Millisecond)
			}
			time.Sleep(200 * time.Millisecond)
			if err := srv.Restart(""); err != nil {
				t.Error(err)
			}
		}()
	}))
	<-back
	console := out.String()
	if s == nil {
		t.Fatalf("the erase part did not run; console:\n%s", console)
	}
	if s.KeyCustody != report.CustodyConsole || s.Signer == nil || !bytes.Equal(s.Signer.PublicKey(), pub) {
		t.Errorf("session custody %q, signer %v; want the sealed key, opened at the console", s.KeyCustody, s.Signer)
	}
	if action != "poweroff" || sys.power != "poweroff" {
		t.Errorf("Run = %q, power %q; want poweroff", action, sys.power)
	}
	notSafe, safe, off := strings.Index(console, MarkerNotSafe), strings.Index(console, MarkerSafe), strings.Index(console, MarkerPowerOff)
	if notSafe < 0 || safe < notSafe || off < safe {
		t.Errorf("console order: not safe at %d, safe at %d, power off at %d; want not safe < safe < power off:\n%s", notSafe, safe, off, console)
	}
	for _, want := range []string{MarkerNetworkRun, "wrong passphrase (1 of 3 tries)", MarkerKeyOpened, MarkerStoreReady + "s3://records/fleet"} {
		if !strings.Contains(console, want) {
			t.Errorf("console lacks %q:\n%s", want, console)
		}
	}
	journals, _ := filepath.Glob(filepath.Join(s.RecordsDir, "*.jsonl"))
	if len(journals) != 1 {
		t.Fatalf("journals in RAM: %v", journals)
	}
	inRAM, _ := os.ReadFile(journals[0])
	inStore, err := os.ReadFile(filepath.Join(srv.Dir, "records", "fleet", filepath.Base(journals[0])))
	if err != nil || !bytes.Equal(inRAM, inStore) {
		t.Fatalf("the store's journal (%v) is not the one in RAM", err)
	}
	steps, _ := filepath.Glob(filepath.Join(srv.Dir, "records", "fleet", strings.TrimSuffix(filepath.Base(journals[0]), ".jsonl")+".steps", "*.line"))
	if n := bytes.Count(inRAM, []byte("\n")); len(steps) != n {
		t.Errorf("%d step objects; want one per record (%d)", len(steps), n)
	}
	ring := report.KeyRing{}
	ring.Add(pub)
	v := report.Verify(report.SplitJournal(inStore), ring)
	if !v.OK() || v.Run.Start.KeyCustody != report.CustodyConsole {
		t.Errorf("the store's journal: %+v", v)
	}
}

// out2 is the console of the run in progress: the fake system's log of
// the session's Out.
func out2(s *Session) string {
	if s == nil {
		return ""
	}
	if b, ok := s.Out.(*syncBuf); ok {
		return b.String()
	}
	return ""
}

// A network run with a KESU stick in the machine writes its journal on
// the stick too, and unmounts it at the end.
func TestNetworkRunWritesTheStickToo(t *testing.T) {
	srv := s3test.Start(t)
	srv.MakeBucket(t, "records")
	sys := newFakeSystem(t)
	site, _ := netSite(t, storeKeysOf(srv, "s3://records"), false)
	sys.site = site
	sys.secrets = make(chan string, 1)
	sys.secrets <- sitePass
	sys.network = sys.networkUp
	var s *Session
	_, out := runNet(t, sys, netErase(t, &s, nil))
	if s == nil || s.RecordsDir != filepath.Join(sys.stickDir, "records") || sys.mounted != "/dev/sda1" || !sys.unmounted {
		t.Fatalf("session %+v, mounted %q, unmounted %v; want the stick's records folder; console:\n%s", s, sys.mounted, sys.unmounted, out)
	}
	journals, _ := filepath.Glob(filepath.Join(s.RecordsDir, "*.jsonl"))
	if len(journals) != 1 {
		t.Fatalf("journals on the stick: %v", journals)
	}
	if _, err := os.Stat(filepath.Join(srv.Dir, "records", filepath.Base(journals[0]))); err != nil {
		t.Errorf("the store lacks the journal: %v", err)
	}
	if !strings.Contains(out.String(), MarkerSafe) {
		t.Errorf("console lacks %q:\n%s", MarkerSafe, out)
	}
}

// Until the store answers, nothing is erased: the appliance keeps trying.
func TestNetworkRunWaitsForTheStore(t *testing.T) {
	sys := newFakeSystem(t)
	noStick(sys)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there
	site, _ := netSite(t, fmt.Sprintf("store = \"s3://b\"\nstore_endpoint = \"http://%s\"\nstore_access_key = \"a\"\nstore_secret_key = \"b\"\n", addr), false)
	sys.site = site
	sys.secrets = make(chan string, 1)
	sys.secrets <- sitePass
	tries := 0
	sys.network = func(ctx context.Context) ([]string, error) {
		tries++
		if tries < 3 {
			return nil, errors.New("network: no interface got an address by DHCP")
		}
		return []string{"eth0: 10.0.2.15/24"}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out := &syncBuf{}
	go func() {
		// Once the store has been tried (and refused) a few times, end
		// the run: it would go on trying.
		for strings.Count(out.String(), "nothing is erased before it answers") < 3 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	called := false
	Run(ctx, Options{System: sys, Out: out, Version: "test", StickDir: sys.stickDir, RAMRecords: t.TempDir(),
		Erase: func(context.Context, *Session) (Outcome, error) { called = true; return Outcome{}, nil }})
	if called {
		t.Fatal("the erase part ran without a store")
	}
	console := out.String()
	if tries != 3 || strings.Count(console, "no interface got an address") != 2 || !strings.Contains(console, "nothing is erased before it answers") {
		t.Errorf("network tries %d; console:\n%s", tries, console)
	}
}

// fastSafe makes keepSafe show the record's state every 20 ms.
func fastSafe(t *testing.T) {
	old := safeEvery
	safeEvery = 20 * time.Millisecond
	t.Cleanup(func() { safeEvery = old })
}

// netMachine is a fake machine network-booted with srv as its store.
func netMachine(t *testing.T, srv *s3test.Server) (*fakeSystem, ed25519.PublicKey) {
	t.Helper()
	srv.MakeBucket(t, "records")
	sys := newFakeSystem(t)
	noStick(sys)
	site, pub := netSite(t, storeKeysOf(srv, "s3://records/fleet"), false)
	sys.site = site
	sys.secrets = make(chan string, 1)
	sys.secrets <- sitePass
	sys.network = sys.networkUp
	return sys, pub
}

// restartOnce restarts srv once out shows marker.
func restartOnce(t *testing.T, srv *s3test.Server, out *syncBuf, marker string) <-chan struct{} {
	back := make(chan struct{})
	go func() {
		defer close(back)
		for !strings.Contains(out.String(), marker) {
			time.Sleep(5 * time.Millisecond)
		}
		if err := srv.Restart(""); err != nil {
			t.Error(err)
		}
	}()
	return back
}

// A signal to kesu (its context ends) while the record is NOT safe does
// not power the machine off: the stream goes on, and the machine powers
// off once the record is in the store.
func TestNetworkRunSignalWhileNotSafe(t *testing.T) {
	fastSafe(t)
	srv := s3test.Start(t)
	sys, _ := netMachine(t, srv)
	sys.lines = make(chan string) // nobody presses Enter
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuf{}
	go func() {
		for !strings.Contains(out.String(), MarkerNotSafe) {
			time.Sleep(5 * time.Millisecond)
		}
		cancel() // Ctrl-C or SIGTERM
	}()
	back := restartOnce(t, srv, out, MarkerNotSafe+" — do not switch the machine off: record store: ")
	var s *Session
	Run(ctx, Options{System: sys, Out: out, Version: "test", StickDir: sys.stickDir,
		Erase: netErase(t, &s, srv.Stop), RAMRecords: filepath.Join(t.TempDir(), "ram")})
	<-back
	console := out.String()
	safe, off := strings.Index(console, MarkerSafe), strings.Index(console, MarkerPowerOff)
	if safe < 0 || (off >= 0 && off < safe) {
		t.Errorf("record safe at %d, power off at %d (power %q); want no power-off before the record is safe:\n%s", safe, off, sys.power, console)
	}
	if journals, _ := filepath.Glob(filepath.Join(srv.Dir, "records", "fleet", "*.jsonl")); len(journals) != 1 {
		t.Errorf("sealed journals in the store: %v", journals)
	}
}

// A panic in the erase part of a network run: the machine waits until the
// records journaled before it are in the store, and says so, before it
// offers to power off.
func TestNetworkRunPanicWaitsForTheRecords(t *testing.T) {
	fastSafe(t)
	srv := s3test.Start(t)
	sys, _ := netMachine(t, srv)
	out := &syncBuf{}
	back := restartOnce(t, srv, out, MarkerNotSafe)
	var runID string
	Run(context.Background(), Options{System: sys, Out: out, Version: "test", StickDir: sys.stickDir, RAMRecords: filepath.Join(t.TempDir(), "ram"),
		Erase: func(ctx context.Context, s *Session) (Outcome, error) {
			j, err := report.CreateWith(s.RecordsDir, s.Signer, report.RunStart{Mode: "appliance", Tool: report.CurrentTool("test"),
				Host: report.LocalHost(), KeyCustody: s.KeyCustody}, report.Options{OnRecord: s.OnRecord})
			if err != nil {
				t.Fatal(err)
			}
			runID = j.RunID()
			srv.Stop() // the network drops while the drives are erased
			for i := range 5 {
				j.Note(report.Note{Severity: report.SeverityInfo, Code: "test", Text: fmt.Sprintf("drive %d", i)})
			}
			panic("a bug in the erase part")
		}})
	<-back
	console := out.String()
	steps, _ := filepath.Glob(filepath.Join(srv.Dir, "records", "fleet", runID+".steps", "*.line"))
	if len(steps) != 6 {
		t.Errorf("%d of the 6 records in the store; console:\n%s", len(steps), console)
	}
	done, off := strings.Index(console, "the 6 records streamed are in the store"), strings.Index(console, "powering off")
	if done < 0 || off < done || !strings.Contains(console, "the record streamed to the store says what was done") {
		t.Errorf("console: the records reached the store at %d, power off at %d; want the first before:\n%s", done, off, console)
	}
}

// A journal whose seal could not be written is never called sealed: its
// records are in the store as steps (the office reads an unfinished run),
// and no RUN.jsonl is put.
func TestNetworkRunUnsealedJournal(t *testing.T) {
	fastSafe(t)
	srv := s3test.Start(t)
	sys, _ := netMachine(t, srv)
	_, out := runNet(t, sys, func(ctx context.Context, s *Session) (Outcome, error) {
		j, err := report.CreateWith(s.RecordsDir, s.Signer, report.RunStart{Mode: "appliance", Tool: report.CurrentTool("test"),
			Host: report.LocalHost(), KeyCustody: s.KeyCustody}, report.Options{OnRecord: s.OnRecord})
		if err != nil {
			t.Fatal(err)
		}
		j.Note(report.Note{Severity: report.SeverityInfo, Code: "test", Text: "drive erased"})
		j.Close() // the seal could not be written
		return Outcome{Journal: j.Path(), Passed: 1}, errors.New("the record could not be completed: seal failed")
	})
	console := out.String()
	if strings.Contains(console, MarkerSafe) || !strings.Contains(console, "the journal was not sealed") || !strings.Contains(console, "the 2 records streamed are in the store") {
		t.Errorf("console:\n%s", console)
	}
	if journals, _ := filepath.Glob(filepath.Join(srv.Dir, "records", "fleet", "*.jsonl")); len(journals) != 0 {
		t.Errorf("an unsealed journal was put as a record: %v", journals)
	}
}

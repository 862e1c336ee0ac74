package appliance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/store"
)

// SiteDir is where a network-booted appliance finds its site files: the
// policy (kesu.toml) and the sealed signing key its [signing] key names,
// from the site archive GRUB loads after kesu's initramfs (image.NetSite).
const SiteDir = "/etc/kesu"

// Markers of a network run (a site policy, no stick needed).
const (
	MarkerNetworkRun = "kesu: network boot: "           // followed by where the record goes
	MarkerPassphrase = "kesu: PASSPHRASE"               // the prompt for the sealed key's passphrase
	MarkerKeyOpened  = "kesu: record key opened: "      // followed by its fingerprint
	MarkerStoreReady = "kesu: record store reachable: " // followed by the location
	MarkerNotSafe    = "kesu: record NOT safe yet"      // do not power off
	MarkerSafe       = "kesu: record safe in the store: "
)

// RAMRecords is where a network run keeps its journal when no stick is in
// the machine: the initramfs's own file system, in RAM.
const RAMRecords = "/run/kesu/records"

// passphraseTries is how many wrong passphrases end the run (nothing is
// erased).
const passphraseTries = 3

// Network-run timing: the bring-up and store retries back off from
// netRetry up to netRetryMax; the record's state is shown every
// safeEvery while it is not safe.
var (
	netRetry    = 5 * time.Second
	netRetryMax = 30 * time.Second
	safeEvery   = 10 * time.Second
)

// networkRun is the appliance of a network boot that carries a site
// policy: the policy and the sealed signing key come from the site files;
// the technician opens the key with its passphrase at the console; every
// record of the journal goes to the policy's store as it is written (and to
// a KESU stick's records folder too when one is in the machine); the
// machine does not power off or reboot until the sealed journal is in the
// store and read back intact.
func (a *app) networkRun(ctx context.Context, site fs.FS, fw Firmware, failed []ModuleResult) string {
	data, err := fs.ReadFile(site, "kesu.toml")
	if err != nil {
		a.mark(MarkerConfigBad, fmt.Sprintf(" in the network boot's site files: cannot read %s/kesu.toml: %v", SiteDir, err))
		a.mark(MarkerNoErase, ": fix the site archive (kesu-mkimage -netboot -config) and boot again")
		return a.wait(ctx)
	}
	cfg, err := policy.Parse(data, SiteDir+"/kesu.toml")
	if err == nil && cfg.Record.Store == "" {
		err = errors.New("[record] store is empty: a network boot keeps its record in an S3-compatible store (the machine may have no stick)")
	}
	if err != nil {
		a.mark(MarkerConfigBad, " in the network boot's kesu.toml:")
		for _, l := range strings.Split(err.Error(), "\n") {
			a.printf("  %s", l)
		}
		a.mark(MarkerNoErase, ": fix the site's kesu.toml and build the boot tree again")
		return a.wait(ctx)
	}
	st, err := policyStore(cfg.Record, 1, 0)
	if err != nil {
		a.mark(MarkerConfigBad, fmt.Sprintf(" in the network boot's kesu.toml: %v", err))
		a.mark(MarkerNoErase, "")
		return a.wait(ctx)
	}
	loc := st.Location()
	sum := sha256.Sum256(data)
	s := &Session{
		Config:       cfg,
		ConfigSHA256: hex.EncodeToString(sum[:]),
		RecordsDir:   a.o.RAMRecords,
		Firmware:     fw,
		Modules:      failed,
		Version:      a.o.Version,
		Out:          a.out,
		Consoles:     a.sys.Consoles(),
		StoreURL:     loc.String(),
	}

	// A KESU stick in the machine receives the record too.
	stick := false
	if vol, err := a.findRecordStick(ctx); err == nil {
		if err := a.sys.MountStick(vol.Dev(), a.o.StickDir); err != nil {
			a.printf("record stick %s: %v; the record goes to the store only", vol.Dev(), err)
		} else {
			stick = true
			s.Stick, s.StickDir = vol, a.o.StickDir
			s.RecordsDir = filepath.Join(a.o.StickDir, cfg.Record.Dir)
		}
	} else if !errors.Is(err, ErrNoStick) {
		a.printf("record stick: %v; the record goes to the store only", err)
	}
	where := loc.String() + ", kept in RAM until it is there"
	if stick {
		where = loc.String() + " and the stick " + s.Stick.Dev()
	}
	a.mark(MarkerNetworkRun, "policy "+SiteDir+"/kesu.toml (sha256 "+s.ConfigSHA256[:16]+"…); the record goes to "+where)

	if !cfg.Signing.Unsigned {
		signer, why := a.openSiteKey(ctx, site, cfg.Signing.Key)
		if why != nil {
			a.netRefuse(why, fw, stick)
			return a.wait(ctx)
		}
		s.Signer, s.KeyCustody = signer, report.CustodyConsole
	}
	if a.o.Erase == nil {
		a.netRefuse(&refusal{code: "no-erase-flow", text: "this kesu build has no erase flow built in"}, fw, stick)
		return a.wait(ctx)
	}

	if !a.reachStore(ctx, st) {
		return a.wait(ctx) // the context ended
	}
	// The stream outlives the run's context: once a record is written,
	// nothing — not even a signal to kesu — may stop it reaching the
	// store before the machine goes off.
	stream := st.Stream(store.StreamOptions{Context: context.WithoutCancel(ctx)})
	a.net = &netRecord{stream: stream, dir: s.RecordsDir}
	s.OnRecord = a.net.add
	s.Status = func() string { return stream.State().String() }
	s.Lines = func() <-chan string { return a.input(ctx) }

	out := a.erase(ctx, s)
	if out.Journal == "" {
		out.Journal = a.net.journal()
	}
	a.keepSafe(stream, out.Journal)
	if stick {
		a.unmount()
	}
	if out.Action != "" {
		return a.do(ctx, out.Action)
	}
	return a.after(ctx, cfg)
}

// findRecordStick looks for a KESU volume once the block devices have
// settled, without waiting for one to appear: a network run needs none.
func (a *app) findRecordStick(ctx context.Context) (Volume, error) {
	deadline := a.sys.Now().Add(a.o.Settle * 4)
	vols, err := a.scanSettled(ctx, func(_ []Volume, settled bool, now time.Time) bool {
		return settled || now.After(deadline)
	})
	if err != nil {
		return Volume{}, err
	}
	return ChooseStick(vols, "")
}

// openSiteKey opens the sealed signing key with the passphrase typed at a
// console. A private key served in the clear is refused: anyone on the boot
// network could have read it.
func (a *app) openSiteKey(ctx context.Context, site fs.FS, name string) (*report.Signer, *refusal) {
	data, err := fs.ReadFile(site, name)
	if err != nil {
		return nil, &refusal{code: "signing-key", text: fmt.Sprintf("cannot read the sealed signing key %s/%s: %v", SiteDir, name, err)}
	}
	if !report.IsSealedKey(data) {
		return nil, &refusal{code: "signing-key", text: fmt.Sprintf("%s/%s is not a sealed key: a private key served over the network in the clear could sign anyone's record; seal it with `kesu keygen --seal` and build the boot tree again", SiteDir, name)}
	}
	fp, err := report.SealedKeyFingerprint(data)
	if err != nil {
		return nil, &refusal{code: "signing-key", text: fmt.Sprintf("%s/%s: %v", SiteDir, name, err)}
	}
	for try := 1; try <= passphraseTries; try++ {
		pass, err := a.sys.ReadSecret(ctx, func() {
			a.mark(MarkerPassphrase, fmt.Sprintf(": type the passphrase of the record key %s and press Enter (it is not shown)", report.FormatFingerprint(fp)))
		})
		if err != nil {
			return nil, &refusal{code: "signing-key", text: fmt.Sprintf("reading the passphrase: %v", err)}
		}
		a.printf("opening the record key…")
		signer, err := report.OpenSealedKey(data, pass)
		clear(pass)
		if err == nil {
			a.mark(MarkerKeyOpened, report.FormatFingerprint(signer.Fingerprint())+" (held in RAM only)")
			return signer, nil
		}
		if !errors.Is(err, report.ErrWrongPassphrase) {
			return nil, &refusal{code: "signing-key", text: fmt.Sprintf("%s/%s: %v", SiteDir, name, err)}
		}
		a.printf("wrong passphrase (%d of %d tries)", try, passphraseTries)
	}
	return nil, &refusal{code: "signing-key", text: fmt.Sprintf("the record key was not opened: %d wrong passphrases", passphraseTries)}
}

// netRefuse shows why a network run will not erase, and records it on the
// stick when one is mounted (the store is not reached before the key is
// open: its record would be unsigned).
func (a *app) netRefuse(r *refusal, fw Firmware, stick bool) {
	a.printf("CANNOT START:")
	for _, l := range strings.Split(r.text, "\n") {
		a.printf("  %s", l)
	}
	if stick {
		if where, err := RecordRefusal(a.o.StickDir, a.o.Version, fw, r.code, r.text); err == nil {
			a.printf("recorded in %s", where)
		}
		a.unmount()
	}
	a.mark(MarkerNoErase, ".")
}

// reachStore brings the network up and waits until the store answers,
// trying again with backoff for as long as it takes: nothing is erased
// before the record has a place to go. It returns false only when ctx ends.
func (a *app) reachStore(ctx context.Context, st *store.Store) bool {
	loc := st.Location()
	wait := netRetry
	up := false
	for ctx.Err() == nil {
		if !up {
			got, err := a.sys.Network(ctx)
			if err != nil {
				a.printf("network: %v; trying again in %v (nothing is erased before the record store answers)", err, wait)
				a.sys.Sleep(ctx, wait)
				wait = min(wait*2, netRetryMax)
				continue
			}
			for _, g := range got {
				a.printf("network: %s", g)
			}
			up = true
		}
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := st.Check(cctx)
		cancel()
		if err == nil {
			a.mark(MarkerStoreReady, loc.String()+"; each record of the journal goes there as it is written")
			return true
		}
		a.printf("record store %s: %v; trying again in %v (nothing is erased before it answers)", loc, err, wait)
		a.sys.Sleep(ctx, wait)
		wait = min(wait*2, netRetryMax)
	}
	return false
}

// netRecord is a network run's record on its way to the store: the
// stream, and the journal's path once its first record was written (for a
// run whose erase part did not return one: a panic).
type netRecord struct {
	stream *store.Streamer
	dir    string
	mu     sync.Mutex
	runID  string
}

func (n *netRecord) add(runID string, seq int64, line []byte) {
	n.mu.Lock()
	if n.runID == "" {
		n.runID = runID
	}
	n.mu.Unlock()
	n.stream.Add(runID, seq, line)
}

// journal is the run's journal file, "" before its first record.
func (n *netRecord) journal() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.runID == "" {
		return ""
	}
	return filepath.Join(n.dir, n.runID+".jsonl")
}

// keepSafe returns once the run's record is in the store, showing the
// upload state on every console until then: the machine must not power
// off or reboot before, since a journal kept in RAM would be lost. It
// does not give up: the stream runs on, whatever happened to the run's
// context. A sealed journal is safe once it is in the store, read back
// intact, and the same as the steps streamed; a journal that was not
// sealed (the run could not complete it, or ended in an internal error)
// once every record streamed is in the store — the office then reads an
// unfinished run.
func (a *app) keepSafe(stream *store.Streamer, path string) {
	var data []byte
	err := errors.New("the run wrote no journal")
	if path != "" {
		data, err = os.ReadFile(path)
	}
	if err == nil && !report.EndsSealed(data) {
		err = errors.New("the journal was not sealed")
	}
	if err != nil {
		a.printf("record: %v; waiting for every record streamed so far to reach the store", err)
		for stream.State().Pending > 0 {
			a.mark(MarkerNotSafe, fmt.Sprintf(" — do not switch the machine off: %s", stream.State()))
			time.Sleep(safeEvery)
		}
		a.printf("record store: the %d records streamed are in the store; the run has no sealed journal, and the office reads it as unfinished", stream.State().Uploaded)
		return
	}
	bg := context.Background()
	for {
		done := make(chan error, 1)
		go func() { done <- stream.Finish(bg, filepath.Base(path), data) }()
	wait:
		for {
			select {
			case err := <-done:
				if err == nil {
					a.mark(MarkerSafe, stream.State().String())
					return
				}
				// The steps and the journal differ: shown, and tried
				// again; the machine stays on.
				a.mark(MarkerNotSafe, fmt.Sprintf(" — do not switch the machine off: %v", err))
				time.Sleep(safeEvery)
				break wait
			case <-time.After(safeEvery):
				a.mark(MarkerNotSafe, fmt.Sprintf(" — do not switch the machine off: %s", stream.State()))
			}
		}
	}
}

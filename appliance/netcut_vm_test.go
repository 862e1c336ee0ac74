package appliance_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/appliance"
	"github.com/kesu-erase/kesu/image"
	"github.com/kesu-erase/kesu/internal/s3test"
	"github.com/kesu-erase/kesu/internal/vm"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/reporttest"
	"github.com/kesu-erase/kesu/report/store"
)

// netPolicy is a stick-less network run's kesu.toml: unattended, its key
// sealed beside it in the site files; the record store's keys follow.
const netPolicy = `version = 1
language = "en"
[policy]
level = "clear"
verify = "full"
[run]
unattended = true
countdown = 5
after = "poweroff"
after_delay = 0
[signing]
key = "kesu.key.sealed"
[record]
operator = "VM test"
`

// netPassphrase is typed at the console through the VM's keyboard.
const netPassphrase = "kesu network test passphrase"

// TestNetbootNetworkCut boots the network boot tree with a site policy
// and no stick, under UEFI PXE with Secure Boot, types the sealed key's
// passphrase on the VM's keyboard, and pulls the network cable (QEMU's
// set_link) a second after the store answered: the erase, its read-back and
// the seal happen while the network is down. The appliance must keep every
// record in RAM, say on the console that the record is not safe, and not
// power off; once the cable is back it must upload every step and the
// sealed journal, read it back, and only then power off. The test then
// reads the record from the bucket and verifies it with the office's
// public key.
func TestNetbootNetworkCut(t *testing.T) {
	vm.Require(t, true)
	a := vm.Get(t)
	srv := s3test.Start(t)
	srv.MakeBucket(t, "records")
	keys := newKey(t)
	priv, err := os.ReadFile(keys.Private)
	if err != nil {
		t.Fatal(err)
	}
	k, err := report.ParsePrivateKeyPEM(priv)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := report.SealPrivateKey(k, []byte(netPassphrase), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := image.WriteNetboot(image.NetbootSpec{Boot: a.Boot, Dir: dir,
		GrubTemplate: filepath.Join(a.RepoDir, "configs", "grub.cfg"),
		Site: []image.SiteFile{
			{Name: "kesu.toml", Data: []byte(netPolicy + storeKeys(t, srv, "s3://records/fleet")), Mode: 0o644},
			{Name: "kesu.key.sealed", Data: sealed, Mode: 0o600},
		}}); err != nil {
		t.Fatal(err)
	}
	target := markedDiskOf(t, vm.NVMe, "NCNVME1", 64<<20)
	m := vm.NewMachine(t, target)
	m.Args = append(m.Args, "-netdev", "user,id=n0,tftp="+dir+",bootfile="+image.NetShim, "-device", "virtio-net-pci,netdev=n0,romfile=,bootindex=0")
	m.Timeout = 15 * time.Minute
	m.Watch = []string{"Run /init", appliance.MarkerKeyOpened, appliance.MarkerStoreReady, appliance.MarkerErased, appliance.MarkerNotSafe, appliance.MarkerSafe, appliance.MarkerPowerOff}
	m.Until = []string{appliance.MarkerWaiting, "Failed to boot both default and fallback entries"}
	const linkDown = 1 // index of the cut in m.Acts
	m.Acts = []vm.Act{
		{After: appliance.MarkerPassphrase, Delay: 2 * time.Second, Do: func(c *vm.Control) error { return c.Type(netPassphrase) }},
		{After: appliance.MarkerStoreReady, Delay: time.Second, Do: func(c *vm.Control) error { return c.SetLink("n0", false) }},
		// Back 20 s after the appliance first said the record is not safe
		// (it says so every 10 s while it is not).
		{After: appliance.MarkerNotSafe, Delay: 20 * time.Second, Do: func(c *vm.Control) error { return c.SetLink("n0", true) }},
	}
	res, err := m.Run(context.Background(), vm.Boot{Firmware: true, SecureBoot: true})
	if err != nil {
		t.Fatal(err)
	}
	logKesuLines(t, res.Serial)
	t.Logf("seen: %v; acted: %v", res.Seen, res.Acted)
	if res.ActErr != nil {
		t.Fatalf("acting on the VM: %v", res.ActErr)
	}
	for i, at := range res.Acted {
		if at == 0 {
			t.Fatalf("act %d (after %q) was never done; console ends:\n%s", i, m.Acts[i].After, res.Tail(30))
		}
	}
	down, up := res.Acted[linkDown], res.Acted[linkDown+1]
	erased, ok := res.Seen[appliance.MarkerErased]
	if !ok || erased <= down || erased >= up {
		t.Errorf("the erase finished at %v; want it while the network was down (%v–%v)", erased, down, up)
	}
	if n := strings.Count(res.Serial, appliance.MarkerNotSafe); n < 2 {
		t.Errorf("the console said %d times that the record is not safe; want it said while the network was down", n)
	}
	safe, okSafe := res.Seen[appliance.MarkerSafe]
	off, okOff := res.Seen[appliance.MarkerPowerOff]
	switch {
	case !okSafe || !okOff:
		t.Fatalf("the appliance did not say the record is safe (%v) and power off (%v); console ends:\n%s", okSafe, okOff, res.Tail(30))
	case safe < up:
		t.Errorf("the record was said safe at %v, before the network came back at %v", safe, up)
	case off < safe:
		t.Errorf("the appliance powered off at %v, before the record was safe at %v", off, safe)
	}
	// The technician's screen on the serial console shows the upload
	// state on its own line while the drives are erased.
	shown := false
	for _, l := range strings.Split(res.Serial, "\n") {
		if !strings.Contains(l, appliance.Prefix) && strings.Contains(l, "record store: ") && strings.Contains(l, "steps uploaded") {
			shown = true
		}
	}
	if !shown {
		t.Error("the screen never showed the record store's upload state")
	}
	checkErased(t, []vm.Disk{target})

	// The bucket, read as the office reads it (S3 requests): the sealed
	// journal; and each record as its own object (the server's files).
	copies, err := store.CopyOut(context.Background(), store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey},
		"s3://records/fleet", t.TempDir(), store.Progress{})
	if err != nil || len(copies) != 1 || copies[0].FromSteps {
		t.Fatalf("the bucket holds %+v (%v); want one sealed journal", copies, err)
	}
	j, err := os.ReadFile(copies[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	runs := []string{filepath.Join(srv.Dir, "records", "fleet", filepath.Base(copies[0].Path))}
	reporttest.ValidateJournal(t, j)
	ring, err := report.LoadPublicKeys(keys.Public)
	if err != nil {
		t.Fatal(err)
	}
	v := report.Verify(report.SplitJournal(j), ring)
	if !v.OK() || len(v.Run.Drives) != 1 || v.Run.Drives[0].Result == nil || v.Run.Drives[0].Result.Assessment.Status != report.StatusPass {
		t.Errorf("the bucket's journal: %+v; want it intact, sealed, with the one drive PASS", v)
	}
	if got := v.Run.Start.KeyCustody; got != report.CustodyConsole {
		t.Errorf("key custody %q; want %q", got, report.CustodyConsole)
	}
	steps, _ := filepath.Glob(filepath.Join(strings.TrimSuffix(runs[0], ".jsonl")+".steps", "*.line"))
	sort.Strings(steps)
	var joined []byte
	for _, s := range steps {
		b, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		joined = append(joined, b...)
	}
	if n := bytes.Count(j, []byte("\n")); len(steps) != n || !bytes.Equal(joined, j) {
		t.Errorf("the bucket holds %d step objects (joined %d bytes); want the journal's %d records, byte for byte (%d bytes)", len(steps), len(joined), n, len(j))
	}
}

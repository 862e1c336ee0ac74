package job

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/drive"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
)

// machine is a fake root with sysfs entries for virtio disks vda..vdN and
// a /proc/self/mountinfo.
func machine(names []string, mountinfo string) fstest.MapFS {
	m := fstest.MapFS{"proc/self/mountinfo": {Data: []byte(mountinfo)}}
	for i, n := range names {
		dir := fmt.Sprintf("sys/devices/pci0000:00/0000:00:%02x.0/virtio%d/block/%s", 4+i, 1+i, n)
		m["sys/block/"+n] = &fstest.MapFile{Mode: fs.ModeSymlink, Data: []byte("../" + strings.TrimPrefix(dir, "sys/"))}
		m["sys/class/block/"+n] = &fstest.MapFile{Mode: fs.ModeSymlink, Data: []byte("../../" + strings.TrimPrefix(dir, "sys/"))}
		m[dir+"/size"] = &fstest.MapFile{Data: []byte("16384\n")}
		m[dir+"/dev"] = &fstest.MapFile{Data: []byte(fmt.Sprintf("254:%d\n", 16*i))}
		m[dir+"/queue/logical_block_size"] = &fstest.MapFile{Data: []byte("512\n")}
		m[dir+"/queue/rotational"] = &fstest.MapFile{Data: []byte("1\n")}
		m[dir+"/serial"] = &fstest.MapFile{Data: []byte("SER-" + n + "\n")}
	}
	return m
}

type files struct {
	dir    string
	mu     sync.Mutex // drives of different groups open at once
	writes map[string]int
}

func (f *files) path(n string) string { return filepath.Join(f.dir, n+".img") }

func (f *files) open(d discover.Disk) (worker.Drive, error) {
	return drive.NewPlain(d, func(write bool) (erase.Target, error) {
		if write {
			f.mu.Lock()
			f.writes[d.Name]++
			f.mu.Unlock()
		}
		return erase.Open(f.path(d.Name), erase.OpenOptions{Write: write})
	}), nil
}

func setup(t *testing.T, names ...string) *files {
	f := &files{dir: t.TempDir(), writes: map[string]int{}}
	for _, n := range names {
		if err := os.WriteFile(f.path(n), bytes.Repeat([]byte("data"), 16384*512/4), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func opts(t *testing.T, toml string, root fs.FS, f *files) (Options, report.KeyRing) {
	t.Helper()
	pol, err := policy.Parse([]byte(toml), "kesu.toml")
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	ring := report.KeyRing{}
	ring.Add(pub)
	return Options{Policy: pol, RecordsDir: filepath.Join(t.TempDir(), "records"), Signer: report.NewSigner(priv),
		Mode: "test", Root: root, Open: f.open}, ring
}

func TestJobBootStickInUseAndPolicyExclusions(t *testing.T) {
	names := []string{"vda", "vdb", "vdc", "vdd"}
	f := setup(t, names...)
	// vda backs the root filesystem; vdb is the boot stick; vdc is excluded
	// by serial; only vdd is erased.
	root := machine(names, "22 1 254:0 / / rw - ext4 /dev/vda rw\n")
	o, ring := opts(t, "version = 1\n[policy]\nmic_category = 3\n[exclude]\nserials = ['SER-vdc']\n", root, f)
	o.BootDisks, o.SkipInUse = []string{"vdb"}, true
	j, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, tg := range j.Prep.Targets {
		targets = append(targets, tg.Disk.Name)
	}
	if len(targets) != 1 || targets[0] != "vdd" {
		t.Fatalf("targets %v; want [vdd]", targets)
	}
	reasons := map[string]string{}
	for _, e := range j.Prep.Excluded {
		reasons[e.Disk.Name] = e.Reason
	}
	for n, want := range map[string]string{"vda": "root filesystem", "vdb": "boot stick", "vdc": "excluded by the policy"} {
		if !strings.Contains(reasons[n], want) {
			t.Errorf("%s excluded because %q; want %q", n, reasons[n], want)
		}
	}
	res, err := j.Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Status != report.StatusPass {
		t.Fatalf("results %+v; want vdd PASS", res)
	}
	for _, n := range []string{"vda", "vdb", "vdc"} {
		if f.writes[n] != 0 {
			t.Errorf("%s opened for writing %d times", n, f.writes[n])
		}
	}
	vr, err := report.VerifyFile(j.Journal.Path(), ring)
	if err != nil || !vr.OK() {
		t.Fatalf("journal: %v %+v", err, vr)
	}
	data, _ := os.ReadFile(j.Journal.Path())
	for _, n := range []string{"vda", "vdb", "vdc"} {
		if !bytes.Contains(data, []byte("/dev/"+n)) {
			t.Errorf("the record does not mention excluded %s", n)
		}
	}
}

func TestJobUnresolvableExcludedPathStopsEverything(t *testing.T) {
	f := setup(t, "vda")
	o, ring := opts(t, "version = 1\n[policy]\nlevel = 'clear'\n[exclude]\npaths = ['/dev/disk/by-id/no-such-disk']\n", machine([]string{"vda"}, ""), f)
	_, err := Start(context.Background(), o)
	if !errors.Is(err, ErrPolicy) {
		t.Fatalf("Start = %v; want ErrPolicy", err)
	}
	if f.writes["vda"] != 0 {
		t.Error("a drive was opened for writing although the run stopped")
	}
	// The record says why, sealed.
	ents, _ := os.ReadDir(o.RecordsDir)
	if len(ents) != 1 {
		t.Fatalf("records dir holds %d files; want 1", len(ents))
	}
	vr, _ := report.VerifyFile(filepath.Join(o.RecordsDir, ents[0].Name()), ring)
	data, _ := os.ReadFile(filepath.Join(o.RecordsDir, ents[0].Name()))
	if !vr.OK() || !bytes.Contains(data, []byte("nothing was erased")) {
		t.Errorf("record verifies %v, says nothing erased %v", vr.OK(), bytes.Contains(data, []byte("nothing was erased")))
	}
}

func TestJobFailsClosedWithoutKey(t *testing.T) {
	f := setup(t, "vda")
	o, _ := opts(t, "version = 1\n[policy]\nlevel = 'clear'\n", machine([]string{"vda"}, ""), f)
	o.Signer = nil
	if _, err := Start(context.Background(), o); !errors.Is(err, report.ErrUnsigned) {
		t.Fatalf("Start without a key = %v; want ErrUnsigned", err)
	}
	if _, err := os.Stat(o.RecordsDir); err == nil {
		t.Error("a record was started without a key")
	}
}

func TestJobCancelRecordsDecline(t *testing.T) {
	f := setup(t, "vda", "vdb")
	o, ring := opts(t, "version = 1\n[policy]\nlevel = 'clear'\n", machine([]string{"vda", "vdb"}, ""), f)
	// OnRecord reaches the run's journal: it sees the record, line by line.
	var streamed []byte
	o.OnRecord = func(_ string, _ int64, line []byte) { streamed = append(append(streamed, line...), '\n') }
	j, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	res, err := j.Cancel("the technician typed no")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Status != report.StatusSkipped {
			t.Errorf("%s: %s; want SKIPPED", r.Drive, r.Status)
		}
	}
	if len(f.writes) != 0 {
		t.Errorf("writes after a decline: %v", f.writes)
	}
	if vr, _ := report.VerifyFile(j.Journal.Path(), ring); !vr.OK() {
		t.Errorf("declined run's record does not verify: %+v", vr.Problems)
	}
	if data, _ := os.ReadFile(j.Journal.Path()); len(data) == 0 || !bytes.Equal(streamed, data) {
		t.Errorf("OnRecord saw %d bytes of lines; the journal is %d bytes, and they differ", len(streamed), len(data))
	}
}

func TestDryPrepareNeedsNoJournal(t *testing.T) {
	f := setup(t, "vda")
	o, _ := opts(t, "version = 1\n[policy]\nlevel = 'purge'\n", machine([]string{"vda"}, ""), f)
	disks, _ := discover.Scan(o.Root)
	p, err := worker.Prepare(context.Background(), worker.Config{Policy: o.Policy, Open: f.open}, disks, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if len(p.Targets) != 1 || len(p.Targets[0].Plan.Chosen()) != 1 || p.Targets[0].Plan.Chosen()[0].Method != report.MethodOverwrite {
		t.Fatalf("dry plan = %+v", p.Targets)
	}
	if len(f.writes) != 0 {
		t.Errorf("a dry plan opened drives for writing: %v", f.writes)
	}
}

// The run-start states where the signing key was held, as the caller says.
func TestJobRecordsKeyCustody(t *testing.T) {
	f := setup(t, "vda")
	o, ring := opts(t, "version = 1\n[policy]\nlevel = 'clear'\n", machine([]string{"vda"}, ""), f)
	o.KeyCustody = report.CustodyConsole
	j, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Cancel("test"); err != nil {
		t.Fatal(err)
	}
	vr, err := report.VerifyFile(j.Journal.Path(), ring)
	if err != nil || vr.Run == nil {
		t.Fatalf("journal: %v", err)
	}
	if c := vr.Run.Start.KeyCustody; c != report.CustodyConsole {
		t.Errorf("run-start key_custody = %q; want %q", c, report.CustodyConsole)
	}
}

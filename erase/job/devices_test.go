package job

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/plan"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
)

// devicesOptions is a run over the named devices with the policy of
// kesu erase A B (pattern one, so an erased file is all 0xff).
func devicesOptions(t *testing.T, names []string, mountinfo string, f *files) (Options, report.KeyRing) {
	t.Helper()
	o, ring := opts(t, "version = 1\n[policy]\nlevel = 'clear'\n", machine([]string{"vda", "vdb", "vdc", "vdd"}, mountinfo), f)
	o.Policy = DevicePolicy("kesu erase test", "one", 10, policy.Record{Operator: "T. Tester"}, policy.Exclude{}, false, nil)
	o.Devices, o.HostOverwrite = names, true
	return o, ring
}

// sanitizer is a drive that claims ATA Sanitize and Security Erase: the
// policy's plan would put firmware methods first.
type sanitizer struct{ worker.Drive }

func (s sanitizer) Probe(ctx context.Context) (*worker.Probe, error) {
	pr, err := s.Drive.Probe(ctx)
	if err != nil {
		return nil, err
	}
	pr.Class = report.ClassSSD
	pr.Caps.Class = report.ClassSSD
	pr.Caps.ATA = &plan.ATA{SanitizeSupported: true, SanitizeBlock: true, SanitizeCrypto: true, SecuritySupported: true, EnhancedErase: true}
	return pr, nil
}

func (s sanitizer) Erase(context.Context, report.Method, worker.Env) *worker.Outcome {
	return &worker.Outcome{Outcome: report.OutcomeFailed, Errors: []string{"a firmware method ran in an overwrite-only run"}}
}

// Three named devices are erased at once into one record: each gets the
// host overwrite with the pattern (no firmware method, although the
// drives offer them), every byte is the pattern afterwards, and the one
// record names the three and verifies with the key.
func TestDevicesOneRecordHostOverwrite(t *testing.T) {
	names := []string{"vda", "vdc", "vdd"}
	f := setup(t, "vda", "vdb", "vdc", "vdd")
	o, ring := devicesOptions(t, names, "", f)
	open := o.Open
	o.Open = func(d discover.Disk) (worker.Drive, error) {
		drv, err := open(d)
		return sanitizer{drv}, err
	}
	j, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range j.Prep.Targets {
		chosen := tg.Plan.Chosen()
		if len(chosen) != 1 || chosen[0].Method != report.MethodOverwrite {
			t.Errorf("%s: chosen steps %+v; want the host overwrite alone", tg.Disk.Name, chosen)
		}
	}
	res, err := j.Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 {
		t.Fatalf("%d results; want 3", len(res))
	}
	for i, r := range res {
		if r.Drive != names[i] || r.Status != report.StatusPass || r.Assessment.Method != report.MethodOverwrite {
			t.Errorf("result %d = %s %s by %s (%s); want %s PASS by overwrite", i, r.Drive, r.Status, r.Assessment.Method, r.Reason, names[i])
		}
	}
	for _, n := range names {
		data, _ := os.ReadFile(f.path(n))
		if bytes.Count(data, []byte{0xff}) != len(data) {
			t.Errorf("%s is not all 0xff after the erase", n)
		}
	}
	if f.writes["vdb"] != 0 {
		t.Error("vdb, not named, was opened for writing")
	}
	vr, err := report.VerifyFile(j.Journal.Path(), ring)
	if err != nil || !vr.OK() || vr.Run == nil || len(vr.Run.Drives) != 3 {
		t.Fatalf("record: %v, ok %v; want it to verify with 3 drives", err, vr != nil && vr.OK())
	}
	for i, d := range vr.Run.Drives {
		if d.Drive.Identity.Path != "/dev/"+names[i] || d.Result == nil || d.Result.Assessment.Status != report.StatusPass {
			t.Errorf("record drive %d = %s; want /dev/%s PASS", i, d.Drive.Identity.Path, names[i])
		}
	}
	data, _ := os.ReadFile(j.Journal.Path())
	if !bytes.Contains(data, []byte("host overwrite of the given pattern")) {
		t.Error("the record does not say the drives got the host overwrite only")
	}
}

// Every refusal comes before the record is created, names the device and
// why, and nothing is opened for writing on any device.
func TestDevicesRefusedBeforeAnything(t *testing.T) {
	for _, tc := range []struct {
		name      string
		devices   []string
		mountinfo string
		boot      []string
		exclude   policy.Exclude
		want      string
	}{
		{"named twice", []string{"vda", "vdb", "vda"}, "", nil, policy.Exclude{}, "/dev/vda: named twice"},
		{"unknown", []string{"vda", "sdz"}, "", nil, policy.Exclude{}, "/dev/sdz: not a whole disk or loop device of this machine"},
		{"root filesystem", []string{"vda", "vdb"}, "22 1 254:16 / / rw - ext4 /dev/vdb rw\n", nil, policy.Exclude{}, "/dev/vdb: in use"},
		{"boot disk", []string{"vdc", "vda"}, "", []string{"vdc"}, policy.Exclude{}, "/dev/vdc: the boot disk"},
		{"excluded", []string{"vda", "vdd"}, "", nil, policy.Exclude{Serials: []string{"SER-vdd"}}, "/dev/vdd: serial SER-vdd is excluded by the policy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t, "vda", "vdb", "vdc", "vdd")
			o, _ := devicesOptions(t, tc.devices, tc.mountinfo, f)
			o.BootDisks, o.Policy.Exclude = tc.boot, tc.exclude
			_, err := Start(context.Background(), o)
			var dr *DeviceRefusal
			if !errors.Is(err, ErrRefused) || !errors.As(err, &dr) || !strings.Contains(err.Error(), tc.want) ||
				!strings.Contains(err.Error(), "nothing was erased on any device") {
				t.Fatalf("Start(%v) = %v; want a refusal saying %q", tc.devices, err, tc.want)
			}
			if len(dr.Reasons) != 1 {
				t.Errorf("refusal reasons %q; want only the refused device", dr.Reasons)
			}
			if _, err := os.Stat(o.RecordsDir); !os.IsNotExist(err) {
				t.Errorf("a record was started (%v) although the run was refused", err)
			}
			if len(f.writes) != 0 {
				t.Errorf("devices opened for writing: %v", f.writes)
			}
			if _, err := Look(context.Background(), o); !errors.Is(err, ErrRefused) {
				t.Errorf("Look = %v; want the same refusal", err)
			}
		})
	}
}

// One named device that cannot be opened once the checks passed refuses
// them all: nothing is written on any, and the record, which already holds
// the probes, says so — every drive SKIPPED — and is sealed.
func TestDevicesOneUnerasableRefusesAll(t *testing.T) {
	names := []string{"vda", "vdb", "vdc"}
	f := setup(t, names...)
	o, ring := devicesOptions(t, names, "", f)
	open := o.Open
	o.Open = func(d discover.Disk) (worker.Drive, error) {
		if d.Name == "vdb" {
			return nil, errors.New("the drive does not answer")
		}
		return open(d)
	}
	j, err := Start(context.Background(), o)
	var dr *DeviceRefusal
	if j != nil || !errors.Is(err, ErrRefused) || !errors.As(err, &dr) || len(dr.Reasons) != 1 ||
		!strings.Contains(dr.Reasons[0], "/dev/vdb: cannot be erased") {
		t.Fatalf("Start = %v, %v; want a refusal naming /dev/vdb", j, err)
	}
	if len(f.writes) != 0 {
		t.Errorf("devices opened for writing: %v", f.writes)
	}
	m, _ := filepath.Glob(filepath.Join(o.RecordsDir, "*.jsonl"))
	if len(m) != 1 {
		t.Fatalf("records: %v; want the one journal of the refused run", m)
	}
	res, err := report.VerifyFile(m[0], ring)
	if err != nil || !res.OK() || !res.Sealed {
		t.Fatalf("record: %v, %+v; want intact and sealed", err, res)
	}
	if res.Outcome.Skipped != 3 || res.Outcome.Pass != 0 {
		t.Errorf("record outcome %s; want 3 drives SKIPPED", res.Outcome)
	}
	data, _ := os.ReadFile(m[0])
	if !bytes.Contains(data, []byte("refused before anything was written: /dev/vdb")) {
		t.Error("the record does not say why the run was refused")
	}
	// A refusal is kesu's, an error; never the technician's decline.
	var refused bool
	for _, n := range res.Run.Notes {
		if n.Code == "declined" {
			t.Errorf("the refusal is recorded as a decline: %+v", n)
		}
		refused = refused || n.Code == "refused" && n.Severity == report.SeverityError
	}
	if !refused {
		t.Errorf("notes %+v; want an error note coded refused", res.Run.Notes)
	}
}

// vanishing is a file target whose writes fail with ENXIO once half the
// device is written: the drive went away.
type vanishing struct {
	erase.Target
	after int64
}

func (v vanishing) WriteAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > v.after {
		return 0, &os.PathError{Op: "write", Path: "/dev/vdb", Err: syscall.ENXIO}
	}
	return v.Target.WriteAt(p, off)
}

// A device that vanishes mid-erase fails alone: the others PASS, and the
// record says which failed and why.
func TestDevicesOneVanishesOthersCarryOn(t *testing.T) {
	names := []string{"vda", "vdb", "vdc"}
	f := setup(t, names...)
	o, ring := devicesOptions(t, names, "", f)
	open := o.Open
	o.Open = func(d discover.Disk) (worker.Drive, error) {
		drv, err := open(d)
		if d.Name != "vdb" || err != nil {
			return drv, err
		}
		return vanishingDrive{drv}, nil
	}
	j, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	res, err := j.Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]report.Status{"vda": report.StatusPass, "vdb": report.StatusFail, "vdc": report.StatusPass}
	for _, r := range res {
		if r.Status != want[r.Drive] {
			t.Errorf("%s: %s (%s); want %s", r.Drive, r.Status, r.Reason, want[r.Drive])
		}
	}
	vr, err := report.VerifyFile(j.Journal.Path(), ring)
	if err != nil || !vr.OK() || len(vr.Run.Drives) != 3 {
		t.Fatalf("record: %v; want it to verify with 3 drives", err)
	}
	if r := vr.Run.Drives[1].Result; r == nil || r.Assessment.Status != report.StatusFail {
		t.Errorf("record of vdb: %+v; want FAIL", r)
	}
	data, _ := os.ReadFile(j.Journal.Path())
	if !bytes.Contains(data, []byte("no such device or address")) {
		t.Error("the record does not say why vdb failed")
	}
	for _, n := range []string{"vda", "vdc"} {
		data, _ := os.ReadFile(f.path(n))
		if bytes.Count(data, []byte{0xff}) != len(data) {
			t.Errorf("%s was not erased although only vdb failed", n)
		}
	}
}

type vanishingDrive struct{ worker.Drive }

func (v vanishingDrive) Open(write bool) (erase.Target, error) {
	t, err := v.Drive.Open(write)
	if err != nil || !write {
		return t, err
	}
	return vanishing{Target: t, after: t.Size() / 2}, nil
}

// grouped puts a drive in a hardware group, as an NVMe namespace is in
// its controller's.
type grouped struct {
	worker.Drive
	group string
}

func (g grouped) Group() string { return g.group }

// busy counts, per group, the drives open for writing at once.
type busy struct {
	mu      sync.Mutex
	open    map[string]int
	most    map[string]int
	groupOf map[string]string
	inner   func(discover.Disk) (worker.Drive, error)
}

func (b *busy) wrap(d discover.Disk) (worker.Drive, error) {
	drv, err := b.inner(d)
	if err != nil {
		return nil, err
	}
	return grouped{Drive: countingDrive{drv, b, b.groupOf[d.Name]}, group: b.groupOf[d.Name]}, nil
}

type countingDrive struct {
	worker.Drive
	b     *busy
	group string
}

func (c countingDrive) Open(write bool) (erase.Target, error) {
	t, err := c.Drive.Open(write)
	if err != nil || !write {
		return t, err
	}
	c.b.mu.Lock()
	c.b.open[c.group]++
	c.b.most[c.group] = max(c.b.most[c.group], c.b.open[c.group])
	c.b.mu.Unlock()
	return countingTarget{t, c}, nil
}

type countingTarget struct {
	erase.Target
	c countingDrive
}

func (t countingTarget) Close() error {
	t.c.b.mu.Lock()
	t.c.b.open[t.c.group]--
	t.c.b.mu.Unlock()
	return t.Target.Close()
}

// Drives of one group (the namespaces of one NVMe controller) are erased
// one after another; the others are not held back by them.
func TestDevicesGroupRunsOneAfterAnother(t *testing.T) {
	names := []string{"vda", "vdb", "vdc", "vdd"}
	f := setup(t, names...)
	o, _ := devicesOptions(t, names, "", f)
	b := &busy{open: map[string]int{}, most: map[string]int{}, inner: o.Open,
		groupOf: map[string]string{"vda": "nvme:nvme0", "vdb": "nvme:nvme0", "vdc": "nvme:nvme0"}}
	o.Open = b.wrap
	j, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	res, err := j.Execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Status != report.StatusPass {
			t.Errorf("%s: %s (%s); want PASS", r.Drive, r.Status, r.Reason)
		}
	}
	if b.most["nvme:nvme0"] != 1 {
		t.Errorf("namespaces of nvme0 open for writing at once: %d; want 1", b.most["nvme:nvme0"])
	}
}

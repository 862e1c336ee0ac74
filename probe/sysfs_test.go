package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/kesu-erase/kesu/internal/sysfstest"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"testing/fstest"

	"github.com/kesu-erase/kesu/capture"
	"github.com/kesu-erase/kesu/report"
)

// probeTree is a fake sysfs with a virtio-blk disk (vda) and a SATA disk
// (sdq) as the kernel lays them out.
func probeTree() fstest.MapFS {
	m := sysfstest.New()
	b := m.Disk("vda", "sys/devices/pci0000:00/0000:00:05.0/virtio3", "2097152", "1")
	m.File(b+"/serial", "KESUVIRTIO01")
	sd := "sys/devices/pci0000:00/0000:00:1f.2/ata4/host3/target3:0:0/3:0:0:0"
	b = m.Disk("sdq", sd, "2097152", "1")
	m.Link(b+"/device", "../../../3:0:0:0")
	m.File(sd+"/vendor", "ATA     ")
	m.File(sd+"/model", "KESU SATA DISK")
	m.File(sd+"/rev", "1.0")
	return m.MapFS
}

// machine is what a test's probe reads: a sysfs tree and an SG_IO opener.
type machine struct {
	sys  fs.FS
	open func(string) (SCSITransport, error)
}

// run is Run on the test's machine.
func (m machine) run(o Options, w io.Writer) error {
	o.Sys, o.OpenSCSI, o.Tool = m.sys, m.open, report.CurrentTool("v0.0.0-test")
	return Run(context.Background(), o, w)
}

// TestProbeVirtioBlkFromSysfs: virtio-blk takes no SG_IO, so `kesu probe`
// must not try it (design: detect by sysfs transport) and must print the
// sysfs identity with "no pass-through: identity from sysfs", exit 0, in
// text and JSON; with --raw it writes a manifest and no reply files.
func TestProbeVirtioBlkFromSysfs(t *testing.T) {
	m := machine{probeTree(), func(p string) (SCSITransport, error) {
		t.Errorf("probe opened %s for SG_IO on a virtio-blk disk", p)
		return nil, os.ErrPermission
	}}
	var out bytes.Buffer
	if err := m.run(Options{Device: "/dev/vda"}, &out); err != nil {
		t.Fatalf("kesu probe --device /dev/vda: %v", err)
	}
	for _, re := range []string{`(?m)^device\s+/dev/vda \(virtio-blk\)$`, `(?m)^note\s+no pass-through: identity from sysfs$`,
		`(?m)^serial\s+KESUVIRTIO01$`, `(?m)^capacity\s+1073741824 bytes`, `(?m)^rotation\s+unknown$`} {
		if !regexp.MustCompile(re).Match(out.Bytes()) {
			t.Errorf("probe text lacks %s:\n%s", re, out.String())
		}
	}
	out.Reset()
	dir := filepath.Join(t.TempDir(), "raw")
	if err := m.run(Options{Device: "/dev/vda", JSON: true, RawDir: dir}, &out); err != nil {
		t.Fatalf("kesu probe --json --raw: %v", err)
	}
	var got struct {
		PassThrough *bool  `json:"pass_through"`
		Note        string `json:"note"`
		Transport   string `json:"transport"`
		Serial      string `json:"serial"`
		Capacity    uint64 `json:"capacity_bytes"`
		Rotation    string `json:"rotation"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("probe JSON: %v\n%s", err, out.String())
	}
	if got.PassThrough == nil || *got.PassThrough || got.Note != NoPassThroughNote || got.Transport != "virtio-blk" ||
		got.Serial != "KESUVIRTIO01" || got.Capacity != 1<<30 || got.Rotation != "unknown" {
		t.Errorf("probe JSON = %+v", got)
	}
	man := readManifest(t, dir)
	if len(man.Files) != 0 || !regexp.MustCompile(`^no pass-through: identity from sysfs: no command was sent`).MatchString(man.Note) || man.Serial != "KESUVIRTIO01" {
		t.Errorf("manifest = %+v; want no files and the no-pass-through note", man)
	}
}

func readManifest(t *testing.T, dir string) capture.Manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m capture.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("manifest.json: %v\n%s", err, b)
	}
	return m
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/kesu-erase/kesu/capture"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"testing/fstest"
)

// probeTree is a fake sysfs with a virtio-blk disk (vda) and a SATA disk
// (sdq) as the kernel lays them out.
func probeTree() fstest.MapFS {
	m := newFakeSys()
	b := m.disk("vda", "sys/devices/pci0000:00/0000:00:05.0/virtio3", "2097152", "1")
	m.file(b+"/serial", "KESUVIRTIO01")
	sd := "sys/devices/pci0000:00/0000:00:1f.2/ata4/host3/target3:0:0/3:0:0:0"
	b = m.disk("sdq", sd, "2097152", "1")
	m.link(b+"/device", "../../../3:0:0:0")
	m.file(sd+"/vendor", "ATA     ")
	m.file(sd+"/model", "KESU SATA DISK")
	m.file(sd+"/rev", "1.0")
	return m.MapFS
}

// withProbeEnv swaps the machine probe reads for the test's.
func withProbeEnv(t *testing.T, sys fs.FS, open func(string) (scsiProbeTransport, error)) {
	t.Helper()
	oldSys, oldOpen := probeSys, openSCSIProbe
	probeSys, openSCSIProbe = sys, open
	t.Cleanup(func() { probeSys, openSCSIProbe = oldSys, oldOpen })
}

// TestProbeVirtioBlkFromSysfs: virtio-blk takes no SG_IO, so `kesu probe`
// must not try it (design: detect by sysfs transport) and must print the
// sysfs identity with "no pass-through: identity from sysfs", exit 0, in
// text and JSON; with --raw it writes a manifest and no reply files.
func TestProbeVirtioBlkFromSysfs(t *testing.T) {
	withProbeEnv(t, probeTree(), func(p string) (scsiProbeTransport, error) {
		t.Errorf("probe opened %s for SG_IO on a virtio-blk disk", p)
		return nil, os.ErrPermission
	})
	var out, errb bytes.Buffer
	if err := runProbe(context.Background(), []string{"--device", "/dev/vda"}, &out, &errb); err != nil {
		t.Fatalf("kesu probe --device /dev/vda: %v (%s)", err, errb.String())
	}
	for _, re := range []string{`(?m)^device\s+/dev/vda \(virtio-blk\)$`, `(?m)^note\s+no pass-through: identity from sysfs$`,
		`(?m)^serial\s+KESUVIRTIO01$`, `(?m)^capacity\s+1073741824 bytes`, `(?m)^rotation\s+unknown$`} {
		if !regexp.MustCompile(re).Match(out.Bytes()) {
			t.Errorf("probe text lacks %s:\n%s", re, out.String())
		}
	}
	out.Reset()
	dir := filepath.Join(t.TempDir(), "raw")
	if err := runProbe(context.Background(), []string{"--device", "/dev/vda", "--json", "--raw", dir}, &out, &errb); err != nil {
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
	if got.PassThrough == nil || *got.PassThrough || got.Note != noPassThroughNote || got.Transport != "virtio-blk" ||
		got.Serial != "KESUVIRTIO01" || got.Capacity != 1<<30 || got.Rotation != "unknown" {
		t.Errorf("probe JSON = %+v", got)
	}
	m := readManifest(t, dir)
	if len(m.Files) != 0 || !regexp.MustCompile(`^no pass-through: identity from sysfs: no command was sent`).MatchString(m.Note) || m.Serial != "KESUVIRTIO01" {
		t.Errorf("manifest = %+v; want no files and the no-pass-through note", m)
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

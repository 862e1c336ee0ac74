package contents

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The images are made by sfdisk and mkfs; what they hold is read back by
// sfdisk --json and blkid -p, the independent oracles the package is
// checked against.

func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
}

func run(t *testing.T, stdin string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// image makes a zero-filled image of n bytes.
func image(t *testing.T, n int64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, n); err != nil {
		t.Fatal(err)
	}
	return p
}

// mkfs makes a filesystem with mkfs-args in a file of size bytes and
// copies it into img at off.
func mkfs(t *testing.T, img string, off, size int64, tool string, args ...string) {
	t.Helper()
	fsimg := filepath.Join(t.TempDir(), "fs.img")
	os.WriteFile(fsimg, nil, 0o600)
	os.Truncate(fsimg, size)
	run(t, "", tool, append(args, fsimg)...)
	data, err := os.ReadFile(fsimg)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(img, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(data, off); err != nil {
		t.Fatal(err)
	}
}

// blkid is what blkid -p finds at off (TYPE, LABEL, UUID), nil for none.
func blkid(t *testing.T, img string, off, size int64) *Filesystem {
	t.Helper()
	out, err := exec.Command("blkid", "-p", "-o", "export", "-O", fmt.Sprint(off), "-S", fmt.Sprint(size), img).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 2 {
			return nil // nothing found
		}
		t.Fatalf("blkid: %v", err)
	}
	fs := &Filesystem{}
	for _, l := range strings.Split(string(out), "\n") {
		k, v, _ := strings.Cut(l, "=")
		switch k {
		case "TYPE":
			fs.Type = v
		case "LABEL":
			fs.Label = v
		case "UUID":
			fs.UUID = v
		}
	}
	if fs.Type == "" {
		return nil
	}
	return fs
}

type sfdiskDump struct {
	PartitionTable struct {
		Label      string `json:"label"`
		SectorSize int64  `json:"sectorsize"`
		Partitions []struct {
			Node  string `json:"node"`
			Start int64  `json:"start"`
			Size  int64  `json:"size"`
			Type  string `json:"type"`
			Name  string `json:"name"`
		} `json:"partitions"`
	} `json:"partitiontable"`
}

func read(t *testing.T, img string) *Contents {
	t.Helper()
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	c, err := Read(f, st.Size(), 512)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkAgainstOracles compares every partition with sfdisk's dump and
// every signature with blkid's.
func checkAgainstOracles(t *testing.T, img string, c *Contents) {
	t.Helper()
	var d sfdiskDump
	if err := json.Unmarshal([]byte(run(t, "", "sfdisk", "--json", img)), &d); err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"dos": "mbr", "gpt": "gpt"}[d.PartitionTable.Label]; c.Table != want {
		t.Errorf("Table = %q; sfdisk says %q", c.Table, d.PartitionTable.Label)
	}
	if len(c.Partitions) != len(d.PartitionTable.Partitions) {
		t.Fatalf("%d partitions; sfdisk lists %d: %+v", len(c.Partitions), len(d.PartitionTable.Partitions), d.PartitionTable.Partitions)
	}
	ss := d.PartitionTable.SectorSize
	for i, sp := range d.PartitionTable.Partitions {
		p := c.Partitions[i]
		num := strings.TrimPrefix(sp.Node, img)
		if fmt.Sprint(p.Number) != num || p.Start != sp.Start*ss || p.Size != sp.Size*ss || p.Name != sp.Name {
			t.Errorf("partition %d = #%d at %d, %d bytes, name %q; sfdisk: #%s at %d, %d bytes, name %q",
				i, p.Number, p.Start, p.Size, p.Name, num, sp.Start*ss, sp.Size*ss, sp.Name)
		}
		if diff := cmp.Diff(blkid(t, img, p.Start, p.Size), p.FS); diff != "" && !strings.HasPrefix(p.Type, "Extended") {
			t.Errorf("partition %d filesystem (-blkid +ours):\n%s", p.Number, diff)
		}
	}
}

func TestGPT(t *testing.T) {
	need(t, "sfdisk", "blkid", "mkfs.vfat", "mkfs.ext4", "mkswap")
	const mib = 1 << 20
	img := image(t, 64*mib)
	run(t, `label: gpt
start=2048, size=16384, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system partition"
start=18432, size=65536, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="data"
start=83968, size=16384, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F
start=100352, size=8192, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="empty"
`, "sfdisk", "--quiet", img)
	mkfs(t, img, 2048*512, 8*mib, "mkfs.vfat", "-n", "ESP")
	mkfs(t, img, 18432*512, 32*mib, "mkfs.ext4", "-q", "-F", "-L", "customer-data")
	mkfs(t, img, 83968*512, 8*mib, "mkswap", "-L", "swap0")
	c := read(t, img)
	checkAgainstOracles(t, img, c)
	var types []string
	for _, p := range c.Partitions {
		types = append(types, p.Type+" / "+p.FS.String())
	}
	want := []string{`EFI System / vfat "ESP"`, `Linux filesystem / ext4 "customer-data"`, `Linux swap / swap "swap0"`, `Microsoft basic data / `}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Errorf("types (-want +got):\n%s", diff)
	}
	if got := c.Summary(); got != "GPT, 4 partitions" {
		t.Errorf("Summary() = %q; want GPT, 4 partitions", got)
	}
	if len(c.Notes) != 0 {
		t.Errorf("Notes = %q; want none", c.Notes)
	}

	// With the primary header gone, the backup at the end is read and
	// the finding is said.
	f, _ := os.OpenFile(img, os.O_WRONLY, 0)
	f.WriteAt(make([]byte, 512), 512)
	f.Close()
	c2 := read(t, img)
	if c2.Table != "gpt" || len(c2.Partitions) != 4 || len(c2.Notes) != 1 || !strings.Contains(c2.Notes[0], "backup GPT") {
		t.Errorf("primary GPT wiped: table %q, %d partitions, notes %q; want the backup GPT's 4 and a note", c2.Table, len(c2.Partitions), c2.Notes)
	}
}

func TestMBRWithLogicalPartitions(t *testing.T) {
	need(t, "sfdisk", "blkid", "mkfs.vfat", "mkfs.ext4")
	const mib = 1 << 20
	img := image(t, 64*mib)
	run(t, `label: dos
start=2048, size=16384, type=c
start=18432, size=81920, type=5
start=20480, size=20480, type=83
start=43008, size=20480, type=83
`, "sfdisk", "--quiet", img)
	mkfs(t, img, 2048*512, 8*mib, "mkfs.vfat", "-F", "32", "-n", "CAMERA")
	mkfs(t, img, 20480*512, 10*mib, "mkfs.ext4", "-q", "-F", "-L", "logical5", "-O", "^has_journal")
	c := read(t, img)
	checkAgainstOracles(t, img, c)
}

func TestWholeDiskFilesystem(t *testing.T) {
	need(t, "blkid", "mkfs.ext4")
	img := image(t, 16<<20)
	mkfs(t, img, 0, 16<<20, "mkfs.ext4", "-q", "-F", "-L", "backup")
	c := read(t, img)
	if diff := cmp.Diff(blkid(t, img, 0, 16<<20), c.FS); diff != "" || c.Table != "" {
		t.Errorf("whole-disk ext4: table %q, filesystem (-blkid +ours):\n%s", c.Table, diff)
	}
	if !strings.HasPrefix(c.Summary(), `ext4 "backup" on the whole device`) {
		t.Errorf("Summary() = %q", c.Summary())
	}
}

func TestNothingFound(t *testing.T) {
	c, err := Read(bytes.NewReader(make([]byte, 1<<20)), 1<<20, 512)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Empty() || c.Summary() != "no partition table or filesystem signature found" {
		t.Errorf("zeroed disk: %+v, %q; want nothing found", c, c.Summary())
	}
	// A disk too small to hold one sector cannot be read.
	if _, err := Read(bytes.NewReader(nil), 0, 512); err == nil {
		t.Error("Read of an empty disk: no error")
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/internal/loopdev"
	"github.com/kesu-erase/kesu/internal/view"
	"github.com/kesu-erase/kesu/report"
	"golang.org/x/sys/unix"
)

// marker is written at the start, the middle and the end of every test
// device; an erase leaves none of it.
var marker = []byte("KESU-MULTI-MARKER")

// markedLoops creates n loop devices of size bytes with the marker at
// three places and returns them.
func markedLoops(t *testing.T, n int, size int64) []*loopdev.Device {
	t.Helper()
	var out []*loopdev.Device
	for range n {
		l := loopdev.New(t, "", size, 512)
		f, err := os.OpenFile(l.Backing, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, off := range []int64{0, size / 2, size - 512} {
			if _, err := f.WriteAt(marker, off); err != nil {
				t.Fatal(err)
			}
		}
		f.Close()
		out = append(out, l)
	}
	return out
}

// markers counts the markers left on l's backing file.
func markers(t *testing.T, l *loopdev.Device) int {
	t.Helper()
	data, err := os.ReadFile(l.Backing)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(data, marker)
}

// signingKey makes a key pair and returns the private and public files.
func signingKey(t *testing.T) (key, pub string) {
	t.Helper()
	dir := t.TempDir()
	if _, stderr, code := kesu(t, "keygen", "--out", dir); code != 0 {
		t.Fatalf("kesu keygen: exit %d\n%s", code, stderr)
	}
	return filepath.Join(dir, "kesu-signing.key"), filepath.Join(dir, "kesu-signing.pub")
}

// Three loop devices named at once (as arguments) are erased in one run:
// every marker is gone, one journal names the three and verifies with the
// key, and --json has one PASS per device. Naming them partly with
// --device and partly as arguments is refused: a stray argument must not
// become one more disk erased.
func TestEraseThreeLoopDevicesAtOnce(t *testing.T) {
	ls := markedLoops(t, 3, 6<<20)
	key, pub := signingKey(t)
	records := t.TempDir()
	if _, stderr, code := kesu(t, "erase", ls[0].Path, "--device", ls[1].Path, ls[2].Path, "--pattern", "random",
		"--verify", "full", "--journal", records, "--key", key, "--yes"); code != exitUsage || !strings.Contains(stderr, "give them one way") {
		t.Fatalf("kesu erase A --device B C: exit %d (%s); want a usage error", code, stderr)
	}
	if entries, _ := os.ReadDir(records); len(entries) != 0 {
		t.Fatalf("a refused mix of --device and arguments left %d files in the records directory", len(entries))
	}
	stdout, stderr, code := kesu(t, "erase", ls[0].Path, ls[1].Path, ls[2].Path, "--pattern", "random",
		"--verify", "full", "--journal", records, "--key", key, "--yes", "--json")
	if code != exitPass {
		t.Fatalf("kesu erase A B C: exit %d\n%s", code, stderr)
	}
	var rep view.Devices
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("--json output is not one JSON object: %v\n%s", err, stdout)
	}
	// In the order named.
	want := []string{ls[0].Path, ls[1].Path, ls[2].Path}
	if len(rep.Results) != 3 {
		t.Fatalf("%d results; want 3:\n%s", len(rep.Results), stdout)
	}
	for i, r := range rep.Results {
		if r.Identity.Path != want[i] || r.Status != report.StatusPass {
			t.Errorf("result %d = %s %s (%s); want %s PASS", i, r.Identity.Path, r.Status, r.Reason, want[i])
		}
	}
	for _, l := range ls {
		if n := markers(t, l); n != 0 {
			t.Errorf("%s: %d markers left after the erase", l.Path, n)
		}
	}
	ents, _ := os.ReadDir(records)
	if len(ents) != 1 || rep.Journal != filepath.Join(records, ents[0].Name()) {
		t.Fatalf("records dir holds %d files, the result names %s; want one journal", len(ents), rep.Journal)
	}
	ring, err := report.LoadPublicKeys(pub)
	if err != nil {
		t.Fatal(err)
	}
	vr, err := report.VerifyFile(rep.Journal, ring)
	if err != nil || !vr.OK() || vr.Run == nil || len(vr.Run.Drives) != 3 {
		t.Fatalf("the journal: %v; want it to verify with the key and name 3 drives", err)
	}
	if c := vr.Run.Start.KeyCustody; c != report.CustodyFile {
		t.Errorf("run-start key_custody = %q; want %q (signed with --key)", c, report.CustodyFile)
	}
	for i, d := range vr.Run.Drives {
		if d.Drive.Identity.Path != want[i] || d.Result == nil || d.Result.Assessment.Status != report.StatusPass {
			t.Errorf("journal drive %d = %s; want %s PASS", i, d.Drive.Identity.Path, want[i])
		}
	}
	if _, stderr, code := kesu(t, "report", "verify", rep.Journal, "--pubkey", pub); code != 0 {
		t.Errorf("kesu report verify: exit %d\n%s", code, stderr)
	}
}

// Every refusal of several devices comes before anything starts: no
// device loses its markers and no record is started.
func TestEraseDevicesRefusals(t *testing.T) {
	ls := markedLoops(t, 3, 4<<20)
	key, _ := signingKey(t)
	link := filepath.Join(t.TempDir(), "by-id-link")
	if err := os.Symlink(ls[0].Path, link); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "disk.img")
	if err := os.WriteFile(file, bytes.Repeat(marker, 1<<16), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"named twice", []string{ls[0].Path, ls[1].Path, ls[0].Path}, ls[0].Path + " is named twice"},
		{"named twice by a link", []string{ls[0].Path, ls[1].Path, link}, ls[0].Path + " and " + link + " are the same device"},
		{"missing", []string{ls[0].Path, "/dev/kesu-no-such-disk"}, "/dev/kesu-no-such-disk does not exist"},
		{"a file", []string{ls[0].Path, file}, file + " is a regular file, not a block device"},
	}
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", ls[2].Path).CombinedOutput(); err == nil {
		// mkfs wrote its own data; put the marker back where it leaves
		// none (the last block is free).
		f, _ := os.OpenFile(ls[2].Backing, os.O_WRONLY, 0)
		f.WriteAt(marker, 4<<20-512)
		f.Close()
		mnt := t.TempDir()
		if out, err := exec.Command("mount", ls[2].Path, mnt).CombinedOutput(); err != nil {
			t.Fatalf("mount: %v: %s", err, out)
		}
		t.Cleanup(func() { exec.Command("umount", mnt).Run() })
		cases = append(cases, struct {
			name string
			args []string
			want string
		}{"mounted", []string{ls[0].Path, ls[1].Path, ls[2].Path}, ls[2].Path + ": in use: " + filepath.Base(ls[2].Path) + " is mounted at " + mnt})
	} else {
		t.Logf("mkfs.ext4: %v: %s (no mounted case)", err, out)
	}
	if part := loopPartition(t); part != "" {
		cases = append(cases, struct {
			name string
			args []string
			want string
		}{"a partition", []string{ls[0].Path, part}, part + " (" + filepath.Base(part) + ") is a partition of"})
	}
	before := make([]int, len(ls))
	for i, l := range ls {
		before[i] = markers(t, l)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			records := filepath.Join(t.TempDir(), "records")
			_, stderr, code := kesu(t, append(append([]string{"erase"}, tc.args...), "--journal", records, "--key", key, "--yes")...)
			if code != exitRefused || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "nothing was erased on any device") {
				t.Errorf("kesu erase %q: exit %d, stderr %q; want %d saying %q", tc.args, code, stderr, exitRefused, tc.want)
			}
			if _, err := os.Stat(records); !os.IsNotExist(err) {
				t.Errorf("a record was started (%v)", err)
			}
			for i, l := range ls {
				if n := markers(t, l); n != before[i] {
					t.Errorf("%s: %d markers, was %d: a refused run wrote to it", l.Path, n, before[i])
				}
			}
		})
	}
}

// loopPartition attaches a loop device with a partition table over a
// file of its own (losetup -P) and returns a block node for its first
// partition, made in a temporary directory (there may be no udev to make
// /dev/loopNp1); "" when the kernel shows no partition.
func loopPartition(t *testing.T) string {
	t.Helper()
	img := filepath.Join(t.TempDir(), "parted.img")
	if err := os.WriteFile(img, make([]byte, 4<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	sf := exec.Command("sfdisk", "-q", img)
	sf.Stdin = strings.NewReader("label: dos\nstart=2048, size=4096, type=83\n")
	if out, err := sf.CombinedOutput(); err != nil {
		t.Logf("sfdisk: %v: %s (no partition case)", err, out)
		return ""
	}
	out, err := exec.Command("losetup", "--find", "--show", "--partscan", img).CombinedOutput()
	if err != nil {
		t.Fatalf("losetup --partscan: %v: %s", err, out)
	}
	loop := strings.TrimSpace(string(out))
	t.Cleanup(func() { exec.Command("losetup", "--detach", loop).Run() })
	name := filepath.Base(loop) + "p1"
	dev, err := os.ReadFile("/sys/class/block/" + name + "/dev")
	if err != nil {
		t.Logf("no %s in sysfs (%v): no partition case", name, err)
		return ""
	}
	node := filepath.Join(t.TempDir(), name)
	var major, minor uint32
	if _, err := fmt.Sscanf(strings.TrimSpace(string(dev)), "%d:%d", &major, &minor); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mknod(node, unix.S_IFBLK|0o600, int(unix.Mkdev(major, minor))); err != nil {
		t.Fatalf("mknod %s: %v", node, err)
	}
	return node
}

// --dry-run shows every device and its plan and writes nothing; the
// usage errors of several devices are refused before any check.
func TestEraseDevicesDryRunAndUsage(t *testing.T) {
	ls := markedLoops(t, 2, 4<<20)
	records := filepath.Join(t.TempDir(), "records")
	stdout, stderr, code := kesu(t, "erase", ls[0].Path, ls[1].Path, "--journal", records, "--unsigned", "--dry-run", "--json")
	if code != exitPass {
		t.Fatalf("kesu erase A B --dry-run: exit %d\n%s", code, stderr)
	}
	var dry view.DevicesDryRun
	if err := json.Unmarshal([]byte(stdout), &dry); err != nil {
		t.Fatalf("--json: %v\n%s", err, stdout)
	}
	if !dry.DryRun || len(dry.Targets) != 2 || len(dry.Refused) != 0 || !strings.Contains(dry.Record, "a journal can be created") {
		t.Fatalf("dry run = %+v; want 2 targets, nothing refused", dry)
	}
	for i, v := range dry.Targets {
		if v.Device != ls[i].Path || len(v.Plan) == 0 || !strings.Contains(v.Plan[0], "overwrite every block") {
			t.Errorf("target %d = %s, plan %q; want %s with the host overwrite", i, v.Device, v.Plan, ls[i].Path)
		}
	}
	text, _, code := kesu(t, "erase", ls[0].Path, ls[1].Path, "--journal", records, "--unsigned", "--dry-run")
	if code != exitPass || strings.Count(text, "would be erased:") != 2 {
		t.Errorf("dry run text (exit %d) shows %d devices; want 2:\n%s", code, strings.Count(text, "would be erased:"), text)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{ls[0].Path, ls[1].Path, "--yes"}, "add --journal DIR"},
		{[]string{ls[0].Path, ls[1].Path, "--journal", records, "--unsigned", "--seed", "00", "--yes"}, "--seed goes with one DEVICE"},
		{[]string{ls[0].Path, ls[1].Path, "--journal", records, "--unsigned", "--method", "overwrite", "--yes"}, "--method goes with one DEVICE"},
		{[]string{ls[0].Path, ls[1].Path, "--journal", records, "--unsigned", "--verify", "none", "--yes"}, "--journal cannot go with --verify none"},
	} {
		_, stderr, code := kesu(t, append([]string{"erase"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("kesu erase %q: exit %d, stderr %q; want %d saying %q", tc.args, code, stderr, exitUsage, tc.want)
		}
	}
	if _, err := os.Stat(records); !os.IsNotExist(err) {
		t.Errorf("a dry run or a usage error created the records directory (%v)", err)
	}
	for _, l := range ls {
		if n := markers(t, l); n != 3 {
			t.Errorf("%s: %d markers left of 3: a dry run or usage error wrote to it", l.Path, n)
		}
	}
}

// On a terminal without --yes each device's confirmation word is asked in
// turn; a wrong one for any device erases none and the record says the
// run was declined.
func TestEraseDevicesTypedConfirmations(t *testing.T) {
	ls := markedLoops(t, 2, 4<<20)
	word := func(l *loopdev.Device) string { b := filepath.Base(l.Path); return b[len(b)-4:] }
	saved := askTerminal
	t.Cleanup(func() { askTerminal = saved })
	for _, tc := range []struct {
		answers string
		code    int
		left    int
	}{
		{word(ls[0]) + "\nnope\n", exitRefused, 3},
		{word(ls[0]) + "\n" + word(ls[1]) + "\n", exitPass, 0},
	} {
		askTerminal = func(io.Writer) io.Reader { return strings.NewReader(tc.answers) }
		records := t.TempDir()
		_, stderr, code := kesu(t, "erase", ls[0].Path, ls[1].Path, "--journal", records, "--unsigned")
		if code != tc.code {
			t.Fatalf("answers %q: exit %d; want %d\n%s", tc.answers, code, tc.code, stderr)
		}
		for _, l := range ls {
			if n := markers(t, l); n != tc.left {
				t.Errorf("answers %q: %s holds %d markers; want %d", tc.answers, l.Path, n, tc.left)
			}
		}
		if tc.code == exitRefused {
			ents, _ := os.ReadDir(records)
			if len(ents) != 1 {
				t.Fatalf("declined run left %d records; want 1", len(ents))
			}
			data, _ := os.ReadFile(filepath.Join(records, ents[0].Name()))
			if !bytes.Contains(data, []byte("declined")) {
				t.Error("the record of a declined run does not say so")
			}
		}
	}
}

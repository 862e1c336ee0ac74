package appliance_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/appliance"
	"github.com/kesu-erase/kesu/image"
	"github.com/kesu-erase/kesu/internal/vm"
	"github.com/kesu-erase/kesu/report"
)

// baysPolicy is TestBays24's kesu.toml: appliancePolicy with the result
// kept on screen for 20 s before powering off, so that every page of the
// VGA console's result (pages turn every 5 s) is seen.
const baysPolicy = `version = 1
language = "en"
[policy]
level = "clear"
verify = "full"
[run]
unattended = true
countdown = 5
after = "poweroff"
after_delay = 20
[record]
operator = "VM test"
`

// bayDiskSize keeps the 24-bay run within a few minutes of TCG on two
// cores: 24 × 16 MiB are written and read back in full.
const bayDiskSize = 16 << 20

// bays24 returns the 24 target disks of a full server front: 8 NVMe (six
// controllers with one namespace each, and one controller with two, whose
// namespaces must be erased one after the other), 6 AHCI SATA, 8
// virtio-scsi and 2 USB disks, each filled with markers.
//
// QEMU's limits shape the mix: the q35 machine's ICH9 AHCI has six ports
// (ide.0–ide.5), so six SATA disks is all one controller takes; a
// controller's namespaces all answer with the controller's serial number;
// qemu-xhci has four USB 2 and four USB 3 root ports by default, so the
// boot stick and the two USB disks fit with room for more (usb-storage
// needs no hub up to eight); virtio-scsi takes up to 255 targets on its
// one bus.
func bays24(t *testing.T) []vm.Disk {
	t.Helper()
	var disks []vm.Disk
	add := func(kind vm.Kind, prefix string, n int) {
		for i := 1; i <= n; i++ {
			d := markedDiskOf(t, kind, fmt.Sprintf("%s%02d", prefix, i), bayDiskSize)
			if kind == vm.NVMe && i > 6 {
				// The seventh and eighth: namespaces 1 and 2 of one
				// controller, serial BAYNVME07.
				d.Controller, d.Serial = "nvmeshared", prefix+"07"
			}
			disks = append(disks, d)
		}
	}
	add(vm.NVMe, "BAYNVME", 8)
	add(vm.AHCI, "BAYSATA", 6)
	add(vm.SCSI, "BAYSCSI", 8)
	add(vm.USB, "BAYUSB", 2)
	return disks
}

// TestBays24 boots the signed stick under Secure Boot (as
// TestStickSecureBoot does) in one machine with 24 target disks and an
// unattended policy, and checks that one run erases them all: no marker
// left on any disk; 24 PASS rows on the console; the record on the stick
// verifies with the stick's key and names all 24 serials; the drives ran
// in parallel (at least half of them erasing at one moment) except the two
// namespaces sharing an NVMe controller (one after the other); the plain
// serial console
// listed every bay in the plan, the live lines and the summary; the VGA
// console, made 80x25 (vgaCmdline) and read from QEMU screendumps taken
// every 2 s, paged the live view and the result so that every drive was
// on a page and no page was skipped. It logs the wall time of the boot.
func TestBays24(t *testing.T) {
	vm.Require(t, true)
	a := vm.Get(t)
	st := newStick(t, a, baysPolicy, append(slices.Clone(vgaCmdline), appliance.CPUProfileFlag)...)
	disks := bays24(t)
	m := vm.NewMachine(t, disks...)
	m.Timeout = 20 * time.Minute
	m.MemoryMiB = 1536
	m.Watch = []string{"Welcome to GRUB", appliance.MarkerStart, "Erasing 24 drive(s)"}
	m.Until = []string{appliance.MarkerWaiting}
	m.ScreenEvery = 2 * time.Second
	start := time.Now()
	res := vm.BootStick(t, m, st.Path, true)
	wall := time.Since(start)
	logKesuLines(t, res.Serial)
	t.Logf("24 bays: wall time %v (QEMU %v): firmware to GRUB %v, to kesu %v, to erasing %v",
		wall.Round(time.Second), res.Duration.Round(time.Second), res.Seen["Welcome to GRUB"], res.Seen[appliance.MarkerStart], res.Seen["Erasing 24 drive(s)"])
	t.Logf("screens: %d, error %v", len(res.Screens), res.ScreenErr)

	for _, want := range []string{
		appliance.MarkerFirmware + "on; kernel lockdown: integrity",
		appliance.MarkerErased,
		appliance.MarkerUnmounted,
		appliance.MarkerPowerOff,
		"To erase: 24 drive(s)",
		"24 PASS, 0 FAIL, 0 other, of 24",
	} {
		if !strings.Contains(res.Serial, want) {
			t.Errorf("console lacks %q", want)
		}
	}
	if res.Stopped != "" {
		t.Errorf("the appliance stopped at %q; want it to power off by itself", res.Stopped)
	}
	checkErased(t, disks)
	checkStickIntact(t, a, st)
	_, v := stickRecord(t, st)
	if !v.OK() {
		t.Fatalf("the record does not verify: %+v", v)
	}
	logBaysProfile(t, st.Path)
	checkBaysRecord(t, v.Run, disks)
	checkBaysSerial(t, res.Serial, v.Run, disks)
	checkVGAPaging(t, readVGAFrames(t, a.Boot.Kernel, res), v.Run)
}

// checkBaysRecord checks the record: every disk named once and PASS, and
// the timing of the erase attempts (parallel, except on one NVMe
// controller).
func checkBaysRecord(t *testing.T, run *report.Run, disks []vm.Disk) {
	t.Helper()
	// A controller's namespaces share its serial: each disk takes the next
	// drive of the record with its serial.
	bySerial := map[string][]*report.DriveRun{}
	for _, d := range run.Drives {
		bySerial[d.Drive.Identity.Serial] = append(bySerial[d.Drive.Identity.Serial], d)
	}
	for _, d := range disks {
		var r *report.DriveRun
		if rs := bySerial[d.Serial]; len(rs) > 0 {
			r, bySerial[d.Serial] = rs[0], rs[1:]
		}
		switch {
		case r == nil:
			t.Errorf("the record does not name disk %s (%v)", d.Serial, d.Kind)
		case r.Result == nil:
			t.Errorf("record: disk %s has no result", d.Serial)
		case r.Result.Assessment.Status != report.StatusPass:
			t.Errorf("record: disk %s is %s; want PASS", d.Serial, r.Result.Assessment.Status)
		}
	}
	if len(run.Drives) != len(disks) {
		t.Errorf("the record has %d drives; want %d", len(run.Drives), len(disks))
	}

	// Each drive's erase interval: its first attempt's start to its last
	// attempt's end.
	type span struct {
		serial, path string
		start, end   time.Time
	}
	var spans []span
	for _, d := range run.Drives {
		if len(d.Attempts) == 0 {
			t.Errorf("record: drive %s has no attempt", d.Drive.Identity.Serial)
			continue
		}
		s := span{serial: d.Drive.Identity.Serial, path: d.Drive.Identity.Path, start: d.Attempts[0].Start, end: d.Attempts[0].End}
		for _, at := range d.Attempts[1:] {
			if at.End.After(s.end) {
				s.end = at.End
			}
		}
		spans = append(spans, s)
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start.Before(spans[j].start) })
	overlaps := func(x, y span) bool { return x.start.Before(y.end) && y.start.Before(x.end) }

	// Drives of one NVMe controller (nvmeXnY of one nvmeX) run one after
	// another: here the two namespaces of BAYNVME07's controller.
	nvmeCtrl := regexp.MustCompile(`^/dev/(nvme\d+)n\d+$`)
	groups := map[string][]span{}
	for _, s := range spans {
		if m := nvmeCtrl.FindStringSubmatch(s.path); m != nil {
			groups[m[1]] = append(groups[m[1]], s)
		}
	}
	shared := 0
	for ctrl, g := range groups {
		if len(g) > 1 {
			shared++
		}
		for i := 1; i < len(g); i++ {
			if overlaps(g[i-1], g[i]) {
				t.Errorf("NVMe controller %s: drives %s and %s were erased at the same time; want one after another", ctrl, g[i-1].serial, g[i].serial)
			}
		}
	}
	t.Logf("record: %d NVMe controllers, %d with more than one namespace erased", len(groups), shared)
	if shared != 1 {
		t.Errorf("record: %d NVMe controllers with more than one namespace erased; want 1 (BAYNVME07's)", shared)
	}

	// Everything else overlaps: count the drives whose erase overlapped
	// another's, and the most that ran at once.
	overlapping, most := 0, 0
	for i, s := range spans {
		at := 0
		over := false
		for k, o := range spans {
			if overlaps(s, o) {
				if k != i {
					over = true
				}
				if !o.start.After(s.start) {
					at++
				}
			}
		}
		if over {
			overlapping++
		}
		most = max(most, at)
	}
	// No two drives here share a controller, so they must run at once: at
	// least half of them erasing at one moment, which no one-after-another
	// run can show. (Not every drive need overlap another: a 16 MiB disk
	// whose probe came late may start after the others ended.)
	if most < len(spans)/2 {
		t.Errorf("record: at most %d of %d drives' erase attempts ran at once (%d overlap another's); want at least half at once", most, len(spans), overlapping)
	}
	if len(spans) > 0 {
		first, last := spans[0].start, spans[0].end
		for _, s := range spans {
			if s.end.After(last) {
				last = s.end
			}
		}
		t.Logf("record: erase attempts from first start to last end %v; %d of %d drives overlap another; up to %d at once",
			last.Sub(first).Round(time.Millisecond), overlapping, len(spans), most)
	}
}

// checkBaysSerial checks the plain console (serial) output: the plan lists
// every drive, every drive has live lines and a PASS line, and the summary
// lists every drive once as PASS after the totals.
func checkBaysSerial(t *testing.T, serial string, run *report.Run, disks []vm.Disk) {
	t.Helper()
	serial = strings.ReplaceAll(serial, "\r", "")
	planAt := strings.Index(serial, "To erase: 24 drive(s)")
	liveAt := strings.Index(serial, "Erasing 24 drive(s)")
	sumAt := strings.LastIndex(serial, "24 PASS, 0 FAIL, 0 other, of 24")
	if planAt < 0 || liveAt < planAt || sumAt < liveAt {
		t.Fatalf("serial console: plan at %d, live view at %d, summary at %d; want them in that order", planAt, liveAt, sumAt)
	}
	plan, live, summary := serial[planAt:liveAt], serial[liveAt:sumAt], serial[sumAt:]
	bays := map[string][]string{} // serial -> bays as the record names them (a controller's namespaces share a serial)
	for _, d := range run.Drives {
		bays[d.Drive.Identity.Serial] = append(bays[d.Drive.Identity.Serial], d.Drive.Identity.Bay)
	}
	passRow := regexp.MustCompile(`(?m)^(\S.*?) +PASS +`)
	rows := passRow.FindAllStringSubmatch(summary, -1)
	if len(rows) != len(disks) {
		t.Errorf("serial summary: %d PASS rows; want %d:\n%s", len(rows), len(disks), summary)
	}
	for _, d := range disks {
		if !strings.Contains(plan, d.Serial) {
			t.Errorf("serial plan does not list %s", d.Serial)
		}
		if !strings.Contains(summary, d.Serial) {
			t.Errorf("serial summary does not list %s", d.Serial)
		}
		var bay string
		if bs := bays[d.Serial]; len(bs) > 0 {
			bay, bays[d.Serial] = bs[0], bs[1:]
		}
		if bay == "" {
			continue
		}
		if !regexp.MustCompile(`(?m)^\[\+\d+:\d\d:\d\d\] ` + regexp.QuoteMeta(bay) + ` +PASS `).MatchString(live) {
			t.Errorf("serial live view has no PASS line for bay %q (%s)", bay, d.Serial)
		}
	}
}

// logBaysProfile reads the CPU profile the appliance wrote of its erase run
// (kesu.cpuprofile) and logs where its time went, as `go tool pprof -top`
// prints it, when the go command is at hand. KESU_BAYS_PROFILE=FILE keeps
// a copy of the profile for a closer look.
func logBaysProfile(t *testing.T, stick string) {
	t.Helper()
	names, err := image.ListDiskDir(stick, appliance.ProfileDir)
	if err != nil || len(names) != 1 {
		t.Errorf("CPU profiles on the stick: %v, %v; want one", names, err)
		return
	}
	b, err := image.ReadDiskFile(stick, appliance.ProfileDir+"/"+names[0])
	if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Errorf("CPU profile %s: %d bytes, %v; want a gzip'd profile", names[0], len(b), err)
		return
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Logf("CPU profile %s: %d bytes (no go command to read it)", names[0], len(b))
		return
	}
	path := filepath.Join(t.TempDir(), names[0])
	if keep := os.Getenv("KESU_BAYS_PROFILE"); keep != "" {
		path = keep
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(goCmd, "tool", "pprof", "-top", "-nodecount=15", path).CombinedOutput()
	if err != nil {
		t.Errorf("go tool pprof -top %s: %v\n%s", path, err, out)
		return
	}
	t.Logf("where the appliance's CPU time went (go tool pprof -top):\n%s", out)
}

package appliance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/report"
)

// Console markers: lines the appliance prints that tests and technicians
// look for. Every line the appliance prints starts with Prefix.
const (
	Prefix          = "kesu: "
	MarkerStart     = "kesu: appliance starting"
	MarkerFirmware  = "kesu: secure boot: " // followed by Firmware.String's rest
	MarkerStick     = "kesu: boot stick: "  // followed by the device and mount point
	MarkerConfigBad = "kesu: CONFIG ERROR"  // kesu.toml could not be used
	MarkerNoErase   = "kesu: NOTHING WAS ERASED"
	MarkerErased    = "kesu: erase finished"  // the erase part returned
	MarkerUnmounted = "kesu: stick unmounted" // safe to pull the stick
	MarkerPowerOff  = "kesu: powering off"
	MarkerReboot    = "kesu: rebooting"
	MarkerWaiting   = "kesu: waiting"
)

// Session is what the erase part of the appliance gets from the boot steps.
type Session struct {
	Config       *policy.Config // kesu.toml, loaded and validated
	ConfigSHA256 string         // of kesu.toml as read
	StickDir     string         // the stick's mount point (read-write)
	RecordsDir   string         // StickDir/Config.Record.Dir
	Stick        Volume         // the boot stick; Stick.Disk must never be touched
	Signer       *report.Signer // nil only when Config.Signing.Unsigned
	Firmware     Firmware       // Secure Boot and lockdown state, for the record
	Modules      []ModuleResult // modules that failed to load (for the record)
	Version      string         // kesu's version, for the record
	Out          io.Writer      // every console (u-root's init copies it to each)
	// Consoles are the active console devices (tty0, ttyS0: the console=
	// of the kernel command line), for a screen that draws on and reads
	// from each. The appliance reads no console while the erase part runs.
	Consoles []string
	// Lines returns the lines typed on any console, read by the appliance's
	// own line readers (started on the first call, shared with its final
	// "press Enter" wait). A screen that reads the ttys itself must not
	// call it: both would compete for the keys.
	Lines func() <-chan string

	// A network run (a site policy, see SiteDir) sets these: StoreURL is
	// where the record goes; OnRecord receives each journal record as it
	// is written (for job.Options.OnRecord); Status is the record's upload
	// state for the screen; KeyCustody says how the signing key was held
	// (report.Custody*). A stick run leaves OnRecord and Status nil.
	StoreURL   string
	OnRecord   func(runID string, seq int64, line []byte)
	Status     func() string
	KeyCustody string
}

// Outcome is what the erase part reports back.
type Outcome struct {
	Journal string // path of the run's journal on the stick
	Passed  int
	Failed  int
	// Unreached counts drives behind RAID controllers the run did not
	// reach, Rewritten erased drives their controller may have written
	// after their verification: the run is then not a completed erasure.
	Unreached, Rewritten int
	// Action is what to do next when the erase part already decided it
	// (its screen counted down, or the technician chose): "poweroff",
	// "reboot" or "wait", done at once. Empty: the policy's run.after,
	// after run.after_delay.
	Action string
}

// EraseFunc is the erase part of the appliance, written in package erase:
// discovery (the stick and policy exclusions removed), plan, confirmation
// or countdown, parallel erase and verification journaled to RecordsDir,
// seal, and the result on the consoles. It returns when all drives are done
// or the technician cancelled; its error means the run could not complete
// (a journal write failure, for one) and is shown on every console.
type EraseFunc func(ctx context.Context, s *Session) (Outcome, error)

// System is what the appliance touches outside itself: the kernel, the
// devices and the consoles. Linux implements it (NewSystem); tests fake it.
type System interface {
	LoadModules(ctx context.Context) ([]ModuleResult, error)
	MountEfivarfs() error
	Sys() fs.FS // rooted at /sys
	Cmdline() string
	Open(name string) (io.ReadCloser, error) // block device by kernel name
	MountStick(dev, dir string) error
	UnmountStick(dir string) error
	PowerOff() error
	Reboot() error
	// Network brings the wired interfaces up by DHCP and says what each
	// got; it fails when none got an address.
	Network(ctx context.Context) ([]string, error)
	// Consoles lists the active console devices (tty0, ttyS0).
	Consoles() []string
	// Lines delivers lines typed on any console until ctx ends. The
	// appliance asks for them only after the erase part has returned.
	Lines(ctx context.Context) <-chan string
	// Sleep waits d or until ctx ends; Now is the clock Sleep moves.
	Sleep(ctx context.Context, d time.Duration)
	Now() time.Time
	// Site returns the network boot's site files (SiteDir), nil when
	// there are none: the machine then needs a stick.
	Site() fs.FS
	// ReadSecret turns the consoles' echo off, calls prompt, and reads one
	// line typed on any console without showing it; it stops reading the
	// consoles when it returns. The caller clears the bytes once used.
	ReadSecret(ctx context.Context, prompt func()) ([]byte, error)
}

// Options configure Run.
type Options struct {
	System  System
	Out     io.Writer // every console
	Erase   EraseFunc // nil: this kesu has no erase part; nothing is erased
	Version string
	// StickDir is where the stick is mounted (default /stick).
	StickDir string
	// StickWait bounds the wait for the stick to appear (default 60 s);
	// Settle is how long the block devices must stay unchanged before the
	// appliance decides among KESU volumes without a PARTUUID match
	// (default 5 s); Poll is the rescan interval (default 250 ms).
	StickWait, Settle, Poll time.Duration
	// RAMRecords is where a network run without a stick keeps its journal
	// (default RAMRecords).
	RAMRecords string
}

// Run is the appliance: boot steps, then the erase part, then the power
// action. In production it does not return (the machine powers off,
// reboots or waits); it returns when the System's power calls return (tests)
// with the action taken.
func Run(ctx context.Context, o Options) (action string) {
	if o.StickDir == "" {
		o.StickDir = "/stick"
	}
	if o.StickWait == 0 {
		o.StickWait = 60 * time.Second
	}
	if o.Settle == 0 {
		o.Settle = 5 * time.Second
	}
	if o.Poll == 0 {
		o.Poll = 250 * time.Millisecond
	}
	if o.RAMRecords == "" {
		o.RAMRecords = RAMRecords
	}
	a := &app{o: o, sys: o.System, out: o.Out}
	defer func() {
		if r := recover(); r != nil {
			a.printf("INTERNAL ERROR: %v", r)
			if a.net != nil {
				// A network run: what was journaled is on its way to
				// the store; the machine waits for it.
				a.mark(MarkerNoErase, " after this point; the record streamed to the store says what was done before it")
				a.keepSafe(a.net.stream, a.net.journal())
			} else {
				a.mark(MarkerNoErase, " after this point; the record on the stick says what was done before it")
			}
			a.sys.UnmountStick(a.o.StickDir)
			action = a.wait(ctx)
		}
	}()
	return a.run(ctx)
}

type app struct {
	o     Options
	sys   System
	out   io.Writer
	lines <-chan string // console input, once asked for
	net   *netRecord    // a network run's record, once it streams
}

// input starts reading the consoles (once) and returns the lines.
func (a *app) input(ctx context.Context) <-chan string {
	if a.lines == nil {
		a.lines = a.sys.Lines(ctx)
	}
	return a.lines
}

func (a *app) printf(format string, args ...any) {
	fmt.Fprintf(a.out, Prefix+format+"\n", args...)
}

// mark prints a marker line (see the Marker constants) with more text.
func (a *app) mark(marker, rest string) {
	fmt.Fprintln(a.out, marker+rest)
}

func (a *app) run(ctx context.Context) string {
	a.printf("appliance starting (kesu %s)", a.o.Version)

	mods, err := a.sys.LoadModules(ctx)
	if err != nil {
		a.printf("kernel modules: %v", err)
	}
	var failed []ModuleResult
	var names []string
	for _, m := range mods {
		if m.Err != nil {
			failed = append(failed, m)
			names = append(names, m.Name)
		}
	}
	a.printf("kernel modules: %d loaded or present, %d failed%s", len(mods)-len(failed), len(failed), listSuffix(names))

	if err := a.sys.MountEfivarfs(); err != nil {
		a.printf("%v", err)
	}
	fw := ReadFirmware(a.sys.Sys())
	a.printf("%s", fw)

	if site := a.sys.Site(); site != nil {
		return a.networkRun(ctx, site, fw, failed)
	}
	vol, err := a.findStick(ctx)
	if err != nil {
		a.printf("boot stick: %v", err)
		a.mark(MarkerNoErase, ": without the stick there is no policy and no place for the record")
		return a.wait(ctx)
	}
	if err := a.sys.MountStick(vol.Dev(), a.o.StickDir); err != nil {
		a.printf("boot stick: %v", err)
		a.mark(MarkerNoErase, "")
		return a.wait(ctx)
	}
	a.printf("boot stick: %s (disk %s, PARTUUID %s) mounted at %s", vol.Dev(), vol.Disk, orUnknown(vol.PartUUID), a.o.StickDir)

	s, why := a.session(vol, fw, failed)
	if why != nil {
		a.refuse(why, fw)
		a.unmount()
		return a.wait(ctx)
	}
	s.Lines = func() <-chan string { return a.input(ctx) }
	if a.o.Erase == nil {
		a.refuse(&refusal{code: "no-erase-flow", text: "this kesu build has no erase flow built in"}, fw)
		a.unmount()
		return a.wait(ctx)
	}
	out := a.erase(ctx, s)
	if s.Config.Record.Store != "" {
		a.copyRecord(ctx, s.Config.Record, out.Journal)
	}
	a.unmount()
	if out.Action != "" {
		return a.do(ctx, out.Action)
	}
	return a.after(ctx, s.Config)
}

// erase runs the erase part and says on every console how it ended.
func (a *app) erase(ctx context.Context, s *Session) Outcome {
	stopProfile := a.startCPUProfile()
	out, err := a.o.Erase(ctx, s)
	stopProfile()
	if err != nil {
		a.printf("ERROR: %v", err)
	}
	a.mark(MarkerErased, fmt.Sprintf(": %d passed, %d failed, %d behind RAID controllers not reached, %d written by their controller after the erase; record %s",
		out.Passed, out.Failed, out.Unreached, out.Rewritten, out.Journal))
	return out
}

func listSuffix(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return ": " + strings.Join(names, ", ")
}

// findStick waits for the KESU volume. It decides only once the block
// devices have stopped changing for the settle time: a copy of the stick on
// an internal disk (same partition GUID) must not win just because SATA
// and NVMe disks enumerate before USB. When the command line names the
// stick's partition GUID, it waits for a volume carrying it until the
// deadline; only then may ChooseStick fall back to the label.
func (a *app) findStick(ctx context.Context) (Volume, error) {
	want := StickFromCmdline(a.sys.Cmdline())
	deadline := a.sys.Now().Add(a.o.StickWait)
	vols, err := a.scanSettled(ctx, func(vols []Volume, settled bool, now time.Time) bool {
		matched := false
		for _, v := range vols {
			if want != "" && strings.EqualFold(v.PartUUID, want) {
				matched = true
			}
		}
		return (matched || want == "" && len(vols) > 0) && settled || now.After(deadline)
	})
	if err != nil {
		return Volume{}, err
	}
	return ChooseStick(vols, want)
}

// scanSettled scans the KESU volumes every poll until done says the wait
// is over, given the volumes found and whether the block devices have
// stayed unchanged for the settle time.
func (a *app) scanSettled(ctx context.Context, done func(vols []Volume, settled bool, now time.Time) bool) ([]Volume, error) {
	var last string
	var stableSince time.Time
	for {
		vols, err := ScanVolumes(a.sys.Sys(), a.sys.Open)
		if err != nil {
			return nil, err
		}
		now := a.sys.Now()
		if state := blockState(a.sys.Sys()); state != last {
			last, stableSince = state, now
		}
		if done(vols, now.Sub(stableSince) >= a.o.Settle, now) {
			return vols, nil
		}
		a.sys.Sleep(ctx, a.o.Poll)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
}

// blockState summarizes the block devices present, to tell when they
// stop changing.
func blockState(sys fs.FS) string {
	ents, _ := fs.ReadDir(sys, "block")
	var b strings.Builder
	for _, e := range ents {
		b.WriteString(e.Name())
		b.WriteByte(' ')
	}
	return b.String()
}

// refusal is why the appliance will not erase.
type refusal struct {
	code string // report note code
	text string
}

// session loads the policy and the signing key from the mounted stick.
func (a *app) session(vol Volume, fw Firmware, failed []ModuleResult) (*Session, *refusal) {
	path := filepath.Join(a.o.StickDir, "kesu.toml")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &refusal{code: "config-error", text: fmt.Sprintf("cannot read kesu.toml: %v", err)}
	}
	cfg, err := policy.Parse(data, "kesu.toml")
	if err != nil {
		return nil, &refusal{code: "config-error", text: err.Error()}
	}
	sum := sha256.Sum256(data)
	s := &Session{
		Config:       cfg,
		ConfigSHA256: hex.EncodeToString(sum[:]),
		StickDir:     a.o.StickDir,
		RecordsDir:   filepath.Join(a.o.StickDir, cfg.Record.Dir),
		Stick:        vol,
		Firmware:     fw,
		Modules:      failed,
		Version:      a.o.Version,
		Out:          a.out,
		Consoles:     a.sys.Consoles(),
	}
	if !cfg.Signing.Unsigned {
		signer, err := report.LoadSigner(filepath.Join(a.o.StickDir, cfg.Signing.Key))
		if err != nil {
			return nil, &refusal{code: "signing-key", text: fmt.Sprintf("%v (kesu.toml says signing.key = %q; set signing.unsigned = true only to run without one)", err, cfg.Signing.Key)}
		}
		s.Signer, s.KeyCustody = signer, report.CustodyStick
	}
	return s, nil
}

// refuse shows why nothing will be erased and records it on the stick.
func (a *app) refuse(r *refusal, fw Firmware) {
	if r.code == "config-error" {
		a.mark(MarkerConfigBad, " in kesu.toml:")
	} else {
		a.printf("CANNOT START:")
	}
	for _, l := range strings.Split(r.text, "\n") {
		a.printf("  %s", l)
	}
	where, err := RecordRefusal(a.o.StickDir, a.o.Version, fw, r.code, r.text)
	if err != nil {
		a.printf("could not record this on the stick: %v", err)
	} else {
		a.printf("recorded in %s", where)
	}
	a.mark(MarkerNoErase, ". Fix the stick's kesu.toml on any computer and boot again.")
}

// RecordRefusal records on the stick why a run erased nothing: as a sealed
// journal signed with the stick's key (records/kesu.key's default place)
// when that key loads, else as a plain text file in records/ (a journal
// cannot honestly be unsigned without a policy allowing it). It returns the
// file written.
func RecordRefusal(stickDir, version string, fw Firmware, code, text string) (string, error) {
	dir := filepath.Join(stickDir, "records")
	signer, keyErr := report.LoadSigner(filepath.Join(stickDir, "kesu.key"))
	if keyErr == nil {
		j, err := report.Create(dir, signer, report.RunStart{
			Mode: "appliance",
			Tool: report.CurrentTool(version),
			Host: report.LocalHost(),
		})
		if err == nil {
			err = errors.Join(
				j.Note(report.Note{Severity: report.SeverityError, Code: code, Text: text + "\nNothing was erased."}),
				j.Note(report.Note{Severity: report.SeverityInfo, Code: "firmware", Text: fw.String()}),
			)
			if serr := j.Seal(); err == nil {
				err = serr
			}
			if err == nil {
				return j.Path(), nil
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	name := filepath.Join(dir, time.Now().UTC().Format("20060102T150405Z")+"-"+code+".txt")
	msg := fmt.Sprintf("kesu %s appliance, %s\n%s\n\n%s\nNothing was erased.\n", version, time.Now().UTC().Format(time.RFC3339), fw.String(), text)
	if keyErr != nil {
		msg += fmt.Sprintf("\n(Unsigned: %v)\n", keyErr)
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", err
	}
	if _, err := f.WriteString(msg); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return name, nil
}

func (a *app) unmount() {
	if err := a.sys.UnmountStick(a.o.StickDir); err != nil {
		a.printf("ERROR: %v: do not pull the stick before the power is off", err)
		return
	}
	a.printf("stick unmounted: the record is on it; it is safe to remove")
}

// after carries out the policy's after-run action, after its delay (Enter
// on a console cuts the delay short).
func (a *app) after(ctx context.Context, cfg *policy.Config) string {
	act := cfg.Run.After
	if act != policy.AfterPowerOff && act != policy.AfterReboot {
		return a.wait(ctx)
	}
	if d := time.Duration(cfg.Run.AfterDelay) * time.Second; d > 0 {
		verb := map[string]string{policy.AfterPowerOff: "powering off", policy.AfterReboot: "rebooting"}[act]
		a.printf("%s in %v (press Enter to do it now)", verb, d)
		lines := a.input(ctx)
		end := a.sys.Now().Add(d)
	count:
		for a.sys.Now().Before(end) && ctx.Err() == nil {
			select {
			case <-lines:
				break count
			default:
			}
			a.sys.Sleep(ctx, time.Second)
		}
	}
	return a.do(ctx, act)
}

// do powers off, reboots or waits, now.
func (a *app) do(ctx context.Context, act string) string {
	switch act {
	case policy.AfterReboot:
		a.mark(MarkerReboot, "")
		if err := a.sys.Reboot(); err != nil {
			a.printf("reboot: %v", err)
			return a.wait(ctx)
		}
		return policy.AfterReboot
	case policy.AfterPowerOff:
		a.mark(MarkerPowerOff, "")
		if err := a.sys.PowerOff(); err != nil {
			a.printf("power off: %v", err)
			return a.wait(ctx)
		}
		return policy.AfterPowerOff
	}
	return a.wait(ctx)
}

// wait keeps the screen until Enter is pressed on a console, then powers
// off. Appliance mode must never exit: u-root's init would then end and the
// kernel panic.
func (a *app) wait(ctx context.Context) string {
	a.printf("waiting: the result stays on screen; press Enter to power off")
	select {
	case <-a.input(ctx):
	case <-ctx.Done():
		return policy.AfterWait
	}
	a.printf("powering off")
	if err := a.sys.PowerOff(); err != nil {
		a.printf("power off: %v; switch the machine off", err)
		<-ctx.Done()
	}
	return policy.AfterWait
}

package drive

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kesu-erase/kesu/ata"
	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/plan"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/smart"
)

// ATA is a SATA drive driven through SAT ATA PASS-THROUGH(16): behind
// libata (AHCI and other SATA controllers) or behind a SAS HBA's SCSI to ATA
// translation layer.
type ATA struct {
	disk  discover.Disk
	t     scsi.Transport
	dev   *ata.Device
	block BlockOpener
	opts  ATAOptions

	// From the last probe (nil when IDENTIFY failed).
	id *ata.Identity
	// sed is the drive's TCG security subsystem, over TRUSTED SEND/RECEIVE.
	sed sed
}

// ATAOptions adjusts an ATA adapter.
type ATAOptions struct {
	// Clock paces sanitize polling and times commands (nil: the system
	// clock).
	Clock scsi.Clock
	// Rescan makes the kernel re-read the drive's capacity after hidden
	// areas were restored (SysfsRescan on a real machine). Nil: no rescan;
	// the capacity check after a restore still runs.
	Rescan func(ctx context.Context) error
	// Via says how the commands reach the drive, for the record: "libata"
	// or "the SAS HBA's SATL".
	Via string
}

// NewATA wraps transport t, an SG_IO handle (or an emulated drive) of the
// disk. block opens the disk's block device for host I/O.
func NewATA(disk discover.Disk, t scsi.Transport, block BlockOpener, o ATAOptions) *ATA {
	d := ata.NewDevice(t, disk.Path)
	if o.Clock != nil {
		d.Clock = o.Clock
	}
	if o.Via == "" {
		o.Via = "libata"
	}
	return &ATA{disk: disk, t: t, dev: d, block: block, opts: o,
		sed: sed{t: ata.TCG(d), via: "ATA TRUSTED SEND/RECEIVE through " + o.Via, refusedHint: ataRefusedHint}}
}

// SysfsRescan returns a function that makes the kernel re-read the capacity
// of block device name by writing "1" to
// <sysRoot>/sys/class/block/<name>/device/rescan (the SCSI device's rescan
// attribute).
//
// Behind libata this is not always enough: libata answers READ CAPACITY
// from the sector count it read at probe time (libata-scsi.c
// ata_scsiop_read_cap uses dev->n_sectors) and refreshes it only when it
// revalidates the device. The adapter therefore checks the block device's
// size after the rescan and records it when the kernel still shows the old
// size.
func SysfsRescan(sysRoot, name string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := filepath.Join(sysRoot, "sys/class/block", name, "device/rescan")
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("kernel capacity rescan: %w", err)
		}
		_, werr := f.Write([]byte("1"))
		cerr := f.Close()
		if werr != nil {
			return fmt.Errorf("kernel capacity rescan: writing %s: %w", p, werr)
		}
		if cerr != nil {
			return fmt.Errorf("kernel capacity rescan: %w", cerr)
		}
		return nil
	}
}

// Name implements worker.Drive.
func (a *ATA) Name() string { return a.disk.Name }

// Open implements worker.Drive: the block device, once it is confirmed to
// be the drive probed (the transport's device number, and serial, WWN and
// model from a fresh IDENTIFY DEVICE).
func (a *ATA) Open(write bool) (erase.Target, error) {
	return openConfirmed(a.block, write, a.confirm)
}

func (a *ATA) confirm(t erase.Target) error {
	if err := sameNode(a.t, t); err != nil {
		return err
	}
	if a.id == nil {
		// Probed through the block layer only (IDENTIFY failed then): the
		// device number is all there is to compare.
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), identityTimeout)
	defer cancel()
	id, err := a.dev.Identify(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w: IDENTIFY DEVICE failed: %v", a.disk.Path, worker.ErrIdentityUnconfirmed, err)
	}
	return compareIdentity(a.disk.Path, "IDENTIFY DEVICE",
		idPair{"serial", a.id.Serial, id.Serial}, idPair{"WWN", a.id.WWN, id.WWN}, idPair{"model", a.id.Model, id.Model})
}

// Close implements worker.Drive.
func (a *ATA) Close() error {
	if c, ok := a.t.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}

func (a *ATA) via() string {
	return fmt.Sprintf("SAT ATA PASS-THROUGH(16) (%s) on %s", a.opts.Via, a.disk.Path)
}

// Probe implements worker.Drive with ata.Inspect, which sends only
// commands that change nothing (IDENTIFY, READ NATIVE MAX, DCO IDENTIFY,
// SANITIZE STATUS without CLEAR, SMART reads). A drive whose IDENTIFY fails
// (a SATL that refuses pass-through, a failing drive) is probed through the
// block layer only: host overwrite stays possible, hidden areas unchecked.
func (a *ATA) Probe(ctx context.Context) (*worker.Probe, error) {
	in, err := ata.Inspect(ctx, a.dev)
	if err != nil {
		a.id = nil
		return a.blockProbe(err)
	}
	id := in.Identity
	a.id = id
	p := &worker.Probe{}
	p.Notes = append(p.Notes, in.Problems...)

	var rot *bool // nil: the drive does not say
	switch {
	case id.SolidState():
		p.Class, rot = report.ClassSSD, new(false)
	case id.Rotating():
		p.Class, rot = report.ClassHDD, new(true)
	default:
		// Unknown media is rated as flash, the stricter reading: an
		// overwrite or Security Erase of flash never counts as Purge or
		// MIC (2). (The kernel's rotational flag stays set for any drive
		// not reporting rotation rate 1, so it cannot tell.)
		p.Class = report.ClassSSD
		p.Notes = append(p.Notes, fmt.Sprintf("IDENTIFY word 217 reports no rotation rate (%#04x): rated as flash (SSD), the stricter reading", id.RotationRate))
	}
	wwn := a.disk.WWN
	if id.WWN != "" {
		wwn = "naa." + strings.ToLower(id.WWN)
	}
	p.Identity = report.Identity{
		Path: a.disk.Path, Model: id.Model, Serial: id.Serial, Firmware: id.Firmware, WWN: wwn,
		CapacityBytes: id.Bytes(), LogicalSectorSize: uint32(id.LogicalSectorSize),
		PhysicalSectorSize: uint32(id.PhysicalSectorSize), Transport: string(a.disk.Transport),
		Bay: a.disk.Location.Bay, Port: a.disk.DevPath, Rotational: rot,
	}

	switch {
	case !id.SMARTSupported:
		p.Notes = append(p.Notes, "the drive does not support SMART")
	case in.SMART == nil && in.SMARTExceeded == nil:
		p.Notes = append(p.Notes, "SMART could not be read")
	default:
		p.SMART = smart.FromATA(in.SMART, in.SMARTExceeded, p.Class == report.ClassSSD)
	}

	p.Hidden = hiddenAreas(id, in.Hidden)

	sec := id.Security
	caps := &plan.ATA{
		SanitizeSupported: id.Sanitize.Supported, SanitizeCrypto: id.Sanitize.CryptoScramble,
		SanitizeBlock: id.Sanitize.BlockErase, SanitizeOverwrite: id.Sanitize.Overwrite,
		SecuritySupported: sec.Supported, SecurityEnabled: sec.Supported && sec.Enabled,
		SecurityLocked: sec.Supported && sec.Locked, SecurityFrozen: sec.Supported && sec.Frozen,
		CountExpired: sec.Supported && sec.CountExpired, EnhancedErase: sec.Supported && sec.EnhancedEraseSupported,
		EncryptsAllUserData: id.EncryptsAllUserData,
	}
	if st := in.SanitizeStatus; st != nil {
		caps.SanitizeFrozen = st.Frozen
		switch st.State {
		case ata.SanitizeFailed:
			p.Notes = append(p.Notes, "the drive is in the Sanitize Operation Failed state (SD3) from an earlier sanitize: it refuses reads and writes until a sanitize completes")
		case ata.SanitizeInProgress:
			p.Notes = append(p.Notes, fmt.Sprintf("a sanitize is already in progress (%.1f%%)", st.Percent()))
		}
	} else if id.Sanitize.Supported {
		p.Notes = append(p.Notes, "the sanitize state could not be read")
	}
	p.SecurityFrozen = caps.SecurityFrozen || caps.SanitizeFrozen
	if caps.SecurityLocked {
		p.Notes = append(p.Notes, "the drive is locked by an ATA password kesu does not know: it cannot be read, written or erased")
	}
	if sec.Supported {
		p.Notes = append(p.Notes, "ATA security state: "+sec.State())
	}
	p.Caps = plan.Capabilities{Class: p.Class, HostWritable: !a.disk.ReadOnly && !caps.SecurityLocked, ATA: caps}
	var notes []string
	p.Security, p.Caps.TCG, notes = a.sed.probe(ctx, announce(id.TrustedComputing))
	p.Notes = append(p.Notes, notes...)
	return p, nil
}

// PSIDRevert implements worker.PSIDReverter.
func (a *ATA) PSIDRevert(ctx context.Context, psid []byte) ([]report.TCGStep, error) {
	return a.sed.psidRevert(ctx, psid)
}

// blockProbe is the probe of a drive whose IDENTIFY failed: what sysfs and
// the block device tell, host overwrite only.
func (a *ATA) blockProbe(cause error) (*worker.Probe, error) {
	t, err := a.block(false)
	if err != nil {
		return nil, fmt.Errorf("IDENTIFY DEVICE failed (%v) and the block device cannot be opened: %w", cause, err)
	}
	defer t.Close()
	id := worker.IdentityFromDisk(a.disk)
	id.CapacityBytes = uint64(t.Size())
	id.LogicalSectorSize, id.PhysicalSectorSize = uint32(t.LogicalBlockSize()), uint32(t.PhysicalBlockSize())
	class := worker.ClassFromDisk(a.disk)
	why := fmt.Sprintf("IDENTIFY DEVICE through %s failed: %v", a.via(), cause)
	return &worker.Probe{
		Identity: id, Class: class,
		Hidden: report.HiddenAreas{Note: why + "; hidden areas cannot be checked"},
		Caps:   plan.Capabilities{Class: class, HostWritable: !a.disk.ReadOnly},
		Notes:  []string{why + "; only a host overwrite is possible"},
	}, nil
}

// hiddenAreas converts ata's detection into the record's form. Detection
// counts as checked when every supported mechanism answered.
func hiddenAreas(id *ata.Identity, h *ata.HiddenArea) report.HiddenAreas {
	if h == nil {
		return report.HiddenAreas{Note: "hidden-area detection failed"}
	}
	out := report.HiddenAreas{Checked: len(h.Failures) == 0}
	if !out.Checked {
		out.Note = "detection incomplete: " + strings.Join(h.Failures, "; ")
	}
	if !h.HPASupported && !h.AMASupported && !h.DCOSupported {
		out.Note = "the drive supports none of HPA, DCO and Accessible Max Address: IDENTIFY's capacity is the whole medium"
	}
	if h.NativeMaxKnown {
		out.Areas = append(out.Areas, report.HiddenArea{Kind: hpaKind(h), Present: h.HPASectors > 0,
			AccessibleMaxLBA: h.CurrentMax, NativeMaxLBA: h.NativeMax, HiddenSectors: h.HPASectors})
	}
	if h.DCOMaxKnown {
		base := h.CurrentMax
		if h.NativeMaxKnown {
			base = h.NativeMax
		}
		out.Areas = append(out.Areas, report.HiddenArea{Kind: "DCO", Present: h.DCOSectors > 0,
			AccessibleMaxLBA: base, NativeMaxLBA: h.DCOMax, HiddenSectors: h.DCOSectors})
	}
	return out
}

func hpaKind(h *ata.HiddenArea) string {
	if h.AMASupported {
		return "AMA"
	}
	return "HPA"
}

// RestoreHiddenAreas implements worker.Drive: it removes HPA/AMA and DCO
// permanently (ata.RestoreHiddenAreas), makes the kernel re-read the
// capacity, and checks that the block device now reaches the restored
// maximum. An area counts as restored only when the drive reports the new
// maximum and the kernel's block device covers it.
func (a *ATA) RestoreHiddenAreas(ctx context.Context) ([]report.HiddenArea, error) {
	h, err := a.dev.RestoreHiddenAreas(ctx, ata.RestoreOptions{})
	if h == nil {
		if err == nil {
			err = errors.New("the restore returned no report")
		}
		return nil, fmt.Errorf("restoring hidden areas: %w", err)
	}
	var problems []string
	if err != nil {
		problems = append(problems, err.Error())
	}
	lss := uint64(a.disk.LogicalBlockSize)
	if a.id != nil && a.id.LogicalSectorSize > 0 {
		lss = uint64(a.id.LogicalSectorSize)
	}
	if lss == 0 {
		lss = 512
	}
	// What the kernel shows after a rescan.
	kernelNote := ""
	kernelOK := true
	if h.RestoreAttempted && len(h.Restored) > 0 {
		if a.opts.Rescan != nil {
			if rerr := a.opts.Rescan(ctx); rerr != nil {
				problems = append(problems, rerr.Error())
			}
		}
		want := (h.After + 1) * lss
		if t, oerr := a.block(false); oerr != nil {
			kernelOK = false
			kernelNote = fmt.Sprintf("the drive now addresses %d bytes, but the block device could not be opened to check the kernel's view: %v", want, oerr)
		} else {
			got := uint64(t.Size())
			t.Close()
			if got < want {
				kernelOK = false
				kernelNote = fmt.Sprintf("the drive now addresses %d bytes (max LBA %d), but the kernel still shows %d bytes for %s after the capacity rescan: a host overwrite cannot reach the restored sectors until the kernel re-reads the capacity (libata does so when it revalidates the drive, e.g. after a reboot)",
					want, h.After, got, a.disk.Path)
			}
		}
		if kernelNote != "" {
			problems = append(problems, kernelNote)
		}
	}

	failures := strings.Join(h.Failures, "; ")
	var areas []report.HiddenArea
	add := func(kind string, accessible, native, sectors uint64) {
		ar := report.HiddenArea{Kind: kind, Present: true, AccessibleMaxLBA: accessible, NativeMaxLBA: native, HiddenSectors: sectors}
		switch {
		case h.After < native:
			ar.Error = fmt.Sprintf("max LBA is %d after the restore, %d expected", h.After, native)
			if failures != "" {
				ar.Error += ": " + failures
			}
		case !kernelOK:
			ar.Error = kernelNote
		default:
			ar.Restored = true
			ar.AccessibleMaxLBA = h.After
		}
		areas = append(areas, ar)
	}
	if h.HPASectors > 0 {
		add(hpaKind(h), h.CurrentMax, h.NativeMax, h.HPASectors)
	}
	if h.DCOSectors > 0 {
		base := h.CurrentMax
		if h.NativeMaxKnown {
			base = h.NativeMax
		}
		add("DCO", base, h.DCOMax, h.DCOSectors)
	}
	if len(problems) > 0 {
		return areas, fmt.Errorf("restoring hidden areas of %s: %s", a.disk.Path, strings.Join(problems, "; "))
	}
	return areas, nil
}

// Erase implements worker.Drive.
func (a *ATA) Erase(ctx context.Context, m report.Method, env worker.Env) *worker.Outcome {
	switch m {
	case report.MethodATASanitizeCrypto:
		return a.sanitize(ctx, ata.SanitizeCryptoScramble, env)
	case report.MethodATASanitizeBlockErase:
		return a.sanitize(ctx, ata.SanitizeBlockErase, env)
	case report.MethodATASanitizeOverwrite:
		return a.sanitize(ctx, ata.SanitizeOverwrite, env)
	case report.MethodATASecurityErase:
		return a.securityErase(ctx, false, env)
	case report.MethodATASecurityEraseEnhanced:
		return a.securityErase(ctx, true, env)
	case report.MethodTCGCryptoErase:
		return a.sed.cryptoErase(ctx)
	}
	return &worker.Outcome{Outcome: report.OutcomeUnsupported, Errors: []string{fmt.Sprintf("%s: %v", m, errNotErased)}}
}

// ataOutcome classifies an ATA erase error. Refusals checked or answered
// before anything changed (unsupported, frozen, locked, a password already
// set, the attempt counter expired, antifreeze) are "unsupported": the
// drive refused and nothing changed.
func ataOutcome(err error) report.Outcome {
	switch {
	case err == nil:
		return report.OutcomeSuccess
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return report.OutcomeInterrupted
	case errors.Is(err, ata.ErrUnsupported), errors.Is(err, ata.ErrFrozen), errors.Is(err, ata.ErrLocked),
		errors.Is(err, ata.ErrSecurityEnabled), errors.Is(err, ata.ErrCountExpired), errors.Is(err, ata.ErrAntifreeze):
		return report.OutcomeUnsupported
	}
	return report.OutcomeFailed
}

func progressOf(env worker.Env) func(worker.Progress) {
	if env.Progress == nil {
		return func(worker.Progress) {}
	}
	return env.Progress
}

// sampleProgress turns the protocol packages' progress readings into the
// worker's progress reports.
func sampleProgress(env worker.Env, note string) func(scsi.ProgressSample) {
	fn := progressOf(env)
	return func(p scsi.ProgressSample) { fn(worker.Progress{Fraction: p.Percent / 100, Note: note}) }
}

// sanitize runs one ATA sanitize operation with FAILURE MODE set, so that
// a failed operation can be left with SANITIZE STATUS EXT + CLEAR SANITIZE
// OPERATION FAILED (ACS-3 7.41), which kesu tries at once.
func (a *ATA) sanitize(ctx context.Context, method ata.SanitizeMethod, env worker.Env) *worker.Outcome {
	o := ata.SanitizeOptions{Method: method, AllowFailureExit: true}
	if method == ata.SanitizeOverwrite {
		// One pass of zeros, so the result is checkable block for block.
		o.OverwritePattern, o.OverwritePasses = 0, 1
	}
	o.OnProgress = sampleProgress(env, "")
	res, err := a.dev.Sanitize(ctx, o)

	opName := "SANITIZE " + method.String()
	out := &worker.Outcome{Outcome: ataOutcome(err),
		Mechanism: fmt.Sprintf("ATA %s via %s", opName, a.via())}
	if err == nil && (res == nil || !res.Completed) {
		out.Outcome, err = report.OutcomeFailed, errors.New("the sanitize did not report completion")
	}
	if err != nil {
		out.Errors = append(out.Errors, err.Error())
	}
	if method == ata.SanitizeOverwrite {
		out.Pattern, out.Passes = "0x00000000 (zeros)", 1
	}
	out.Details = append(out.Details, "FAILURE MODE set (AllowFailureExit): if the operation fails, kesu may leave the failure state with SANITIZE STATUS EXT + CLEAR SANITIZE OPERATION FAILED instead of leaving the drive unusable until another sanitize succeeds")
	if res != nil {
		if !res.Started.IsZero() {
			out.Details = append(out.Details, fmt.Sprintf("started %s, ran %s, %d SANITIZE STATUS EXT polls", res.Started.UTC().Format(time.RFC3339), res.Duration.Round(time.Millisecond), res.Polls))
		}
		out.Details = append(out.Details, "the drive gives no time estimate for sanitize (ATA IDENTIFY has none); kesu polled until completion")
		if s := progressSummary(res.Progress); s != "" {
			out.Details = append(out.Details, s)
		}
		if res.Final != nil {
			out.Details = append(out.Details, fmt.Sprintf("final sanitize state: %s", res.Final.State))
		}
		out.Details = append(out.Details, "commands: "+commandSummary(res.Commands))
		for _, f := range res.Failures {
			if err == nil || f != err.Error() {
				out.Details = append(out.Details, "failure: "+f)
			}
		}
	}
	if out.Outcome == report.OutcomeSuccess {
		out.Expect, out.ExpectWhy = a.sanitizeExpect(method)
		return out
	}

	// What state is the drive in now?
	started := res != nil && commandSent(res.Commands, opName)
	inSD3 := errors.Is(err, ata.ErrSanitizeFailed) || (res != nil && res.Final != nil && res.Final.State == ata.SanitizeFailed)
	switch {
	case inSD3:
		st, xerr := a.dev.ExitSanitizeFailure(context.WithoutCancel(ctx))
		if xerr == nil {
			out.Details = append(out.Details, fmt.Sprintf("SANITIZE STATUS EXT with CLEAR SANITIZE OPERATION FAILED sent after the failure: state now %s", st.State))
			out.Recovery = fmt.Sprintf("ATA %s failed part-way on %s; kesu left the sanitize failure state (SANITIZE STATUS EXT with CLEAR SANITIZE OPERATION FAILED, allowed because FAILURE MODE was set): the drive reads and writes again, no action is needed for it, but its content is only partly sanitized", opName, a.disk.Path)
		} else {
			out.Errors = append(out.Errors, fmt.Sprintf("leaving the failure state: %v", xerr))
			out.Recovery = fmt.Sprintf("%s (serial %s) is in the ATA Sanitize Operation Failed state (SD3) after %s: it refuses reads and writes until a sanitize completes without error; kesu's attempt to leave the state failed (%v). Recover by running a sanitize that completes (run kesu again, or `hdparm --yes-i-know-what-i-am-doing --sanitize-block-erase %s` or `--sanitize-crypto-scramble`), and check the state with `hdparm --sanitize-status %s`",
				a.disk.Path, a.serial(), opName, xerr, a.disk.Path, a.disk.Path)
		}
	case started:
		out.Recovery = fmt.Sprintf("%s (serial %s): %s was started and did not report completion; it may still be running inside the drive (a sanitize continues across power cycles and the drive refuses reads and writes until it ends). Check with `hdparm --sanitize-status %s`; if it ends in the failure state, run a sanitize that completes (run kesu again)",
			a.disk.Path, a.serial(), opName, a.disk.Path)
	}
	return out
}

func (a *ATA) serial() string {
	if a.id != nil {
		return a.id.Serial
	}
	return a.disk.Serial
}

// sanitizeExpect is the content a completed sanitize declares: zeros for an
// overwrite with pattern 0; zeros for a block erase only when IDENTIFY
// declares deterministic zeros (word 69 bits 14 and 5); nothing for crypto
// scramble, which only the canaries check.
func (a *ATA) sanitizeExpect(m ata.SanitizeMethod) (erase.Expectation, string) {
	switch m {
	case ata.SanitizeOverwrite:
		return erase.ExpectPattern(erase.Zero()), "zeros: SANITIZE OVERWRITE EXT ran one pass of the pattern 00000000h"
	case ata.SanitizeBlockErase:
		if a.id != nil && a.id.DRAT && a.id.RZAT {
			return erase.ExpectPattern(erase.Zero()), "zeros: IDENTIFY word 69 declares deterministic reads of zeros (DRAT and RZAT set)"
		}
		return nil, "the content after BLOCK ERASE EXT is vendor-defined (IDENTIFY does not declare deterministic zeros): checked by the canaries only"
	}
	return nil, "CRYPTO SCRAMBLE EXT leaves unpredictable content: checked by the canaries only"
}

// securityErase runs SECURITY ERASE UNIT (normal or enhanced) with a fresh
// random password that is recorded in the journal before SET PASSWORD.
func (a *ATA) securityErase(ctx context.Context, enhanced bool, env worker.Env) *worker.Outcome {
	kind := "normal"
	if enhanced {
		kind = "enhanced"
	}
	out := &worker.Outcome{Mechanism: fmt.Sprintf("ATA SECURITY ERASE UNIT (%s) via %s", kind, a.via())}
	if env.Record == nil {
		out.Outcome = report.OutcomeFailed
		out.Errors = []string{"no journal to record the ATA password in: no password was set"}
		return out
	}
	var pw ata.Password
	record := func(p ata.Password) error {
		pw = p
		return env.Record(fmt.Sprintf("kesu is about to set the ATA user password %q on %s (model %q, serial %q) for SECURITY ERASE UNIT (%s). If the drive is left locked or with security enabled, remove the password with `kesu unlock --device DEV --password PASSWORD --yes`, or with: hdparm --user-master u --security-unlock %s %s; then hdparm --user-master u --security-disable %s %s",
			p.String(), a.disk.Path, a.model(), a.serial(), kind, p.String(), a.disk.Path, p.String(), a.disk.Path))
	}
	note := "SECURITY ERASE UNIT runs inside the drive and reports no progress until it returns"
	var eta time.Duration
	if a.id != nil {
		eta = a.id.Security.EraseTime
		if enhanced {
			eta = a.id.Security.EnhancedEraseTime
		}
		if eta > 0 {
			note += fmt.Sprintf("; the drive estimates %s", eta)
		}
	}
	progressOf(env)(worker.Progress{Fraction: -1, ETA: eta, Note: note})
	res, err := a.dev.SecurityErase(ctx, ata.SecurityEraseOptions{Enhanced: enhanced, Record: record})
	out.Outcome = ataOutcome(err)
	if errors.Is(err, ata.ErrNotRecorded) {
		out.Outcome = report.OutcomeFailed
	}
	if err == nil && (res == nil || !res.Erased) {
		out.Outcome, err = report.OutcomeFailed, errors.New("the security erase did not confirm the erase")
	}
	if err != nil {
		out.Errors = append(out.Errors, err.Error())
	}
	if res == nil {
		return out
	}
	out.Details = append(out.Details, fmt.Sprintf("security state before: %s", res.StateBefore))
	if res.PasswordRecorded {
		out.Details = append(out.Details, "a fresh random user password was recorded in the journal before SECURITY SET PASSWORD was sent")
	}
	if res.PasswordSet {
		out.Details = append(out.Details, "SECURITY SET PASSWORD accepted (IDENTIFY showed security enabled)")
	}
	if res.DriveEstimate > 0 {
		word := 89
		if enhanced {
			word = 90
		}
		out.Details = append(out.Details, fmt.Sprintf("the drive's own estimate (IDENTIFY word %d): %s", word, res.DriveEstimate))
	} else {
		out.Details = append(out.Details, "the drive reports no time estimate")
	}
	if res.EraseTimeout > 0 {
		out.Details = append(out.Details, fmt.Sprintf("ERASE UNIT timeout %s (hdparm's rule from the estimate and the capacity)", res.EraseTimeout))
	}
	if res.EraseDuration > 0 {
		out.Details = append(out.Details, fmt.Sprintf("ERASE UNIT took %s", res.EraseDuration.Round(time.Millisecond)))
	}
	if res.Erased {
		out.Details = append(out.Details, "IDENTIFY after the erase shows security disabled, as ACS requires after a successful erase")
	}
	out.Details = append(out.Details, "commands: "+commandSummary(res.Commands))
	for _, f := range res.Failures {
		if err == nil || f != err.Error() {
			out.Details = append(out.Details, "failure: "+f)
		}
	}
	if r := res.Recovery; r != nil && r.Attempted {
		s := "kesu tried to remove its password (SECURITY UNLOCK + DISABLE PASSWORD): "
		if r.Disabled {
			s += "security is disabled again"
		} else {
			s += "security is still enabled"
		}
		for _, e := range []string{r.UnlockErr, r.DisableErr, r.CheckErr} {
			if e != "" {
				s += "; " + e
			}
		}
		out.Details = append(out.Details, s)
	}
	if out.Outcome == report.OutcomeSuccess {
		if enhanced {
			out.ExpectWhy = "ENHANCED SECURITY ERASE UNIT writes a vendor-defined pattern: checked by the canaries only"
		} else {
			out.Expect = erase.ExpectPattern(erase.Zero())
			out.ExpectWhy = "zeros: ACS-3 7.45 says normal SECURITY ERASE UNIT writes binary zeroes to all user data areas"
		}
		return out
	}
	if res.PasswordRecorded && !res.Erased && (res.Recovery == nil || !res.Recovery.Disabled) {
		p := pw.String()
		out.Recovery = fmt.Sprintf("%s (serial %s) may be left with ATA security enabled and the user password %q (recorded in this journal before it was set). If it is still busy erasing, let it finish or power-cycle it; then unlock and remove the password on any Linux machine: `kesu unlock --device DEV --password PASSWORD --yes`, or `hdparm --user-master u --security-unlock %s %s` and `hdparm --user-master u --security-disable %s %s`; check with `hdparm -I %s` that security is \"not enabled\"",
			a.disk.Path, a.serial(), p, p, a.disk.Path, p, a.disk.Path, a.disk.Path)
	}
	return out
}

func (a *ATA) model() string {
	if a.id != nil {
		return a.id.Model
	}
	return a.disk.Model
}

// commandSent reports whether a command named name completed without error.
func commandSent(cmds []ata.CommandRecord, name string) bool {
	for _, c := range cmds {
		if c.Name == name && c.Error == "" {
			return true
		}
	}
	return false
}

// commandSummary lists the commands a flow sent, collapsing runs of the
// same command (status polls) into one entry with a count.
func commandSummary(cmds []ata.CommandRecord) string {
	var parts []string
	for i := 0; i < len(cmds); {
		j := i
		for j+1 < len(cmds) && cmds[j+1].Name == cmds[i].Name && cmds[j+1].Error == "" && cmds[i].Error == "" {
			j++
		}
		c := cmds[i]
		s := c.Name
		if n := j - i + 1; n > 1 {
			s += fmt.Sprintf(" ×%d", n)
		} else if c.Duration > 0 {
			s += fmt.Sprintf(" (%s)", c.Duration.Round(time.Millisecond))
		}
		if c.Error != "" {
			s += ": " + c.Error
		}
		parts = append(parts, s)
		i = j + 1
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// progressSummary describes the progress samples seen while polling.
func progressSummary(ps []scsi.ProgressSample) string {
	if len(ps) == 0 {
		return ""
	}
	first, last := ps[0], ps[len(ps)-1]
	return fmt.Sprintf("progress seen: %d samples, %.1f%% at %s to %.1f%% at %s", len(ps),
		first.Percent, first.Elapsed.Round(time.Millisecond), last.Percent, last.Elapsed.Round(time.Millisecond))
}

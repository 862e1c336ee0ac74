package drive

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/plan"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/nvme"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/smart"
)

// NVMe is an NVMe namespace driven through the admin passthrough.
type NVMe struct {
	disk  discover.Disk
	t     nvme.Transport
	dev   *nvme.Device
	nsid  uint32
	block BlockOpener
	// lock serialises firmware commands of namespaces that share a
	// controller (a Sanitize acts on all of them).
	lock  chan struct{}
	ctrl  *nvme.Controller
	ns    *nvme.Namespace
	nsids []uint32
	// sed is the controller's TCG security subsystem, over Security
	// Send/Receive.
	sed sed
}

// NewNVMe wraps transport t, opened on namespace nsid of the disk. clock
// paces sanitize polling (nil: the system clock). lock, if not nil, is
// shared by all namespaces of the controller.
func NewNVMe(disk discover.Disk, t nvme.Transport, nsid uint32, block BlockOpener, clock nvme.Clock, lock chan struct{}) *NVMe {
	d := nvme.NewDevice(t, disk.Path)
	if clock != nil {
		d.Clock = clock
	}
	if lock == nil {
		lock = make(chan struct{}, 1)
	}
	return &NVMe{disk: disk, t: t, dev: d, nsid: nsid, block: block, lock: lock,
		// Security Send/Receive go to NSID 0, the controller's TPer, as
		// Linux's own Opal support sends them (and kesu probe).
		sed: sed{t: nvme.TCG(t, 0), via: "NVMe Security Send/Receive on " + disk.Path}}
}

// Name implements worker.Drive.
func (n *NVMe) Name() string { return n.disk.Name }

// Group implements worker.Grouper: the namespaces of one controller.
func (n *NVMe) Group() string { return "nvme:" + nvmeController(n.disk) }

var nvmeCtrlRE = regexp.MustCompile(`^(nvme\d+)`)

// nvmeController names the controller of an NVMe namespace disk.
func nvmeController(disk discover.Disk) string {
	if disk.Controller != "" {
		return disk.Controller
	}
	if m := nvmeCtrlRE.FindStringSubmatch(disk.Name); m != nil {
		return m[1]
	}
	return disk.Name
}

// Probe implements worker.Drive: Identify and Get Log Page only.
func (n *NVMe) Probe(ctx context.Context) (*worker.Probe, error) {
	ctrl, err := n.dev.IdentifyController(ctx)
	if err != nil {
		return nil, err
	}
	ns, err := n.dev.IdentifyNamespace(ctx, n.nsid)
	if err != nil {
		return nil, err
	}
	n.ctrl, n.ns = ctrl, ns
	p := &worker.Probe{Class: report.ClassNVMe}
	namespaces := 1
	if ids, err := n.dev.ActiveNamespaces(ctx, ctrl.NN); err == nil {
		n.nsids = ids
		namespaces = len(ids)
	} else {
		// Unknown siblings count as present: a Sanitize is then not used.
		p.Notes = append(p.Notes, fmt.Sprintf("active namespace list unreadable (%v): assuming all %d namespaces may hold data", err, ctrl.NN))
		n.nsids = []uint32{n.nsid}
		namespaces = max(1, int(ctrl.NN))
	}
	if log, err := n.dev.SMARTLog(ctx, nvme.NSIDAll); err == nil {
		p.SMART = smart.FromNVMe(log)
	} else {
		p.Notes = append(p.Notes, fmt.Sprintf("SMART/Health log: %v", err))
	}
	bs := ns.BlockSize()
	rot := false
	p.Identity = report.Identity{
		Path: n.disk.Path, Model: ctrl.Model, Serial: ctrl.Serial, Firmware: ctrl.Firmware,
		WWN: n.disk.WWN, CapacityBytes: ns.NSZE * uint64(bs), LogicalSectorSize: uint32(bs),
		PhysicalSectorSize: uint32(max(n.disk.PhysicalBlockSize, bs)), Transport: "nvme",
		Bay: n.disk.Location.Bay, Port: n.disk.DevPath, Rotational: &rot,
	}
	if p.Identity.WWN == "" && ns.EUI64 != ([8]byte{}) {
		p.Identity.WWN = fmt.Sprintf("eui.%016x", binary.BigEndian.Uint64(ns.EUI64[:]))
	}
	p.Hidden = report.HiddenAreas{Checked: true, Note: "NVMe has no HPA/DCO; the namespace's size is what the controller exposes"}
	if namespaces > 1 {
		p.Notes = append(p.Notes, fmt.Sprintf("the controller has %d active namespaces: a Sanitize erases all of them; Format and host overwrite cover this one (unless FNA says format applies to all)", len(n.nsids)))
	}
	if ctrl.UNVMCAP != (nvme.Uint128{}) {
		p.Notes = append(p.Notes, fmt.Sprintf("%s bytes of NVM are not allocated to any namespace: only a Sanitize reaches them", ctrl.UNVMCAP))
	}
	p.Caps = plan.Capabilities{Class: report.ClassNVMe, HostWritable: !n.disk.ReadOnly, NVMe: &plan.NVMe{
		SanitizeCrypto: ctrl.SANICAP.CryptoErase(), SanitizeBlock: ctrl.SANICAP.BlockErase(),
		SanitizeOverwrite: ctrl.SANICAP.Overwrite(), Format: ctrl.OACS.FormatNVM(),
		FormatCrypto: ctrl.FNA.CryptoEraseSupported(), Namespaces: namespaces,
		FormatAll: ctrl.FNA.FormatAllNamespaces() || ctrl.FNA.SecureEraseAllNamespaces(),
	}}
	var notes []string
	p.Security, p.Caps.TCG, notes = n.sed.probe(ctx, announce(ctrl.OACS.SecuritySendReceive()))
	p.Notes = append(p.Notes, notes...)
	return p, nil
}

// PSIDRevert implements worker.PSIDReverter. It holds the controller's
// lock: a revert acts on every namespace.
func (n *NVMe) PSIDRevert(ctx context.Context, psid []byte) ([]report.TCGStep, error) {
	select {
	case n.lock <- struct{}{}:
		defer func() { <-n.lock }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return n.sed.psidRevert(ctx, psid)
}

// RestoreHiddenAreas implements worker.Drive: NVMe has none.
func (n *NVMe) RestoreHiddenAreas(context.Context) ([]report.HiddenArea, error) { return nil, nil }

// Open implements worker.Drive: the namespace's block device, once it is
// confirmed to be the namespace probed (the transport's device number, and
// the controller's serial and model and the namespace's EUI-64 and NGUID
// from a fresh Identify).
func (n *NVMe) Open(write bool) (erase.Target, error) {
	return openConfirmed(n.block, write, n.confirm)
}

func (n *NVMe) confirm(t erase.Target) error {
	if err := sameNode(n.t, t); err != nil {
		return err
	}
	if n.ctrl == nil || n.ns == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), identityTimeout)
	defer cancel()
	ctrl, err := n.dev.IdentifyController(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w: Identify Controller failed: %v", n.disk.Path, worker.ErrIdentityUnconfirmed, err)
	}
	ns, err := n.dev.IdentifyNamespace(ctx, n.nsid)
	if err != nil {
		return fmt.Errorf("%s: %w: Identify Namespace %d failed: %v", n.disk.Path, worker.ErrIdentityUnconfirmed, n.nsid, err)
	}
	return compareIdentity(n.disk.Path, "Identify",
		idPair{"serial", n.ctrl.Serial, ctrl.Serial}, idPair{"model", n.ctrl.Model, ctrl.Model},
		idPair{"EUI-64", fmt.Sprintf("%x", n.ns.EUI64), fmt.Sprintf("%x", ns.EUI64)},
		idPair{"NGUID", fmt.Sprintf("%x", n.ns.NGUID), fmt.Sprintf("%x", ns.NGUID)})
}

// Close implements worker.Drive.
func (n *NVMe) Close() error {
	if c, ok := n.t.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}

// Erase implements worker.Drive.
func (n *NVMe) Erase(ctx context.Context, m report.Method, env worker.Env) *worker.Outcome {
	progress := env.Progress
	select {
	case n.lock <- struct{}{}:
		defer func() { <-n.lock }()
	case <-ctx.Done():
		return &worker.Outcome{Outcome: report.OutcomeInterrupted, Errors: []string{ctx.Err().Error()}}
	}
	switch m {
	case report.MethodNVMeSanitizeCryptoErase:
		return n.sanitize(ctx, nvme.SanitizeCryptoErase, progress)
	case report.MethodNVMeSanitizeBlockErase:
		return n.sanitize(ctx, nvme.SanitizeBlockErase, progress)
	case report.MethodNVMeSanitizeOverwrite:
		return n.sanitize(ctx, nvme.SanitizeOverwrite, progress)
	case report.MethodNVMeFormatUserData:
		return n.format(ctx, nvme.SESUserData, progress)
	case report.MethodNVMeFormatCrypto:
		return n.format(ctx, nvme.SESCrypto, progress)
	case report.MethodTCGCryptoErase:
		return n.sed.cryptoErase(ctx)
	}
	return &worker.Outcome{Outcome: report.OutcomeUnsupported, Errors: []string{fmt.Sprintf("%s: %v", m, errNotErased)}}
}

func nvmeOutcome(err error) report.Outcome {
	switch {
	case err == nil:
		return report.OutcomeSuccess
	case errors.Is(err, nvme.ErrUnsupported):
		return report.OutcomeUnsupported
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return report.OutcomeInterrupted
	}
	return report.OutcomeFailed
}

func (n *NVMe) sanitize(ctx context.Context, a nvme.SanitizeAction, progress func(worker.Progress)) *worker.Outcome {
	// Overwrite: one pass of zeros, so the drive's result is checkable.
	req := nvme.SanitizeRequest{Action: a, OverwritePasses: 1}
	res, err := n.dev.Sanitize(ctx, req, func(p nvme.SanitizeProgress) {
		var eta time.Duration
		if p.Estimate > p.Elapsed {
			eta = p.Estimate - p.Elapsed
		}
		progress(worker.Progress{Fraction: p.Fraction, ETA: eta})
	})
	out := &worker.Outcome{Outcome: nvmeOutcome(err)}
	if res != nil && res.Succeeded && err == nil {
		out.Outcome = report.OutcomeSuccess
	} else if err == nil {
		out.Outcome = report.OutcomeFailed
		err = errors.New("the sanitize did not report success")
	}
	if err != nil {
		out.Errors = append(out.Errors, err.Error())
	}
	if res == nil {
		return out
	}
	out.Mechanism = fmt.Sprintf("NVMe Sanitize (%s), CDW10 %#x, admin passthrough (NVME_IOCTL_ADMIN_CMD) on %s", a, res.CDW10, n.disk.Path)
	if a == nvme.SanitizeOverwrite {
		out.Pattern, out.Passes = fmt.Sprintf("%#08x", res.Pattern), res.OverwritePasses
	}
	out.Details = append(out.Details, fmt.Sprintf("SANICAP %#08x; namespaces %v; %d polls over %s; final state %s, SCDW10 %#x",
		uint32(res.SANICAP), res.Namespaces, res.Polls, res.Duration.Round(time.Millisecond), res.StateText, res.ReportedSCDW10))
	if res.EstimateReported {
		out.Details = append(out.Details, fmt.Sprintf("controller's estimate (%s): %s", res.EstimateField, res.Estimate))
	}
	out.Details = append(out.Details, res.Failures...)
	out.Details = append(out.Details, res.Notes...)
	if res.FailureMode {
		out.Recovery = res.Recovery
	}
	if out.Outcome == report.OutcomeSuccess && n.ns != nil && n.ctrl != nil {
		exp := nvme.ExpectAfterSanitize(req, n.ns.DLFEAT, n.ctrl.SANICAP)
		out.Expect, out.ExpectWhy = toExpectation(exp)
	}
	return out
}

func (n *NVMe) format(ctx context.Context, ses nvme.SES, progress func(worker.Progress)) *worker.Outcome {
	progress(worker.Progress{Fraction: -1, Note: "Format NVM runs inside the controller; it reports no progress"})
	res, err := n.dev.Format(ctx, nvme.FormatRequest{NSID: n.nsid, SES: ses})
	out := &worker.Outcome{Outcome: nvmeOutcome(err)}
	if err == nil && (res == nil || !res.Succeeded) {
		out.Outcome, err = report.OutcomeFailed, errors.New("the format did not report success")
	}
	if err != nil {
		out.Errors = append(out.Errors, err.Error())
	}
	if res == nil {
		return out
	}
	out.Mechanism = fmt.Sprintf("NVMe Format NVM (%s), NSID %#x, CDW10 %#x, admin passthrough (NVME_IOCTL_ADMIN_CMD) on %s",
		ses, res.NSIDSent, res.CDW10, n.disk.Path)
	out.Details = append(out.Details, fmt.Sprintf("scope: %s; namespaces affected %v; FNA %#02x; %s",
		res.Scope, res.Affected, uint8(res.FNA), res.Duration.Round(time.Millisecond)))
	out.Details = append(out.Details, res.Notes...)
	if out.Outcome == report.OutcomeSuccess && n.ns != nil {
		out.Expect, out.ExpectWhy = toExpectation(nvme.ExpectAfterFormat(ses, n.ns.DLFEAT))
	}
	return out
}

// toExpectation converts what the NVMe rules say a namespace reads as into
// a verification expectation; nil when only "changed" is promised, which
// the canaries check.
func toExpectation(e nvme.Expectation) (erase.Expectation, string) {
	var ps []erase.Pattern
	for _, c := range e.AnyOf {
		switch c.Kind {
		case nvme.ContentZeros:
			ps = appendPattern(ps, erase.Zero())
		case nvme.ContentOnes:
			ps = appendPattern(ps, erase.One())
		case nvme.ContentPattern:
			var w [4]byte
			binary.LittleEndian.PutUint32(w[:], c.Pattern)
			if w[0] == w[1] && w[1] == w[2] && w[2] == w[3] {
				ps = appendPattern(ps, erase.Byte(w[0]))
				continue
			}
			return nil, e.Why + "; a multi-byte pattern is checked by the canaries only"
		case nvme.ContentChanged:
			return nil, e.Why
		}
	}
	why := e.Why
	if len(ps) > 0 {
		var names []string
		for _, p := range ps {
			names = append(names, p.String())
		}
		why = strings.Join(names, " or ") + ": " + why
	}
	return expectAny(ps...), why
}

// appendPattern adds p to ps unless a pattern of the same content is there.
func appendPattern(ps []erase.Pattern, p erase.Pattern) []erase.Pattern {
	for _, q := range ps {
		if q.String() == p.String() {
			return ps
		}
	}
	return append(ps, p)
}

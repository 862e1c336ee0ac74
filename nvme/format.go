package nvme

import (
	"context"
	"fmt"
	"time"
)

// SES is the Secure Erase Settings field of Format NVM.
type SES uint8

// Secure erase settings (protocols.md §5.6).
const (
	SESNone     SES = 0 // no secure erase requested
	SESUserData SES = 1 // User Data Erase
	SESCrypto   SES = 2 // Cryptographic Erase
)

func (s SES) String() string {
	switch s {
	case SESNone:
		return "SES=0 (no secure erase)"
	case SESUserData:
		return "SES=1 (user data erase)"
	case SESCrypto:
		return "SES=2 (cryptographic erase)"
	}
	return fmt.Sprintf("SES=%d (reserved)", uint8(s))
}

// MarshalText renders the setting for JSON records.
func (s SES) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// FormatArgs are the fields of Format NVM CDW10.
type FormatArgs struct {
	LBAF int   // LBA format index, 0..63
	MSET bool  // metadata transferred at the end of each block
	PI   uint8 // protection information type, 0..7
	PIL  bool  // protection information in the first bytes of metadata
	SES  SES
}

// FormatNVMCmd builds Format NVM: CDW10 bits 3:0 LBAF low, 4 MSET, 7:5 PI,
// 8 PIL, 11:9 SES, 13:12 LBAF high (protocols.md §5.6; libnvme
// NVME_FORMAT_CDW10_* shifts).
func FormatNVMCmd(nsid uint32, a FormatArgs, timeout time.Duration) (*Command, error) {
	if a.LBAF < 0 || a.LBAF > 63 {
		return nil, fmt.Errorf("nvme: LBA format index %d out of range 0..63", a.LBAF)
	}
	if a.PI > 7 || a.SES > 7 {
		return nil, fmt.Errorf("nvme: PI %d or SES %d out of range 0..7", a.PI, a.SES)
	}
	cdw10 := uint32(a.LBAF&0xf) | uint32(a.PI)<<5 | uint32(a.SES)<<9 | uint32(a.LBAF>>4&3)<<12
	if a.MSET {
		cdw10 |= 1 << 4
	}
	if a.PIL {
		cdw10 |= 1 << 8
	}
	return &Command{Opcode: OpFormatNVM, NSID: nsid, CDW10: cdw10, Timeout: timeout}, nil
}

// DefaultFormatTimeout bounds a Format NVM in the kernel. The command is
// synchronous and no controller reports a time estimate for it; nvme-cli
// uses 600 s, which a user data erase of a large drive can exceed.
const DefaultFormatTimeout = 4 * time.Hour

// FormatRequest asks for a Format NVM that keeps the namespace's LBA format
// and protection settings and erases according to SES.
type FormatRequest struct {
	// NSID is the namespace to format; 0 means the namespace the transport
	// is opened on. NSIDAll formats all namespaces (if FNA bit 3 allows).
	NSID uint32
	SES  SES
	// TryCryptoWithoutFNA sends SES=2 although FNA bit 2 says the
	// controller does not support cryptographic erase. Some controllers
	// accept it anyway (QEMU 7.2 does, and zeroes the namespace instead);
	// what happened must then be judged by read-back. The result records it.
	TryCryptoWithoutFNA bool
	// Timeout for the Format command; 0 means DefaultFormatTimeout.
	Timeout time.Duration
}

// FormatResult is the record of a Format NVM: what was sent, what it
// covered, and how it ended.
type FormatResult struct {
	Device   string     `json:"device"`
	SES      SES        `json:"ses"`
	NSIDSent uint32     `json:"nsid_sent"`
	CDW10    uint32     `json:"cdw10"`
	Args     FormatArgs `json:"args"`
	// Affected are the namespaces the format applied to, per the command's
	// NSID and the controller's FNA bits.
	Affected      []uint32 `json:"affected_namespaces"`
	AllNamespaces bool     `json:"all_namespaces"`
	Scope         string   `json:"scope"`
	FNA           FNA      `json:"fna"`
	// CryptoWithoutFNA: SES=2 was sent although FNA bit 2 = 0.
	CryptoWithoutFNA bool            `json:"crypto_without_fna,omitempty"`
	Started          time.Time       `json:"started"`
	Duration         time.Duration   `json:"duration_ns"`
	Attempts         []Attempt       `json:"attempts"`
	Before           []NamespaceInfo `json:"before"`
	After            []NamespaceInfo `json:"after,omitempty"`
	Rescan           *RescanReport   `json:"rescan,omitempty"`
	Readings         Readings        `json:"readings"`
	Notes            []string        `json:"notes,omitempty"`
	Succeeded        bool            `json:"succeeded"`
}

// Format runs Format NVM as req asks. It reads Identify Controller first
// and refuses (without sending anything destructive) when OACS says Format
// NVM is unsupported or when SES=2 is asked of a controller whose FNA bit 2
// is clear (unless req.TryCryptoWithoutFNA). It keeps the LBA format,
// metadata and protection settings read from Identify Namespace, chooses the
// NSID from the FNA bits (bit 0 set: NSID FFFFFFFFh as nvme-cli does, unless
// bit 3 forbids it), and rescans afterwards. The result is returned even on
// error, with everything that ran.
func (d *Device) Format(ctx context.Context, req FormatRequest) (*FormatResult, error) {
	clk := d.clock()
	res := &FormatResult{Device: d.Name, SES: req.SES, Readings: FormatReadings(req.SES), Started: clk.Now()}
	defer func() { res.Duration = clk.Now().Sub(res.Started) }()
	fail := func(err error) (*FormatResult, error) { return res, err }

	if req.SES > SESCrypto {
		return fail(fmt.Errorf("nvme %s: format: %v is not a defined setting", d.Name, req.SES))
	}
	ctrl, err := d.IdentifyController(ctx)
	if err != nil {
		return fail(err)
	}
	res.FNA = ctrl.FNA
	if !ctrl.OACS.FormatNVM() {
		return fail(fmt.Errorf("nvme %s: format: %w: OACS %#04x bit 1 is clear (Format NVM not supported); nothing was sent", d.Name, ErrUnsupported, uint16(ctrl.OACS)))
	}
	if req.SES == SESCrypto && !ctrl.FNA.CryptoEraseSupported() {
		if !req.TryCryptoWithoutFNA {
			return fail(fmt.Errorf("nvme %s: format: %w: FNA %#02x bit 2 is clear (cryptographic erase not supported); nothing was sent", d.Name, ErrUnsupported, uint8(ctrl.FNA)))
		}
		res.CryptoWithoutFNA = true
		res.Notes = append(res.Notes, "SES=2 sent on request although FNA bit 2 says cryptographic erase is not supported; the controller's answer does not prove a cryptographic erase happened (QEMU 7.2, for one, accepts it and zeroes the namespace) — only read-back can judge the effect")
	}

	nsid := req.NSID
	if nsid == 0 {
		ider, ok := d.T.(NamespaceIDer)
		if !ok {
			return fail(fmt.Errorf("nvme %s: format: no namespace given and the transport is not opened on a namespace", d.Name))
		}
		if nsid, err = ider.NamespaceID(); err != nil {
			return fail(fmt.Errorf("nvme %s: format: finding the namespace ID: %w", d.Name, err))
		}
	}
	ids, err := d.ActiveNamespaces(ctx, ctrl.NN)
	if err != nil {
		return fail(err)
	}
	if len(ids) == 0 {
		return fail(fmt.Errorf("nvme %s: format: %w: the controller reports no active namespace", d.Name, ErrInvalidNamespace))
	}
	if nsid != NSIDAll && !containsID(ids, nsid) {
		return fail(fmt.Errorf("nvme %s: format: %w: namespace %d is not active (active: %v)", d.Name, ErrInvalidNamespace, nsid, ids))
	}
	if nsid == NSIDAll && ctrl.FNA.BroadcastNSIDUnsupported() {
		return fail(fmt.Errorf("nvme %s: format: %w: FNA bit 3 says Format NVM does not accept NSID FFFFFFFFh; format one namespace at a time", d.Name, ErrUnsupported))
	}

	send := nsid
	switch {
	case ctrl.FNA.FormatAllNamespaces():
		res.AllNamespaces = true
		res.Scope = "FNA bit 0: a format of any namespace formats all namespaces of the NVM subsystem"
		if !ctrl.FNA.BroadcastNSIDUnsupported() {
			send = NSIDAll
		} else if nsid == NSIDAll {
			send = ids[0]
		}
	case req.SES != SESNone && ctrl.FNA.SecureEraseAllNamespaces():
		res.AllNamespaces = true
		res.Scope = "FNA bit 1: a secure erase of any namespace erases all namespaces of the NVM subsystem"
	case nsid == NSIDAll:
		res.AllNamespaces = true
		res.Scope = "NSID FFFFFFFFh: all namespaces"
	default:
		res.Scope = "one namespace (FNA bits 0 and 1 clear)"
	}
	if res.AllNamespaces {
		res.Affected = append([]uint32(nil), ids...)
	} else {
		res.Affected = []uint32{nsid}
	}
	res.NSIDSent = send

	// Keep the LBA format, metadata and protection settings as they are.
	var ref *Namespace
	for _, id := range res.Affected {
		ns, err := d.IdentifyNamespace(ctx, id)
		if err != nil {
			return fail(err)
		}
		res.Before = append(res.Before, infoOf(ns))
		if id == nsid || ref == nil {
			ref = ns
		}
	}
	if ref.BlockSize() == 0 {
		return fail(fmt.Errorf("nvme %s: format: namespace %d FLBAS %#02x points outside its %d LBA formats", d.Name, ref.ID, ref.FLBAS, len(ref.LBAFormats)))
	}
	args := FormatArgs{LBAF: ref.FormatIndex(), MSET: ref.ExtendedMetadata(), PI: ref.PIType(), PIL: ref.PIFirst(), SES: req.SES}
	if send == NSIDAll {
		for _, b := range res.Before {
			if b.FormatIndex != args.LBAF || b.PIType != args.PI {
				return fail(fmt.Errorf("nvme %s: format: namespaces differ in LBA format or protection (%d: LBAF %d PI %d; %d: LBAF %d PI %d); one broadcast format would change one of them",
					d.Name, ref.ID, args.LBAF, args.PI, b.NSID, b.FormatIndex, b.PIType))
			}
		}
	}
	res.Args = args
	timeout := req.Timeout
	if timeout == 0 {
		timeout = DefaultFormatTimeout
	}
	cmd, err := FormatNVMCmd(send, args, timeout)
	if err != nil {
		return fail(err)
	}
	res.CDW10 = cmd.CDW10
	if err := d.attempt(ctx, "format NVM", cmd, &res.Attempts); err != nil {
		return fail(err)
	}

	res.Rescan = d.rescan(ctx, &res.Notes)
	for _, id := range res.Affected {
		ns, err := d.IdentifyNamespace(ctx, id)
		if err != nil {
			res.Notes = append(res.Notes, fmt.Sprintf("identify namespace %d after format failed: %v", id, err))
			continue
		}
		after := infoOf(ns)
		res.After = append(res.After, after)
		for _, b := range res.Before {
			if b.NSID == id && (b.FormatIndex != after.FormatIndex || b.NSZE != after.NSZE) {
				res.Notes = append(res.Notes, fmt.Sprintf("namespace %d changed geometry: LBAF %d→%d, NSZE %d→%d", id, b.FormatIndex, after.FormatIndex, b.NSZE, after.NSZE))
			}
		}
	}
	res.Succeeded = true
	return res, nil
}

func containsID(ids []uint32, id uint32) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

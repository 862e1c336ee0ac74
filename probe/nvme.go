package probe

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/kesu-erase/kesu/capture"
	"github.com/kesu-erase/kesu/internal/human"
	"github.com/kesu-erase/kesu/nvme"
	"github.com/kesu-erase/kesu/smart"
)

// runNVMe shows an NVMe controller's identity, capabilities, namespaces
// and health. It is read-only: nvme.Probe lets only Identify and Get Log
// Page reach the device. With o.RawDir it also saves the replies.
func runNVMe(ctx context.Context, o Options, w io.Writer) error {
	device := o.Device
	t, err := o.OpenNVMe(device)
	if err != nil {
		return probeError(device, err)
	}
	defer t.Close()
	out, rec, err := readNVMe(ctx, t, device, t.Path(), o.RawDir != "")
	if err != nil {
		return probeError(device, err)
	}
	out.ControllerPath = t.Paths().Controller
	out.NamespacePaths = t.Paths().Namespaces
	if id, err := t.NamespaceID(); err == nil {
		out.OpenedNamespace = id
	}
	if rec != nil {
		c := out.Controller
		if err := capture.Write(o.RawDir, capture.NewManifest(o.Tool, device, c.Model, c.Serial, c.Firmware, ""), rec); err != nil {
			return err
		}
	}
	return write(w, out, o.JSON)
}

// readNVMe probes the controller behind t; with record, a
// recorder between the probe and t keeps every reply.
func readNVMe(ctx context.Context, t nvme.Transport, device, name string, record bool) (*NVMe, *capture.Recorder, error) {
	var rec *capture.Recorder
	if record {
		rec = &capture.Recorder{}
		t = rec.NVMe(t)
	}
	rep, err := nvme.Probe(ctx, t, name)
	if err != nil {
		return nil, nil, err
	}
	out := NewNVMe(device, rep)
	// Security Receive goes to the controller (NSID 0), as Linux's own
	// Opal support sends it.
	if rep.Controller.OACS.SecuritySendReceive() {
		out.TCG = readTCG(ctx, nvme.TCG(t, 0), "NVMe Security Receive", true)
	}
	return out, rec, nil
}

// NVMeCapabilities are the controller's erase-related capability bits,
// decoded.
type NVMeCapabilities struct {
	FormatNVM           bool `json:"format_nvm"`
	NamespaceManagement bool `json:"namespace_management"`
	SecuritySendReceive bool `json:"security_send_receive"`
	FNA                 struct {
		FormatAllNamespaces      bool `json:"format_all_namespaces"`
		SecureEraseAllNamespaces bool `json:"secure_erase_all_namespaces"`
		CryptoErase              bool `json:"crypto_erase"`
		BroadcastNSIDUnsupported bool `json:"broadcast_nsid_unsupported"`
	} `json:"fna"`
	SANICAP struct {
		CryptoErase           bool  `json:"crypto_erase"`
		BlockErase            bool  `json:"block_erase"`
		Overwrite             bool  `json:"overwrite"`
		MediaVerification     bool  `json:"media_verification"`
		PurgeReporting        bool  `json:"purge_reporting"`
		NoDeallocateInhibited bool  `json:"no_deallocate_inhibited"`
		NODMMAS               uint8 `json:"nodmmas"`
	} `json:"sanicap"`
}

// NVMeNamespace is one active namespace with its derived sizes.
type NVMeNamespace struct {
	*nvme.Namespace
	// LBAFormatCount is the number of LBA formats (the namespace's "nlbaf"
	// is the field's raw 0-based value).
	LBAFormatCount int    `json:"lbaf_count"`
	BlockSize      int    `json:"block_size"`
	SizeBytes      uint64 `json:"size_bytes"`
	FormatIndex    int    `json:"lbaf_in_use"`
	DeallocReadAs  string `json:"deallocated_reads_as"`
}

// NVMe is `kesu probe` of an NVMe controller and its namespaces.
type NVMe struct {
	Device          string               `json:"device"`
	Class           string               `json:"class"`
	ControllerPath  string               `json:"controller_path,omitempty"`
	NamespacePaths  []string             `json:"namespace_paths,omitempty"`
	OpenedNamespace uint32               `json:"opened_nsid,omitempty"`
	Controller      *nvme.Controller     `json:"controller"`
	Capabilities    NVMeCapabilities     `json:"capabilities"`
	Namespaces      []NVMeNamespace      `json:"namespaces"`
	Health          *smart.Summary       `json:"health"`
	SMART           *nvme.SMARTLog       `json:"smart,omitempty"`
	Sanitize        *nvme.SanitizeStatus `json:"sanitize_status,omitempty"`
	Methods         []nvme.MethodInfo    `json:"methods"`
	TCG             *TCG                 `json:"tcg,omitempty"`
	Errors          []string             `json:"errors,omitempty"`
	// Raw holds the data structures as read, hex encoded, as evidence for
	// the record and for decoding tests.
	Raw NVMeRaw `json:"raw"`
}

// NVMeRaw holds the data structures as read, hex encoded.
type NVMeRaw struct {
	IdentifyController string            `json:"identify_controller"`
	IdentifyNamespaces map[uint32]string `json:"identify_namespaces,omitempty"`
	SMARTLog           string            `json:"smart_log,omitempty"`
}

// NewNVMe is the view of the controller nvme.Probe read.
func NewNVMe(device string, rep *nvme.ProbeReport) *NVMe {
	c := rep.Controller
	out := &NVMe{Device: device, Class: "NVMe", Controller: c, Health: smart.FromNVMe(rep.SMART),
		SMART: rep.SMART, Sanitize: rep.Sanitize, Methods: rep.Methods, Errors: rep.Errors}
	caps := &out.Capabilities
	caps.FormatNVM, caps.NamespaceManagement, caps.SecuritySendReceive = c.OACS.FormatNVM(), c.OACS.NamespaceManagement(), c.OACS.SecuritySendReceive()
	caps.FNA.FormatAllNamespaces, caps.FNA.SecureEraseAllNamespaces = c.FNA.FormatAllNamespaces(), c.FNA.SecureEraseAllNamespaces()
	caps.FNA.CryptoErase, caps.FNA.BroadcastNSIDUnsupported = c.FNA.CryptoEraseSupported(), c.FNA.BroadcastNSIDUnsupported()
	s := c.SANICAP
	caps.SANICAP.CryptoErase, caps.SANICAP.BlockErase, caps.SANICAP.Overwrite = s.CryptoErase(), s.BlockErase(), s.Overwrite()
	caps.SANICAP.MediaVerification, caps.SANICAP.PurgeReporting = s.MediaVerification(), s.PurgeReporting()
	caps.SANICAP.NoDeallocateInhibited, caps.SANICAP.NODMMAS = s.NoDeallocateInhibited(), s.NODMMAS()
	out.Raw.IdentifyController = hex.EncodeToString(c.Raw)
	if rep.SMART != nil {
		out.Raw.SMARTLog = hex.EncodeToString(rep.SMART.Raw)
	}
	for _, ns := range rep.Namespaces {
		if out.Raw.IdentifyNamespaces == nil {
			out.Raw.IdentifyNamespaces = map[uint32]string{}
		}
		out.Raw.IdentifyNamespaces[ns.ID] = hex.EncodeToString(ns.Raw)
		out.Namespaces = append(out.Namespaces, NVMeNamespace{Namespace: ns, LBAFormatCount: ns.LBAFormatCount(), BlockSize: ns.BlockSize(),
			SizeBytes: ns.SizeBytes(), FormatIndex: ns.FormatIndex(), DeallocReadAs: ns.DLFEAT.ReadBehaviorString()})
	}
	return out
}

// WriteText writes the probe as aligned "key  value" lines, then the
// methods and why each is or is not offered.
func (out *NVMe) WriteText(w io.Writer) error {
	c := out.Controller
	p, flush := human.KeyValues(w)
	where := "NVMe"
	if out.ControllerPath != "" {
		where += ", controller " + out.ControllerPath
	}
	p("device", "%s (%s)", out.Device, where)
	p("model", "%s", c.Model)
	p("serial", "%s", c.Serial)
	p("firmware", "%s", c.Firmware)
	p("vendor", "%04x (subsystem %04x), IEEE OUI %06x", c.VID, c.SSVID, c.IEEEOUI)
	p("version", "%v", c.Version)
	p("capacity", "total %v bytes, unallocated %v bytes (TNVMCAP/UNVMCAP)", c.TNVMCAP, c.UNVMCAP)
	p("namespaces", "%d active, NN %d", len(out.Namespaces), c.NN)
	for _, ns := range out.Namespaces {
		p(fmt.Sprintf("  nsid %d", ns.ID), "%d bytes = %d x %d B (LBAF %d of %d, PI type %d), DLFEAT %#02x: deallocated blocks read as %s",
			ns.SizeBytes, ns.NSZE, ns.BlockSize, ns.FormatIndex, ns.LBAFormatCount, ns.PIType(), uint8(ns.DLFEAT), ns.DeallocReadAs)
	}
	p("OACS", "%#04x: format NVM %s, namespace management %s, security send/receive %s",
		uint16(c.OACS), human.YesNo(c.OACS.FormatNVM()), human.YesNo(c.OACS.NamespaceManagement()), human.YesNo(c.OACS.SecuritySendReceive()))
	p("FNA", "%#02x: format applies to all namespaces %s, secure erase applies to all namespaces %s, crypto erase %s, NSID FFFFFFFFh %s",
		uint8(c.FNA), human.YesNo(c.FNA.FormatAllNamespaces()), human.YesNo(c.FNA.SecureEraseAllNamespaces()), human.YesNo(c.FNA.CryptoEraseSupported()),
		map[bool]string{true: "not accepted", false: "accepted"}[c.FNA.BroadcastNSIDUnsupported()])
	s := c.SANICAP
	p("SANICAP", "%#08x: crypto erase %s, block erase %s, overwrite %s, media verification %s, no-deallocate inhibited %s, NODMMAS %d",
		uint32(s), human.YesNo(s.CryptoErase()), human.YesNo(s.BlockErase()), human.YesNo(s.Overwrite()), human.YesNo(s.MediaVerification()), human.YesNo(s.NoDeallocateInhibited()), s.NODMMAS())
	if out.Sanitize != nil {
		st := out.Sanitize
		p("sanitize", "last: %v (SSTAT %#04x, SCDW10 %#x), global data erased %s; estimates ETBE %s ETCE %s ETO %s",
			st.SSTAT.State(), uint16(st.SSTAT), st.SCDW10, human.YesNo(st.SSTAT.GlobalDataErased()), est(st.ETBE), est(st.ETCE), est(st.ETO))
	}
	h := out.Health
	var hp []string
	if h.TemperatureC != nil {
		hp = append(hp, fmt.Sprintf("temperature %d C", *h.TemperatureC))
	}
	if h.PowerOnHours != nil {
		hp = append(hp, fmt.Sprintf("power-on hours %d", *h.PowerOnHours))
	}
	if h.PercentageUsed != nil {
		hp = append(hp, fmt.Sprintf("percentage used %d%%", *h.PercentageUsed))
	}
	if h.AvailableSpare != nil {
		hp = append(hp, fmt.Sprintf("available spare %d%%", *h.AvailableSpare))
	}
	if h.MediaErrors != nil {
		hp = append(hp, fmt.Sprintf("media errors %d", *h.MediaErrors))
	}
	if h.UnsafeShutdowns != nil {
		hp = append(hp, fmt.Sprintf("unsafe shutdowns %d", *h.UnsafeShutdowns))
	}
	p("health", "%s; %s", h.Verdict, strings.Join(hp, ", "))
	for _, r := range h.Reasons {
		p("", "%s", r)
	}
	writeTCG(p, out.TCG)
	for _, e := range out.Errors {
		p("error", "%s", e)
	}
	if err := flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "methods (supported: why [NIST SP 800-88 Rev.1 / IEEE 2883 reading])")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, m := range out.Methods {
		fmt.Fprintf(tw, "  %s\t%s: %s [%s / %s]\n", m.Method, human.YesNo(m.Supported), m.Why, m.Readings.NIST80088Rev1, m.Readings.IEEE2883)
	}
	return tw.Flush()
}

func est(v uint32) string {
	if v == nvme.NoEstimate {
		return "not reported"
	}
	return fmt.Sprintf("%ds", v)
}

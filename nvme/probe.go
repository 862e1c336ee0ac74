package nvme

import (
	"context"
	"errors"
	"fmt"
)

// MethodInfo says whether one erase method is available on the controller
// and what it would count as.
type MethodInfo struct {
	Method    string   `json:"method"`
	Supported bool     `json:"supported"`
	Why       string   `json:"why"`
	Readings  Readings `json:"readings"`
}

// ProbeReport is everything kesu probe learns about an NVMe controller using
// Identify and Get Log Page only.
type ProbeReport struct {
	Device     string          `json:"device"`
	Controller *Controller     `json:"controller,omitempty"`
	Namespaces []*Namespace    `json:"namespaces,omitempty"`
	SMART      *SMARTLog       `json:"smart,omitempty"`
	Sanitize   *SanitizeStatus `json:"sanitize_status,omitempty"`
	Methods    []MethodInfo    `json:"methods,omitempty"`
	// Errors are the reads that failed; the probe carries on past them.
	Errors []string `json:"errors,omitempty"`
}

// Probe reads identity, capabilities, namespaces, health and sanitize
// status through a ReadOnly view of t, so that nothing but Identify and Get
// Log Page can reach the device. It fails only when Identify Controller
// fails.
func Probe(ctx context.Context, t Transport, name string) (*ProbeReport, error) {
	d := NewDevice(ReadOnly(t), name)
	rep := &ProbeReport{Device: name}
	ctrl, err := d.IdentifyController(ctx)
	if err != nil {
		return rep, err
	}
	rep.Controller = ctrl
	ids, err := d.ActiveNamespaces(ctx, ctrl.NN)
	if err != nil {
		rep.Errors = append(rep.Errors, err.Error())
	}
	for _, id := range ids {
		ns, err := d.IdentifyNamespace(ctx, id)
		if err != nil {
			rep.Errors = append(rep.Errors, err.Error())
			continue
		}
		rep.Namespaces = append(rep.Namespaces, ns)
	}
	if rep.SMART, err = d.SMARTLog(ctx, NSIDAll); err != nil {
		rep.Errors = append(rep.Errors, err.Error())
	}
	if ctrl.SANICAP.Any() {
		if rep.Sanitize, err = d.SanitizeStatus(ctx); err != nil {
			rep.Errors = append(rep.Errors, err.Error())
		}
	}
	rep.Methods = Methods(ctrl)
	return rep, nil
}

// Methods lists the firmware erase methods and whether the controller's
// capability bits offer them.
func Methods(c *Controller) []MethodInfo {
	sani := func(a SanitizeAction, ok bool) MethodInfo {
		m := MethodInfo{Method: "sanitize " + a.String(), Supported: ok, Readings: SanitizeReadings(a)}
		if ok {
			m.Why = fmt.Sprintf("SANICAP %#08x offers it; acts on the whole NVM subsystem", uint32(c.SANICAP))
		} else {
			m.Why = fmt.Sprintf("SANICAP %#08x does not offer it", uint32(c.SANICAP))
		}
		return m
	}
	scope := "one namespace"
	switch {
	case c.FNA.FormatAllNamespaces():
		scope = "all namespaces (FNA bit 0)"
	case c.FNA.SecureEraseAllNamespaces():
		scope = "all namespaces when erasing (FNA bit 1)"
	}
	format := func(s SES) MethodInfo {
		m := MethodInfo{Method: "format NVM " + s.String(), Readings: FormatReadings(s)}
		switch {
		case !c.OACS.FormatNVM():
			m.Why = fmt.Sprintf("OACS %#04x bit 1 clear: Format NVM not supported", uint16(c.OACS))
		case s == SESCrypto && !c.FNA.CryptoEraseSupported():
			m.Why = fmt.Sprintf("FNA %#02x bit 2 clear: cryptographic erase not supported", uint8(c.FNA))
		default:
			m.Supported = true
			m.Why = "applies to " + scope
		}
		return m
	}
	return []MethodInfo{
		sani(SanitizeCryptoErase, c.SANICAP.CryptoErase()),
		sani(SanitizeBlockErase, c.SANICAP.BlockErase()),
		sani(SanitizeOverwrite, c.SANICAP.Overwrite()),
		format(SESCrypto),
		format(SESUserData),
	}
}

// IsUnsupported reports whether err says the controller does not support
// what was asked.
func IsUnsupported(err error) bool { return errors.Is(err, ErrUnsupported) }

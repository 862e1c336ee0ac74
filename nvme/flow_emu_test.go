package nvme_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kesu-erase/kesu/nvme"
	"github.com/kesu-erase/kesu/nvme/nvmetest"
)

const nsSize = 64 << 10

// target is the erase.Target method set (target-iface.md); the emulated
// namespaces must satisfy it.
type target interface {
	ReadAt(p []byte, off int64) (int, error)
	WriteAt(p []byte, off int64) (int, error)
	Size() int64
	LogicalBlockSize() int
	PhysicalBlockSize() int
	Sync() error
	Close() error
	Name() string
}

var _ target = (*nvmetest.Namespace)(nil)

// newEmu builds an emulated controller with n namespaces of nsSize bytes
// each, filled with planted random data.
func newEmu(t *testing.T, cfg nvmetest.Config, n int, dlfeat uint8) *nvmetest.Controller {
	t.Helper()
	dir := t.TempDir()
	if cfg.Serial == "" {
		cfg.Serial = "EMU0001"
	}
	if cfg.Model == "" {
		cfg.Model = "KESU EMULATED NVME"
	}
	if len(cfg.Namespaces) == 0 {
		for i := range n {
			cfg.Namespaces = append(cfg.Namespaces, nvmetest.NamespaceConfig{
				Path: filepath.Join(dir, "ns"+string(rune('1'+i))), Size: nsSize, DLFEAT: dlfeat,
				LBAFormats: []nvme.LBAFormat{{LBADS: 9}, {LBADS: 12}},
			})
		}
	}
	c, err := nvmetest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := rand.New(rand.NewPCG(1, 2))
	for id := uint32(1); int(id) <= len(cfg.Namespaces); id++ {
		buf := make([]byte, nsSize)
		for i := range buf {
			buf[i] = byte(r.Uint32())
		}
		if _, err := c.Namespace(id).WriteAt(buf, 0); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func readAll(t *testing.T, ns *nvmetest.Namespace) []byte {
	t.Helper()
	b := make([]byte, ns.Size())
	if _, err := ns.ReadAt(b, 0); err != nil {
		t.Fatalf("ReadAt(%s) error %v", ns.Name(), err)
	}
	return b
}

func TestEmuSanitizeActions(t *testing.T) {
	for _, c := range []struct {
		name   string
		dlfeat uint8
		req    nvme.SanitizeRequest
	}{
		{"crypto erase", 0x01, nvme.SanitizeRequest{Action: nvme.SanitizeCryptoErase}},
		{"block erase, DLFEAT zeros", 0x01, nvme.SanitizeRequest{Action: nvme.SanitizeBlockErase}},
		{"block erase, DLFEAT ones", 0x02, nvme.SanitizeRequest{Action: nvme.SanitizeBlockErase, AUSE: true}},
		{"block erase, DLFEAT not reported", 0x00, nvme.SanitizeRequest{Action: nvme.SanitizeBlockErase}},
		{"overwrite 1 pass", 0x01, nvme.SanitizeRequest{Action: nvme.SanitizeOverwrite, Pattern: 0xDEADBEEF, NoDeallocate: true}},
		{"overwrite 2 passes inverted", 0x01, nvme.SanitizeRequest{Action: nvme.SanitizeOverwrite, Pattern: 0x0F0F0F0F, OverwritePasses: 2, InvertPattern: true, NoDeallocate: true}},
		{"overwrite 3 passes inverted", 0x00, nvme.SanitizeRequest{Action: nvme.SanitizeOverwrite, Pattern: 0x12345678, OverwritePasses: 3, InvertPattern: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			emu := newEmu(t, nvmetest.Config{SANICAP: 0x7, Estimates: nvmetest.Estimates{ETO: 60, ETBE: 20, ETCE: 5, ETOND: 90, ETBEND: 30, ETCEND: 6}}, 2, c.dlfeat)
			before := [][]byte{readAll(t, emu.Namespace(1)), readAll(t, emu.Namespace(2))}
			d, _ := device(t, emu)
			var fr []float64
			res, err := d.Sanitize(context.Background(), c.req, func(p nvme.SanitizeProgress) { fr = append(fr, p.Fraction) })
			if err != nil {
				t.Fatalf("Sanitize() error %v; want none", err)
			}
			if !cmp.Equal(fr, []float64{0.25, 0.5, 0.75, 1}) {
				t.Errorf("progress = %v; want [0.25 0.5 0.75 1]", fr)
			}
			if !res.Succeeded || res.State != nvme.SanitizeCompleted || !res.GlobalDataErased || !cmp.Equal(res.Namespaces, []uint32{1, 2}) || emu.Rescans() != 1 {
				t.Errorf("Sanitize() = %+v; want completed, GDE, both namespaces, one rescan", res)
			}
			if c.req.Action == nvme.SanitizeOverwrite && res.PassesCompleted != max(c.req.OverwritePasses, 1) {
				t.Errorf("passes completed %d; want %d", res.PassesCompleted, max(c.req.OverwritePasses, 1))
			}
			exp := nvme.ExpectAfterSanitize(c.req, nvme.DLFEAT(c.dlfeat), 0x7)
			for i, id := range []uint32{1, 2} {
				after := readAll(t, emu.Namespace(id))
				if !exp.Matches(before[i], after) {
					t.Errorf("namespace %d after %s = % x...; want %v", id, c.name, after[:8], exp)
				}
				if bytes.Equal(before[i], after) {
					t.Errorf("namespace %d unchanged by %s", id, c.name)
				}
				if c.req.Action == nvme.SanitizeOverwrite {
					p := nvme.OverwriteFinal(c.req.Pattern, max(c.req.OverwritePasses, 1), c.req.InvertPattern)
					want := nvme.Content{Kind: nvme.ContentPattern, Pattern: p}
					if !want.Matches(nil, after) {
						t.Errorf("namespace %d after %s = % x...; want %v throughout", id, c.name, after[:8], want)
					}
				}
			}
		})
	}
}

func TestEmuIODuringSanitize(t *testing.T) {
	emu := newEmu(t, nvmetest.Config{SANICAP: 0x2, OACS: nvmetest.OACSFormat}, 1, 0x01)
	cmd, _ := nvme.SanitizeCmd(nvme.SanitizeArgs{Action: nvme.SanitizeBlockErase})
	if c, err := emu.Admin(context.Background(), cmd); err != nil || c.Status != 0 {
		t.Fatalf("Admin(sanitize) = %v, %v; want success", c, err)
	}
	ns := emu.Namespace(1)
	buf := make([]byte, 512)
	if _, err := ns.ReadAt(buf, 0); !errors.Is(err, nvme.ErrSanitizeInProgress) {
		t.Errorf("ReadAt during sanitize error %v; want ErrSanitizeInProgress", err)
	}
	if _, err := ns.WriteAt(buf, 0); !errors.Is(err, nvme.ErrSanitizeInProgress) {
		t.Errorf("WriteAt during sanitize error %v; want ErrSanitizeInProgress", err)
	}
	// A second sanitize and a format are refused with Sanitize In Progress.
	d, _ := device(t, emu)
	if _, err := d.Sanitize(context.Background(), nvme.SanitizeRequest{Action: nvme.SanitizeBlockErase}, nil); !errors.Is(err, nvme.ErrSanitizeInProgress) {
		t.Errorf("second Sanitize() error %v; want ErrSanitizeInProgress", err)
	}
	f, _ := nvme.FormatNVMCmd(1, nvme.FormatArgs{}, 0)
	if c, _ := emu.Admin(context.Background(), f); c.Status.SCT() != 0 || c.Status.SC() != 0x1d {
		t.Errorf("Format during sanitize status %v; want Sanitize In Progress", c.Status)
	}
	if err := emu.Advance(4); err != nil {
		t.Fatal(err)
	}
	if emu.SanitizeRunning() {
		t.Fatalf("sanitize still running after Advance(4)")
	}
	if _, err := ns.ReadAt(buf, 0); err != nil || !bytes.Equal(buf, make([]byte, 512)) {
		t.Errorf("ReadAt after block erase = % x..., %v; want zeros (DLFEAT 1), no error", buf[:4], err)
	}
}

func TestEmuSanitizeFailureRecovery(t *testing.T) {
	t.Run("restricted: only a new sanitize recovers", func(t *testing.T) {
		emu := newEmu(t, nvmetest.Config{SANICAP: 0x2, Misbehave: nvmetest.Misbehaviour{FailSanitizeAtStep: 2}}, 1, 0x01)
		d, _ := device(t, emu)
		res, err := d.Sanitize(context.Background(), nvme.SanitizeRequest{Action: nvme.SanitizeBlockErase}, nil)
		if !errors.Is(err, nvme.ErrSanitizeFailed) || !res.FailureMode || !strings.Contains(res.Recovery, "restricted") || res.State != nvme.SanitizeFailed {
			t.Fatalf("Sanitize() error %v, failure mode %v, recovery %q; want ErrSanitizeFailed in restricted failure mode", err, res.FailureMode, res.Recovery)
		}
		buf := make([]byte, 512)
		if _, err := emu.Namespace(1).ReadAt(buf, 0); !errors.Is(err, nvme.ErrSanitizeFailed) {
			t.Errorf("ReadAt in failure mode error %v; want ErrSanitizeFailed", err)
		}
		if _, err := d.ExitFailureMode(context.Background()); !errors.Is(err, nvme.ErrSanitizeFailed) {
			t.Errorf("ExitFailureMode() in restricted mode error %v; want ErrSanitizeFailed", err)
		}
		emu.SetMisbehaviour(nvmetest.Misbehaviour{})
		res, err = d.Sanitize(context.Background(), nvme.SanitizeRequest{Action: nvme.SanitizeBlockErase}, nil)
		if err != nil || !res.Succeeded || len(res.Notes) == 0 {
			t.Fatalf("retry Sanitize() error %v, notes %v; want success noting the earlier failure", err, res.Notes)
		}
		if _, err := emu.Namespace(1).ReadAt(buf, 0); err != nil {
			t.Errorf("ReadAt after recovery error %v; want none", err)
		}
	})
	t.Run("unrestricted: exit failure mode", func(t *testing.T) {
		emu := newEmu(t, nvmetest.Config{SANICAP: 0x1, Misbehave: nvmetest.Misbehaviour{FailSanitizeAtStep: 3}}, 1, 0x01)
		d, _ := device(t, emu)
		res, err := d.Sanitize(context.Background(), nvme.SanitizeRequest{Action: nvme.SanitizeCryptoErase, AUSE: true}, nil)
		if !errors.Is(err, nvme.ErrSanitizeFailed) || !strings.Contains(res.Recovery, "unrestricted") {
			t.Fatalf("Sanitize() error %v recovery %q; want ErrSanitizeFailed, unrestricted", err, res.Recovery)
		}
		ex, err := d.ExitFailureMode(context.Background())
		if err != nil || !ex.Succeeded || ex.State != nvme.SanitizeFailed || ex.CDW10 != 0x1 {
			t.Fatalf("ExitFailureMode() = %+v, %v; want success, CDW10 1, log still showing the failure", ex, err)
		}
		if _, err := emu.Namespace(1).ReadAt(make([]byte, 512), 0); err != nil {
			t.Errorf("ReadAt after exit failure mode error %v; want none", err)
		}
	})
}

func TestEmuFakeEraseCaughtByReadBack(t *testing.T) {
	emu := newEmu(t, nvmetest.Config{SANICAP: 0x2, OACS: nvmetest.OACSFormat, Misbehave: nvmetest.Misbehaviour{FakeSanitize: true, FakeFormat: true}}, 1, 0x01)
	before := readAll(t, emu.Namespace(1))
	d, _ := device(t, emu)
	req := nvme.SanitizeRequest{Action: nvme.SanitizeBlockErase}
	res, err := d.Sanitize(context.Background(), req, nil)
	if err != nil || !res.Succeeded {
		t.Fatalf("Sanitize() on a lying controller = %v; want it to report success (that is the lie)", err)
	}
	exp := nvme.ExpectAfterSanitize(req, 0x01, 0x2)
	if after := readAll(t, emu.Namespace(1)); exp.Matches(before, after) {
		t.Errorf("read-back after a sanitize that did nothing matches %v; want a mismatch", exp)
	}
	fres, err := d.Format(context.Background(), nvme.FormatRequest{NSID: 1, SES: nvme.SESUserData})
	if err != nil || !fres.Succeeded {
		t.Fatalf("Format() = %v; want reported success", err)
	}
	if after := readAll(t, emu.Namespace(1)); nvme.ExpectAfterFormat(nvme.SESUserData, 0x01).Matches(before, after) {
		t.Errorf("read-back after a format that did nothing matched; want a mismatch")
	}
}

func TestEmuFormatAllNamespaces(t *testing.T) {
	emu := newEmu(t, nvmetest.Config{OACS: nvmetest.OACSFormat, FNA: nvmetest.FNAFormatAll}, 2, 0x01)
	d, _ := device(t, emu.OnNamespace(1))
	res, err := d.Format(context.Background(), nvme.FormatRequest{SES: nvme.SESUserData})
	if err != nil {
		t.Fatalf("Format() error %v", err)
	}
	if !res.AllNamespaces || !cmp.Equal(res.Affected, []uint32{1, 2}) || res.NSIDSent != nvme.NSIDAll || !strings.Contains(res.Scope, "FNA bit 0") {
		t.Errorf("Format() = all %v affected %v NSID %#x scope %q; want all namespaces via FFFFFFFFh, FNA bit 0", res.AllNamespaces, res.Affected, res.NSIDSent, res.Scope)
	}
	for _, id := range []uint32{1, 2} {
		if got := readAll(t, emu.Namespace(id)); !bytes.Equal(got, make([]byte, nsSize)) {
			t.Errorf("namespace %d after format = % x...; want zeros", id, got[:8])
		}
	}
	rec, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"all_namespaces":true`, `"affected_namespaces":[1,2]`, `"nsid_sent":4294967295`, `"ses":"SES=1 (user data erase)"`, `"ieee_2883":"Clear"`} {
		if !strings.Contains(string(rec), want) {
			t.Errorf("format record %s lacks %s", rec, want)
		}
	}
}

func TestEmuFormatOneNamespace(t *testing.T) {
	emu := newEmu(t, nvmetest.Config{OACS: nvmetest.OACSFormat, FNA: nvmetest.FNACrypto}, 2, 0x02)
	keep := readAll(t, emu.Namespace(1))
	old := readAll(t, emu.Namespace(2))
	d, _ := device(t, emu)
	res, err := d.Format(context.Background(), nvme.FormatRequest{NSID: 2, SES: nvme.SESCrypto})
	if err != nil || res.AllNamespaces || !cmp.Equal(res.Affected, []uint32{2}) {
		t.Fatalf("Format(2) = %+v, %v; want namespace 2 only", res, err)
	}
	if got := readAll(t, emu.Namespace(1)); !bytes.Equal(got, keep) {
		t.Errorf("namespace 1 changed by a format of namespace 2")
	}
	if got := readAll(t, emu.Namespace(2)); bytes.Equal(got, old) {
		t.Errorf("namespace 2 unchanged by crypto format")
	}
}

func TestEmuFormatKeepsLBAF(t *testing.T) {
	dir := t.TempDir()
	emu, err := nvmetest.New(nvmetest.Config{Serial: "LBAF", OACS: nvmetest.OACSFormat, Namespaces: []nvmetest.NamespaceConfig{{
		Path: filepath.Join(dir, "ns1"), Size: nsSize, FormatIndex: 1, LBAFormats: []nvme.LBAFormat{{LBADS: 9}, {LBADS: 12}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	d, _ := device(t, emu)
	res, err := d.Format(context.Background(), nvme.FormatRequest{NSID: 1, SES: nvme.SESUserData})
	if err != nil {
		t.Fatal(err)
	}
	if res.Args.LBAF != 1 || res.CDW10 != 0x201 || emu.Namespace(1).LogicalBlockSize() != 4096 || len(res.Notes) != 0 {
		t.Errorf("Format() LBAF %d CDW10 %#x block size %d notes %v; want LBAF 1 kept, 0x201, 4096, no notes", res.Args.LBAF, res.CDW10, emu.Namespace(1).LogicalBlockSize(), res.Notes)
	}
}

func TestEmuQEMU72(t *testing.T) {
	dir := t.TempDir()
	emu, err := nvmetest.New(nvmetest.QEMU72("KESUVM0001", "KESU QEMU DISK", nvmetest.NamespaceConfig{Path: filepath.Join(dir, "ns1"), Size: nsSize}))
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	emu.Namespace(1).WriteAt(bytes.Repeat([]byte{0xA5}, nsSize), 0)
	d, _ := device(t, emu)

	if _, err := d.Format(context.Background(), nvme.FormatRequest{NSID: 1, SES: nvme.SESCrypto}); !errors.Is(err, nvme.ErrUnsupported) {
		t.Errorf("Format(SES=2) on FNA=0 error %v; want ErrUnsupported", err)
	}
	res, err := d.Format(context.Background(), nvme.FormatRequest{NSID: 1, SES: nvme.SESCrypto, TryCryptoWithoutFNA: true})
	if err != nil || !res.CryptoWithoutFNA || len(res.Notes) == 0 || !strings.Contains(res.Notes[0], "QEMU 7.2") {
		t.Errorf("Format(SES=2, try) = %+v, %v; want accepted and recorded as crypto-without-FNA", res, err)
	}
	if got := readAll(t, emu.Namespace(1)); !bytes.Equal(got, make([]byte, nsSize)) {
		t.Errorf("after QEMU-style format = % x...; want zeros", got[:4])
	}
	n := len(emu.Commands())
	sres, err := d.Sanitize(context.Background(), nvme.SanitizeRequest{Action: nvme.SanitizeCryptoErase}, nil)
	if !errors.Is(err, nvme.ErrUnsupported) || len(sres.Attempts) != 0 || len(emu.Commands()) != n+1 {
		t.Errorf("Sanitize() on SANICAP=0 error %v, %d attempts; want ErrUnsupported after Identify only", err, len(sres.Attempts))
	}
	cmd, _ := nvme.SanitizeCmd(nvme.SanitizeArgs{Action: nvme.SanitizeBlockErase})
	if c, _ := emu.Admin(context.Background(), cmd); c.Status.SC() != 0x01 || c.Status.SCT() != 0 {
		t.Errorf("raw Sanitize on QEMU 7.2 model status %v; want Invalid Command Opcode", c.Status)
	}
}

func TestEmuRefusedCommandsTyped(t *testing.T) {
	emu := newEmu(t, nvmetest.Config{OACS: nvmetest.OACSFormat, SANICAP: 0x2, Misbehave: nvmetest.Misbehaviour{RefuseOpcodes: []uint8{0x80, 0x84}}}, 1, 0x01)
	d, _ := device(t, emu)
	for name, run := range map[string]func() error{
		"format": func() error {
			_, err := d.Format(context.Background(), nvme.FormatRequest{NSID: 1, SES: nvme.SESUserData})
			return err
		},
		"sanitize": func() error {
			_, err := d.Sanitize(context.Background(), nvme.SanitizeRequest{Action: nvme.SanitizeBlockErase}, nil)
			return err
		},
	} {
		err := run()
		var ce *nvme.CommandError
		if !errors.Is(err, nvme.ErrUnsupported) || !errors.As(err, &ce) || ce.SCT() != 0 || ce.SC() != 0x01 || !ce.DNR() {
			t.Errorf("%s on a refusing controller error %v; want *CommandError SCT 0 SC 01h DNR (ErrUnsupported)", name, err)
		}
	}
}

func TestEmuSanitizeDeadline(t *testing.T) {
	emu := newEmu(t, nvmetest.Config{SANICAP: 0x2, SanitizeSteps: 100000, Estimates: nvmetest.Estimates{ETBE: 2, ETBEND: nvme.NoEstimate}}, 1, 0x01)
	d, clk := device(t, emu)
	start := clk.Now()
	res, err := d.Sanitize(context.Background(), nvme.SanitizeRequest{Action: nvme.SanitizeBlockErase, NoDeallocate: true}, nil)
	if !errors.Is(err, nvme.ErrSanitizeTimeout) || res.Succeeded || !emu.SanitizeRunning() {
		t.Fatalf("Sanitize() error %v; want ErrSanitizeTimeout with the sanitize still running", err)
	}
	if res.EstimateField != "ETBE" || res.Deadline.Seconds() != 604 || clk.Now().Sub(start) < res.Deadline {
		t.Errorf("estimate from %q, deadline %v, waited %v; want ETBE (ETBEND not reported), 10m4s, at least the deadline", res.EstimateField, res.Deadline, clk.Now().Sub(start))
	}
	if len(res.Failures) == 0 || !strings.Contains(res.Failures[len(res.Failures)-1], "still be running") {
		t.Errorf("failures %v; want a note that the sanitize may still be running", res.Failures)
	}
}

func TestEmuSanitizeCancel(t *testing.T) {
	emu := newEmu(t, nvmetest.Config{SANICAP: 0x2, SanitizeSteps: 10}, 1, 0x01)
	d, _ := device(t, emu)
	ctx, cancel := context.WithCancel(context.Background())
	res, err := d.Sanitize(ctx, nvme.SanitizeRequest{Action: nvme.SanitizeBlockErase}, func(p nvme.SanitizeProgress) {
		if p.Polls == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || res.Succeeded || !strings.Contains(strings.Join(res.Failures, ";"), "continues in the controller") {
		t.Errorf("cancelled Sanitize() error %v failures %v; want context.Canceled and a note that it continues", err, res.Failures)
	}
}

func TestEmuNamespaceTarget(t *testing.T) {
	emu := newEmu(t, nvmetest.Config{SANICAP: 0x2}, 1, 0x01)
	ns := emu.Namespace(1)
	if ns.Size() != nsSize || ns.LogicalBlockSize() != 512 || ns.PhysicalBlockSize() != 512 || !strings.Contains(ns.Name(), "EMU0001") {
		t.Errorf("namespace = size %d lbs %d pbs %d name %q; want %d 512 512 with the serial", ns.Size(), ns.LogicalBlockSize(), ns.PhysicalBlockSize(), ns.Name(), nsSize)
	}
	buf := make([]byte, 1024)
	if n, err := ns.ReadAt(buf, nsSize-512); n != 512 || !errors.Is(err, nvme.ErrLBAOutOfRange) {
		t.Errorf("ReadAt across the end = %d, %v; want 512, ErrLBAOutOfRange", n, err)
	}
	if n, err := ns.WriteAt(buf, nsSize); n != 0 || !errors.Is(err, nvme.ErrLBAOutOfRange) {
		t.Errorf("WriteAt at the end = %d, %v; want 0, ErrLBAOutOfRange", n, err)
	}
	if err := ns.Sync(); err != nil {
		t.Errorf("Sync() = %v", err)
	}
	// Global Data Erased: set by a successful sanitize, cleared by a write.
	d, _ := device(t, emu)
	if _, err := d.Sanitize(context.Background(), nvme.SanitizeRequest{Action: nvme.SanitizeBlockErase}, nil); err != nil {
		t.Fatal(err)
	}
	st, _ := d.SanitizeStatus(context.Background())
	if !st.SSTAT.GlobalDataErased() {
		t.Errorf("SSTAT %#x after sanitize: GDE clear; want set", uint16(st.SSTAT))
	}
	ns.WriteAt(buf[:512], 0)
	st, _ = d.SanitizeStatus(context.Background())
	if st.SSTAT.GlobalDataErased() || st.SSTAT.State() != nvme.SanitizeCompleted {
		t.Errorf("SSTAT %#x after a write: want GDE clear, state completed", uint16(st.SSTAT))
	}
}

func TestProbeEmulatedQEMU(t *testing.T) {
	dir := t.TempDir()
	emu, err := nvmetest.New(nvmetest.QEMU72("KESUVM0001", "KESU QEMU DISK", nvmetest.NamespaceConfig{Path: filepath.Join(dir, "ns1"), Size: nsSize, DLFEAT: 1}))
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	rep, err := nvme.Probe(context.Background(), emu, "emu")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Controller.Serial != "KESUVM0001" || rep.Controller.Model != "KESU QEMU DISK" || rep.Controller.SANICAP != 0 || rep.Controller.FNA.CryptoEraseSupported() {
		t.Errorf("probe controller = %+v; want the given serial/model, SANICAP 0, FNA without crypto", rep.Controller)
	}
	if len(rep.Namespaces) != 1 || rep.Namespaces[0].SizeBytes() != nsSize || rep.SMART == nil || rep.Sanitize != nil || len(rep.Errors) != 0 {
		t.Errorf("probe = %+v; want one namespace, SMART log, no sanitize log, no errors", rep)
	}
	for _, c := range emu.Commands() {
		if c.Opcode != nvme.OpIdentify && c.Opcode != nvme.OpGetLogPage {
			t.Errorf("probe sent opcode %#x; want Identify and Get Log Page only", c.Opcode)
		}
	}
	sup := map[string]bool{}
	for _, m := range rep.Methods {
		sup[m.Method] = m.Supported
	}
	want := map[string]bool{"sanitize crypto erase": false, "sanitize block erase": false, "sanitize overwrite": false,
		"format NVM SES=2 (cryptographic erase)": false, "format NVM SES=1 (user data erase)": true}
	if d := cmp.Diff(want, sup); d != "" {
		t.Errorf("probe methods (-want +got):\n%s", d)
	}
}

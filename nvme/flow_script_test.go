package nvme_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kesu-erase/kesu/nvme"
	"github.com/kesu-erase/kesu/nvme/nvmetest"
)

// Reply data is built by hand at the spec offsets (protocols.md §5.3-5.5).

func ctrlData(oacs uint16, fna uint8, sanicap, nn uint32) []byte {
	b := make([]byte, 4096)
	copy(b[4:24], "SCRIPT-SERIAL       ")
	copy(b[24:64], "SCRIPTED CONTROLLER                     ")
	binary.LittleEndian.PutUint16(b[256:], oacs)
	binary.LittleEndian.PutUint32(b[328:], sanicap)
	binary.LittleEndian.PutUint32(b[516:], nn)
	b[524] = fna
	return b
}

func nsList(ids ...uint32) []byte {
	b := make([]byte, 4096)
	for i, id := range ids {
		binary.LittleEndian.PutUint32(b[4*i:], id)
	}
	return b
}

// nsData: NSZE blocks, two formats (512 B, 4 KiB), FLBAS flbas.
func nsData(nsze uint64, flbas byte) []byte {
	b := make([]byte, 4096)
	binary.LittleEndian.PutUint64(b[0:], nsze)
	binary.LittleEndian.PutUint64(b[8:], nsze)
	b[25] = 1 // two formats
	b[26] = flbas
	b[33] = 0x01
	b[128+2] = 9
	b[132+2] = 12
	return b
}

func sanLog(sprog, sstat uint16, scdw10, etce uint32) []byte {
	b := make([]byte, 512)
	binary.LittleEndian.PutUint16(b[0:], sprog)
	binary.LittleEndian.PutUint16(b[2:], sstat)
	binary.LittleEndian.PutUint32(b[4:], scdw10)
	for i := 8; i < 32; i += 4 {
		binary.LittleEndian.PutUint32(b[i:], 0xFFFFFFFF)
	}
	binary.LittleEndian.PutUint32(b[16:], etce) // ETCE
	return b
}

func idStep(cns uint32, nsid uint32, data []byte) nvmetest.Step {
	return nvmetest.Step{Want: nvme.Command{Opcode: 0x06, NSID: nsid, CDW10: cns, Data: make([]byte, 4096)}, Data: data}
}

// Sanitize Status log, 512 bytes, RAE: CDW10 = 007F8081h.
func sanLogStep(data []byte) nvmetest.Step {
	return nvmetest.Step{Want: nvme.Command{Opcode: 0x02, NSID: 0xFFFFFFFF, CDW10: 0x007F8081, Data: make([]byte, 512)}, Data: data}
}

func cmdStep(op uint8, nsid, cdw10, cdw11 uint32, reply nvme.Status) nvmetest.Step {
	return nvmetest.Step{Want: nvme.Command{Opcode: op, NSID: nsid, CDW10: cdw10, CDW11: cdw11}, Reply: nvme.Completion{Status: reply}}
}

var rescan = nvmetest.Step{Rescan: true}

func device(t *testing.T, tr nvme.Transport) (*nvme.Device, *nvmetest.FakeClock) {
	clk := nvmetest.NewFakeClock(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	d := nvme.NewDevice(tr, "/dev/nvme0")
	d.Clock = clk
	return d, clk
}

func TestFormatScriptSingleNamespace(t *testing.T) {
	s := nvmetest.NewScript(t,
		idStep(1, 0, ctrlData(0x0002, 0x00, 0, 2)),
		idStep(2, 0, nsList(1, 2)),
		idStep(0, 1, nsData(4096, 0x01)),
		cmdStep(0x80, 1, 0x201, 0, 0), // LBAF 1 kept, SES=1
		rescan,
		idStep(0, 1, nsData(4096, 0x01)),
	)
	s.NSID = 1
	d, _ := device(t, s)
	res, err := d.Format(context.Background(), nvme.FormatRequest{SES: nvme.SESUserData})
	if err != nil {
		t.Fatalf("Format() error %v; want none", err)
	}
	if !res.Succeeded || res.AllNamespaces || !cmp.Equal(res.Affected, []uint32{1}) || res.NSIDSent != 1 || res.CDW10 != 0x201 || len(res.Attempts) != 1 || res.Rescan == nil {
		t.Errorf("Format() = %+v; want success on namespace 1 only, CDW10 0x201, one attempt, a rescan", res)
	}
	if res.Before[0].BlockSize != 4096 || res.After[0].SizeBytes != 4096*4096 {
		t.Errorf("Before/After = %+v / %+v; want 4096-byte blocks, 16 MiB", res.Before, res.After)
	}
}

func TestFormatScriptAllNamespaces(t *testing.T) {
	for _, c := range []struct {
		name string
		fna  uint8
		nsid uint32 // sent
	}{
		{"FNA bit 0: broadcast NSID", 0x05, 0xFFFFFFFF},
		{"FNA bits 0 and 3: no broadcast, still all", 0x0d, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := nvmetest.NewScript(t,
				idStep(1, 0, ctrlData(0x0002, c.fna, 0, 2)),
				idStep(2, 0, nsList(1, 2)),
				idStep(0, 1, nsData(100, 0)),
				idStep(0, 2, nsData(200, 0)),
				cmdStep(0x80, c.nsid, 0x400, 0, 0), // LBAF 0, SES=2
				rescan,
				idStep(0, 1, nsData(100, 0)),
				idStep(0, 2, nsData(200, 0)),
			)
			d, _ := device(t, s)
			res, err := d.Format(context.Background(), nvme.FormatRequest{NSID: 2, SES: nvme.SESCrypto})
			if err != nil {
				t.Fatalf("Format() error %v; want none", err)
			}
			if !res.AllNamespaces || !cmp.Equal(res.Affected, []uint32{1, 2}) || res.NSIDSent != c.nsid {
				t.Errorf("Format() affected %v all %v sent NSID %#x; want [1 2] true %#x", res.Affected, res.AllNamespaces, res.NSIDSent, c.nsid)
			}
		})
	}
}

func TestFormatScriptRefusals(t *testing.T) {
	for _, c := range []struct {
		name string
		oacs uint16
		fna  uint8
		ses  nvme.SES
	}{
		{"SES=2 without FNA crypto", 0x0002, 0x00, nvme.SESCrypto},
		{"no Format NVM in OACS", 0x0000, 0x04, nvme.SESUserData},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := nvmetest.NewScript(t, idStep(1, 0, ctrlData(c.oacs, c.fna, 0, 1))) // nothing after Identify
			d, _ := device(t, s)
			res, err := d.Format(context.Background(), nvme.FormatRequest{NSID: 1, SES: c.ses})
			if !errors.Is(err, nvme.ErrUnsupported) {
				t.Errorf("Format() error %v; want ErrUnsupported", err)
			}
			if res.Succeeded || len(res.Attempts) != 0 {
				t.Errorf("Format() = succeeded %v, %d attempts; want no attempt", res.Succeeded, len(res.Attempts))
			}
		})
	}
}

func TestFormatScriptControllerRefuses(t *testing.T) {
	s := nvmetest.NewScript(t,
		idStep(1, 0, ctrlData(0x0002, 0x04, 0, 1)),
		idStep(2, 0, nsList(1)),
		idStep(0, 1, nsData(64, 0)),
		cmdStep(0x80, 1, 0x400, 0, 0x4002), // Invalid Field in Command, DNR
	)
	d, _ := device(t, s)
	res, err := d.Format(context.Background(), nvme.FormatRequest{NSID: 1, SES: nvme.SESCrypto})
	var ce *nvme.CommandError
	if !errors.Is(err, nvme.ErrUnsupported) || !errors.As(err, &ce) || ce.SC() != 0x02 || ce.SCT() != 0 || !ce.DNR() {
		t.Fatalf("Format() error %v; want *CommandError SCT 0 SC 02h DNR wrapping ErrUnsupported", err)
	}
	if len(res.Attempts) != 1 || res.Attempts[0].Status == "" || res.Rescan != nil || res.Succeeded {
		t.Errorf("Format() attempts %+v rescan %v succeeded %v; want one failed attempt with its status, no rescan", res.Attempts, res.Rescan, res.Succeeded)
	}
}

func TestSanitizeScriptCrypto(t *testing.T) {
	s := nvmetest.NewScript(t,
		idStep(1, 0, ctrlData(0, 0, 0x1, 1)),
		idStep(2, 0, nsList(1)),
		sanLogStep(sanLog(0xFFFF, 0x0000, 0, 10)),     // never sanitized; ETCE 10 s
		cmdStep(0x84, 0, 0x00C, 0, 0),                 // crypto erase, AUSE
		sanLogStep(sanLog(0x8000, 0x0002, 0x00C, 10)), // 50 %
		sanLogStep(sanLog(0xFFFF, 0x0101, 0x00C, 10)), // completed, GDE
		rescan,
	)
	d, clk := device(t, s)
	var seen []float64
	res, err := d.Sanitize(context.Background(), nvme.SanitizeRequest{Action: nvme.SanitizeCryptoErase, AUSE: true},
		func(p nvme.SanitizeProgress) { seen = append(seen, p.Fraction) })
	if err != nil {
		t.Fatalf("Sanitize() error %v; want none", err)
	}
	if !cmp.Equal(seen, []float64{0.5, 1}) {
		t.Errorf("progress = %v; want [0.5 1]", seen)
	}
	if res.State != nvme.SanitizeCompleted || !res.GlobalDataErased || res.ReportedSCDW10 != 0x00C || res.Polls != 2 || !res.Succeeded {
		t.Errorf("Sanitize() = state %v GDE %v SCDW10 %#x polls %d; want completed, GDE, 0xc, 2 polls", res.State, res.GlobalDataErased, res.ReportedSCDW10, res.Polls)
	}
	if res.EstimateField != "ETCE" || res.Estimate != 10*time.Second || res.Deadline != 10*time.Minute+20*time.Second || res.PollInterval != time.Second {
		t.Errorf("estimate %v from %q, deadline %v, interval %v; want 10s ETCE, 10m20s, 1s", res.Estimate, res.EstimateField, res.Deadline, res.PollInterval)
	}
	if got := clk.Slept(); !cmp.Equal(got, []time.Duration{time.Second}) {
		t.Errorf("slept %v; want [1s] (first poll immediately)", got)
	}
	if res.Readings.NIST80088Rev1 != nvme.LevelPurge || res.Readings.IEEE2883 != nvme.LevelPurge {
		t.Errorf("readings %+v; want Purge/Purge", res.Readings)
	}
}

func TestSanitizeScriptRefusals(t *testing.T) {
	t.Run("SANICAP=0", func(t *testing.T) {
		s := nvmetest.NewScript(t, idStep(1, 0, ctrlData(0x0002, 0, 0, 1)))
		d, _ := device(t, s)
		res, err := d.Sanitize(context.Background(), nvme.SanitizeRequest{Action: nvme.SanitizeBlockErase}, nil)
		if !errors.Is(err, nvme.ErrUnsupported) || len(res.Attempts) != 0 {
			t.Errorf("Sanitize() error %v, %d attempts; want ErrUnsupported and nothing sent", err, len(res.Attempts))
		}
	})
	t.Run("action not in SANICAP", func(t *testing.T) {
		s := nvmetest.NewScript(t, idStep(1, 0, ctrlData(0, 0, 0x2, 1)))
		d, _ := device(t, s)
		if _, err := d.Sanitize(context.Background(), nvme.SanitizeRequest{Action: nvme.SanitizeCryptoErase}, nil); !errors.Is(err, nvme.ErrUnsupported) {
			t.Errorf("Sanitize(crypto) with SANICAP 2 error %v; want ErrUnsupported", err)
		}
	})
	t.Run("already running", func(t *testing.T) {
		s := nvmetest.NewScript(t,
			idStep(1, 0, ctrlData(0, 0, 0x2, 1)),
			idStep(2, 0, nsList(1)),
			sanLogStep(sanLog(0x1000, 0x0002, 0x002, 10)),
		)
		d, _ := device(t, s)
		res, err := d.Sanitize(context.Background(), nvme.SanitizeRequest{Action: nvme.SanitizeBlockErase}, nil)
		if !errors.Is(err, nvme.ErrSanitizeInProgress) || len(res.Attempts) != 0 {
			t.Errorf("Sanitize() error %v, %d attempts; want ErrSanitizeInProgress and nothing sent", err, len(res.Attempts))
		}
	})
	t.Run("controller says invalid opcode", func(t *testing.T) {
		s := nvmetest.NewScript(t,
			idStep(1, 0, ctrlData(0, 0, 0x2, 1)),
			idStep(2, 0, nsList(1)),
			sanLogStep(sanLog(0xFFFF, 0, 0, 10)),
			cmdStep(0x84, 0, 0x002, 0, 0x4001),
		)
		d, _ := device(t, s)
		res, err := d.Sanitize(context.Background(), nvme.SanitizeRequest{Action: nvme.SanitizeBlockErase}, nil)
		var ce *nvme.CommandError
		if !errors.Is(err, nvme.ErrUnsupported) || !errors.As(err, &ce) || ce.SC() != 1 || !ce.DNR() {
			t.Errorf("Sanitize() error %v; want *CommandError SC 01h DNR, ErrUnsupported", err)
		}
		if len(res.Attempts) != 1 || res.Attempts[0].Status == "" {
			t.Errorf("attempts %+v; want the refused command recorded with its status", res.Attempts)
		}
	})
}

func TestSanitizeScriptFailureAndNotRecorded(t *testing.T) {
	t.Run("failed", func(t *testing.T) {
		s := nvmetest.NewScript(t,
			idStep(1, 0, ctrlData(0, 0, 0x2, 1)),
			idStep(2, 0, nsList(1)),
			sanLogStep(sanLog(0xFFFF, 0, 0, 5)),
			cmdStep(0x84, 0, 0x002, 0, 0),
			sanLogStep(sanLog(0xFFFF, 0x0003, 0x002, 5)),
		)
		d, _ := device(t, s)
		res, err := d.Sanitize(context.Background(), nvme.SanitizeRequest{Action: nvme.SanitizeBlockErase}, nil)
		if !errors.Is(err, nvme.ErrSanitizeFailed) || !res.FailureMode || res.Recovery == "" || res.Succeeded || res.Rescan != nil {
			t.Errorf("Sanitize() error %v, failure mode %v, recovery %q; want ErrSanitizeFailed, failure mode, a recovery note, no rescan", err, res.FailureMode, res.Recovery)
		}
	})
	t.Run("log never shows it", func(t *testing.T) {
		stale := sanLog(0xFFFF, 0x0101, 0x004, 5) // an earlier crypto erase
		s := nvmetest.NewScript(t,
			idStep(1, 0, ctrlData(0, 0, 0x3, 1)),
			idStep(2, 0, nsList(1)),
			sanLogStep(stale),
			cmdStep(0x84, 0, 0x002, 0, 0),
			sanLogStep(stale), sanLogStep(stale), sanLogStep(stale),
		)
		d, _ := device(t, s)
		res, err := d.Sanitize(context.Background(), nvme.SanitizeRequest{Action: nvme.SanitizeBlockErase}, nil)
		if !errors.Is(err, nvme.ErrNotRecorded) || res.Succeeded || len(res.Failures) != 3 {
			t.Errorf("Sanitize() error %v, failures %v; want ErrNotRecorded after 3 polls", err, res.Failures)
		}
	})
}

func TestReadOnlyTransport(t *testing.T) {
	s := nvmetest.NewScript(t) // nothing may reach it
	ro := nvme.ReadOnly(s)
	for _, op := range []uint8{0x80, 0x84, 0x09, 0x81} {
		if _, err := ro.Admin(context.Background(), &nvme.Command{Opcode: op}); !errors.Is(err, nvme.ErrNotReadOnly) {
			t.Errorf("ReadOnly.Admin(opcode %#x) error %v; want ErrNotReadOnly", op, err)
		}
	}
}

func TestSanitizeScriptOverwriteRecord(t *testing.T) {
	// Overwrite, 2 passes, pattern 55AA55AAh, OIPBP, no-deallocate: CDW10 = 3 | 2<<4 | 1<<8 | 1<<9 = 323h.
	// The controller claims completion but reports only 1 pass (SSTAT 0x0109: state 1, 1 pass, GDE).
	s := nvmetest.NewScript(t,
		idStep(1, 0, ctrlData(0, 0, 0x4, 1)),
		idStep(2, 0, nsList(1)),
		sanLogStep(sanLog(0xFFFF, 0, 0, 5)),
		cmdStep(0x84, 0, 0x323, 0x55AA55AA, 0),
		sanLogStep(sanLog(0xFFFF, 0x0109, 0x323, 5)),
		rescan,
	)
	d, _ := device(t, s)
	res, err := d.Sanitize(context.Background(), nvme.SanitizeRequest{Action: nvme.SanitizeOverwrite, OverwritePasses: 2,
		Pattern: 0x55AA55AA, InvertPattern: true, NoDeallocate: true}, nil)
	if err != nil {
		t.Fatalf("Sanitize() error %v", err)
	}
	if res.EstimateReported || res.Deadline != nvme.DefaultSanitizeWait || len(res.Notes) != 2 {
		t.Errorf("estimate reported %v, deadline %v, notes %q; want no ETO/ETOND, default wait, notes on the missing estimate and the pass count", res.EstimateReported, res.Deadline, res.Notes)
	}
	rec, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"action":"overwrite"`, `"cdw10":803`, `"cdw11":1437226410`, `"sstat":265`, `"reported_scdw10":803`,
		`"passes_completed":1`, `"overwrite_passes":2`, `"no_deallocate":true`, `"nist_800_88_rev1":"Purge"`, `"succeeded":true`} {
		if !strings.Contains(string(rec), want) {
			t.Errorf("sanitize record lacks %s:\n%s", want, rec)
		}
	}
}

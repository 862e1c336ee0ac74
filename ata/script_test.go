package ata

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/scsi/scsitest"
)

// identifyWords builds IDENTIFY data from word values set by hand, with a
// valid checksum.
func identifyWords(words map[int]uint16) []byte {
	b := make([]byte, 512)
	for w, v := range words {
		binary.LittleEndian.PutUint16(b[2*w:], v)
	}
	b[510] = 0xA5
	var sum byte
	for _, c := range b[:511] {
		sum += c
	}
	b[511] = -sum
	return b
}

// okSense is the descriptor sense libata returns for a successful CK_COND
// command: RECOVERED ERROR 00h/1Dh with an ATA Status Return descriptor.
func okSense(r scsi.ATARegisters) scsitest.Reply {
	if r.Status == 0 {
		r.Status = 0x50
	}
	return scsitest.Check(scsitest.ATASense(scsi.ATADescriptor, scsi.KeyRecoveredError, 0x00, 0x1D, r))
}

func TestSecurityEraseExactSequence(t *testing.T) {
	pw, _ := PasswordFromString("Kesu-Test-Password")
	base := map[int]uint16{83: 0x4400, 100: 10000, 89: 2, 90: 3}
	with := func(w128 uint16) []byte {
		m := map[int]uint16{128: w128}
		for k, v := range base {
			m[k] = v
		}
		return identifyWords(m)
	}
	identify := unhexStr("85 08 0E 00 00 00 01 00 00 00 00 00 00 40 EC 00")
	script := scsitest.NewScript(t,
		scsitest.Step{CDB: identify, Reply: scsitest.Good(with(0x0021))},
		scsitest.Step{CDB: unhexStr("85 0A 06 00 00 00 01 00 00 00 00 00 00 40 F1 00"),
			DataOut: SecurityBlock(0, pw, 0), Timeout: 15 * time.Second, Reply: scsitest.Good(nil)},
		scsitest.Step{CDB: identify, Reply: scsitest.Good(with(0x0023))},
		// ERASE PREPARE immediately followed by ERASE UNIT.
		scsitest.Step{CDB: unhexStr("85 06 20 00 00 00 00 00 00 00 00 00 00 40 F3 00"), Reply: okSense(scsi.ATARegisters{})},
		scsitest.Step{CDB: unhexStr("85 0A 06 00 00 00 01 00 00 00 00 00 00 40 F4 00"),
			DataOut: SecurityBlock(eraseEnhanced, pw, 0), Timeout: 66 * time.Minute, Reply: scsitest.Good(nil)},
		scsitest.Step{CDB: identify, Reply: scsitest.Good(with(0x0021))},
	)
	dev := &Device{T: script, Name: "script", Clock: scsitest.NewFakeClock()}
	var recordedBeforeSet bool
	res, err := dev.SecurityErase(context.Background(), SecurityEraseOptions{
		Enhanced: true, Password: pw,
		Record: func(p Password) error {
			recordedBeforeSet = len(script.Sent) == 1 // only IDENTIFY so far
			if p != pw {
				t.Errorf("Record(%q); want %q", p.String(), pw.String())
			}
			return nil
		},
	})
	if err != nil || !res.Erased {
		t.Fatalf("SecurityErase() = %+v, %v; want erased", res, err)
	}
	if !recordedBeforeSet {
		t.Errorf("Record was not called between IDENTIFY and SET PASSWORD")
	}
	if len(res.Commands) != 6 || res.Commands[4].Name != "SECURITY ERASE UNIT (enhanced)" || res.Commands[4].Timeout != 66*time.Minute {
		t.Errorf("result commands = %+v; want 6 with the enhanced ERASE UNIT at 66m", res.Commands)
	}
}

func TestSecurityEraseUnitFailureTriesDisable(t *testing.T) {
	pw, _ := PasswordFromString("pw")
	identify := unhexStr("85 08 0E 00 00 00 01 00 00 00 00 00 00 40 EC 00")
	id := func(w128 uint16) []byte { return identifyWords(map[int]uint16{83: 0x4400, 100: 1000, 128: w128}) }
	// ERASE UNIT fails with the pre-6.11 fixed sense a Debian 12 kernel
	// returns: ILLEGAL REQUEST 21h/04h, error 04h / status 51h at bytes 8–9.
	abortSense := scsitest.Check(scsitest.ATASense(scsi.ATAFixedLibata, scsi.KeyIllegalRequest, 0x21, 0x04,
		scsi.ATARegisters{Status: 0x51, Error: 0x04, Device: 0x40}))
	script := scsitest.NewScript(t,
		scsitest.Step{CDB: identify, Reply: scsitest.Good(id(0x0001))},
		scsitest.Step{CDB: unhexStr("85 0A 06 00 00 00 01 00 00 00 00 00 00 40 F1 00"), Reply: scsitest.Good(nil)},
		scsitest.Step{CDB: identify, Reply: scsitest.Good(id(0x0003))},
		scsitest.Step{CDB: unhexStr("85 06 20 00 00 00 00 00 00 00 00 00 00 40 F3 00"), Reply: okSense(scsi.ATARegisters{})},
		scsitest.Step{CDB: unhexStr("85 0A 06 00 00 00 01 00 00 00 00 00 00 40 F4 00"), Reply: abortSense},
		scsitest.Step{CDB: unhexStr("85 0A 06 00 00 00 01 00 00 00 00 00 00 40 F2 00"), DataOut: SecurityBlock(0, pw, 0), Reply: scsitest.Good(nil)},
		scsitest.Step{CDB: unhexStr("85 0A 06 00 00 00 01 00 00 00 00 00 00 40 F6 00"), DataOut: SecurityBlock(0, pw, 0), Reply: scsitest.Good(nil)},
		scsitest.Step{CDB: identify, Reply: scsitest.Good(id(0x0001))},
	)
	dev := &Device{T: script, Name: "script", Clock: scsitest.NewFakeClock()}
	res, err := dev.SecurityErase(context.Background(), SecurityEraseOptions{Password: pw, Record: func(Password) error { return nil }})
	if !errors.Is(err, ErrAborted) {
		t.Fatalf("SecurityErase() error = %v; want ErrAborted", err)
	}
	var ce *CommandError
	if !errors.As(err, &ce) || ce.Status.Registers == nil || ce.Status.Registers.Layout != scsi.ATAFixedLibata {
		t.Errorf("error %v does not carry the libata fixed-layout registers", err)
	}
	if res.Recovery == nil || !res.Recovery.Attempted || !res.Recovery.Disabled || res.Recovery.UnlockErr != "" {
		t.Errorf("Recovery = %+v; want attempted, disabled, no errors", res.Recovery)
	}
}

func TestHPARestoreExactSequence(t *testing.T) {
	identify := unhexStr("85 08 0E 00 00 00 01 00 00 00 00 00 00 40 EC 00")
	readNative := unhexStr("85 07 20 00 00 00 00 00 00 00 00 00 00 40 27 00")
	// IDENTIFY: HPA supported (82 bit 10), 48-bit (83 bit 10), 990 sectors.
	id := func(sectors uint16) []byte {
		return identifyWords(map[int]uint16{82: 0x4400, 83: 0x4400, 85: 0x4400, 87: 0x4000, 100: sectors})
	}
	native := okSense(scsi.ATARegisters{Extend: true, LBA: 999})
	script := scsitest.NewScript(t,
		scsitest.Step{CDB: identify, Reply: scsitest.Good(id(990))},
		scsitest.Step{CDB: readNative, Reply: native},
		// The restore: READ NATIVE MAX immediately before SET MAX.
		scsitest.Step{CDB: readNative, Reply: native},
		scsitest.Step{CDB: unhexStr("85 07 20 00 00 00 01 00 E7 00 03 00 00 40 37 00"), Reply: okSense(scsi.ATARegisters{Extend: true})},
		scsitest.Step{CDB: identify, Reply: scsitest.Good(id(1000))},
	)
	dev := &Device{T: script, Name: "script", Clock: scsitest.NewFakeClock()}
	h, err := dev.RestoreHiddenAreas(context.Background(), RestoreOptions{})
	if err != nil {
		t.Fatalf("RestoreHiddenAreas() error = %v", err)
	}
	if h.CurrentMax != 989 || h.NativeMax != 999 || h.HPASectors != 10 || !h.RestoreOK || h.After != 999 {
		t.Errorf("HiddenArea = %+v; want 989 -> 999 restored", h)
	}
}

func TestReadNativeMaxNeedsDescriptorSense(t *testing.T) {
	// A SATL that answers a successful CK_COND command with fixed sense
	// (the short-lived 6.x behaviour) cannot carry LBA 47:24: the native
	// max is unknown rather than wrong.
	id := identifyWords(map[int]uint16{82: 0x4400, 83: 0x4400, 100: 990})
	fixedOK := scsitest.Check(scsitest.ATASense(scsi.ATAFixedSAT, scsi.KeyRecoveredError, 0, 0x1D,
		scsi.ATARegisters{Extend: true, Status: 0x50, LBA: 999}))
	script := scsitest.NewScript(t,
		scsitest.Step{CDB: unhexStr("85 07 20 00 00 00 00 00 00 00 00 00 00 40 27 00"), Reply: fixedOK},
	)
	dev := &Device{T: script, Name: "script"}
	ident, _ := DecodeIdentify(id)
	h, err := dev.DetectHiddenAreas(context.Background(), ident)
	if err != nil {
		t.Fatal(err)
	}
	if h.NativeMaxKnown || len(h.Failures) != 1 {
		t.Errorf("DetectHiddenAreas() = %+v; want native max unknown with one failure", h)
	}
}

func TestSanitizeFrozenStopsBeforeErase(t *testing.T) {
	id := identifyWords(map[int]uint16{59: 0xB000, 83: 0x4400, 100: 1000})
	script := scsitest.NewScript(t,
		scsitest.Step{CDB: unhexStr("85 08 0E 00 00 00 01 00 00 00 00 00 00 40 EC 00"), Reply: scsitest.Good(id)},
		scsitest.Step{CDB: unhexStr("85 07 20 00 00 00 00 00 00 00 00 00 00 40 B4 00"),
			Reply: okSense(scsi.ATARegisters{Extend: true, Count: 0x2000, LBA: 0xFFFF})},
	)
	dev := &Device{T: script, Name: "script", Clock: scsitest.NewFakeClock()}
	if _, err := dev.Sanitize(context.Background(), SanitizeOptions{Method: SanitizeBlockErase}); !errors.Is(err, ErrFrozen) {
		t.Errorf("Sanitize(frozen) error = %v; want ErrFrozen", err)
	}
}

func TestSanitizeAbortReasons(t *testing.T) {
	// An aborted sanitize command carries its reason in LBA 7:0 (hdparm
	// sanitize_err_reason_str); the legacy fixed layout keeps byte 17.
	id := identifyWords(map[int]uint16{59: 0xB000, 83: 0x4400, 100: 1000})
	for reason, want := range map[byte]error{1: ErrSanitizeFailed, 2: ErrUnsupported, 3: ErrFrozen, 4: ErrAntifreeze} {
		abort := scsitest.Check(scsitest.ATASense(scsi.ATAFixedLibata, scsi.KeyIllegalRequest, 0x21, 0x04,
			scsi.ATARegisters{Extend: true, Status: 0x51, Error: 0x04, Device: 0x40, LBA: uint64(reason)}))
		script := scsitest.NewScript(t,
			scsitest.Step{CDB: unhexStr("85 08 0E 00 00 00 01 00 00 00 00 00 00 40 EC 00"), Reply: scsitest.Good(id)},
			scsitest.Step{CDB: unhexStr("85 07 20 00 00 00 00 00 00 00 00 00 00 40 B4 00"),
				Reply: okSense(scsi.ATARegisters{Extend: true, LBA: 0xFFFF})},
			scsitest.Step{CDB: unhexStr("85 07 20 00 12 00 00 42 72 00 45 00 6B 40 B4 00"), Reply: abort},
		)
		dev := &Device{T: script, Name: "script", Clock: scsitest.NewFakeClock()}
		_, err := dev.Sanitize(context.Background(), SanitizeOptions{Method: SanitizeBlockErase})
		if !errors.Is(err, want) || !errors.Is(err, ErrAborted) {
			t.Errorf("reason %d: Sanitize() error = %v; want %v and ErrAborted", reason, err, want)
		}
	}
}

func unhexStr(s string) []byte {
	b := make([]byte, 0, 16)
	var v, n byte
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			v, n = v<<4|byte(c-'0'), n+1
		case c >= 'A' && c <= 'F':
			v, n = v<<4|byte(c-'A'+10), n+1
		case c >= 'a' && c <= 'f':
			v, n = v<<4|byte(c-'a'+10), n+1
		}
		if n == 2 {
			b, v, n = append(b, v), 0, 0
		}
	}
	return b
}

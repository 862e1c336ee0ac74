package tcg

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEncodeAtoms(t *testing.T) {
	// Core Spec 3.2.2.3.1: tiny 0-63; short atom 10 B S LLLL; medium
	// 110 B S LLL + 1 length byte; long 111000 B S + 3 length bytes.
	seq := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	}
	for _, tc := range []struct {
		name string
		enc  func(e *encoder)
		want []byte
	}{
		{"uint 0 tiny", func(e *encoder) { e.uint(0) }, hx("00")},
		{"uint 63 tiny", func(e *encoder) { e.uint(63) }, hx("3F")},
		{"uint 64 short 1", func(e *encoder) { e.uint(64) }, hx("81 40")},
		{"uint 255 short 1", func(e *encoder) { e.uint(255) }, hx("81 FF")},
		{"uint 0x1234 short 2", func(e *encoder) { e.uint(0x1234) }, hx("82 12 34")},
		{"uint 0x123456 short 3", func(e *encoder) { e.uint(0x123456) }, hx("83 12 34 56")},
		{"uint max short 8", func(e *encoder) { e.uint(^uint64(0)) }, hx("88 FF FF FF FF FF FF FF FF")},
		{"bool true", func(e *encoder) { e.bool(true) }, hx("01")},
		{"bool false", func(e *encoder) { e.bool(false) }, hx("00")},
		{"bytes empty", func(e *encoder) { e.bytes(nil) }, hx("A0")},
		{"bytes 3", func(e *encoder) { e.str("PIN") }, hx("A3 50 49 4E")},
		{"uid", func(e *encoder) { e.uid(uidAdminSP) }, hx("A8 00 00 02 05 00 00 00 01")},
		{"bytes 15 short", func(e *encoder) { e.bytes(seq(15)) }, append(hx("AF"), seq(15)...)},
		{"bytes 16 medium", func(e *encoder) { e.bytes(seq(16)) }, append(hx("D0 10"), seq(16)...)},
		{"bytes 2047 medium", func(e *encoder) { e.bytes(seq(2047)) }, append(hx("D7 FF"), seq(2047)...)},
		{"bytes 2048 long", func(e *encoder) { e.bytes(seq(2048)) }, append(hx("E2 00 08 00"), seq(2048)...)},
	} {
		var e encoder
		tc.enc(&e)
		if !bytes.Equal(e.b, tc.want) {
			t.Errorf("%s: encoded % X; want % X", tc.name, head(e.b), head(tc.want))
		}
	}
}

func head(b []byte) []byte { return b[:min(len(b), 24)] }

func TestDecodeTokens(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want list
	}{
		{"tiny", hx("00 3F"), list{uint64(0), uint64(63)}},
		{"tiny signed", hx("7F 41"), list{int64(-1), int64(1)}},
		{"short uint", hx("82 12 34"), list{uint64(0x1234)}},
		{"short signed", hx("91 FF 92 FF 00"), list{int64(-1), int64(-256)}},
		{"short bytes", hx("A3 50 49 4E"), list{[]byte("PIN")}},
		{"medium bytes", append(hx("D0 10"), "MaxComPacketSize"...), list{[]byte("MaxComPacketSize")}},
		{"long bytes", append(hx("E2 00 00 02"), "ab"...), list{[]byte("ab")}},
		{"lists and names", hx("F0 F0 F2 03 A2 41 42 F3 F1 F0 F1 F1 F9 F0 00 00 00 F1"), list{
			list{list{named{uint64(3), []byte("AB")}}, list{}}, control(tokEndOfData), list{uint64(0), uint64(0), uint64(0)}}},
		{"end of session", hx("FA"), list{control(tokEndOfSession)}},
	} {
		got, err := decodeTokens(tc.in)
		if err != nil {
			t.Errorf("%s: decodeTokens = %v", tc.name, err)
			continue
		}
		if d := cmp.Diff(tc.want, got, cmp.AllowUnexported(named{})); d != "" {
			t.Errorf("%s: (-want +got):\n%s", tc.name, d)
		}
	}
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"short atom past the end", hx("A8 00 00")},
		{"medium header truncated", hx("D0")},
		{"long atom past the end", hx("E2 00 01 00 00")},
		{"unclosed list", hx("F0 01")},
		{"stray EndList", hx("01 F1")},
		{"stray EndName", hx("F3")},
		{"name without value", hx("F2 01 F3")},
		{"name not closed", hx("F2 01 02 03")},
		{"reserved token", hx("E4")},
		{"9-byte integer", hx("89 01 02 03 04 05 06 07 08 09")},
		{"deep nesting", bytes.Repeat([]byte{0xF0}, 100)},
	} {
		if got, err := decodeTokens(tc.in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: decodeTokens = %v, %v; want ErrMalformed", tc.name, got, err)
		}
	}
}

// The StartSession ComPacket of an Opal session as SID on the Admin SP,
// written from Core Spec 3.2.3 (framing) and 5.2.3.1 (StartSession).
func TestStartSessionPacket(t *testing.T) {
	payload := hx(`F8
		A8 00 00 00 00 00 00 00 FF
		A8 00 00 00 00 00 00 FF 02
		F0
		82 01 01
		A8 00 00 02 05 00 00 00 01
		01
		F2 00 A4 70 61 73 73 F3
		F2 03 A8 00 00 00 09 00 00 00 06 F3
		F1 F9 F0 00 00 00 F1`)
	got := encodeCall(uidSMU, methodStartSession, startSessionParams(false, 0x0101, uidAdminSP, uidSID, []byte("pass")))
	if !bytes.Equal(got, payload) {
		t.Fatalf("StartSession call\n got % X\nwant % X", got, payload)
	}
	want := make([]byte, 512)
	copy(want, hx(`00 00 00 00 | 07 FE 00 00 | 00 00 00 00 | 00 00 00 00 | 00 00 00 60
		00 00 00 00 | 00 00 00 00 | 00 00 00 00 | 00 00 | 00 00 | 00 00 00 00 | 00 00 00 48
		00 00 00 00 00 00 | 00 00 | 00 00 00 3C`))
	copy(want[56:], payload)
	if f := frame(0x07FE, 0, 0, got); !bytes.Equal(f, want) {
		t.Errorf("StartSession ComPacket\n got % X\nwant % X", f[:128], want[:128])
	}

	// Enterprise: the optional parameters are named by byte strings.
	ent := startSessionParams(true, 1, uidELockingSP, uidEraseMaster, []byte("x"))
	wantEnt := hx(`01 A8 00 00 02 05 00 01 00 01 01
		F2 AD 48 6F 73 74 43 68 61 6C 6C 65 6E 67 65 A1 78 F3
		F2 D0 14 48 6F 73 74 53 69 67 6E 69 6E 67 41 75 74 68 6F 72 69 74 79 A8 00 00 00 09 00 00 84 01 F3`)
	if !bytes.Equal(ent, wantEnt) {
		t.Errorf("Enterprise StartSession params\n got % X\nwant % X", ent, wantEnt)
	}
	// An Anybody session has no optional parameters.
	if got, want := startSessionParams(false, 7, uidAdminSP, uidAnybody, nil), hx("07 A8 00 00 02 05 00 00 00 01 01"); !bytes.Equal(got, want) {
		t.Errorf("Anybody StartSession params % X; want % X", got, want)
	}
}

func TestParseComPacket(t *testing.T) {
	// Two data SubPackets (the first padded) and a credit control one.
	b := make([]byte, 512)
	copy(b, hx(`00 00 00 00 | 10 00 00 00 | 00 00 00 00 | 00 00 00 00 | 00 00 00 48
		00 00 00 05 | 00 00 00 09 | 00 00 00 00 | 00 00 | 00 00 | 00 00 00 00 | 00 00 00 30
		00 00 00 00 00 00 | 00 00 | 00 00 00 01 | F0 00 00 00
		00 00 00 00 00 00 | 80 01 | 00 00 00 04 | 00 00 01 00
		00 00 00 00 00 00 | 00 00 | 00 00 00 02 | F1 F9 00 00`))
	cp, err := parseComPacket(b)
	if err != nil {
		t.Fatal(err)
	}
	if cp.comID != 0x1000 || cp.tsn != 5 || cp.hsn != 9 || cp.length != 0x48 || !bytes.Equal(cp.data, hx("F0 F1 F9")) {
		t.Errorf("parseComPacket = %+v", cp)
	}
	for _, tc := range []struct {
		name string
		hdr  string
	}{
		{"ComPacket length past the buffer", "00000000 10000000 00000000 00000000 00000400"},
		{"Packet shorter than its header", "00000000 10000000 00000000 00000000 00000008"},
		{"Packet length past the ComPacket", "00000000 10000000 00000000 00000000 00000018 00000000 00000000 00000000 0000 0000 00000000 00000040"},
	} {
		b := make([]byte, 512)
		copy(b, hx(tc.hdr))
		if _, err := parseComPacket(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: parseComPacket = %v; want ErrMalformed", tc.name, err)
		}
	}
}

func TestKeyName(t *testing.T) {
	for _, tc := range []struct {
		k    uid
		want string
	}{
		{mkUID(0x0000080600000001), "K_AES_256 GlobalRange"},
		{mkUID(0x0000080600030002), "K_AES_256 Range 2"},
		{mkUID(0x0000080500000001), "K_AES_128 GlobalRange"},
		{mkUID(0x0000080500030010), "K_AES_128 Range 16"},
		{mkUID(0x0000080700000001), "key 0000080700000001"},
	} {
		if got := keyName(tc.k); got != tc.want {
			t.Errorf("keyName(%v) = %q; want %q", tc.k, got, tc.want)
		}
	}
	if got, want := opalRange(3), mkUID(0x0000080200030003); got != want {
		t.Errorf("opalRange(3) = %v; want %v", got, want)
	}
	if got, want := enterpriseBand(2), mkUID(0x0000080200000003); got != want {
		t.Errorf("enterpriseBand(2) = %v; want %v", got, want)
	}
}

package tcgtest

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// These tests send ComPackets written byte by byte from the Core Spec
// (3.2.3 framing, 3.2.2 tokens, 5.2 session manager) and check the
// response field by field.

// hx is a byte string written out by hand.
func hx(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// frameByHand builds a ComPacket (Core 3.2.3.1): ComPacket header (4
// reserved, ComID, extension, OutstandingData, MinTransfer, Length),
// Packet header (TSN, HSN, SeqNumber, 2 reserved, AckType,
// Acknowledgement, Length), SubPacket header (6 reserved, Kind, Length),
// the payload and its pad to 4, the whole padded to 512.
func frameByHand(comID uint16, tsn, hsn uint32, payload []byte) []byte {
	pad := (4 - len(payload)%4) % 4
	b := make([]byte, 20+24+12+len(payload)+pad)
	binary.BigEndian.PutUint16(b[4:], comID)
	binary.BigEndian.PutUint32(b[16:], uint32(24+12+len(payload)+pad))
	binary.BigEndian.PutUint32(b[20:], tsn)
	binary.BigEndian.PutUint32(b[24:], hsn)
	binary.BigEndian.PutUint32(b[40:], uint32(12+len(payload)+pad))
	binary.BigEndian.PutUint32(b[52:], uint32(len(payload)))
	copy(b[56:], payload)
	return append(b, make([]byte, 512-len(b)%512)...)
}

// response is a received ComPacket taken apart by hand.
type response struct {
	comID                            uint16
	outstanding, minTransfer, comLen uint32
	tsn, hsn, pktLen, subLen         uint32
	kind                             uint16
	payload                          []byte
}

func unframeByHand(t *testing.T, b []byte) response {
	t.Helper()
	r := response{
		comID:       binary.BigEndian.Uint16(b[4:]),
		outstanding: binary.BigEndian.Uint32(b[8:]),
		minTransfer: binary.BigEndian.Uint32(b[12:]),
		comLen:      binary.BigEndian.Uint32(b[16:]),
	}
	if r.comLen == 0 {
		return r
	}
	r.tsn = binary.BigEndian.Uint32(b[20:])
	r.hsn = binary.BigEndian.Uint32(b[24:])
	r.pktLen = binary.BigEndian.Uint32(b[40:])
	r.kind = binary.BigEndian.Uint16(b[50:])
	r.subLen = binary.BigEndian.Uint32(b[52:])
	r.payload = b[56 : 56+r.subLen]
	if r.pktLen != 12+(r.subLen+3)/4*4 || r.comLen != 24+r.pktLen {
		t.Errorf("lengths: ComPacket %d, Packet %d, SubPacket %d; want ComPacket = 24 + Packet, Packet = 12 + SubPacket padded to 4",
			r.comLen, r.pktLen, r.subLen)
	}
	return r
}

// roundTrip sends one ComPacket on the base ComID and receives the answer.
func roundTrip(t *testing.T, tp *TPer, tsn, hsn uint32, payload []byte) response {
	t.Helper()
	if err := tp.SecuritySend(1, 0x07FE, frameByHand(0x07FE, tsn, hsn, payload)); err != nil {
		t.Fatalf("IF-SEND: %v", err)
	}
	buf := make([]byte, 2048)
	if err := tp.SecurityReceive(1, 0x07FE, buf); err != nil {
		t.Fatalf("IF-RECV: %v", err)
	}
	return unframeByHand(t, buf)
}

var (
	smuid        = []byte{0xA8, 0, 0, 0, 0, 0, 0, 0, 0xFF}
	properties   = []byte{0xA8, 0, 0, 0, 0, 0, 0, 0xFF, 0x01}
	startSession = []byte{0xA8, 0, 0, 0, 0, 0, 0, 0xFF, 0x02}
	syncSession  = []byte{0xA8, 0, 0, 0, 0, 0, 0, 0xFF, 0x03}
	adminSP      = []byte{0xA8, 0, 0, 0x02, 0x05, 0, 0, 0, 0x01}
	sidUID       = []byte{0xA8, 0, 0, 0, 0x09, 0, 0, 0, 0x06}
	okStatus     = []byte{0xF9, 0xF0, 0x00, 0x00, 0x00, 0xF1}
)

// startSessionBytes: Call SMUID StartSession [HSN, AdminSP, Write=1,
// HostChallenge (name 0) = pin, HostSigningAuthority (name 3) = SID].
func startSessionBytes(hsn byte, pin string) []byte {
	return hx([]byte{0xF8}, smuid, startSession, []byte{0xF0, 0x81, hsn}, adminSP, []byte{0x01},
		[]byte{0xF2, 0x00, 0xD0, byte(len(pin))}, []byte(pin), []byte{0xF3},
		[]byte{0xF2, 0x03}, sidUID, []byte{0xF3, 0xF1}, okStatus)
}

func TestWirePropertiesByHand(t *testing.T) {
	tp := New(Config{})
	// Call SMUID Properties [ HostProperties (name 0) = [ "MaxPackets" = 1,
	// "MaxComPacketSize" = 4096 ] ] EndOfData [0 0 0].
	req := hx([]byte{0xF8}, smuid, properties,
		[]byte{0xF0, 0xF2, 0x00, 0xF0},
		[]byte{0xF2, 0xAA}, []byte("MaxPackets"), []byte{0x01, 0xF3},
		[]byte{0xF2, 0xD0, 0x10}, []byte("MaxComPacketSize"), []byte{0x82, 0x10, 0x00, 0xF3},
		[]byte{0xF1, 0xF3, 0xF1}, okStatus)
	r := roundTrip(t, tp, 0, 0, req)
	if r.comID != 0x07FE || r.tsn != 0 || r.hsn != 0 || r.kind != 0 || r.outstanding != 0 {
		t.Fatalf("response header %+v; want ComID 07FEh, TSN = HSN = 0, a data SubPacket", r)
	}
	p := r.payload
	if !bytes.HasPrefix(p, hx([]byte{0xF8}, smuid, properties, []byte{0xF0, 0xF0})) {
		t.Errorf("payload starts % X; want Call SMUID Properties [ [", p[:min(len(p), 22)])
	}
	if !bytes.HasSuffix(p, hx([]byte{0xF1}, okStatus)) {
		t.Errorf("payload ends % X; want ] EndOfData [00 00 00]", p[max(0, len(p)-8):])
	}
	// TPer property MaxComPacketSize = 65536 (a 3-byte short atom).
	if !bytes.Contains(p, hx([]byte{0xF2, 0xD0, 0x10}, []byte("MaxComPacketSize"), []byte{0x83, 0x01, 0x00, 0x00, 0xF3})) {
		t.Errorf("no TPer MaxComPacketSize = 65536 in % X", p)
	}
	// The host properties come back as the second parameter, name 0,
	// with the host's values.
	host := bytes.Index(p, []byte{0xF1, 0xF2, 0x00, 0xF0})
	if host < 0 {
		t.Fatalf("no HostProperties (name 0) list after the TPer properties in % X", p)
	}
	hp := p[host:]
	for _, want := range [][]byte{
		hx([]byte{0xF2, 0xAA}, []byte("MaxPackets"), []byte{0x01, 0xF3}),
		hx([]byte{0xF2, 0xD0, 0x10}, []byte("MaxComPacketSize"), []byte{0x82, 0x10, 0x00, 0xF3}),
		// not given: the Table 168 initial value
		hx([]byte{0xF2, 0xAD}, []byte("MaxPacketSize"), []byte{0x82, 0x03, 0xEC, 0xF3}),
	} {
		if !bytes.Contains(hp, want) {
			t.Errorf("HostProperties lack % X", want)
		}
	}
}

func TestWireSessionByHand(t *testing.T) {
	tp := New(Config{})
	r := roundTrip(t, tp, 0, 0, startSessionBytes(0x41, DefaultMSID))
	// SyncSession [HSN = 41h, TSN = 1000h] (Core 5.2.3.2).
	want := hx([]byte{0xF8}, smuid, syncSession, []byte{0xF0, 0x81, 0x41, 0x82, 0x10, 0x00, 0xF1}, okStatus)
	if !bytes.Equal(r.payload, want) {
		t.Fatalf("StartSession as SID with the MSID answered % X; want % X", r.payload, want)
	}
	if r.tsn != 0 || r.hsn != 0 {
		t.Errorf("SyncSession in packet TSN %d HSN %d; want 0 0 (session manager)", r.tsn, r.hsn)
	}
	// A second session while one is open: NO_SESSIONS_AVAILABLE (07).
	r = roundTrip(t, tp, 0, 0, startSessionBytes(0x42, DefaultMSID))
	if want := hx([]byte{0xF8}, smuid, syncSession, []byte{0xF0, 0xF1, 0xF9, 0xF0, 0x07, 0x00, 0x00, 0xF1}); !bytes.Equal(r.payload, want) {
		t.Errorf("second StartSession answered % X; want % X", r.payload, want)
	}
	// EndOfSession: FA alone, answered by FA in the session's packet.
	r = roundTrip(t, tp, 0x1000, 0x41, []byte{0xFA})
	if r.tsn != 0x1000 || r.hsn != 0x41 || !bytes.Equal(r.payload, []byte{0xFA}) || r.subLen != 1 || r.pktLen != 16 || r.comLen != 40 {
		t.Errorf("EndOfSession answered TSN %X HSN %X payload % X lengths %d/%d/%d; want 1000 41 FA 40/16/1",
			r.tsn, r.hsn, r.payload, r.comLen, r.pktLen, r.subLen)
	}
	if tp.InSession() {
		t.Error("the session is still open after EndOfSession")
	}
}

func TestWireWrongChallenge(t *testing.T) {
	tp := New(Config{})
	r := roundTrip(t, tp, 0, 0, startSessionBytes(0x41, "not the MSID"))
	want := hx([]byte{0xF8}, smuid, syncSession, []byte{0xF0, 0xF1, 0xF9, 0xF0, 0x01, 0x00, 0x00, 0xF1})
	if !bytes.Equal(r.payload, want) {
		t.Errorf("StartSession with a wrong PIN answered % X; want NOT_AUTHORIZED % X", r.payload, want)
	}
}

func TestWireEmptyPoll(t *testing.T) {
	tp := New(Config{})
	buf := bytes.Repeat([]byte{0xEE}, 512)
	if err := tp.SecurityReceive(1, 0x07FE, buf); err != nil {
		t.Fatal(err)
	}
	want := make([]byte, 512)
	want[4], want[5] = 0x07, 0xFE
	if !bytes.Equal(buf, want) {
		t.Errorf("IF-RECV with nothing pending = % X...; want an empty ComPacket for 07FEh, zero padded", buf[:24])
	}
}

func TestWireSmallBufferGetsOutstandingData(t *testing.T) {
	tp := New(Config{})
	if err := tp.SecuritySend(1, 0x07FE, frameByHand(0x07FE, 0, 0, hx([]byte{0xF8}, smuid, properties, []byte{0xF0, 0xF1}, okStatus))); err != nil {
		t.Fatal(err)
	}
	small := make([]byte, 64)
	if err := tp.SecurityReceive(1, 0x07FE, small); err != nil {
		t.Fatal(err)
	}
	r := unframeByHand(t, small)
	if r.comLen != 0 || r.outstanding <= 64 || r.minTransfer != r.outstanding {
		t.Fatalf("IF-RECV of 64 bytes: Length %d, OutstandingData %d, MinTransfer %d; want 0 and the response size twice", r.comLen, r.outstanding, r.minTransfer)
	}
	big := make([]byte, r.outstanding)
	if err := tp.SecurityReceive(1, 0x07FE, big); err != nil {
		t.Fatal(err)
	}
	if r := unframeByHand(t, big); !bytes.HasPrefix(r.payload, hx([]byte{0xF8}, smuid, properties)) {
		t.Errorf("the retry got % X; want the Properties response", r.payload)
	}
}

func TestWireProtocolList(t *testing.T) {
	tp := New(Config{})
	buf := make([]byte, 512)
	if err := tp.SecurityReceive(0, 0, buf); err != nil {
		t.Fatal(err)
	}
	if want := []byte{0, 0, 0, 0, 0, 0, 0, 3, 0, 1, 2, 0}; !bytes.Equal(buf[:12], want) {
		t.Errorf("protocol list % X; want % X (SPC-5 7.7.1)", buf[:12], want)
	}
	if err := tp.SecurityReceive(0xEF, 0, buf); err == nil {
		t.Error("IF-RECV protocol EFh succeeded; want ErrUnsupported")
	}
}

func TestWireStackReset(t *testing.T) {
	tp := New(Config{})
	roundTrip(t, tp, 0, 0, startSessionBytes(0x41, DefaultMSID))
	req := make([]byte, 512)
	copy(req, []byte{0x07, 0xFE, 0, 0, 0, 0, 0, 2}) // ComID, extension, STACK_RESET
	if err := tp.SecuritySend(2, 0x07FE, req); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 512)
	if err := tp.SecurityReceive(2, 0x07FE, buf); err != nil {
		t.Fatal(err)
	}
	// ComID, extension, request code, reserved, available data length 4,
	// Success 0 (Core 3.3.4.7.5).
	if want := []byte{0x07, 0xFE, 0, 0, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 0}; !bytes.Equal(buf[:16], want) {
		t.Errorf("STACK_RESET response % X; want % X", buf[:16], want)
	}
	if tp.InSession() {
		t.Error("STACK_RESET left the session open")
	}
}

// TestWireEnterpriseNamedStartSession: the Enterprise SSC names the
// optional StartSession parameters by strings (Enterprise SSC 1.01
// 6.2.2.1).
func TestWireEnterpriseNamedStartSession(t *testing.T) {
	tp := New(Config{Kind: Enterprise})
	tp.TakeOwnership("owner")
	lockingSP := []byte{0xA8, 0, 0, 0x02, 0x05, 0, 0x01, 0, 0x01}
	eraseMaster := []byte{0xA8, 0, 0, 0, 0x09, 0, 0, 0x84, 0x01}
	req := func(pin string) []byte {
		return hx([]byte{0xF8}, smuid, startSession, []byte{0xF0, 0x07}, lockingSP, []byte{0x01},
			[]byte{0xF2, 0xAD}, []byte("HostChallenge"), []byte{0xD0, byte(len(pin))}, []byte(pin), []byte{0xF3},
			[]byte{0xF2, 0xD0, 0x14}, []byte("HostSigningAuthority"), eraseMaster, []byte{0xF3, 0xF1}, okStatus)
	}
	r := roundTrip(t, tp, 0, 0, req(DefaultMSID))
	if want := hx([]byte{0xF8}, smuid, syncSession, []byte{0xF0, 0xF1, 0xF9, 0xF0, 0x01, 0x00, 0x00, 0xF1}); !bytes.Equal(r.payload, want) {
		t.Errorf("EraseMaster with the MSID after ownership answered % X; want NOT_AUTHORIZED", r.payload)
	}
	r = roundTrip(t, tp, 0, 0, req("owner"))
	if want := hx([]byte{0xF8}, smuid, syncSession, []byte{0xF0, 0x07, 0x82, 0x10, 0x00, 0xF1}, okStatus); !bytes.Equal(r.payload, want) {
		t.Errorf("EraseMaster with its PIN answered % X; want % X", r.payload, want)
	}
}

package tcg

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
)

// fakeTPer is a scripted Transport: it answers IF-RECV on protocol 01h
// with the next canned ComPacket and records every IF-SEND.
type fakeTPer struct {
	t      *testing.T
	comID  uint16
	script []reply
	sends  []sent
	recvs  int
	// recvLens are the IF-RECV buffer sizes, in order.
	recvLens []int
	// cancel, if set, is called after the send numbered cancelAfter.
	cancel      func()
	cancelAfter int
}

// reply is one IF-RECV answer: a ComPacket for session tsn/hsn carrying
// payload, or (empty) a ComPacket with Length 0 and OutstandingData.
type reply struct {
	tsn, hsn    uint32
	payload     []byte
	empty       bool
	outstanding uint32
	minTransfer uint32
}

// sent is one IF-SEND, decoded at the fixed offsets of Core Spec 3.2.3.
type sent struct {
	tsn, hsn uint32
	payload  []byte
}

func (f *fakeTPer) SecuritySend(_ context.Context, proto uint8, comID uint16, b []byte) error {
	f.t.Helper()
	if proto != 0x01 || comID != f.comID || len(b)%512 != 0 || len(b) < 56 {
		f.t.Fatalf("IF-SEND protocol %02X ComID %04X %d bytes", proto, comID, len(b))
	}
	be := binary.BigEndian
	if be.Uint16(b[4:]) != f.comID || int(be.Uint32(b[16:])) != 24+int(be.Uint32(b[40:])) ||
		int(be.Uint32(b[40:])) != 12+(int(be.Uint32(b[52:]))+3)&^3 {
		f.t.Fatalf("IF-SEND headers inconsistent: % X", b[:56])
	}
	n := be.Uint32(b[52:])
	f.sends = append(f.sends, sent{tsn: be.Uint32(b[20:]), hsn: be.Uint32(b[24:]), payload: append([]byte{}, b[56:56+n]...)})
	if f.cancel != nil && len(f.sends) == f.cancelAfter {
		f.cancel()
	}
	return nil
}

func (f *fakeTPer) SecurityReceive(_ context.Context, proto uint8, comID uint16, b []byte) error {
	f.t.Helper()
	if proto != 0x01 || comID != f.comID || len(b)%512 != 0 {
		f.t.Fatalf("IF-RECV protocol %02X ComID %04X %d bytes", proto, comID, len(b))
	}
	f.recvs++
	f.recvLens = append(f.recvLens, len(b))
	if len(f.script) == 0 {
		return errors.New("fake TPer: nothing scripted")
	}
	r := f.script[0]
	f.script = f.script[1:]
	clear(b)
	be := binary.BigEndian
	be.PutUint16(b[4:], f.comID)
	if r.empty {
		be.PutUint32(b[8:], r.outstanding)
		be.PutUint32(b[12:], r.minTransfer)
		return nil
	}
	pad := (len(r.payload) + 3) &^ 3
	be.PutUint32(b[16:], uint32(24+12+pad))
	be.PutUint32(b[20:], r.tsn)
	be.PutUint32(b[24:], r.hsn)
	be.PutUint32(b[40:], uint32(12+pad))
	be.PutUint32(b[52:], uint32(len(r.payload)))
	copy(b[56:], r.payload)
	return nil
}

// Hand-written token streams for the answers (Core Spec 3.2.4.2, 5.2).
var (
	hSMU    = "A8 00 00 00 00 00 00 00 FF"
	okTail  = "F9 F0 00 00 00 F1"
	okEmpty = "F0 F1 F9 F0 00 00 00 F1"
)

func cat(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			b = append(b, hx(p)...)
		case []byte:
			b = append(b, p...)
		default:
			panic(fmt.Sprintf("cat: %T", p))
		}
	}
	return b
}

// properties answers Properties with TPer MaxComPacketSize 2048,
// MaxPacketSize 2028, MaxIndTokenSize 1992 and an empty HostProperties.
func properties() reply {
	return reply{payload: cat("F8", hSMU, "A8 00 00 00 00 00 00 FF 01 F0 F0",
		"F2 D0 10", []byte("MaxComPacketSize"), "82 08 00 F3",
		"F2 AD", []byte("MaxPacketSize"), "82 07 EC F3",
		"F2 AF", []byte("MaxIndTokenSize"), "82 07 C8 F3",
		"F1 F2 00 F0 F1 F3 F1", okTail)}
}

// syncSession answers StartSession for hsn with TSN 0x1000+hsn.
func syncSession(hsn byte) reply {
	return reply{payload: cat("F8", hSMU, "A8 00 00 00 00 00 00 FF 03 F0",
		fmt.Sprintf("%02X 82 10 %02X", hsn, hsn), "F1", okTail)}
}

// smFail answers a session manager method with status st, in the form
// "Call SMUID SyncSession [ ] EndOfData [ st 0 0 ]".
func smFail(st byte) reply {
	return reply{payload: cat("F8", hSMU, "A8 00 00 00 00 00 00 FF 03 F0 F1", fmt.Sprintf("F9 F0 %02X 00 00 F1", st))}
}

// plainFail answers with an empty result list and status st.
func plainFail(st byte) reply {
	return reply{payload: hx(fmt.Sprintf("F0 F1 F9 F0 %02X 00 00 F1", st))}
}

// in puts an answer in session hsn.
func in(hsn byte, r reply) reply { r.tsn, r.hsn = 0x1000+uint32(hsn), uint32(hsn); return r }

func ok(hsn byte) reply { return in(hsn, reply{payload: hx(okEmpty)}) }

func eos(hsn byte) reply { return in(hsn, reply{payload: hx("FA")}) }

// opalGet answers an Opal Get of column col with the encoded value v.
func opalGet(hsn, col byte, v []byte) reply {
	return in(hsn, reply{payload: cat(fmt.Sprintf("F0 F0 F2 %02X", col), v, "F3 F1 F1", okTail)})
}

var testMSID = []byte("MSIDmsid0123")

// msidAtom is testMSID as a short byte-string atom.
func msidAtom() []byte { return cat("AC", testMSID) }

// call describes a sent payload: "EOS", or the invoking and method UIDs
// of a method call (bytes 2-9 and 11-18 after Call and the two A8s).
func (s sent) call() string {
	if len(s.payload) == 1 && s.payload[0] == 0xFA {
		return "EOS"
	}
	if len(s.payload) < 19 || s.payload[0] != 0xF8 || s.payload[1] != 0xA8 || s.payload[10] != 0xA8 {
		return fmt.Sprintf("? % X", s.payload)
	}
	return hexOf(s.payload[2:10]) + " " + hexOf(s.payload[11:19])
}

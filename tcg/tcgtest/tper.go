package tcgtest

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
)

// TPer is an emulated TCG Storage TPer (Opal family or Enterprise) behind
// the Device interface: Level 0 Discovery, the session manager and
// sessions on its base ComID, the Admin SP and the Locking SP, and the
// effect of the Locking SP on the medium given to Attach. It is safe for
// concurrent use.
type TPer struct {
	mu  sync.Mutex
	cfg Config
	rng *rand.Rand

	sidPIN []byte
	// pins of the Locking SP's authorities by authority UID (Admin n,
	// User n, BandMaster n, EraseMaster).
	pins    map[uint64][]byte
	enabled map[uint64]bool // Authority table Enabled column
	tries   map[uint64]int  // failed authentications since power on
	// lockingLife is the Locking SP's life cycle state (Opal family).
	lockingLife uint8
	ranges      []lockRange // [0] the global range / Band0
	mbrEnable   bool
	mbrDone     bool
	mbr         sparse
	reverts     int
	failCalls   int // calls of Config.FailMethod so far
	// sidBlocked and sidBlockedHW: the host sent Block SID (BlockSIDAuth).
	sidBlocked, sidBlockedHW bool

	sess     *session
	nextTSN  uint32
	pending  []byte // the ComPacket payload waiting for IF-RECV
	pendTSN  uint32 // its session numbers
	pendHSN  uint32
	abort    bool   // end the session once pending is delivered
	proto2   []byte // a protocol 02h response waiting for IF-RECV
	hostProp map[string]uint64

	medium   io.WriterAt
	capacity int64
}

// lockRange is a row of the Locking table (Opal) or a band (Enterprise).
type lockRange struct {
	start, length uint64 // in logical blocks
	rle, wle      bool
	rl, wl        bool
	lockOnReset   bool // LockOnReset = {Power Cycle}
	keyGen        int  // media key generation, bumped by each new key
}

var _ Device = (*TPer)(nil)

// New returns a TPer in its factory state: SID's PIN is the MSID, the
// Locking SP (Opal family) is Manufactured-Inactive, no range is locked.
func New(cfg Config) *TPer {
	cfg.fill()
	t := &TPer{cfg: cfg, nextTSN: 0x1000,
		rng: rand.New(rand.NewPCG(cfg.Seed, 0x6b657375))}
	t.factoryReset()
	return t
}

// factoryReset sets the state of Original Factory State without touching
// the medium or the counters.
func (t *TPer) factoryReset() {
	t.sidPIN = []byte(t.cfg.MSID)
	t.pins = map[uint64][]byte{}
	t.enabled = map[uint64]bool{}
	t.tries = map[uint64]int{}
	t.resetLockingSP()
	if t.cfg.Kind == Enterprise {
		t.lockingLife = lifeManufactured
	} else {
		t.lockingLife = lifeManufacturedInactive
	}
}

// resetLockingSP gives the Locking SP its original values (keys kept).
func (t *TPer) resetLockingSP() {
	gens := make([]int, t.cfg.Ranges+1)
	for i := range t.ranges {
		if i < len(gens) {
			gens[i] = t.ranges[i].keyGen
		}
	}
	t.ranges = make([]lockRange, t.cfg.Ranges+1)
	for i := range t.ranges {
		t.ranges[i].keyGen = gens[i]
	}
	t.mbrEnable, t.mbrDone = false, false
	t.mbr = sparse{}
	for k := range t.pins {
		delete(t.pins, k)
	}
	for k := range t.enabled {
		delete(t.enabled, k)
	}
	if t.cfg.Kind == Enterprise {
		for n := 0; n <= t.cfg.Ranges; n++ {
			t.pins[uidBandMaster0+uint64(n)] = []byte(t.cfg.MSID)
			t.enabled[uidBandMaster0+uint64(n)] = true
		}
		t.pins[uidEraseMaster] = []byte(t.cfg.MSID)
		t.enabled[uidEraseMaster] = true
		return
	}
	for n := 0; n < 4; n++ {
		t.pins[uidAdmin1+uint64(n)] = nil
	}
	t.enabled[uidAdmin1] = true
	for n := 0; n < t.users(); n++ {
		t.pins[uidUser1+uint64(n)] = nil
	}
}

// users is the number of Locking SP User authorities (Opal SSC 2.01
// 4.3.1.7: at least the number of ranges + 1).
func (t *TPer) users() int { return t.cfg.Ranges + 1 }

// SecurityReceive answers IF-RECV: protocol 00h (the supported protocol
// list), 01h (Level 0 Discovery on ComID 0001h, ComPackets on the base
// ComID) and 02h (GET_COMID, the answer to a ComID request).
func (t *TPer) SecurityReceive(protocol uint8, spSpecific uint16, buf []byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	clear(buf)
	switch protocol {
	case 0x00:
		if spSpecific != 0 {
			return fmt.Errorf("%w: protocol 00h SP specific %04Xh", ErrUnsupported, spSpecific)
		}
		// SPC-5 7.7.1: bytes 6-7 the list length, the list from byte 8.
		copy(buf, []byte{0, 0, 0, 0, 0, 0, 0, 3, 0x00, 0x01, 0x02})
		return nil
	case 0x01:
		if spSpecific == 0x0001 {
			copy(buf, t.discovery())
			return nil
		}
		t.receiveComPacket(spSpecific, buf)
		return nil
	case 0x02:
		if spSpecific == 0 {
			// GET_COMID (Core 3.3.4.3.1): the ComID and its extension.
			binary.BigEndian.PutUint16(buf, t.cfg.BaseComID)
			return nil
		}
		if t.proto2 != nil {
			copy(buf, t.proto2)
			t.proto2 = nil
			return nil
		}
		binary.BigEndian.PutUint16(buf, spSpecific)
		return nil
	}
	return fmt.Errorf("%w: protocol %02Xh", ErrUnsupported, protocol)
}

// SecuritySend takes IF-SEND: ComPackets (protocol 01h) and ComID
// requests (protocol 02h). A ComPacket the TPer cannot take apart, or one
// for another ComID, is discarded: its IF-RECV gets an empty ComPacket.
func (t *TPer) SecuritySend(protocol uint8, spSpecific uint16, data []byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch protocol {
	case 0x01:
		if !t.ourComID(spSpecific) {
			return nil
		}
		p, err := parseComPacket(data)
		if err != nil || p.comID != spSpecific {
			return nil
		}
		t.handle(p)
		return nil
	case 0x02:
		t.comIDRequest(spSpecific, data)
		return nil
	}
	return fmt.Errorf("%w: protocol %02Xh", ErrUnsupported, protocol)
}

func (t *TPer) ourComID(c uint16) bool { return c == t.cfg.BaseComID }

// comIDRequest handles VERIFY_COMID_VALID and STACK_RESET (Core 3.3.4.7).
// The response (ComID, extension, request code, reserved, available data
// length, data) waits for the IF-RECV.
func (t *TPer) comIDRequest(comID uint16, data []byte) {
	if len(data) < 8 {
		return
	}
	code := binary.BigEndian.Uint32(data[4:8])
	var r []byte
	r = binary.BigEndian.AppendUint16(r, comID)
	r = append(r, data[2:4]...)
	r = binary.BigEndian.AppendUint32(r, code)
	r = append(r, 0, 0)
	switch code {
	case 1: // VERIFY_COMID_VALID: state, then three 10-byte times
		state := uint32(0) // invalid
		if t.ourComID(comID) {
			state = 2 // issued (a static ComID)
		}
		r = binary.BigEndian.AppendUint16(r, 34)
		r = binary.BigEndian.AppendUint32(r, state)
		r = append(r, make([]byte, 30)...)
	case 2: // STACK_RESET: success (0) or failure (1)
		ok := uint32(1)
		if t.ourComID(comID) {
			ok = 0
			t.sess, t.pending, t.abort = nil, nil, false
		}
		r = binary.BigEndian.AppendUint16(r, 4)
		r = binary.BigEndian.AppendUint32(r, ok)
	default:
		r = binary.BigEndian.AppendUint16(r, 0)
	}
	t.proto2 = r
}

// receiveComPacket fills buf with the pending response, or an empty
// ComPacket: with OutstandingData = MinTransfer = the response's size when
// buf is too small for it (Core 3.3.10.4).
func (t *TPer) receiveComPacket(comID uint16, buf []byte) {
	if !t.ourComID(comID) || t.pending == nil {
		copy(buf, buildComPacket(comID, 0, 0, nil, 0, 0))
		return
	}
	cp := buildComPacket(comID, t.pendTSN, t.pendHSN, t.pending, 0, 0)
	if len(cp) > len(buf) {
		copy(buf, buildComPacket(comID, 0, 0, nil, uint32(len(cp)), uint32(len(cp))))
		return
	}
	copy(buf, cp)
	t.pending = nil
	if t.abort {
		t.sess, t.abort = nil, false
	}
}

// respond queues payload as the answer to the ComPacket of tsn/hsn.
func (t *TPer) respond(tsn, hsn uint32, payload []byte) {
	t.pending, t.pendTSN, t.pendHSN = payload, tsn, hsn
}

// handle dispatches a ComPacket: session manager calls (TSN = HSN = 0),
// EndOfSession and method calls of the open session.
func (t *TPer) handle(p *comPacket) {
	t.pending, t.abort = nil, false
	if p.tsn == 0 && p.hsn == 0 {
		t.respond(0, 0, t.sessionManager(p.payload))
		return
	}
	s := t.sess
	if s == nil || s.tsn != p.tsn || s.hsn != p.hsn {
		return // no such session: discarded
	}
	if isEndOfSession(p.payload) {
		t.sess = nil
		t.respond(p.tsn, p.hsn, []byte{tokEndOfSess})
		return
	}
	t.respond(p.tsn, p.hsn, t.sessionCall(s, p.payload))
}

// isEndOfSession: the payload is the EndOfSession token alone (empty
// atoms aside, Core 3.2.2.3.1.5).
func isEndOfSession(b []byte) bool {
	n := 0
	for _, c := range b {
		switch c {
		case tokEmpty:
		case tokEndOfSess:
			n++
		default:
			return false
		}
	}
	return n == 1
}

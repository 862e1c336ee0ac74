package tcgtest

import (
	"encoding/binary"
	"testing"
)

// FuzzSecuritySend feeds arbitrary IF-SEND payloads (protocol 01h on the
// base ComID, and 02h) to TPers of each family: nothing may panic, and
// what IF-RECV returns must be a well-formed ComPacket.
func FuzzSecuritySend(f *testing.F) {
	f.Add(frameByHand(0x07FE, 0, 0, startSessionBytes(0x41, DefaultMSID)), false)
	f.Add(frameByHand(0x07FE, 0, 0, startSessionBytes(0x41, "x")), true)
	f.Add(frameByHand(0x07FE, 0, 0, hx([]byte{0xF8}, smuid, properties, []byte{0xF0, 0xF2, 0x00, 0xF0, 0xF1, 0xF3, 0xF1}, okStatus)), false)
	f.Add(frameByHand(0x07FE, 0x1000, 0x41, []byte{0xFA}), false)
	f.Add(frameByHand(0x07FE, 0, 0, []byte{0xF8, 0xE2, 0xFF, 0xFF, 0xFF}), true)
	f.Add(frameByHand(0x07FE, 0, 0, []byte{0xF0, 0xF0, 0xF0, 0xF2, 0xF2, 0xF1}), false)
	f.Add([]byte{0, 0, 0, 0, 0x07, 0xFE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF}, false)
	f.Add([]byte{0x07, 0xFE, 0, 0, 0, 0, 0, 2}, true)
	f.Fuzz(func(t *testing.T, data []byte, enterprise bool) {
		cfg := Config{Ranges: 2, MBRSize: 1 << 16}
		if enterprise {
			cfg.Kind = Enterprise
		}
		tp := New(cfg)
		tp.Attach(&memMedium{b: make([]byte, 1<<16)}, 1<<16)
		// Open a session first so that in-session paths are reachable.
		if err := tp.SecuritySend(1, 0x07FE, frameByHand(0x07FE, 0, 0, startSessionBytes(0x41, DefaultMSID))); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 4096)
		if err := tp.SecurityReceive(1, 0x07FE, buf); err != nil {
			t.Fatal(err)
		}
		// Retarget a fuzzed packet at the open session half of the time.
		if len(data) >= 28 && data[0]&1 == 1 {
			binary.BigEndian.PutUint32(data[20:], 0x1000)
			binary.BigEndian.PutUint32(data[24:], 0x41)
		}
		for _, proto := range []uint8{1, 2} {
			if err := tp.SecuritySend(proto, 0x07FE, data); err != nil {
				t.Fatalf("IF-SEND %02Xh: %v", proto, err)
			}
			if err := tp.SecurityReceive(proto, 0x07FE, buf); err != nil {
				t.Fatalf("IF-RECV %02Xh: %v", proto, err)
			}
			if proto == 1 {
				comLen := binary.BigEndian.Uint32(buf[16:])
				if comLen > uint32(len(buf)-20) {
					t.Fatalf("response ComPacket length %d exceeds the buffer", comLen)
				}
			}
		}
		tp.Access(0, 4096, false) //nolint:errcheck
		tp.Shadow(buf, 0)
	})
}

// FuzzDecode: the token decoder never panics and what it decodes encodes
// to a stream that decodes the same way.
func FuzzDecode(f *testing.F) {
	f.Add(startSessionBytes(0x41, DefaultMSID))
	f.Add([]byte{0xE2, 0x00, 0x00, 0x02, 0xAB, 0xCD, 0x7F, 0x91, 0xFF, 0xF0, 0xF1})
	f.Add([]byte{0xD8, 0x02, 0x01, 0x02})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decode(b)
		if err != nil {
			return
		}
		again, err := decode(encode(nil, v...))
		if err != nil {
			t.Fatalf("re-encoding of a decoded stream does not decode: %v", err)
		}
		if len(again) != len(v) {
			t.Fatalf("re-decoded %d items; want %d", len(again), len(v))
		}
	})
}

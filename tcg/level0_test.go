package tcg

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// hx parses hex bytes written with spaces (and "|" as a visual separator).
func hx(s string) []byte {
	s = strings.NewReplacer(" ", "", "|", "", "\n", "", "\t", "").Replace(s)
	b := make([]byte, len(s)/2)
	for i := range b {
		var v byte
		for _, c := range s[2*i : 2*i+2] {
			v <<= 4
			switch {
			case c >= '0' && c <= '9':
				v |= byte(c - '0')
			case c >= 'A' && c <= 'F':
				v |= byte(c - 'A' + 10)
			case c >= 'a' && c <= 'f':
				v |= byte(c - 'a' + 10)
			default:
				panic("hx: bad digit in " + s)
			}
		}
		b[i] = v
	}
	return b
}

// level0 assembles a Level 0 response: the 48-byte header (bytes 0-3 the
// length after them, 4-7 revision 1) and the descriptors, zero padded to
// pad bytes.
func level0(pad int, features ...string) []byte {
	var body []byte
	for _, f := range features {
		body = append(body, hx(f)...)
	}
	b := make([]byte, max(pad, 48+len(body)))
	binary.BigEndian.PutUint32(b[0:], uint32(44+len(body)))
	b[7] = 0x01
	copy(b[16:], "vendor specific area")
	copy(b[48:], body)
	return b
}

// Feature descriptors written from the specs' tables (byte 0-1 code, byte
// 2 version in bits 7-4, byte 3 length of the rest).
var (
	// TPer (Opal 2.01 Table 3): byte 4 = 0x15: Sync, AckNak, Streaming.
	fTPerOpal = "0001 10 0C | 15 | 00 00 00 00 00 00 00 00 00 00 00"
	// TPer: byte 4 = 0x4A: Async, BufferMgmt, ComIDMgmt.
	fTPerEnt = "0001 10 0C | 4A | 00 00 00 00 00 00 00 00 00 00 00"
	// Locking (Opal 2.01 Table 4): 0x2B = Supported, Enabled, MediaEncryption, MBRDone.
	fLockOpal = "0002 10 0C | 2B | 00 00 00 00 00 00 00 00 00 00 00"
	// Locking: 0x5D = Supported, Locked, MediaEncryption, MBREnabled, MBRShadowingNotSupported.
	fLockEnt = "0002 10 0C | 5D | 00 00 00 00 00 00 00 00 00 00 00"
	// Locking on a Pyrite drive: Supported, Enabled only.
	fLockPyrite = "0002 10 0C | 03 | 00 00 00 00 00 00 00 00 00 00 00"
	// Geometry (Opal 2.01 Table 5): ALIGN, 7 reserved, LogicalBlockSize
	// 4096, AlignmentGranularity 8, LowestAlignedLBA 7.
	fGeometry = "0003 10 1C | 01 | 00 00 00 00 00 00 00 | 00 00 10 00 | 00 00 00 00 00 00 00 08 | 00 00 00 00 00 00 00 07"
	// Opal SSC V2 (Opal 2.01 Table 9, version 2): Base ComID 07FE,
	// 1 ComID, byte 8 Range Crossing 1, Admins 4, Users 9, Initial PIN
	// FF, Reverted PIN 00, 5 reserved.
	fOpal2 = "0203 20 10 | 07 FE | 00 01 | 01 | 00 04 | 00 09 | FF | 00 | 00 00 00 00 00"
	// Single User Mode (Single User Mode FS Table 5): 9 locking objects,
	// byte 8 = 0x05: Any, Policy.
	fSingleUser = "0201 10 0C | 00 00 00 09 | 05 | 00 00 00 00 00 00 00"
	// DataStore (Additional DataStore FS Table 4): 2 reserved, MaxTables
	// 9, MaxSize 0x00A00000, Alignment 1.
	fDataStore = "0202 10 0C | 00 00 | 00 09 | 00 A0 00 00 | 00 00 00 01"
	// Block SID (Block SID FS Table 3): byte 4 = 0x01 SID Value State,
	// byte 5 = 0x01 Hardware Reset.
	fBlockSID = "0402 10 0C | 01 | 01 | 00 00 00 00 00 00 00 00 00 00"
	// Supported Data Removal Mechanism (Pyrite 2.01 Table 7): reserved,
	// byte 5 = 0x02 Interrupted, byte 6 = 0x04 crypto erase, byte 7
	// time formats, 12 bytes of times, 16 reserved.
	fDataRemoval = "0404 10 20 | 00 | 02 | 04 | 00 | 00 00 00 00 00 00 00 01 00 00 00 00 | 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
	// Namespace Locking (0403h), not decoded here.
	fNSLocking = "0403 10 1C | 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
	// Enterprise SSC (Enterprise 1.01 Table 11): Base ComID 07FE, 2
	// ComIDs, byte 8 Range Crossing 1, 11 reserved.
	fEnterprise = "0100 10 10 | 07 FE | 00 02 | 01 | 00 00 00 00 00 00 00 00 00 00 00"
	// Pyrite SSC V2 (Pyrite 2.01 Table 5): Base ComID 0FFE, 1 ComID,
	// bytes 8-12 reserved, Initial PIN 00, Reverted PIN FF, 5 reserved.
	fPyrite2 = "0303 10 10 | 0F FE | 00 01 | 00 00 00 00 00 | 00 | FF | 00 00 00 00 00"
	// A vendor unique feature.
	fVendor = "C001 10 04 | 00 00 00 01"
)

func opal2Level0() []byte {
	return level0(2048, fTPerOpal, fLockOpal, fGeometry, fOpal2, fSingleUser, fDataStore, fBlockSID, fDataRemoval, fNSLocking)
}

func enterpriseLevel0() []byte { return level0(512, fTPerEnt, fLockEnt, fEnterprise, fVendor) }

func pyrite2Level0() []byte { return level0(512, fTPerOpal, fLockPyrite, fPyrite2, fDataRemoval) }

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		want *Discovery
		ssc  string
	}{
		{"Opal 2", opal2Level0(), &Discovery{
			Revision: 1,
			TPer:     &TPerFeature{Sync: true, AckNak: true, Streaming: true},
			Locking:  &LockingFeature{Supported: true, Enabled: true, MediaEncryption: true, MBRDone: true},
			Geometry: &GeometryFeature{Align: true, LogicalBlockSize: 4096, AlignmentGranularity: 8, LowestAlignedLBA: 7},
			OpalV2: &SSCFeature{Code: 0x0203, Version: 2, BaseComID: 0x07FE, NumComIDs: 1, RangeCrossing: true,
				LockingAdmins: 4, LockingUsers: 9, InitialPIN: 0xFF, RevertedPIN: 0},
			SingleUser:  &SingleUserFeature{LockingObjects: 9, Any: true, Policy: true},
			DataStore:   &DataStoreFeature{MaxTables: 9, MaxSize: 0x00A00000, Alignment: 1},
			BlockSID:    &BlockSIDFeature{SIDValueDiffers: true, HardwareReset: true},
			DataRemoval: &DataRemovalFeature{Interrupted: true, Supported: 0x04},
			Other:       []uint16{0x0403},
		}, "Opal 2"},
		{"Enterprise", enterpriseLevel0(), &Discovery{
			Revision:   1,
			TPer:       &TPerFeature{Async: true, BufferMgmt: true, ComIDMgmt: true},
			Locking:    &LockingFeature{Supported: true, Locked: true, MediaEncryption: true, MBREnabled: true, MBRShadowingNotSupported: true},
			Enterprise: &SSCFeature{Code: 0x0100, Version: 1, BaseComID: 0x07FE, NumComIDs: 2, RangeCrossing: true},
			Other:      []uint16{0xC001},
		}, "Enterprise"},
		{"Pyrite 2", pyrite2Level0(), &Discovery{
			Revision:    1,
			TPer:        &TPerFeature{Sync: true, AckNak: true, Streaming: true},
			Locking:     &LockingFeature{Supported: true, Enabled: true},
			PyriteV2:    &SSCFeature{Code: 0x0303, Version: 1, BaseComID: 0x0FFE, NumComIDs: 1, InitialPIN: 0, RevertedPIN: 0xFF},
			DataRemoval: &DataRemovalFeature{Interrupted: true, Supported: 0x04},
		}, "Pyrite 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode(tc.b)
			if err != nil {
				t.Fatalf("Decode = %v", err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", d)
			}
			if name, f := got.SSC(); name != tc.ssc || f == nil || f.Code == 0 {
				t.Errorf("SSC() = %q, %+v; want %q", name, f, tc.ssc)
			}
		})
	}
}

func TestDecodeBits(t *testing.T) {
	// Each TPer and Locking bit alone, against its spec position.
	tper := []struct {
		bit  uint
		want TPerFeature
	}{
		{0, TPerFeature{Sync: true}}, {1, TPerFeature{Async: true}}, {2, TPerFeature{AckNak: true}},
		{3, TPerFeature{BufferMgmt: true}}, {4, TPerFeature{Streaming: true}}, {5, TPerFeature{}},
		{6, TPerFeature{ComIDMgmt: true}}, {7, TPerFeature{}},
	}
	for _, tc := range tper {
		f := hx("0001 10 0C 00 000000000000000000000000")[:16]
		f[4] = 1 << tc.bit
		d, err := Decode(level0(0, strings.ToUpper(hexOf(f))))
		if err != nil || d.TPer == nil || *d.TPer != tc.want {
			t.Errorf("TPer byte 4 bit %d: %+v, %v; want %+v", tc.bit, d.TPer, err, tc.want)
		}
	}
	lock := []struct {
		bit  uint
		want LockingFeature
	}{
		{0, LockingFeature{Supported: true}}, {1, LockingFeature{Enabled: true}}, {2, LockingFeature{Locked: true}},
		{3, LockingFeature{MediaEncryption: true}}, {4, LockingFeature{MBREnabled: true}}, {5, LockingFeature{MBRDone: true}},
		{6, LockingFeature{MBRShadowingNotSupported: true}}, {7, LockingFeature{}},
	}
	for _, tc := range lock {
		f := hx("0002 10 0C 00 000000000000000000000000")[:16]
		f[4] = 1 << tc.bit
		d, err := Decode(level0(0, hexOf(f)))
		if err != nil || d.Locking == nil || *d.Locking != tc.want {
			t.Errorf("Locking byte 4 bit %d: %+v, %v; want %+v", tc.bit, d.Locking, err, tc.want)
		}
	}
	blk := []struct {
		b4, b5 byte
		want   BlockSIDFeature
	}{
		{0x01, 0, BlockSIDFeature{SIDValueDiffers: true}}, {0x02, 0, BlockSIDFeature{SIDBlocked: true}},
		{0x0C, 0, BlockSIDFeature{}}, {0, 0x01, BlockSIDFeature{HardwareReset: true}},
	}
	for _, tc := range blk {
		f := hx("0402 10 0C 00 00 00000000000000000000")
		f[4], f[5] = tc.b4, tc.b5
		d, err := Decode(level0(0, hexOf(f)))
		if err != nil || d.BlockSID == nil || *d.BlockSID != tc.want {
			t.Errorf("Block SID %02X %02X: %+v, %v; want %+v", tc.b4, tc.b5, d.BlockSID, err, tc.want)
		}
	}
	// Opal 1: Range Crossing is byte 8 bit 0 (Opal SSC 1.00 Table 7).
	d, err := Decode(level0(0, "0200 10 10 | 10 00 | 00 01 | 01 | 00000000000000000000 00"))
	if err != nil || d.OpalV1 == nil || *d.OpalV1 != (SSCFeature{Code: 0x0200, Version: 1, BaseComID: 0x1000, NumComIDs: 1, RangeCrossing: true}) {
		t.Errorf("Opal 1: %+v, %v", d.OpalV1, err)
	}
	if name, _ := d.SSC(); name != "Opal 1" {
		t.Errorf("Opal 1 SSC() = %q", name)
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestDecodeMalformed(t *testing.T) {
	good := opal2Level0()
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"short header", good[:47]},
		{"length past the end", good[:100]},
		{"header length below 44", func() []byte {
			b := append([]byte{}, good...)
			binary.BigEndian.PutUint32(b, 10)
			return b
		}()},
		{"feature length past the end", level0(0, "0001 10 0C 01 00")},
		{"feature header truncated", func() []byte {
			b := level0(0, fTPerOpal)
			b = append(b, 0x00, 0x02) // two bytes of a descriptor header
			binary.BigEndian.PutUint32(b, uint32(len(b)-4))
			return b
		}()},
		{"geometry too short for its fields", level0(0, "0003 10 04 01 00 00 00")},
		{"Opal 2 too short", level0(0, "0203 10 05 07 FE 00 01 00")},
	} {
		if d, err := Decode(tc.b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: Decode = %+v, %v; want ErrMalformed", tc.name, d, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, b := range [][]byte{opal2Level0(), enterpriseLevel0(), pyrite2Level0(), level0(0, fVendor), {}} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Decode error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if n := binary.BigEndian.Uint32(b); int(n)+4 > len(b) {
			t.Fatalf("Decode accepted a header length %d past %d bytes", n, len(b))
		}
		_, _ = d.SSC()
	})
}

// recvOnly answers IF-RECV from a list of buffers and records the calls.
type recvOnly struct {
	answers [][]byte
	calls   []string
}

func (r *recvOnly) SecurityReceive(_ context.Context, proto uint8, sp uint16, buf []byte) error {
	r.calls = append(r.calls, hexOf([]byte{proto, byte(sp >> 8), byte(sp)})+"/"+itoa(len(buf)))
	if len(r.answers) == 0 {
		return errors.New("no answer scripted")
	}
	copy(buf, r.answers[0])
	r.answers = r.answers[1:]
	return nil
}

func (r *recvOnly) SecuritySend(context.Context, uint8, uint16, []byte) error {
	return errors.New("unexpected IF-SEND")
}

func itoa(n int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
		if n == 0 {
			return string(b)
		}
	}
}

func TestDiscover(t *testing.T) {
	// A response longer than 2048 bytes: a first read of 2048, a second
	// of the length rounded up to 512.
	var feats []string
	for range 200 {
		feats = append(feats, fVendor) // 8 bytes each
	}
	feats = append(feats, fTPerOpal, fLockOpal, fOpal2)
	long := level0(0, feats...)
	for len(long) <= 2048 {
		feats = append(feats, fVendor)
		long = level0(0, feats...)
	}
	r := &recvOnly{answers: [][]byte{long[:2048], long}}
	d, err := Discover(context.Background(), r)
	if err != nil {
		t.Fatalf("Discover = %v", err)
	}
	want := []string{"010001/2048", "010001/" + itoa((len(long)+511)/512*512)}
	if d := cmp.Diff(want, r.calls); d != "" {
		t.Errorf("IF-RECV calls (-want +got):\n%s", d)
	}
	// A feature code reported again is decoded once.
	if d.OpalV2 == nil || d.OpalV2.BaseComID != 0x07FE || len(d.Other) != 1 || d.Other[0] != 0xC001 {
		t.Errorf("Discover: OpalV2 %+v, %d others", d.OpalV2, len(d.Other))
	}

	// A short one: one read.
	r = &recvOnly{answers: [][]byte{opal2Level0()}}
	if _, err := Discover(context.Background(), r); err != nil || len(r.calls) != 1 {
		t.Errorf("Discover (2048 bytes) = %v after %v", err, r.calls)
	}
	// Past 64 KiB: refused.
	huge := make([]byte, 2048)
	binary.BigEndian.PutUint32(huge, 70000)
	if _, err := Discover(context.Background(), &recvOnly{answers: [][]byte{huge}}); !errors.Is(err, ErrMalformed) {
		t.Errorf("Discover (70000 bytes) = %v; want ErrMalformed", err)
	}
}

func TestSupportedProtocols(t *testing.T) {
	b := make([]byte, 512)
	copy(b[6:], hx("00 03 | 00 01 02"))
	r := &recvOnly{answers: [][]byte{b}}
	got, err := SupportedProtocols(context.Background(), r)
	if err != nil || !bytes.Equal(got, []byte{0, 1, 2}) {
		t.Errorf("SupportedProtocols = %v, %v; want [0 1 2]", got, err)
	}
	if d := cmp.Diff([]string{"000000/512"}, r.calls); d != "" {
		t.Errorf("IF-RECV calls (-want +got):\n%s", d)
	}
	bad := make([]byte, 512)
	copy(bad[6:], hx("01 F9"))
	if got, err := SupportedProtocols(context.Background(), &recvOnly{answers: [][]byte{bad}}); !errors.Is(err, ErrMalformed) {
		t.Errorf("SupportedProtocols (list length 505) = %v, %v; want ErrMalformed", got, err)
	}
}

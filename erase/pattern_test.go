package erase

import (
	"bytes"
	"crypto/aes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"testing"
)

// FIPS-197-style known answer: AES-256 with the all-zero key encrypting the
// all-zero block gives dc95c078a2408989ad48a21492842087 (the value every AES
// test suite lists for this key/plaintext pair). Our stream's first 16 bytes
// are exactly that block (counter 0).
func TestRandomPatternKnownAnswer(t *testing.T) {
	p, err := RandomFromKey(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 16)
	p.Fill(got, 0)
	want, _ := hex.DecodeString("dc95c078a2408989ad48a21492842087")
	if !bytes.Equal(got, want) {
		t.Errorf("Fill(16 bytes at 0) = %x; want %x", got, want)
	}
}

// oracleStream computes the documented stream block by block with the raw
// block cipher: byte o = AES_K(be128(o/16))[o%16]. It shares no code with
// Pattern.Fill's CTR path.
func oracleStream(t *testing.T, key []byte, off int64, n int) []byte {
	t.Helper()
	blk, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, n)
	var in, ks [16]byte
	for i := range out {
		o := off + int64(i)
		binary.BigEndian.PutUint64(in[8:], uint64(o/16))
		blk.Encrypt(ks[:], in[:])
		out[i] = ks[o%16]
	}
	return out
}

func TestRandomPatternSeekable(t *testing.T) {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i * 7)
	}
	p, err := RandomFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		off := r.Int64N(1 << 40)
		if i%3 == 0 {
			off = r.Int64N(4096)
		}
		n := 1 + r.IntN(300)
		if i%5 == 1 {
			n = 512 + r.IntN(4096) // long enough for whole 512-byte vector steps
		}
		got := make([]byte, n)
		p.Fill(got, off)
		if want := oracleStream(t, key, off, n); !bytes.Equal(got, want) {
			t.Fatalf("Fill(%d bytes at %d) = %x; want %x", n, off, got, want)
		}
	}
	// A long fill equals the concatenation of fills at arbitrary cut points.
	long := make([]byte, 1<<16)
	p.Fill(long, 12345)
	for cut := 0; cut < len(long); cut += 1 + r.IntN(5000) {
		part := make([]byte, len(long)-cut)
		p.Fill(part, 12345+int64(cut))
		if !bytes.Equal(part, long[cut:]) {
			t.Fatalf("Fill at 12345+%d differs from the long fill's tail", cut)
		}
	}
}

func TestRandomPatternKeysDiffer(t *testing.T) {
	a, _ := NewRandom()
	b, _ := NewRandom()
	ba, bb := make([]byte, 64), make([]byte, 64)
	a.Fill(ba, 0)
	b.Fill(bb, 0)
	if bytes.Equal(ba, bb) {
		t.Error("two fresh random patterns produced the same stream")
	}
	if a.KeyID() == b.KeyID() || len(a.KeyID()) != 16 {
		t.Errorf("KeyIDs %q, %q: want distinct 16-hex-digit ids", a.KeyID(), b.KeyID())
	}
}

func TestParsePattern(t *testing.T) {
	tests := []struct {
		in   string
		want string
		fill byte
	}{
		{"zero", "zero", 0x00},
		{"ZERO", "zero", 0x00},
		{"one", "one", 0xff},
		{"0x00", "zero", 0x00},
		{"0xff", "one", 0xff},
		{"0xA5", "0xa5", 0xa5},
		{"0x5", "0x05", 0x05},
	}
	for _, tc := range tests {
		p, err := ParsePattern(tc.in)
		if err != nil {
			t.Errorf("ParsePattern(%q) error %v", tc.in, err)
			continue
		}
		if p.String() != tc.want {
			t.Errorf("ParsePattern(%q).String() = %q; want %q", tc.in, p.String(), tc.want)
		}
		buf := make([]byte, 1000)
		p.Fill(buf, 77)
		if !bytes.Equal(buf, bytes.Repeat([]byte{tc.fill}, 1000)) {
			t.Errorf("ParsePattern(%q).Fill not all 0x%02x", tc.in, tc.fill)
		}
	}
	for _, bad := range []string{"", "0x", "0x100", "0xg1", "ff", "twos", "-1"} {
		if _, err := ParsePattern(bad); !errors.Is(err, ErrBadPattern) {
			t.Errorf("ParsePattern(%q) error = %v; want ErrBadPattern", bad, err)
		}
	}
	if p, err := ParsePattern("random"); err != nil || p.Kind() != PatternRandom {
		t.Errorf("ParsePattern(random) = %v, %v; want a random pattern", p, err)
	}
	if _, err := ParseConstant("random"); !errors.Is(err, ErrBadPattern) {
		t.Errorf("ParseConstant(random) error = %v; want ErrBadPattern", err)
	}
}

func TestComplement(t *testing.T) {
	for _, p := range []Pattern{Zero(), One(), Byte(0x3c), mustRandom(t)} {
		c := p.Complement()
		a, b := make([]byte, 333), make([]byte, 333)
		p.Fill(a, 1001)
		c.Fill(b, 1001)
		for i := range a {
			if a[i] != ^b[i] {
				t.Fatalf("%s.Complement() byte %d = %#x; want %#x", p, i, b[i], ^a[i])
			}
		}
		if cc := c.Complement(); cc.String() != p.String() {
			t.Errorf("%s.Complement().Complement() = %s", p, cc)
		}
	}
}

package aesctr

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"testing"
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The S-box entries FIPS 197 names: §5.1.1's worked example {53} -> {ed},
// and the corners of Figure 7.
func TestSbox(t *testing.T) {
	for in, want := range map[byte]byte{0x00: 0x63, 0x01: 0x7c, 0x53: 0xed, 0x10: 0xca, 0xff: 0x16, 0xf0: 0x8c} {
		if sbox[in] != want {
			t.Errorf("sbox[%#02x] = %#02x; want %#02x", in, sbox[in], want)
		}
	}
}

// FIPS 197 Appendix A.3: the expansion of a 256-bit key.
func TestExpandKey256(t *testing.T) {
	key := mustHex(t, "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
	w := expandKey256(key)
	want := map[int]uint32{
		0: 0x603deb10, 7: 0x0914dff4,
		8: 0x9ba35411, 9: 0x8e6925af, 10: 0xa51a8b5f, 11: 0x2067fcde,
		12: 0xa8b09c1a, 13: 0x93d194cd, 14: 0xbe49846e, 15: 0xb75d5b9a,
		56: 0xfe4890d1, 57: 0xe6188d0b, 58: 0x046df344, 59: 0x706c631e,
	}
	for i, v := range want {
		if w[i] != v {
			t.Errorf("w[%d] = %08x; want %08x", i, w[i], v)
		}
	}
}

// paths runs f with the vector path on and off (off only where the CPU
// lacks it).
func paths(t *testing.T, f func(t *testing.T)) {
	t.Run("generic", func(t *testing.T) {
		defer setVector(false)()
		f(t)
	})
	if !useVector {
		t.Log("this CPU has no VAES on 512-bit registers: the vector path is not tested here")
		return
	}
	t.Run("vector", f)
}

// AES-256 of the all-zero block under the all-zero key: the first block of
// the all-zero key's stream, be128(0) being the zero block.
func TestZeroKeyFirstBlock(t *testing.T) {
	paths(t, func(t *testing.T) {
		s, err := New(make([]byte, 32))
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]byte, 2*groupSize)
		s.Fill(dst, 0, false)
		if want := mustHex(t, "dc95c078a2408989ad48a21492842087"); !bytes.Equal(dst[:16], want) {
			t.Errorf("block 0 = %x; want %x", dst[:16], want)
		}
		s.Fill(dst, 0, true)
		if want := mustHex(t, "236a3f875dbf767652b75deb6d7bdf78"); !bytes.Equal(dst[:16], want) {
			t.Errorf("inverted block 0 = %x; want %x", dst[:16], want)
		}
	})
}

// reference is the stream as the standard library's CTR mode makes it.
func reference(key []byte, n int, first uint64, invert bool) []byte {
	b, _ := aes.NewCipher(key)
	var iv [16]byte
	binary.BigEndian.PutUint64(iv[8:], first)
	out := make([]byte, n)
	cipher.NewCTR(b, iv[:]).XORKeyStream(out, out)
	if invert {
		for i := range out {
			out[i] = ^out[i]
		}
	}
	return out
}

func TestFillMatchesCTR(t *testing.T) {
	paths(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		key := make([]byte, 32)
		for i := range key {
			key[i] = byte(r.Uint32())
		}
		s, err := New(key)
		if err != nil {
			t.Fatal(err)
		}
		lengths := []int{16, 496, 512, 528, 1024, 4096 + 48, 1 << 20, 4<<20 + 16}
		firsts := []uint64{0, 1, 31, 32, 1<<32 - 3, 1<<60 + 12345}
		for _, n := range lengths {
			for _, first := range firsts {
				for _, inv := range []bool{false, true} {
					want := reference(key, n, first, inv)
					got := make([]byte, n)
					for i := range got {
						got[i] = 0xA5 // every byte must be written
					}
					s.Fill(got, first, inv)
					if i := firstDiff(got, want); i >= 0 {
						t.Errorf("len %d from block %d, inverted %v: byte %d is %#02x; want %#02x", n, first, inv, i, got[i], want[i])
					}
				}
			}
		}
	})
}

// A range whose counter carries past the low 64 bits: the standard
// library's CTR carries into the high half, and so must Fill.
func TestFillCarry(t *testing.T) {
	paths(t, func(t *testing.T) {
		key := bytes.Repeat([]byte{7}, 32)
		s, _ := New(key)
		first := uint64(1<<64 - 40)
		n := 4 * groupSize
		var iv [16]byte
		binary.BigEndian.PutUint64(iv[8:], first)
		b, _ := aes.NewCipher(key)
		want := make([]byte, n)
		cipher.NewCTR(b, iv[:]).XORKeyStream(want, want)
		got := make([]byte, n)
		s.Fill(got, first, false)
		if i := firstDiff(got, want); i >= 0 {
			t.Errorf("byte %d differs across the carry", i)
		}
	})
}

func firstDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

func TestNewRejectsShortKey(t *testing.T) {
	if _, err := New(make([]byte, 16)); err == nil {
		t.Error("a 16-byte key was accepted")
	}
}

func BenchmarkFill(b *testing.B) {
	s, _ := New(make([]byte, 32))
	buf := make([]byte, 1<<20)
	for _, vec := range []bool{false, true} {
		if vec && !useVector {
			continue
		}
		b.Run(fmt.Sprintf("vector=%v", vec), func(b *testing.B) {
			defer setVector(vec)()
			b.SetBytes(int64(len(buf)))
			for i := 0; b.Loop(); i++ {
				s.Fill(buf, uint64(i)*uint64(len(buf)/BlockSize), false)
			}
		})
	}
}

// The start-up check kept the vector path on a CPU that has it (its
// output agrees with crypto/cipher's, as TestFillMatchesCTR shows too);
// Path says which way the keystream is made.
func TestStartupCheck(t *testing.T) {
	if vectorOff != "" {
		t.Fatalf("the start-up check turned the vector path off: %s", vectorOff)
	}
	want := "generic"
	if useVector {
		want = "vaes"
	}
	if got := Path(); got != want {
		t.Errorf("Path() = %q; want %q", got, want)
	}
	// The check catches a path that is wrong in one byte of one group.
	ref, err := New(bytes.Repeat([]byte{0x6b}, 32)) // the check's key
	if err != nil {
		t.Fatal(err)
	}
	broken := func(rk *[(rounds + 1) * BlockSize]byte, dst []byte, first uint64) {
		ref.fillGeneric(dst, first, *rk == ref.rkInv)
		dst[groupSize+7] ^= 1
	}
	if why := disagrees(broken); why == "" {
		t.Error("the start-up check passed a path wrong in one byte")
	}
	right := func(rk *[(rounds + 1) * BlockSize]byte, dst []byte, first uint64) {
		ref.fillGeneric(dst, first, *rk == ref.rkInv)
	}
	if why := disagrees(right); why != "" {
		t.Errorf("the start-up check refused the standard library's own keystream: %s", why)
	}
	if useVector {
		if why := disagrees(fillVector); why != "" {
			t.Errorf("the vector path: %s", why)
		}
	}
}

package aesctr

// expandKey256 is the AES-256 key expansion of FIPS 197 §5.2 (Nk = 8,
// Nr = 14): 60 words, four to a round key.
func expandKey256(key []byte) [4 * (rounds + 1)]uint32 {
	var w [4 * (rounds + 1)]uint32
	for i := range 8 {
		w[i] = uint32(key[4*i])<<24 | uint32(key[4*i+1])<<16 | uint32(key[4*i+2])<<8 | uint32(key[4*i+3])
	}
	rcon := uint32(0x01)
	for i := 8; i < len(w); i++ {
		t := w[i-1]
		switch i % 8 {
		case 0:
			t = subWord(t<<8|t>>24) ^ rcon<<24
			rcon = uint32(xtime(byte(rcon)))
		case 4:
			t = subWord(t)
		}
		w[i] = w[i-8] ^ t
	}
	return w
}

func subWord(w uint32) uint32 {
	return uint32(sbox[w>>24])<<24 | uint32(sbox[w>>16&0xFF])<<16 | uint32(sbox[w>>8&0xFF])<<8 | uint32(sbox[w&0xFF])
}

// xtime multiplies by x in GF(2^8) modulo x^8+x^4+x^3+x+1 (FIPS 197 §4.2.1).
func xtime(b byte) byte {
	if b&0x80 != 0 {
		return b<<1 ^ 0x1B
	}
	return b << 1
}

// sbox is the S-box of FIPS 197 §5.1.1, computed from its definition: the
// multiplicative inverse in GF(2^8) (0 for 0), then the affine
// transformation b ^ rotl(b,1) ^ rotl(b,2) ^ rotl(b,3) ^ rotl(b,4) ^ 0x63.
var sbox = func() (s [256]byte) {
	var exp, log [256]byte
	// 3 generates the multiplicative group: exp[i] = 3^i.
	x := byte(1)
	for i := range 255 {
		exp[i] = x
		log[x] = byte(i)
		x ^= xtime(x)
	}
	rotl := func(b byte, n uint) byte { return b<<n | b>>(8-n) }
	for i := range 256 {
		var inv byte
		if i != 0 {
			inv = exp[(255-int(log[i]))%255]
		}
		s[i] = inv ^ rotl(inv, 1) ^ rotl(inv, 2) ^ rotl(inv, 3) ^ rotl(inv, 4) ^ 0x63
	}
	return s
}()

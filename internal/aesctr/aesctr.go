// Package aesctr generates the AES-256-CTR keystream of kesu's random
// pattern: block i of the stream is AES-256_K(be128(i)). Where the CPU has
// vector AES instructions (VAES with AVX-512) the stream is made 32 blocks
// at a time in registers; elsewhere, and for the ends of a range, by the
// standard library's CTR mode. Both give the same bytes.
package aesctr

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
)

// BlockSize is the size of one counter block in bytes.
const BlockSize = aes.BlockSize

// groupBlocks is the number of counter blocks the vector path makes in one
// step (eight 512-bit registers of four blocks each).
const groupBlocks = 32

// groupSize is the bytes of one vector step.
const groupSize = groupBlocks * BlockSize

// rounds is AES-256's number of rounds (FIPS 197 §5, Nr = 14).
const rounds = 14

// Stream is one key's keystream. It is safe for concurrent use: Fill keeps
// no state between calls.
type Stream struct {
	block cipher.Block
	// rk is the expanded key, round 0 to 14, 16 bytes a round; rkInv is
	// the same with the last round key inverted, which inverts every byte
	// of the output (the last step of a round is XOR with its key).
	rk, rkInv [(rounds + 1) * BlockSize]byte
}

// New returns the keystream of a 32-byte AES-256 key.
func New(key []byte) (*Stream, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("aesctr: key must be 32 bytes, got %d", len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	s := &Stream{block: b}
	w := expandKey256(key)
	for i, v := range w {
		binary.BigEndian.PutUint32(s.rk[4*i:], v)
	}
	s.rkInv = s.rk
	for i := rounds * BlockSize; i < len(s.rkInv); i++ {
		s.rkInv[i] = ^s.rkInv[i]
	}
	return s, nil
}

// Fill writes into dst the keystream from the start of counter block first
// on, every byte inverted when invert is set.
func (s *Stream) Fill(dst []byte, first uint64, invert bool) {
	// The vector path counts in the low 64 bits of the counter only; a
	// range whose counter would carry into the high bits (beyond 2^68
	// bytes) goes the standard library's way.
	if groups := len(dst) / groupSize; useVector && groups > 0 && first+uint64(groups*groupBlocks) > first {
		rk := &s.rk
		if invert {
			rk = &s.rkInv
		}
		fillVector(rk, dst[:groups*groupSize], first)
		dst = dst[groups*groupSize:]
		first += uint64(groups * groupBlocks)
	}
	if len(dst) > 0 {
		s.fillGeneric(dst, first, invert)
	}
}

// fillGeneric is Fill through crypto/cipher's CTR mode.
func (s *Stream) fillGeneric(dst []byte, first uint64, invert bool) {
	var iv [BlockSize]byte
	binary.BigEndian.PutUint64(iv[8:], first)
	stream := cipher.NewCTR(s.block, iv[:])
	// The keystream is XORed onto a small constant source that stays in
	// the CPU's cache, so dst is written once (not cleared, then read and
	// written again).
	src := zeros[:]
	if invert {
		src = ones[:]
	}
	for len(dst) > 0 {
		n := min(len(dst), len(src))
		stream.XORKeyStream(dst[:n], src[:n])
		dst = dst[n:]
	}
}

// srcSize is the length of the constant sources fillGeneric XORs the
// keystream onto: small enough to stay in the first-level cache.
const srcSize = 16 << 10

var (
	zeros [srcSize]byte
	ones  = func() (b [srcSize]byte) {
		for i := range b {
			b[i] = 0xFF
		}
		return b
	}()
)

package aesctr

import "golang.org/x/sys/cpu"

// useVector reports whether fillVector runs: the CPU has VAES on 512-bit
// registers, and the operating system saves them (x/sys/cpu checks both).
var useVector = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VAES

// keystreamVAES writes groups*512 bytes of keystream at dst with the round
// keys rk, counting from the four counter lanes at ctr (low and high
// 64-bit halves of four counters, before the byte swap to big-endian).
//
//go:noescape
func keystreamVAES(rk *[(rounds + 1) * BlockSize]byte, dst *byte, groups int, ctr *[8]uint64)

// fillVector fills dst, a whole number of groups, from counter block first.
func fillVector(rk *[(rounds + 1) * BlockSize]byte, dst []byte, first uint64) {
	// Each 128-bit lane holds one counter as two little-endian words: the
	// high 64 bits of the counter (always 0 here) and the low 64 bits.
	ctr := [8]uint64{0, first, 0, first + 1, 0, first + 2, 0, first + 3}
	keystreamVAES(rk, &dst[0], len(dst)/groupSize, &ctr)
}

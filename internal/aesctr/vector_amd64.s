#include "textflag.h"

// Added to every counter lane after each register: four blocks on.
DATA ctrStep<>+0(SB)/8, $0
DATA ctrStep<>+8(SB)/8, $4
DATA ctrStep<>+16(SB)/8, $0
DATA ctrStep<>+24(SB)/8, $4
DATA ctrStep<>+32(SB)/8, $0
DATA ctrStep<>+40(SB)/8, $4
DATA ctrStep<>+48(SB)/8, $0
DATA ctrStep<>+56(SB)/8, $4
GLOBL ctrStep<>(SB), RODATA|NOPTR, $64

// VPSHUFB mask, per 128-bit lane: bytes 0-7 zero, bytes 8-15 the
// little-endian low word reversed, so a lane becomes be128(counter).
DATA ctrSwap<>+0(SB)/8, $0x8080808080808080
DATA ctrSwap<>+8(SB)/8, $0x08090a0b0c0d0e0f
DATA ctrSwap<>+16(SB)/8, $0x8080808080808080
DATA ctrSwap<>+24(SB)/8, $0x08090a0b0c0d0e0f
DATA ctrSwap<>+32(SB)/8, $0x8080808080808080
DATA ctrSwap<>+40(SB)/8, $0x08090a0b0c0d0e0f
DATA ctrSwap<>+48(SB)/8, $0x8080808080808080
DATA ctrSwap<>+56(SB)/8, $0x08090a0b0c0d0e0f
GLOBL ctrSwap<>(SB), RODATA|NOPTR, $64

#define COUNTER(r) \
	VPSHUFB Z25, Z23, r \
	VPADDQ  Z24, Z23, Z23

// OP8 applies op with round key k to the eight registers of a group.
#define OP8(op, k) \
	op k, Z15, Z15 \
	op k, Z16, Z16 \
	op k, Z17, Z17 \
	op k, Z18, Z18 \
	op k, Z19, Z19 \
	op k, Z20, Z20 \
	op k, Z21, Z21 \
	op k, Z22, Z22

// func keystreamVAES(rk *[240]byte, dst *byte, groups int, ctr *[8]uint64)
//
// Z0-Z14 hold the 15 round keys, each broadcast to the four lanes; Z15-Z22
// the 32 blocks of one group; Z23 the next four counters; Z24 the step;
// Z25 the byte-swap mask. AES-256 is the initial XOR with round key 0,
// 13 full rounds and a last round without MixColumns (FIPS 197 §5.1).
TEXT ·keystreamVAES(SB), NOSPLIT, $0-32
	MOVQ rk+0(FP), AX
	MOVQ dst+8(FP), DI
	MOVQ groups+16(FP), CX
	MOVQ ctr+24(FP), DX

	VBROADCASTI32X4 0(AX), Z0
	VBROADCASTI32X4 16(AX), Z1
	VBROADCASTI32X4 32(AX), Z2
	VBROADCASTI32X4 48(AX), Z3
	VBROADCASTI32X4 64(AX), Z4
	VBROADCASTI32X4 80(AX), Z5
	VBROADCASTI32X4 96(AX), Z6
	VBROADCASTI32X4 112(AX), Z7
	VBROADCASTI32X4 128(AX), Z8
	VBROADCASTI32X4 144(AX), Z9
	VBROADCASTI32X4 160(AX), Z10
	VBROADCASTI32X4 176(AX), Z11
	VBROADCASTI32X4 192(AX), Z12
	VBROADCASTI32X4 208(AX), Z13
	VBROADCASTI32X4 224(AX), Z14
	VMOVDQU64 (DX), Z23
	VMOVDQU64 ctrStep<>(SB), Z24
	VMOVDQU64 ctrSwap<>(SB), Z25

	TESTQ CX, CX
	JZ    done

loop:
	COUNTER(Z15)
	COUNTER(Z16)
	COUNTER(Z17)
	COUNTER(Z18)
	COUNTER(Z19)
	COUNTER(Z20)
	COUNTER(Z21)
	COUNTER(Z22)
	OP8(VPXORQ, Z0)
	OP8(VAESENC, Z1)
	OP8(VAESENC, Z2)
	OP8(VAESENC, Z3)
	OP8(VAESENC, Z4)
	OP8(VAESENC, Z5)
	OP8(VAESENC, Z6)
	OP8(VAESENC, Z7)
	OP8(VAESENC, Z8)
	OP8(VAESENC, Z9)
	OP8(VAESENC, Z10)
	OP8(VAESENC, Z11)
	OP8(VAESENC, Z12)
	OP8(VAESENC, Z13)
	OP8(VAESENCLAST, Z14)
	VMOVDQU64 Z15, 0(DI)
	VMOVDQU64 Z16, 64(DI)
	VMOVDQU64 Z17, 128(DI)
	VMOVDQU64 Z18, 192(DI)
	VMOVDQU64 Z19, 256(DI)
	VMOVDQU64 Z20, 320(DI)
	VMOVDQU64 Z21, 384(DI)
	VMOVDQU64 Z22, 448(DI)
	ADDQ $512, DI
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET

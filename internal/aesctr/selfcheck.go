package aesctr

import (
	"bytes"
	"fmt"
)

// vectorOff says why the vector path was turned off at start ("" when it
// is on, or the CPU has none).
var vectorOff string

// The vector path is checked once, when the program starts, against
// crypto/cipher's CTR on the machine it runs on: two groups from a counter
// whose low 32 bits carry inside them, plain and inverted. A CPU or an
// assembly path that disagrees is not used: the random pattern is then
// made the standard library's way, only slower.
func init() {
	if !useVector {
		return
	}
	if why := disagrees(fillVector); why != "" {
		useVector, vectorOff = false, why
	}
}

// disagrees says how fill differs from crypto/cipher's CTR ("" when it
// does not) over two groups from a counter whose low 32 bits carry inside
// them, plain and inverted.
func disagrees(fill func(rk *[(rounds + 1) * BlockSize]byte, dst []byte, first uint64)) string {
	s, err := New(bytes.Repeat([]byte{0x6b}, 32))
	if err != nil {
		return err.Error()
	}
	const first = 1<<32 - groupBlocks - 3
	for _, invert := range []bool{false, true} {
		got, want := make([]byte, 2*groupSize), make([]byte, 2*groupSize)
		rk := &s.rk
		if invert {
			rk = &s.rkInv
		}
		fill(rk, got, first)
		s.fillGeneric(want, first, invert)
		if !bytes.Equal(got, want) {
			return fmt.Sprintf("the VAES path disagreed with crypto/cipher's CTR at start (inverted %v)", invert)
		}
	}
	return ""
}

// Path says which way the keystream is made on this machine: "vaes" or
// "generic", with the reason when the vector path was turned off.
func Path() string {
	switch {
	case useVector:
		return "vaes"
	case vectorOff != "":
		return "generic (" + vectorOff + ")"
	}
	return "generic"
}

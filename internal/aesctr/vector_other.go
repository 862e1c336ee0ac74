//go:build !amd64

package aesctr

var useVector = false

func fillVector(*[(rounds + 1) * BlockSize]byte, []byte, uint64) {
	panic("aesctr: no vector path on this architecture")
}

package report

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/scrypt"
)

// A sealed private key is the signing key in a form that may be served in
// the clear (over TFTP, on a network boot tree): the PKCS #8 DER of the
// Ed25519 key, encrypted under a key derived from a passphrase. It is one
// PEM block:
//
//	-----BEGIN KESU SEALED PRIVATE KEY-----
//	Format: kesu-sealed-key/1
//	Fingerprint: <SHA-256 of the 32-byte public key, lower-case hex>
//	KDF: scrypt
//	KDF-N: 65536
//	KDF-r: 8
//	KDF-p: 1
//	KDF-Salt: <16 random bytes, lower-case hex>
//	Cipher: AES-256-GCM
//	Nonce: <12 random bytes, lower-case hex>
//
//	<base64 of the AES-256-GCM ciphertext of the PKCS #8 DER, tag appended>
//	-----END KESU SEALED PRIVATE KEY-----
//
// The AES key is scrypt(passphrase, salt, N, r, p, 32 bytes). The GCM
// additional data is the PEM type, a newline, and then each of the nine
// headers in the order above as "Name: value" and a newline, so that no
// header can be changed without the opening failing. (Go's PEM encoder
// writes the headers sorted by name; the order of the lines in the file
// does not matter, the order in the additional data does.) The Fingerprint
// header lets an office see which key a file holds without its passphrase;
// OpenSealedKey checks it against the key it opens.
const (
	SealedKeyPEMType = "KESU SEALED PRIVATE KEY"
	SealedKeyFormat  = "kesu-sealed-key/1"
)

// Default scrypt parameters: 64 MiB of memory (128·N·r bytes); opening
// took 0.22 to 0.38 s on a 2-core AMD EPYC virtual machine
// (BenchmarkOpenSealedKey), so some seconds in an initramfs under QEMU TCG.
const (
	SealedKeyN = 1 << 16
	SealedKeyR = 8
	SealedKeyP = 1
)

// MinPassphrase is the shortest passphrase SealPrivateKey accepts, in
// characters.
const MinPassphrase = 12

// Limits on the scrypt parameters of a sealed key, checked before any work
// is done, so that a tampered file cannot make the machine spend gigabytes
// or hours opening it.
const (
	sealedMinN      = 1 << 14
	sealedMaxN      = 1 << 20
	sealedMaxRP     = 32
	sealedMaxMemory = 1 << 30 // 128·N·r bytes
)

// Errors of sealing and opening a key.
var (
	// ErrWeakPassphrase: the passphrase is shorter than MinPassphrase.
	ErrWeakPassphrase = errors.New("passphrase too short")
	// ErrWrongPassphrase: the sealed key does not open with this
	// passphrase (or its headers or ciphertext were altered: AES-GCM
	// cannot tell the two apart).
	ErrWrongPassphrase = errors.New("wrong passphrase, or the sealed key was altered")
)

// sealedHeaderOrder is the order of the headers in the GCM additional data.
var sealedHeaderOrder = []string{"Format", "Fingerprint", "KDF", "KDF-N", "KDF-r", "KDF-p", "KDF-Salt", "Cipher", "Nonce"}

// sealedParams are a sealed key's headers, parsed.
type sealedParams struct {
	fingerprint string
	n, r, p     int
	salt, nonce []byte
}

// SealPrivateKey seals priv under passphrase (see SealedKeyPEMType for the
// format), with the default scrypt parameters and salt and nonce from rand
// (crypto/rand when nil). A passphrase shorter than MinPassphrase
// characters is refused with ErrWeakPassphrase.
func SealPrivateKey(priv ed25519.PrivateKey, passphrase []byte, rand io.Reader) ([]byte, error) {
	return sealPrivateKey(priv, passphrase, rand, SealedKeyN, SealedKeyR, SealedKeyP)
}

func sealPrivateKey(priv ed25519.PrivateKey, passphrase []byte, rnd io.Reader, n, r, p int) ([]byte, error) {
	if err := CheckPassphrase(passphrase); err != nil {
		return nil, err
	}
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("private key is %d bytes, want %d", len(priv), ed25519.PrivateKeySize)
	}
	if err := checkScrypt(n, r, p); err != nil {
		return nil, err
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	sp := sealedParams{fingerprint: Fingerprint(priv.Public().(ed25519.PublicKey)), n: n, r: r, p: p,
		salt: make([]byte, 16), nonce: make([]byte, 12)}
	if _, err := io.ReadFull(rnd, sp.salt); err != nil {
		return nil, fmt.Errorf("salt: %w", err)
	}
	if _, err := io.ReadFull(rnd, sp.nonce); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	defer clear(der)
	aead, err := sp.aead(passphrase)
	if err != nil {
		return nil, err
	}
	headers := sp.headers()
	ct := aead.Seal(nil, sp.nonce, der, additionalData(headers))
	return pem.EncodeToMemory(&pem.Block{Type: SealedKeyPEMType, Headers: headers, Bytes: ct}), nil
}

// CheckPassphrase refuses a passphrase shorter than MinPassphrase
// characters (ErrWeakPassphrase, wrapped): the rule SealPrivateKey applies,
// for callers that ask for a passphrase before sealing.
func CheckPassphrase(passphrase []byte) error {
	if n := utf8.RuneCount(passphrase); n < MinPassphrase {
		return fmt.Errorf("%w: %d characters, at least %d needed", ErrWeakPassphrase, n, MinPassphrase)
	}
	return nil
}

// checkScrypt refuses parameters outside the limits.
func checkScrypt(n, r, p int) error {
	switch {
	case n < sealedMinN || n > sealedMaxN || bits.OnesCount(uint(n)) != 1:
		return fmt.Errorf("scrypt N=%d: want a power of two from %d to %d", n, sealedMinN, sealedMaxN)
	case r < 1 || p < 1 || r > sealedMaxRP || p > sealedMaxRP || r*p > sealedMaxRP:
		return fmt.Errorf("scrypt r=%d, p=%d: want r, p ≥ 1 and r·p ≤ %d", r, p, sealedMaxRP)
	case uint64(128)*uint64(n)*uint64(r) > sealedMaxMemory:
		return fmt.Errorf("scrypt N=%d, r=%d needs %d MiB, more than %d MiB", n, r, 128*n*r>>20, sealedMaxMemory>>20)
	}
	return nil
}

func (sp *sealedParams) headers() map[string]string {
	return map[string]string{
		"Format":      SealedKeyFormat,
		"Fingerprint": sp.fingerprint,
		"KDF":         "scrypt",
		"KDF-N":       strconv.Itoa(sp.n),
		"KDF-r":       strconv.Itoa(sp.r),
		"KDF-p":       strconv.Itoa(sp.p),
		"KDF-Salt":    hex.EncodeToString(sp.salt),
		"Cipher":      "AES-256-GCM",
		"Nonce":       hex.EncodeToString(sp.nonce),
	}
}

// additionalData is the GCM additional data for headers.
func additionalData(headers map[string]string) []byte {
	var b bytes.Buffer
	b.WriteString(SealedKeyPEMType + "\n")
	for _, name := range sealedHeaderOrder {
		fmt.Fprintf(&b, "%s: %s\n", name, headers[name])
	}
	return b.Bytes()
}

// aead derives the AES-256 key from passphrase and returns the GCM.
func (sp *sealedParams) aead(passphrase []byte) (cipher.AEAD, error) {
	key, err := scrypt.Key(passphrase, sp.salt, sp.n, sp.r, sp.p, 32)
	if err != nil {
		return nil, fmt.Errorf("scrypt: %w", err)
	}
	defer clear(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// IsSealedKey reports whether data is a PEM block of type
// SealedKeyPEMType and nothing before it (it does not check the rest): a
// file that carries anything else ahead of the block — a key in the clear,
// say — is not a sealed key.
func IsSealedKey(data []byte) bool {
	if !bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("-----BEGIN "+SealedKeyPEMType+"-----")) ||
		bytes.Count(data, []byte("-----BEGIN ")) != 1 {
		// Exactly one block, first: a PEM reader skips a block it cannot
		// decode, so a second BEGIN could hide data ahead of the real one.
		return false
	}
	block, _ := pem.Decode(data)
	return block != nil && block.Type == SealedKeyPEMType
}

// parseSealed decodes a sealed key's PEM block and checks its headers: the
// format, the algorithms, parameters within the limits, well-formed salt,
// nonce and fingerprint, and no other header.
func parseSealed(data []byte) (*pem.Block, *sealedParams, error) {
	if !IsSealedKey(data) {
		if block, _ := pem.Decode(data); block != nil && block.Type == SealedKeyPEMType {
			return nil, nil, errors.New("sealed key: unexpected data before the PEM block")
		}
	}
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, nil, errors.New("sealed key: no PEM block found")
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, nil, errors.New("sealed key: unexpected data after the PEM block")
	}
	if block.Type != SealedKeyPEMType {
		return nil, nil, fmt.Errorf("sealed key: PEM block is %q, want %q", block.Type, SealedKeyPEMType)
	}
	h := block.Headers
	known := map[string]bool{}
	for _, name := range sealedHeaderOrder {
		known[name] = true
		if _, ok := h[name]; !ok {
			return nil, nil, fmt.Errorf("sealed key: header %s is missing", name)
		}
	}
	for name := range h {
		if !known[name] {
			return nil, nil, fmt.Errorf("sealed key: unknown header %q", name)
		}
	}
	switch {
	case h["Format"] != SealedKeyFormat:
		return nil, nil, fmt.Errorf("sealed key: format %q is not supported (want %s)", h["Format"], SealedKeyFormat)
	case h["KDF"] != "scrypt":
		return nil, nil, fmt.Errorf("sealed key: KDF %q is not supported (want scrypt)", h["KDF"])
	case h["Cipher"] != "AES-256-GCM":
		return nil, nil, fmt.Errorf("sealed key: cipher %q is not supported (want AES-256-GCM)", h["Cipher"])
	}
	sp := &sealedParams{fingerprint: h["Fingerprint"]}
	if fp, err := hex.DecodeString(sp.fingerprint); err != nil || len(fp) != 32 || strings.ToLower(sp.fingerprint) != sp.fingerprint {
		return nil, nil, fmt.Errorf("sealed key: fingerprint %q is not 64 lower-case hex digits", sp.fingerprint)
	}
	for _, f := range []struct {
		name string
		v    *int
	}{{"KDF-N", &sp.n}, {"KDF-r", &sp.r}, {"KDF-p", &sp.p}} {
		v, err := strconv.Atoi(h[f.name])
		if err != nil || strconv.Itoa(v) != h[f.name] {
			return nil, nil, fmt.Errorf("sealed key: %s %q is not a number", f.name, h[f.name])
		}
		*f.v = v
	}
	if err := checkScrypt(sp.n, sp.r, sp.p); err != nil {
		return nil, nil, fmt.Errorf("sealed key: %w", err)
	}
	var err error
	if sp.salt, err = hex.DecodeString(h["KDF-Salt"]); err != nil || len(sp.salt) < 16 {
		return nil, nil, fmt.Errorf("sealed key: salt %q is not at least 16 bytes of hex", h["KDF-Salt"])
	}
	if sp.nonce, err = hex.DecodeString(h["Nonce"]); err != nil || len(sp.nonce) != 12 {
		return nil, nil, fmt.Errorf("sealed key: nonce %q is not 12 bytes of hex", h["Nonce"])
	}
	return block, sp, nil
}

// SealedKeyFingerprint returns the fingerprint a sealed key's header names
// (lower-case hex, as Fingerprint), without opening it. The header is
// authenticated only when the key is opened: OpenSealedKey checks it.
func SealedKeyFingerprint(data []byte) (string, error) {
	_, sp, err := parseSealed(data)
	if err != nil {
		return "", err
	}
	return sp.fingerprint, nil
}

// OpenSealedKey opens a sealed key with passphrase and returns its signer.
// A passphrase that does not open it, or headers or ciphertext altered
// since it was sealed, is ErrWrongPassphrase (wrapped); a file that is not
// a well-formed sealed key, or whose parameters exceed the limits, is
// another error, before any key derivation. The opened key's fingerprint
// must be the one the header names.
func OpenSealedKey(data, passphrase []byte) (*Signer, error) {
	block, sp, err := parseSealed(data)
	if err != nil {
		return nil, err
	}
	aead, err := sp.aead(passphrase)
	if err != nil {
		return nil, err
	}
	der, err := aead.Open(nil, sp.nonce, block.Bytes, additionalData(block.Headers))
	if err != nil {
		return nil, fmt.Errorf("sealed key %s: %w", FormatFingerprint(sp.fingerprint), ErrWrongPassphrase)
	}
	defer clear(der)
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("sealed key: the opened key is not PKCS #8: %w", err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("sealed key: the opened key is %T, want Ed25519", k)
	}
	s := NewSigner(priv)
	if s.Fingerprint() != sp.fingerprint {
		return nil, fmt.Errorf("sealed key: the opened key's fingerprint %s is not the header's %s", s.Fingerprint(), sp.fingerprint)
	}
	return s, nil
}

// SealKeyFile seals the private key file keyPath (PEM "PRIVATE KEY", as
// kesu keygen writes it) under passphrase and writes the sealed key to
// outPath, created with mode 0600 — never over an existing file — and
// fsynced with its directory. Before writing, it opens the sealed key
// again with the passphrase. It returns the key's fingerprint.
func SealKeyFile(keyPath, outPath string, passphrase []byte) (string, error) {
	if err := CheckPassphrase(passphrase); err != nil {
		return "", err // before reading the key or spending scrypt
	}
	data, err := os.ReadFile(keyPath)
	if err != nil {
		return "", fmt.Errorf("private key: %w", err)
	}
	if IsSealedKey(data) {
		return "", fmt.Errorf("private key %s is already sealed", keyPath)
	}
	priv, err := ParsePrivateKeyPEM(data)
	clear(data)
	if err != nil {
		return "", fmt.Errorf("private key %s: %w", keyPath, err)
	}
	sealed, err := SealPrivateKey(priv, passphrase, nil)
	if err != nil {
		return "", err
	}
	s, err := OpenSealedKey(sealed, passphrase)
	if err != nil || s.Fingerprint() != Fingerprint(priv.Public().(ed25519.PublicKey)) {
		return "", fmt.Errorf("the sealed key does not open to the key it sealed (%v)", err)
	}
	if _, err := os.Lstat(outPath); err == nil {
		return "", fmt.Errorf("%s already exists; refusing to overwrite it", outPath)
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	if err := writeNew(outPath, sealed, 0o600); err != nil {
		return "", err
	}
	if err := SyncDir(filepath.Dir(outPath)); err != nil {
		return "", err
	}
	return s.Fingerprint(), nil
}

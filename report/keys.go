package report

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// File names kesu keygen writes.
const (
	PrivateKeyFile = "kesu-signing.key" // PEM "PRIVATE KEY" (PKCS #8), mode 0600
	PublicKeyFile  = "kesu-signing.pub" // PEM "PUBLIC KEY" (PKIX)
)

// Signer signs journal records with an Ed25519 private key.
type Signer struct {
	priv ed25519.PrivateKey
	info KeyInfo
}

// NewSigner returns a signer for priv.
func NewSigner(priv ed25519.PrivateKey) *Signer {
	pub := priv.Public().(ed25519.PublicKey)
	return &Signer{priv: priv, info: keyInfo(pub)}
}

func keyInfo(pub ed25519.PublicKey) KeyInfo {
	return KeyInfo{Alg: "Ed25519", PublicKey: hex.EncodeToString(pub), Fingerprint: Fingerprint(pub)}
}

// KeyInfo identifies the signer's key as a record names it.
func (s *Signer) KeyInfo() KeyInfo { return s.info }

// Fingerprint returns the signer's public key fingerprint (hex).
func (s *Signer) Fingerprint() string { return s.info.Fingerprint }

// PublicKey returns the signer's public key.
func (s *Signer) PublicKey() ed25519.PublicKey { return s.priv.Public().(ed25519.PublicKey) }

// Fingerprint returns the SHA-256 of the 32-byte public key, in lower-case hex.
func Fingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:])
}

// FormatFingerprint groups a hex fingerprint in fours for reading aloud:
// "3f2a 9c01 …".
func FormatFingerprint(fp string) string {
	var b strings.Builder
	for i := 0; i < len(fp); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(fp[i:min(i+4, len(fp))])
	}
	return b.String()
}

// LoadSigner reads a private key file written by kesu keygen. It fails
// closed: a missing, unreadable or malformed file, or a key that is not
// Ed25519, is an error, and no signer is returned.
func LoadSigner(path string) (*Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	if IsSealedKey(data) {
		return nil, fmt.Errorf("signing key %s is sealed under a passphrase: it is opened with its passphrase (OpenSealedKey), not read as a key file", path)
	}
	priv, err := ParsePrivateKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	return NewSigner(priv), nil
}

// onePEM decodes the single PEM block of data; text before it is allowed
// (comments), anything but white space after it is not.
func onePEM(data []byte, wantType string) (*pem.Block, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("unexpected data after the PEM block")
	}
	if block.Type != wantType {
		return nil, fmt.Errorf("PEM block is %q, want %q", block.Type, wantType)
	}
	if len(block.Headers) != 0 {
		return nil, errors.New("PEM block has headers (encrypted keys are not supported)")
	}
	return block, nil
}

// ParsePrivateKeyPEM parses a PEM "PRIVATE KEY" (PKCS #8) Ed25519 key.
func ParsePrivateKeyPEM(data []byte) (ed25519.PrivateKey, error) {
	block, err := onePEM(data, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("key is %T, want Ed25519", k)
	}
	return priv, nil
}

// ParsePublicKeyPEM parses a PEM "PUBLIC KEY" (PKIX) Ed25519 key.
func ParsePublicKeyPEM(data []byte) (ed25519.PublicKey, error) {
	block, err := onePEM(data, "PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("key is %T, want Ed25519", k)
	}
	return pub, nil
}

// MarshalPrivateKeyPEM encodes priv as PEM "PRIVATE KEY" (PKCS #8).
func MarshalPrivateKeyPEM(priv ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// MarshalPublicKeyPEM encodes pub as PEM "PUBLIC KEY" (PKIX), preceded by a
// comment line giving its fingerprint.
func MarshalPublicKeyPEM(pub ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	head := fmt.Sprintf("kesu signing key (Ed25519), SHA-256 fingerprint:\n%s\n", FormatFingerprint(Fingerprint(pub)))
	return append([]byte(head), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})...), nil
}

// KeyFiles names the files GenerateKeyFiles wrote.
type KeyFiles struct {
	Private, Public string
	Fingerprint     string
}

// GenerateKeyFiles creates a new Ed25519 key pair from rand (crypto/rand
// when nil) and writes dir/kesu-signing.key (mode 0600) and
// dir/kesu-signing.pub (mode 0644). It refuses to overwrite either file and
// leaves no partial pair behind on error.
func GenerateKeyFiles(dir string, rand io.Reader) (KeyFiles, error) {
	pub, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return KeyFiles{}, err
	}
	privPEM, err := MarshalPrivateKeyPEM(priv)
	if err != nil {
		return KeyFiles{}, err
	}
	pubPEM, err := MarshalPublicKeyPEM(pub)
	if err != nil {
		return KeyFiles{}, err
	}
	kf := KeyFiles{
		Private:     filepath.Join(dir, PrivateKeyFile),
		Public:      filepath.Join(dir, PublicKeyFile),
		Fingerprint: Fingerprint(pub),
	}
	for _, p := range []string{kf.Private, kf.Public} {
		if _, err := os.Lstat(p); err == nil {
			return KeyFiles{}, fmt.Errorf("%s already exists; refusing to overwrite a key", p)
		} else if !errors.Is(err, os.ErrNotExist) {
			return KeyFiles{}, err
		}
	}
	if err := writeNew(kf.Private, privPEM, 0o600); err != nil {
		return KeyFiles{}, err
	}
	if err := writeNew(kf.Public, pubPEM, 0o644); err != nil {
		os.Remove(kf.Private)
		return KeyFiles{}, err
	}
	if err := SyncDir(dir); err != nil {
		os.Remove(kf.Private)
		os.Remove(kf.Public)
		return KeyFiles{}, err
	}
	return kf, nil
}

// writeNew creates path exclusively with mode perm, writes data and fsyncs.
func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	// The umask may have narrowed perm; a private key must not be wider.
	if err := f.Chmod(perm); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// SyncDir fsyncs a directory so that entries created in it survive a power
// cut.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return nil
}

// KeyRing holds the public keys a verifier trusts, by fingerprint.
type KeyRing map[string]ed25519.PublicKey

// Add adds pub to the ring.
func (k KeyRing) Add(pub ed25519.PublicKey) { k[Fingerprint(pub)] = pub }

// LoadPublicKeys reads public key files (PEM "PUBLIC KEY", as kesu keygen
// writes) into a key ring.
func LoadPublicKeys(paths ...string) (KeyRing, error) {
	ring := KeyRing{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("public key: %w", err)
		}
		pub, err := ParsePublicKeyPEM(data)
		if err != nil {
			return nil, fmt.Errorf("public key %s: %w", p, err)
		}
		ring.Add(pub)
	}
	return ring, nil
}

package report_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/scrypt"

	"github.com/kesu-erase/kesu/report"
)

const testPassphrase = "correct horse battery"

func rfcKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	seed, _ := hex.DecodeString(rfc8032Secret)
	return ed25519.NewKeyFromSeed(seed)
}

// sealed is one sealed RFC 8032 key, made once: each sealing and opening
// costs a tenth of a second of scrypt.
var sealedOnce []byte

func sealedRFC(t *testing.T) []byte {
	t.Helper()
	if sealedOnce == nil {
		b, err := report.SealPrivateKey(rfcKey(t), []byte(testPassphrase), nil)
		if err != nil {
			t.Fatalf("SealPrivateKey: %v", err)
		}
		sealedOnce = b
	}
	return bytes.Clone(sealedOnce)
}

func TestSealedKeyRoundTrip(t *testing.T) {
	data := sealedRFC(t)
	if !report.IsSealedKey(data) {
		t.Errorf("IsSealedKey(sealed) = false; want true")
	}
	fp, err := report.SealedKeyFingerprint(data)
	if err != nil || fp != rfc8032Fingerprint {
		t.Errorf("SealedKeyFingerprint = %q, %v; want %s", fp, err, rfc8032Fingerprint)
	}
	s, err := report.OpenSealedKey(data, []byte(testPassphrase))
	if err != nil {
		t.Fatalf("OpenSealedKey: %v", err)
	}
	if got := hex.EncodeToString(s.PublicKey()); got != rfc8032Public {
		t.Errorf("opened public key = %s; want %s", got, rfc8032Public)
	}
	// The file shows no key material in the clear.
	if bytes.Contains(data, []byte(rfc8032Secret)) || bytes.Contains(data, []byte("BEGIN PRIVATE KEY")) {
		t.Errorf("sealed file shows the key:\n%s", data)
	}
	plain, _ := report.MarshalPrivateKeyPEM(rfcKey(t))
	if report.IsSealedKey(plain) {
		t.Errorf("IsSealedKey(plain PEM) = true; want false")
	}
	// Two sealings of one key differ (fresh salt and nonce).
	again, err := report.SealPrivateKey(rfcKey(t), []byte(testPassphrase), nil)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(again, data) {
		t.Errorf("two sealings are identical; want fresh salt and nonce")
	}
}

func TestSealedKeyWrongPassphrase(t *testing.T) {
	data := sealedRFC(t)
	_, err := report.OpenSealedKey(data, []byte(testPassphrase+"!"))
	if !errors.Is(err, report.ErrWrongPassphrase) {
		t.Fatalf("OpenSealedKey(wrong passphrase) = %v; want ErrWrongPassphrase", err)
	}
	// A short passphrase opens nothing either, and is simply wrong (the
	// minimum length is the sealer's rule).
	if _, err := report.OpenSealedKey(data, []byte("x")); !errors.Is(err, report.ErrWrongPassphrase) {
		t.Errorf("OpenSealedKey(short) = %v; want ErrWrongPassphrase", err)
	}
}

func TestSealPassphraseTooShort(t *testing.T) {
	for _, p := range []string{"", "elevenchars", "ｐａｓｓｗｏｒｄ１２３４"[:3*11]} {
		_, err := report.SealPrivateKey(rfcKey(t), []byte(p), nil)
		if !errors.Is(err, report.ErrWeakPassphrase) {
			t.Errorf("SealPrivateKey(%q) = %v; want ErrWeakPassphrase", p, err)
		}
	}
	// Twelve characters, counted as characters not bytes, are enough:
	// checked without the cost of scrypt by a failing random source.
	_, err := report.SealPrivateKey(rfcKey(t), []byte("ｐａｓｓｗｏｒｄ１２３４"), failingReader{})
	if err == nil || errors.Is(err, report.ErrWeakPassphrase) {
		t.Errorf("SealPrivateKey(12 wide characters) = %v; want the random source's error", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no randomness") }

// reseal decodes data, lets edit change its block, and encodes it again.
func reseal(t *testing.T, data []byte, edit func(*pem.Block)) []byte {
	t.Helper()
	b, _ := pem.Decode(data)
	if b == nil {
		t.Fatal("no PEM block")
	}
	edit(b)
	return pem.EncodeToMemory(b)
}

func TestSealedKeyTampered(t *testing.T) {
	data := sealedRFC(t)
	otherFP := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name      string
		edit      func(*pem.Block)
		wrongPass bool   // ErrWrongPassphrase (authenticated data changed)
		want      string // else the error says this
	}{
		{"N doubled", func(b *pem.Block) { b.Headers["KDF-N"] = "131072" }, true, ""},
		{"N halved", func(b *pem.Block) { b.Headers["KDF-N"] = "32768" }, true, ""},
		{"r changed", func(b *pem.Block) { b.Headers["KDF-r"] = "4" }, true, ""},
		{"salt changed", func(b *pem.Block) { b.Headers["KDF-Salt"] = strings.Repeat("00", 16) }, true, ""},
		{"nonce changed", func(b *pem.Block) { b.Headers["Nonce"] = strings.Repeat("00", 12) }, true, ""},
		{"fingerprint changed", func(b *pem.Block) { b.Headers["Fingerprint"] = otherFP }, true, ""},
		{"ciphertext flipped", func(b *pem.Block) { b.Bytes[3] ^= 1 }, true, ""},
		{"tag flipped", func(b *pem.Block) { b.Bytes[len(b.Bytes)-1] ^= 0x80 }, true, ""},
		{"ciphertext cut", func(b *pem.Block) { b.Bytes = b.Bytes[:10] }, true, ""},
		{"N too big", func(b *pem.Block) { b.Headers["KDF-N"] = strconv.Itoa(1 << 21) }, false, "scrypt N=2097152"},
		{"N not a power of two", func(b *pem.Block) { b.Headers["KDF-N"] = "65537" }, false, "power of two"},
		{"N too small", func(b *pem.Block) { b.Headers["KDF-N"] = "2" }, false, "power of two"},
		{"r·p too big", func(b *pem.Block) { b.Headers["KDF-r"], b.Headers["KDF-p"] = "8", "8" }, false, "r·p"},
		{"memory too big", func(b *pem.Block) { b.Headers["KDF-N"], b.Headers["KDF-r"] = "1048576", "16" }, false, "MiB"},
		{"p zero", func(b *pem.Block) { b.Headers["KDF-p"] = "0" }, false, "r·p"},
		{"N not a number", func(b *pem.Block) { b.Headers["KDF-N"] = "0x10000" }, false, "not a number"},
		{"other KDF", func(b *pem.Block) { b.Headers["KDF"] = "pbkdf2" }, false, "KDF \"pbkdf2\""},
		{"other cipher", func(b *pem.Block) { b.Headers["Cipher"] = "AES-128-GCM" }, false, "cipher"},
		{"other format", func(b *pem.Block) { b.Headers["Format"] = "kesu-sealed-key/2" }, false, "format"},
		{"header missing", func(b *pem.Block) { delete(b.Headers, "Nonce") }, false, "header Nonce is missing"},
		{"header added", func(b *pem.Block) { b.Headers["Comment"] = "x" }, false, "unknown header"},
		{"bad fingerprint", func(b *pem.Block) { b.Headers["Fingerprint"] = "ABCD" }, false, "fingerprint"},
		{"short nonce", func(b *pem.Block) { b.Headers["Nonce"] = "00" }, false, "nonce"},
		{"short salt", func(b *pem.Block) { b.Headers["KDF-Salt"] = "0011" }, false, "salt"},
		{"plain key", func(b *pem.Block) { b.Type = "PRIVATE KEY" }, false, "want \"KESU SEALED PRIVATE KEY\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := reseal(t, data, tc.edit)
			_, err := report.OpenSealedKey(bad, []byte(testPassphrase))
			switch {
			case err == nil:
				t.Fatalf("OpenSealedKey(%s) = nil error; want a failure", tc.name)
			case tc.wrongPass && !errors.Is(err, report.ErrWrongPassphrase):
				t.Errorf("OpenSealedKey(%s) = %v; want ErrWrongPassphrase", tc.name, err)
			case !tc.wrongPass && (errors.Is(err, report.ErrWrongPassphrase) || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("OpenSealedKey(%s) = %v; want an error saying %q", tc.name, err, tc.want)
			}
		})
	}
	for _, bad := range [][]byte{nil, []byte("not pem"), append(sealedRFC(t), "trailing"...)} {
		if _, err := report.OpenSealedKey(bad, []byte(testPassphrase)); err == nil || errors.Is(err, report.ErrWrongPassphrase) {
			t.Errorf("OpenSealedKey(%.20q) = %v; want a malformed-file error", bad, err)
		}
		if _, err := report.SealedKeyFingerprint(bad); err == nil {
			t.Errorf("SealedKeyFingerprint(%.20q) = nil error; want one", bad)
		}
	}
}

// TestSealedKeyOracle opens a sealed key by hand from the format as
// SealedKeyPEMType documents it — the PEM text parsed line by line,
// scrypt and AES-256-GCM called directly, the additional data written out
// here — so that the format is what the documentation says.
func TestSealedKeyOracle(t *testing.T) {
	data := sealedRFC(t)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if lines[0] != "-----BEGIN KESU SEALED PRIVATE KEY-----" || lines[len(lines)-1] != "-----END KESU SEALED PRIVATE KEY-----" {
		t.Fatalf("armor lines = %q, %q", lines[0], lines[len(lines)-1])
	}
	h := map[string]string{}
	i := 1
	for ; lines[i] != ""; i++ {
		name, value, ok := strings.Cut(lines[i], ": ")
		if !ok {
			t.Fatalf("header line %q", lines[i])
		}
		h[name] = value
	}
	body, err := base64.StdEncoding.DecodeString(strings.Join(lines[i+1:len(lines)-1], ""))
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 9 || h["Format"] != "kesu-sealed-key/1" || h["KDF"] != "scrypt" || h["Cipher"] != "AES-256-GCM" ||
		h["KDF-N"] != "65536" || h["KDF-r"] != "8" || h["KDF-p"] != "1" || h["Fingerprint"] != rfc8032Fingerprint {
		t.Fatalf("headers = %v", h)
	}
	salt, _ := hex.DecodeString(h["KDF-Salt"])
	nonce, _ := hex.DecodeString(h["Nonce"])
	if len(salt) != 16 || len(nonce) != 12 {
		t.Fatalf("salt %d bytes, nonce %d bytes; want 16 and 12", len(salt), len(nonce))
	}
	key, err := scrypt.Key([]byte(testPassphrase), salt, 65536, 8, 1, 32)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	ad := "KESU SEALED PRIVATE KEY\n" +
		"Format: kesu-sealed-key/1\n" +
		"Fingerprint: " + rfc8032Fingerprint + "\n" +
		"KDF: scrypt\n" +
		"KDF-N: 65536\n" +
		"KDF-r: 8\n" +
		"KDF-p: 1\n" +
		"KDF-Salt: " + h["KDF-Salt"] + "\n" +
		"Cipher: AES-256-GCM\n" +
		"Nonce: " + h["Nonce"] + "\n"
	der, err := gcm.Open(nil, nonce, body, []byte(ad))
	if err != nil {
		t.Fatalf("GCM open by hand: %v", err)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(k.(ed25519.PrivateKey).Seed()); got != rfc8032Secret {
		t.Errorf("opened seed = %s; want %s", got, rfc8032Secret)
	}
}

func TestLoadSignerSealedKeySaysSo(t *testing.T) {
	p := filepath.Join(t.TempDir(), "kesu.key")
	if err := os.WriteFile(p, sealedRFC(t), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := report.LoadSigner(p)
	if err == nil || !strings.Contains(err.Error(), "passphrase") {
		t.Errorf("LoadSigner(sealed key) = %v; want an error saying it needs its passphrase", err)
	}
}

func BenchmarkOpenSealedKey(b *testing.B) {
	data, err := report.SealPrivateKey(rfcKey(b), []byte(testPassphrase), nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := report.OpenSealedKey(data, []byte(testPassphrase)); err != nil {
			b.Fatal(err)
		}
	}
}

// A file with a second BEGIN line — an undecodable block ahead of the real
// one, which a PEM reader skips, carrying a key in the clear — is no
// sealed key.
func TestSealedKeyHasNothingBeforeTheBlock(t *testing.T) {
	sealed := sealedRFC(t)
	ahead := []byte("-----BEGIN KESU SEALED PRIVATE KEY-----\n" +
		"nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A= (a seed in the clear)\n")
	data := append(ahead, sealed...)
	if report.IsSealedKey(data) {
		t.Errorf("IsSealedKey(%d bytes ahead of the block) = true; want false", len(ahead))
	}
	if _, err := report.SealedKeyFingerprint(data); err == nil {
		t.Error("SealedKeyFingerprint accepts data ahead of the block")
	}
	if !report.IsSealedKey(sealed) {
		t.Error("IsSealedKey(the sealed key alone) = false")
	}
}

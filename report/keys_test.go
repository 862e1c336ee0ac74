package report_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/report"
)

// RFC 8032 §7.1 TEST 1: secret key and public key. The fingerprint was
// computed outside Go: printf d75a…511a | xxd -r -p | sha256sum.
const (
	rfc8032Secret      = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
	rfc8032Public      = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
	rfc8032Fingerprint = "21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9"
)

func TestFingerprintKnownAnswer(t *testing.T) {
	seed, _ := hex.DecodeString(rfc8032Secret)
	s := report.NewSigner(ed25519.NewKeyFromSeed(seed))
	if got := hex.EncodeToString(s.PublicKey()); got != rfc8032Public {
		t.Fatalf("public key = %s; want %s", got, rfc8032Public)
	}
	if got := s.Fingerprint(); got != rfc8032Fingerprint {
		t.Errorf("Fingerprint = %s; want %s", got, rfc8032Fingerprint)
	}
	want := "21fe 31df a154 a261 626b f854 046f d227 1b7b ed4b 6abe 45aa 5887 7ef4 7f97 21b9"
	if got := report.FormatFingerprint(rfc8032Fingerprint); got != want {
		t.Errorf("FormatFingerprint = %q; want %q", got, want)
	}
}

func TestGenerateKeyFiles(t *testing.T) {
	dir := t.TempDir()
	kf, err := report.GenerateKeyFiles(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for path, perm := range map[string]os.FileMode{kf.Private: 0o600, kf.Public: 0o644} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != perm {
			t.Errorf("%s mode = %v; want %v", path, fi.Mode().Perm(), perm)
		}
	}
	s, err := report.LoadSigner(kf.Private)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := report.LoadPublicKeys(kf.Public)
	if err != nil {
		t.Fatal(err)
	}
	if s.Fingerprint() != kf.Fingerprint || !bytes.Equal(ring[kf.Fingerprint], s.PublicKey()) {
		t.Errorf("signer fingerprint %s, key ring %v; want both %s", s.Fingerprint(), ring, kf.Fingerprint)
	}
	before, _ := os.ReadFile(kf.Private)
	if _, err := report.GenerateKeyFiles(dir, nil); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Errorf("GenerateKeyFiles over existing keys: error = %v; want a refusal", err)
	}
	after, _ := os.ReadFile(kf.Private)
	if !bytes.Equal(before, after) {
		t.Errorf("the existing private key changed")
	}
	// Only the public key present: still refused, and no private key is left behind.
	dir2 := t.TempDir()
	os.WriteFile(filepath.Join(dir2, report.PublicKeyFile), []byte("x"), 0o644)
	if _, err := report.GenerateKeyFiles(dir2, nil); err == nil {
		t.Errorf("GenerateKeyFiles with an existing public key file: no error")
	}
	if _, err := os.Stat(filepath.Join(dir2, report.PrivateKeyFile)); err == nil {
		t.Errorf("a private key was left behind")
	}
}

// OpenSSL, an independent implementation, reads the key files and computes
// the same fingerprint.
func TestKeyFilesReadByOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	kf, err := report.GenerateKeyFiles(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("openssl", "pkey", "-in", kf.Private, "-pubout", "-outform", "DER").Output()
	if err != nil {
		t.Fatalf("openssl pkey -in %s: %v", kf.Private, err)
	}
	pubFromPriv := out[len(out)-ed25519.PublicKeySize:]
	out, err = exec.Command("openssl", "pkey", "-pubin", "-in", kf.Public, "-outform", "DER").Output()
	if err != nil {
		t.Fatalf("openssl pkey -pubin -in %s: %v", kf.Public, err)
	}
	pub := out[len(out)-ed25519.PublicKeySize:]
	sum := sha256.Sum256(pub)
	if got := hex.EncodeToString(sum[:]); got != kf.Fingerprint || !bytes.Equal(pub, pubFromPriv) {
		t.Errorf("openssl: fingerprint %s (keys match %v); want %s", got, bytes.Equal(pub, pubFromPriv), kf.Fingerprint)
	}
}

// A signing key that is missing, unreadable or wrong stops the run: no signer.
func TestLoadSignerFailsClosed(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	good, _ := report.MarshalPrivateKeyPEM(priv)
	pubPEM, _ := report.MarshalPublicKeyPEM(priv.Public().(ed25519.PublicKey))
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	ecPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})
	cases := map[string]string{
		"missing":        filepath.Join(dir, "nope.key"),
		"directory":      dir,
		"empty":          write("empty", nil),
		"garbage":        write("garbage", []byte("not a key")),
		"public key":     write("pub", pubPEM),
		"ecdsa key":      write("ec", ecPEM),
		"two keys":       write("two", append(append([]byte{}, good...), good...)),
		"encrypted":      write("enc", bytes.Replace(good, []byte("PRIVATE KEY"), []byte("ENCRYPTED PRIVATE KEY"), 2)),
		"corrupted body": write("bad", bytes.Replace(good, []byte("MC4CAQAw"), []byte("MC4CAQAx"), 1)),
	}
	for name, path := range cases {
		if s, err := report.LoadSigner(path); err == nil || s != nil {
			t.Errorf("LoadSigner(%s) = %v, %v; want nil and an error", name, s, err)
		}
	}
	if s, err := report.LoadSigner(write("good", good)); err != nil || s == nil {
		t.Errorf("LoadSigner(good) = %v, %v", s, err)
	}
	if _, err := report.LoadPublicKeys(cases["ecdsa key"]); err == nil {
		t.Errorf("LoadPublicKeys(private key file): no error")
	}
}

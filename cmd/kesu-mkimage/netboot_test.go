package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/report"
)

// netbootSite puts the policy and a sealed key in the site files, and
// refuses what must not be served in the clear or cannot work without a
// stick.
func TestNetbootSite(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := report.SealPrivateKey(priv, []byte("a long enough passphrase"), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := report.MarshalPrivateKeyPEM(priv)
	if err != nil {
		t.Fatal(err)
	}
	sealedKey, plainKey := write("k.sealed", string(sealed)), write("k.pem", string(plain))
	const base = "version = 1\n[policy]\nlevel = \"clear\"\n[signing]\nkey = \"kesu.key.sealed\"\n[record]\n"
	good := write("good.toml", base+"store = \"s3://records/fleet\"\n")

	site, err := netbootSite(good, sealedKey)
	if err != nil || len(site) != 2 || site[0].Name != "kesu.toml" || site[1].Name != "kesu.key.sealed" || string(site[1].Data) != string(sealed) || site[1].Mode != 0o600 {
		t.Fatalf("netbootSite(good, sealed) = %+v, %v; want kesu.toml and the sealed key as kesu.key.sealed", site, err)
	}
	if site, err := netbootSite("", ""); err != nil || site != nil {
		t.Errorf("without -config: %v, %v; want no site files (the machine needs a stick)", site, err)
	}
	for _, tc := range []struct {
		name, config, key, want string
	}{
		{"plain key", good, plainKey, "is not a sealed key"},
		{"no store", write("nostore.toml", base), sealedKey, "set [record] store"},
		{"no key", good, "", "needs a signing key"},
		{"key without config", "", sealedKey, "-key without -config"},
		{"unsigned with key", write("unsigned.toml", "version = 1\n[policy]\nlevel = \"clear\"\n[signing]\nunsigned = true\n[record]\nstore = \"s3://b\"\n"), sealedKey, "signing.unsigned = true"},
		{"key in a folder", write("folder.toml", "version = 1\n[policy]\nlevel = \"clear\"\n[signing]\nkey = \"keys/k\"\n[record]\nstore = \"s3://b\"\n"), sealedKey, "plain file name"},
	} {
		if _, err := netbootSite(tc.config, tc.key); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want an error saying %q", tc.name, err, tc.want)
		}
	}
}

// A file that starts with anything before the sealed block — the key in
// the clear, here as its seed in hex or as a plain PEM block cut short
// before its END line, which a PEM reader skips — is refused: the file
// would go into site.cpio whole, and that is served in the clear.
func TestNetbootSiteRefusesDataBeforeTheSealedKey(t *testing.T) {
	dir := t.TempDir()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := report.SealPrivateKey(priv, []byte("a long enough passphrase"), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := report.MarshalPrivateKeyPEM(priv)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(plain), "\n")
	conf := filepath.Join(dir, "k.toml")
	if err := os.WriteFile(conf, []byte("version = 1\n[policy]\nlevel = \"clear\"\n[signing]\nkey = \"kesu.key.sealed\"\n[record]\nstore = \"s3://b\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, lead := range map[string]string{
		"hex seed":      "seed " + hex.EncodeToString(priv.Seed()) + "\n",
		"truncated PEM": strings.Join(lines[:len(lines)-2], ""),
	} {
		key := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		if err := os.WriteFile(key, append([]byte(lead), sealed...), 0o600); err != nil {
			t.Fatal(err)
		}
		if site, err := netbootSite(conf, key); err == nil || !strings.Contains(err.Error(), "not a sealed key") {
			t.Errorf("%s before the sealed key: %v (site %d files); want it refused as not a sealed key", name, err, len(site))
		}
		if _, err := report.OpenSealedKey(append([]byte(lead), sealed...), []byte("a long enough passphrase")); err == nil {
			t.Errorf("%s before the sealed key: OpenSealedKey accepted it", name)
		}
	}
}

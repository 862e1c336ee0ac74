package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/report"
)

// keygen --seal seals the stick's key into a file that opens with the
// passphrase to the same key, mode 0600, never over an existing file, and
// prints the fingerprint.
func TestKeygenSeal(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, code := kesuCmd(t, "keygen", "--out", dir); code != 0 {
		t.Fatalf("kesu keygen --out: exit %d\n%s", code, stderr)
	}
	key := filepath.Join(dir, report.PrivateKeyFile)
	signer, err := report.LoadSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	pass := filepath.Join(dir, "pass.txt")
	// The first line only, its CR LF removed.
	if err := os.WriteFile(pass, []byte("a long passphrase here\r\nsecond line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sealed := filepath.Join(dir, "kesu.key.sealed")
	out, stderr, code := kesuCmd(t, "keygen", "--seal", key, "--sealed-out", sealed, "--passphrase-file", pass)
	if code != 0 {
		t.Fatalf("kesu keygen --seal: exit %d\n%s", code, stderr)
	}
	g := report.FormatFingerprint(signer.Fingerprint())
	if !strings.Contains(out, g[:39]) || !strings.Contains(out, g[40:]) || !strings.Contains(out, sealed) {
		t.Errorf("kesu keygen --seal output lacks the file or the fingerprint %s:\n%s", g, out)
	}
	data, err := os.ReadFile(sealed)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(sealed); fi.Mode().Perm() != 0o600 {
		t.Errorf("sealed key mode = %v; want 0600", fi.Mode().Perm())
	}
	if fp, err := report.SealedKeyFingerprint(data); err != nil || fp != signer.Fingerprint() {
		t.Errorf("sealed key header fingerprint = %s, %v; want %s", fp, err, signer.Fingerprint())
	}
	s, err := report.OpenSealedKey(data, []byte("a long passphrase here"))
	if err != nil || s.Fingerprint() != signer.Fingerprint() {
		t.Fatalf("OpenSealedKey(sealed by keygen) = %v; want the key %s", err, g)
	}
	// Never over an existing file: the sealed key stays as it was.
	if _, stderr, code := kesuCmd(t, "keygen", "--seal", key, "--sealed-out", sealed, "--passphrase-file", pass); code == 0 || !strings.Contains(stderr, "refusing to overwrite") {
		t.Errorf("kesu keygen --seal over an existing file: exit %d, %q; want a refusal", code, stderr)
	}
	if again, _ := os.ReadFile(sealed); string(again) != string(data) {
		t.Error("a refused keygen --seal changed the existing file")
	}
	// A short passphrase, a sealed key given as the key, a missing key:
	// refused, and nothing written.
	short := filepath.Join(dir, "short.txt")
	os.WriteFile(short, []byte("elevenchars\n"), 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--seal", key, "--passphrase-file", short}, "passphrase too short"},
		{[]string{"--seal", sealed, "--passphrase-file", pass}, "already sealed"},
		{[]string{"--seal", filepath.Join(dir, "missing.key"), "--passphrase-file", pass}, "no such file"},
	} {
		out2 := filepath.Join(t.TempDir(), "out.sealed")
		_, stderr, code := kesuCmd(t, append([]string{"keygen", "--sealed-out", out2}, tc.args...)...)
		if code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("kesu keygen %q: exit %d, %q; want 1 and %q", tc.args, code, stderr, tc.want)
		}
		if _, err := os.Stat(out2); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("kesu keygen %q left %s behind", tc.args, out2)
		}
	}
	// Usage errors.
	for _, args := range [][]string{
		{"--seal", key},
		{"--sealed-out", sealed + "2"},
		{"--out", dir, "--seal", key, "--sealed-out", sealed + "2"},
		{"--passphrase-file", pass},
	} {
		if _, stderr, code := kesuCmd(t, append([]string{"keygen"}, args...)...); code != exitUsage {
			t.Errorf("kesu keygen %q: exit %d (%s); want %d", args, code, stderr, exitUsage)
		}
	}
}

// Without --passphrase-file and stdin not a terminal, keygen --seal is a
// usage error: it never reads a passphrase from a pipe by surprise.
func TestKeygenSealNeedsTerminalOrFile(t *testing.T) {
	dir := t.TempDir()
	kesuCmd(t, "keygen", "--out", dir)
	cmd := exec.Command(kesuBinary(t), "keygen", "--seal", filepath.Join(dir, report.PrivateKeyFile), "--sealed-out", filepath.Join(dir, "s"))
	cmd.Stdin = strings.NewReader("a long passphrase here\na long passphrase here\n")
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != exitUsage || !strings.Contains(string(out), "--passphrase-file") {
		t.Errorf("kesu keygen --seal from a pipe: %v, %s; want exit %d naming --passphrase-file", err, out, exitUsage)
	}
}

// On a terminal keygen --seal asks twice, without echo; two different
// answers seal nothing, two equal ones seal the key.
func TestKeygenSealAsksOnTerminal(t *testing.T) {
	dir := t.TempDir()
	kesuCmd(t, "keygen", "--out", dir)
	key := filepath.Join(dir, report.PrivateKeyFile)
	run := func(out string, answers ...string) (string, int) {
		m, s := openPTY(t)
		defer m.Close()
		cmd := exec.Command(kesuBinary(t), "keygen", "--seal", key, "--sealed-out", out)
		cmd.Stdin, cmd.Stderr, cmd.Stdout = s, s, s
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		s.Close()
		var screen strings.Builder
		r := bufio.NewReader(m)
		for i, prompt := range []string{"(at least 12 characters): ", "the same passphrase again: "} {
			for !strings.Contains(screen.String(), prompt) {
				b, err := r.ReadByte()
				if err != nil {
					t.Fatalf("terminal closed before prompt %d: %v\n%s", i, err, screen.String())
				}
				screen.WriteByte(b)
			}
			fmt.Fprintf(m, "%s\n", answers[i])
		}
		rest, _ := io.ReadAll(r)
		screen.Write(rest)
		cmd.Wait()
		return screen.String(), cmd.ProcessState.ExitCode()
	}
	out := filepath.Join(dir, "a.sealed")
	screen, code := run(out, "first passphrase typed", "second passphrase typed")
	if code != 1 || !strings.Contains(screen, "differ") {
		t.Errorf("two different passphrases: exit %d; want 1, they differ:\n%s", code, screen)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("two different passphrases left %s", out)
	}
	screen, code = run(out, "the same passphrase", "the same passphrase")
	if code != 0 || !strings.Contains(screen, "sealed key: "+out) {
		t.Fatalf("two equal passphrases: exit %d; want 0 and the sealed key:\n%s", code, screen)
	}
	if strings.Contains(screen, "passphrase typed") || strings.Contains(screen, "the same passphrase\r") || strings.Contains(screen, "the same passphrase\n") {
		t.Errorf("the terminal echoed the passphrase:\n%q", screen)
	}
	data, _ := os.ReadFile(out)
	if _, err := report.OpenSealedKey(data, []byte("the same passphrase")); err != nil {
		t.Errorf("OpenSealedKey(typed passphrase) = %v", err)
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/internal/loopdev"
)

// A policy given with --config keeps its [exclude] table for a single
// device: the drive it names is refused, dry run and --method included,
// and nothing is written.
func TestEraseConfigExcludesDevice(t *testing.T) {
	l := loopdev.New(t, "", 4<<20, 512)
	fillFile(t, l.Backing, 0x5a)
	dir := t.TempDir()
	for _, excl := range []string{l.Path} {
		cfg := filepath.Join(dir, "kesu.toml")
		data := "version = 1\n[policy]\nlevel = 'clear'\n[exclude]\npaths = ['" + excl + "']\n"
		if err := os.WriteFile(cfg, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, extra := range [][]string{{"--yes"}, {"--dry-run"}, {"--yes", "--method", "overwrite", "--journal", filepath.Join(dir, "records"), "--unsigned"}} {
			args := append([]string{"erase", l.Path, "--config", cfg, "--pattern", "zero"}, extra...)
			_, stderr, code := kesu(t, args...)
			if code != exitRefused || !strings.Contains(stderr, "excluded by the policy") {
				t.Errorf("exclude %s, kesu %v: exit %d, stderr %q; want %d, excluded by the policy", excl, extra, code, stderr, exitRefused)
			}
			if !allBytes(t, l.Backing, 0x5a) {
				t.Fatalf("exclude %s, kesu %v: the excluded device was written", excl, extra)
			}
		}
	}
}

// A dry run refuses a read-only target as the real run does.
func TestDryRunRefusesReadOnly(t *testing.T) {
	f := filepath.Join(t.TempDir(), "ro.img")
	if err := os.WriteFile(f, make([]byte, 1<<20), 0o444); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := kesu(t, "erase", f, "--dry-run")
	if code != exitRefused || !strings.Contains(stderr, "read-only") {
		t.Fatalf("dry run on a read-only file: exit %d, stderr %q; want %d, read-only", code, stderr, exitRefused)
	}
}

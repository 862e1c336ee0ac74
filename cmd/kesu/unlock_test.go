package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/internal/loopdev"
)

// `kesu unlock` on something that is no ATA drive says what it is and
// sends nothing (it used to send SECURITY UNLOCK through SG_IO and print
// three "transport error" lines).
func TestUnlockRefusesNonATA(t *testing.T) {
	file := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(file, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, device, want string }{
		{"file", file, file + " is a regular file, not a drive"},
		{"directory", t.TempDir(), "is a directory, not a drive"},
		{"character device", "/dev/null", "/dev/null is a character device that is no drive"},
	}
	if loopdev.Available() == "" {
		l := loopdev.New(t, "", 1<<20, 512)
		cases = append(cases, struct{ name, device, want string }{"loop device", l.Path, l.Path + " is a loop device over " + l.Backing})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := kesu(t, "unlock", "--device", tc.device, "--password", "kesu", "--yes")
			if code != exitRefused || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "nothing was sent") {
				t.Errorf("kesu unlock --device %s: exit %d, stderr %q; want %d, %q and \"nothing was sent\"", tc.device, code, stderr, exitRefused, tc.want)
			}
			if strings.Contains(out+stderr, "sent SECURITY") || strings.Contains(stderr, "transport error") {
				t.Errorf("kesu unlock --device %s sent ATA commands: %q %q", tc.device, out, stderr)
			}
		})
	}
}

//go:build linux

package main

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
)

func TestSubstitute(t *testing.T) {
	disks := map[string]string{"S1": "/dev/sda", "N1": "/dev/nvme0n1"}
	for in, want := range map[string]string{
		"{dev:S1}":                  "/dev/sda",
		"--device={dev:N1}":         "--device=/dev/nvme0n1",
		"/sys/block/{name:N1}/size": "/sys/block/nvme0n1/size",
		"{dev:S1},{dev:N1}":         "/dev/sda,/dev/nvme0n1",
		"plain":                     "plain",
	} {
		if got, err := substitute(in, disks); err != nil || got != want {
			t.Errorf("substitute(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"{dev:NOPE}", "{dev:S1"} {
		if got, err := substitute(bad, disks); err == nil {
			t.Errorf("substitute(%q) = %q; want an error", bad, got)
		}
	}
}

func TestWrite(t *testing.T) {
	p := filepath.Join(t.TempDir(), "etc", "kesu.toml")
	if e := write([]string{p, base64.StdEncoding.EncodeToString([]byte("version = 1\n")), "600"}); e != "" {
		t.Fatal(e)
	}
	st, err := os.Stat(p)
	data, _ := os.ReadFile(p)
	if err != nil || st.Mode().Perm() != 0o600 || string(data) != "version = 1\n" {
		t.Errorf("write made %v %v %q; want mode 0600 and the content", err, st.Mode(), data)
	}
	if e := write([]string{p, "not base64!"}); e == "" {
		t.Error("write with bad base64 succeeded")
	}
}

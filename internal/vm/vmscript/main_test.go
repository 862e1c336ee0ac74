//go:build linux

package main

import "testing"

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

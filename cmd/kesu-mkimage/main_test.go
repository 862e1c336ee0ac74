package main

import (
	"context"
	"io"
	"testing"

	"github.com/kesu-erase/kesu/internal/version"
)

// Outside a git checkout only -release is stamped (GitStamp itself is
// tested in package image).
func TestStampForWithoutGit(t *testing.T) {
	got, err := stampFor(context.Background(), t.TempDir(), "v1.2.0", io.Discard)
	if want := (version.Stamp{Release: "v1.2.0"}); err != nil || got != want {
		t.Errorf("stampFor(no checkout, v1.2.0) = %+v, %v; want %+v", got, err, want)
	}
}

func TestStampText(t *testing.T) {
	for _, tc := range []struct {
		in   version.Stamp
		want string
	}{
		{version.Stamp{}, "(devel)"},
		{version.Stamp{Release: "v1.2.0"}, "v1.2.0"},
		{version.Stamp{Release: "d685d32-dirty", Commit: "d685d32a0c1e", Modified: true, Date: "2026-12-01T09:00:00Z"},
			"d685d32-dirty (commit d685d32a0c1e-dirty, built 2026-12-01T09:00:00Z)"},
	} {
		if got := stampText(tc.in); got != tc.want {
			t.Errorf("stampText(%+v) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

package version_test

import (
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kesu-erase/kesu/internal/version"
)

func TestLinkerFlags(t *testing.T) {
	const p = "github.com/kesu-erase/kesu/internal/version."
	for _, tc := range []struct {
		in   version.Stamp
		want string
	}{
		{version.Stamp{}, ""},
		{version.Stamp{Release: "v1.2.0"}, "-X " + p + "release=v1.2.0"},
		{version.Stamp{Release: "v1.2.0-3-gd685d32-dirty", Commit: "d685d32a0c1e", Modified: true, Date: "2026-12-01T09:00:00Z"},
			"-X " + p + "release=v1.2.0-3-gd685d32-dirty -X " + p + "commit=d685d32a0c1e -X " + p + "modified=true -X " + p + "date=2026-12-01T09:00:00Z"},
	} {
		got, err := tc.in.LinkerFlags()
		if err != nil || got != tc.want {
			t.Errorf("%+v.LinkerFlags() = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []version.Stamp{{Release: "v1 beta"}, {Date: "2026-12-01 09:00"}, {Commit: `a"b`}, {Release: "v1\n"}} {
		if got, err := bad.LinkerFlags(); !errors.Is(err, version.ErrStampValue) {
			t.Errorf("%+v.LinkerFlags() = %q, %v; want ErrStampValue", bad, got, err)
		}
	}
}

// TestLinkerFlagsReachGet builds a program with the flags and reads back
// what Get sees: the -X names must be the package's variables (the linker
// ignores -X for a name that does not exist).
func TestLinkerFlagsReachGet(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found")
	}
	s := version.Stamp{Release: "v9.8.7-1-gabcdef0", Commit: "abcdef0123456789abcdef0123456789abcdef01", Modified: true, Date: "2026-12-01T09:00:00Z"}
	flags, err := s.LinkerFlags()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "printversion")
	// -buildvcs=false: the commit must come from the stamp, not from the
	// build info of the checkout the test runs in.
	build := exec.Command("go", "build", "-buildvcs=false", "-ldflags", flags, "-o", bin, "./testdata/printversion")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	var got version.Info
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%s printed %q: %v", bin, out, err)
	}
	want := version.Info{Version: s.Release, Commit: s.Commit, Modified: true, BuildDate: s.Date, Go: got.Go}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Get() in a binary linked with %q (-want +got):\n%s", flags, diff)
	}
}

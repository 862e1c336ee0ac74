package version

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "d685d32a0c1e2f3a4b5c6d7e8f90112233445566"},
		{Key: "vcs.time", Value: "2026-12-01T09:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}
	for _, tc := range []struct {
		name          string
		bi            *debug.BuildInfo
		release, date string
		want          string
	}{
		{"no build info", nil, "", "", "kesu (devel) (" + "go1.x" + ")"},
		{"go run", &debug.BuildInfo{GoVersion: "go1.x", Main: debug.Module{Version: "(devel)"}}, "", "", "kesu (devel) (go1.x)"},
		{"go build in a modified tree", &debug.BuildInfo{GoVersion: "go1.x", Main: debug.Module{Version: "v0.0.0-20261201090000-d685d32a0c1e+dirty"}, Settings: vcs}, "", "",
			"kesu v0.0.0-20261201090000-d685d32a0c1e+dirty (commit d685d32a0c1e2f3a4b5c6d7e8f90112233445566-dirty, committed 2026-12-01T09:00:00Z, go1.x)"},
		{"make build", &debug.BuildInfo{GoVersion: "go1.x", Main: debug.Module{Version: "(devel)"}, Settings: vcs[:3]}, "v1.2.0-3-gd685d32", "2026-12-02T10:00:00Z",
			"kesu v1.2.0-3-gd685d32 (commit d685d32a0c1e2f3a4b5c6d7e8f90112233445566, built 2026-12-02T10:00:00Z, go1.x)"},
	} {
		in := fromBuildInfo(tc.bi, tc.release, tc.date)
		if tc.bi == nil {
			in.Go = "go1.x" // the running toolchain otherwise
		}
		if got := in.String(); got != tc.want {
			t.Errorf("%s: String() = %q; want %q", tc.name, got, tc.want)
		}
	}
}

func TestCommitWord(t *testing.T) {
	for _, tc := range []struct {
		in   Info
		want string
	}{
		{Info{}, ""},
		{Info{Modified: true}, ""},
		{Info{Commit: "abc"}, "abc"},
		{Info{Commit: "abc", Modified: true}, "abc-dirty"},
	} {
		if got := tc.in.CommitWord(); got != tc.want {
			t.Errorf("%+v.CommitWord() = %q; want %q", tc.in, got, tc.want)
		}
	}
}

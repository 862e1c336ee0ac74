// Package version says which kesu build is running: the release version,
// the VCS commit it was built from (and whether the tree was modified), and
// the build date. The release and the date are stamped by `make build`
// (-ldflags -X); the rest comes from the Go build info
// (runtime/debug.ReadBuildInfo), so a plain `go build` names its commit too.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Set at build time by the Makefile:
//
//	-X github.com/kesu-erase/kesu/internal/version.release=v1.2.0
//	-X github.com/kesu-erase/kesu/internal/version.date=2026-12-01T09:00:00Z
//	-X github.com/kesu-erase/kesu/internal/version.commit=d685d32...
//	-X github.com/kesu-erase/kesu/internal/version.modified=true
//
// commit and modified count only where the build info carries no VCS
// revision (go build -buildvcs=false, or a build outside the repository).
var (
	release  = ""
	date     = ""
	commit   = ""
	modified = ""
)

// Info describes a build.
type Info struct {
	// Version is the release (`git describe` under make), else the module
	// version the go command stamped, else "(devel)".
	Version string `json:"version"`
	// Commit is the VCS revision; "" when the build carries none.
	Commit string `json:"commit,omitempty"`
	// Modified says the work tree had uncommitted changes.
	Modified bool `json:"modified,omitempty"`
	// CommitTime is the commit's time as the VCS states it (RFC 3339).
	CommitTime string `json:"commit_time,omitempty"`
	// BuildDate is when `make build` built the binary (RFC 3339); "" for
	// other builds.
	BuildDate string `json:"build_date,omitempty"`
	// Go is the toolchain that built the binary.
	Go string `json:"go"`
}

// Get describes the running binary.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	in := fromBuildInfo(bi, release, date)
	if in.Commit == "" {
		in.Commit, in.Modified = commit, modified == "true"
	}
	return in
}

// fromBuildInfo is Get over given build info and stamped values.
func fromBuildInfo(bi *debug.BuildInfo, release, date string) Info {
	in := Info{Version: release, BuildDate: date, Go: runtime.Version()}
	if bi != nil {
		if in.Version == "" {
			in.Version = bi.Main.Version
		}
		if bi.GoVersion != "" {
			in.Go = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				in.Commit = s.Value
			case "vcs.modified":
				in.Modified = s.Value == "true"
			case "vcs.time":
				in.CommitTime = s.Value
			}
		}
	}
	if in.Version == "" {
		in.Version = "(devel)"
	}
	return in
}

// CommitWord is the commit as the record writes it: the revision with
// "-dirty" when the tree was modified (report.Tool.Commit).
func (in Info) CommitWord() string {
	if in.Commit == "" {
		return ""
	}
	if in.Modified {
		return in.Commit + "-dirty"
	}
	return in.Commit
}

// String is the one-line form: "kesu VERSION (commit C, built D, goX)".
func (in Info) String() string {
	var parts []string
	if c := in.CommitWord(); c != "" {
		parts = append(parts, "commit "+c)
	}
	switch {
	case in.BuildDate != "":
		parts = append(parts, "built "+in.BuildDate)
	case in.CommitTime != "":
		parts = append(parts, "committed "+in.CommitTime)
	}
	parts = append(parts, in.Go)
	return fmt.Sprintf("kesu %s (%s)", in.Version, strings.Join(parts, ", "))
}

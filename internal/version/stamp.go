package version

import (
	"errors"
	"fmt"
	"strings"
)

// Package is this package's import path, the prefix of its -X linker flags.
const Package = "github.com/kesu-erase/kesu/internal/version"

// Stamp is what a build stamps into this package with -ldflags -X: what
// `make build` passes, and what the boot stick's kesu is built with
// (image.GitStamp).
type Stamp struct {
	Release  string // e.g. `git describe --always --dirty`
	Commit   string // the full VCS revision
	Modified bool   // the work tree had uncommitted changes
	Date     string // the build date, RFC 3339
}

// ErrStampValue is returned for a stamp value the linker flags cannot
// carry (a space, a quote or a control character).
var ErrStampValue = errors.New("version stamp: value must be one word")

// LinkerFlags returns the -X flags that set s, for go build's -ldflags
// ("-X github.com/kesu-erase/kesu/internal/version.release=v1.2.0 ...").
// Empty fields are left out, so Stamp{} gives "".
func (s Stamp) LinkerFlags() (string, error) {
	var flags []string
	for _, kv := range []struct{ name, value string }{
		{"release", s.Release},
		{"commit", s.Commit},
		{"modified", map[bool]string{true: "true"}[s.Modified]},
		{"date", s.Date},
	} {
		if kv.value == "" {
			continue
		}
		if strings.ContainsFunc(kv.value, func(r rune) bool { return r <= ' ' || r == '"' || r == '\'' || r == 0x7f }) {
			return "", fmt.Errorf("%w: %s %q", ErrStampValue, kv.name, kv.value)
		}
		flags = append(flags, "-X", Package+"."+kv.name+"="+kv.value)
	}
	return strings.Join(flags, " "), nil
}

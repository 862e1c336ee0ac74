package image

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/kesu-erase/kesu/internal/version"
)

// ErrNoGit is returned by GitStamp when the source tree's commit cannot be
// read (no git command, or not a git checkout).
var ErrNoGit = errors.New("no git commit to stamp")

// GitStamp is the version stamp of the kesu in a stick built from the git
// checkout at repoDir, the same values `make build` stamps but without the
// wall clock, so that one commit always gives the same initramfs bytes:
//
//   - Release: `git describe --always --dirty`
//   - Commit: `git rev-parse HEAD`, Modified when `git status` shows changes
//     to tracked files
//   - Date: $SOURCE_DATE_EPOCH when set (reproducible-builds.org), else the
//     commit's time, as RFC 3339 UTC.
func GitStamp(ctx context.Context, repoDir string) (version.Stamp, error) {
	var s version.Stamp
	var err error
	if s.Commit, err = git(ctx, repoDir, "rev-parse", "--verify", "HEAD"); err != nil {
		return version.Stamp{}, fmt.Errorf("%w: %v", ErrNoGit, err)
	}
	if s.Release, err = git(ctx, repoDir, "describe", "--always", "--dirty"); err != nil {
		return version.Stamp{}, err
	}
	status, err := git(ctx, repoDir, "status", "--porcelain", "--untracked-files=no")
	if err != nil {
		return version.Stamp{}, err
	}
	s.Modified = status != ""
	epoch, ok := os.LookupEnv("SOURCE_DATE_EPOCH")
	if !ok {
		if epoch, err = git(ctx, repoDir, "log", "-1", "--format=%ct", "HEAD"); err != nil {
			return version.Stamp{}, err
		}
	}
	sec, err := strconv.ParseInt(strings.TrimSpace(epoch), 10, 64)
	if err != nil {
		return version.Stamp{}, fmt.Errorf("version stamp: build date %q is not seconds since 1970 (SOURCE_DATE_EPOCH or the commit time): %w", epoch, err)
	}
	s.Date = time.Unix(sec, 0).UTC().Format(time.RFC3339)
	return s, nil
}

// git runs git in dir and returns its output without the final newline.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

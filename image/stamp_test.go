package image_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/image"
	"github.com/kesu-erase/kesu/internal/version"
)

// gitRepo makes a repository with one commit dated 2026-12-01T09:00:00Z
// and returns its directory and commit.
func gitRepo(t *testing.T) (dir, commit string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not found")
	}
	dir = t.TempDir()
	g := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_COMMITTER_DATE=2026-12-01T09:00:00Z", "GIT_AUTHOR_DATE=2026-12-01T09:00:00Z")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	g("init", "-q")
	if err := os.WriteFile(filepath.Join(dir, "a.go"), []byte("package a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g("add", "a.go")
	g("commit", "-q", "-m", "one")
	return dir, g("rev-parse", "HEAD")
}

func TestGitStamp(t *testing.T) {
	dir, commit := gitRepo(t)
	ctx := context.Background()
	t.Setenv("SOURCE_DATE_EPOCH", "") // restores the variable after the test
	os.Unsetenv("SOURCE_DATE_EPOCH")

	// A clean checkout: the commit's own time, not the clock.
	got, err := image.GitStamp(ctx, dir)
	want := version.Stamp{Release: commit[:7], Commit: commit, Date: "2026-12-01T09:00:00Z"}
	if err != nil || got != want {
		t.Errorf("GitStamp(clean) = %+v, %v; want %+v", got, err, want)
	}

	// SOURCE_DATE_EPOCH wins over the commit time.
	os.Setenv("SOURCE_DATE_EPOCH", "1767225600")
	got, err = image.GitStamp(ctx, dir)
	want.Date = "2026-01-01T00:00:00Z"
	if err != nil || got != want {
		t.Errorf("GitStamp(SOURCE_DATE_EPOCH=1767225600) = %+v, %v; want %+v", got, err, want)
	}
	os.Setenv("SOURCE_DATE_EPOCH", "yesterday")
	if got, err := image.GitStamp(ctx, dir); err == nil {
		t.Errorf("GitStamp(SOURCE_DATE_EPOCH=yesterday) = %+v, nil; want an error", got)
	}
	os.Unsetenv("SOURCE_DATE_EPOCH")

	// An untracked file leaves the stamp clean; a changed tracked file
	// marks it modified.
	if err := os.WriteFile(filepath.Join(dir, "untracked"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err = image.GitStamp(ctx, dir)
	want.Date = "2026-12-01T09:00:00Z"
	if err != nil || got != want {
		t.Errorf("GitStamp(untracked file) = %+v, %v; want %+v", got, err, want)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.go"), []byte("package a // changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err = image.GitStamp(ctx, dir)
	want.Release, want.Modified = commit[:7]+"-dirty", true
	if err != nil || got != want {
		t.Errorf("GitStamp(modified) = %+v, %v; want %+v", got, err, want)
	}

	// Not a checkout.
	if got, err := image.GitStamp(ctx, t.TempDir()); !errors.Is(err, image.ErrNoGit) {
		t.Errorf("GitStamp(not a checkout) = %+v, %v; want ErrNoGit", got, err)
	}
}

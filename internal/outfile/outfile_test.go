package outfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestRefuse(t *testing.T) {
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a.pdf"), filepath.Join(dir, "b.pdf"), filepath.Join(dir, "c.pdf")
	for _, p := range []string{a, b} {
		if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := Refuse([]string{c}, false); err != nil {
		t.Errorf("Refuse(new file) = %v; want nil", err)
	}
	if err := Refuse([]string{a, c}, false); !errors.Is(err, ErrExists) || !strings.HasPrefix(err.Error(), a+" already exists") {
		t.Errorf("Refuse(one existing) = %v; want ErrExists naming %s", err, a)
	}
	if err := Refuse([]string{a, b, c}, false); !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "2 files already exist ("+a+", "+b+")") {
		t.Errorf("Refuse(two existing) = %v; want ErrExists naming both", err)
	}
	if err := Refuse([]string{a, b}, true); err != nil {
		t.Errorf("Refuse(existing, force) = %v; want nil", err)
	}
}

func TestCreateNeverOverwritesWithoutForce(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.csv")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if f, err := Create(p, false); !errors.Is(err, ErrExists) {
		if f != nil {
			f.Abort()
		}
		t.Fatalf("Create(existing) = %v; want ErrExists", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Errorf("the existing file holds %q; want it untouched", b)
	}
}

// With force the old file stays whole until Commit replaces it; Abort
// leaves it as it was; no temporary file is left either way.
func TestCreateForceReplacesOnlyWhenComplete(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.csv")
	if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Create(p, true)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("half")
	f.Abort()
	if b, _ := os.ReadFile(p); string(b) != "old" || len(names(t, dir)) != 1 {
		t.Errorf("after Abort: %q, files %q; want the old file alone", b, names(t, dir))
	}
	f, err = Create(p, true)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("new")
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Errorf("before Commit the file holds %q; want the old content", b)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if b, _ := os.ReadFile(p); string(b) != "new" || err != nil || st.Mode().Perm() != 0o644 || len(names(t, dir)) != 1 {
		t.Errorf("after Commit: %q, mode %v, files %q; want the new content, 0644, no temporary file", b, st.Mode(), names(t, dir))
	}
}

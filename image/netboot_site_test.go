package image

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestSiteArchive unpacks the site archive with GNU cpio (an independent
// reader of the newc format the kernel reads) and finds each site file
// under SiteDir with its bytes and mode.
func TestSiteArchive(t *testing.T) {
	if _, err := exec.LookPath("cpio"); err != nil {
		t.Skip("cpio not installed")
	}
	files := []SiteFile{
		{Name: "kesu.toml", Data: []byte("version = 1\n"), Mode: 0o644},
		{Name: "kesu.key.sealed", Data: bytes.Repeat([]byte("k"), 1001), Mode: 0o600},
	}
	a, err := siteArchive(files)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command("cpio", "-idm", "--quiet", "--no-absolute-filenames")
	cmd.Dir, cmd.Stdin = dir, bytes.NewReader(a)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cpio -i: %v\n%s", err, out)
	}
	for _, f := range files {
		p := filepath.Join(dir, SiteDir, f.Name)
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, f.Data) {
			t.Errorf("%s: %d bytes, %v; want the %d bytes given", p, len(got), err, len(f.Data))
			continue
		}
		if st, _ := os.Stat(p); st.Mode().Perm() != os.FileMode(f.Mode) {
			t.Errorf("%s: mode %v; want %o", p, st.Mode().Perm(), f.Mode)
		}
	}
	if _, err := siteArchive([]SiteFile{{Name: "../etc/passwd"}}); err == nil {
		t.Error("a site file name with a slash was accepted")
	}
}

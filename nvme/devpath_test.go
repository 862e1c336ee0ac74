package nvme

import (
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func link(target string) *fstest.MapFile {
	return &fstest.MapFile{Mode: fs.ModeSymlink, Data: []byte(target)}
}

// A fake sysfs: nvme0 with two namespaces (no multipath), a multipath
// subsystem nvme-subsys1 with controllers nvme1 and nvme2 and head nvme1n1,
// and a SATA disk.
func fakeSys() fstest.MapFS {
	return fstest.MapFS{
		"block/nvme0n1/device":                        link("../../nvme0"),
		"block/nvme0n2/device":                        link("../../nvme0"),
		"block/nvme1n1/device":                        link("../../nvme-subsys1"),
		"block/sda/device":                            link("../../../3:0:0:0"),
		"class/nvme-subsystem/nvme-subsys1/nvme2":     link("../../../nvme2"),
		"class/nvme-subsystem/nvme-subsys1/nvme1":     link("../../../nvme1"),
		"class/nvme-subsystem/nvme-subsys1/subsysnqn": &fstest.MapFile{Data: []byte("nqn\n")},
	}
}

func TestResolvePaths(t *testing.T) {
	sys := fakeSys()
	for _, c := range []struct {
		dev  string
		want Paths
	}{
		{"/dev/nvme0n1", Paths{Controller: "/dev/nvme0", Namespaces: []string{"/dev/nvme0n1", "/dev/nvme0n2"}}},
		{"/dev/nvme0", Paths{Controller: "/dev/nvme0", Namespaces: []string{"/dev/nvme0n1", "/dev/nvme0n2"}}},
		{"/dev/nvme1n1", Paths{Controller: "/dev/nvme1", Namespaces: []string{"/dev/nvme1n1"}}},
		{"/dev/nvme2", Paths{Controller: "/dev/nvme2", Namespaces: []string{"/dev/nvme1n1"}}},
		{"/dev/nvme7", Paths{Controller: "/dev/nvme7"}},
	} {
		got, err := ResolvePaths(sys, c.dev)
		if err != nil {
			t.Errorf("ResolvePaths(%s) error %v; want none", c.dev, err)
			continue
		}
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("ResolvePaths(%s) = %+v; want %+v (-want +got):\n%s", c.dev, got, c.want, d)
		}
	}
	for _, bad := range []string{"/dev/nvme0n1p1", "/dev/sda", "/dev/nvme9n1"} {
		if got, err := ResolvePaths(sys, bad); err == nil {
			t.Errorf("ResolvePaths(%s) = %+v; want an error", bad, got)
		}
	}
}

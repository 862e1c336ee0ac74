package report

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"

	"github.com/kesu-erase/kesu/internal/version"
)

// DMIDir is where Linux exposes SMBIOS/DMI identity.
const DMIDir = "/sys/class/dmi/id"

// ReadHost reads the host's identity from a DMI directory tree (fsys rooted
// at /sys/class/dmi/id, or a fake in tests). Missing or unreadable entries
// stay empty (product_serial and product_uuid need root).
func ReadHost(fsys fs.FS) Host {
	read := func(name string) string {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(b))
	}
	return Host{
		SysVendor:     read("sys_vendor"),
		ProductName:   read("product_name"),
		ProductSerial: read("product_serial"),
		ProductUUID:   read("product_uuid"),
		BoardVendor:   read("board_vendor"),
		BoardName:     read("board_name"),
		BoardSerial:   read("board_serial"),
		ChassisSerial: read("chassis_serial"),
	}
}

// LocalHost reads this machine's identity from /sys/class/dmi/id and its
// host name.
func LocalHost() Host {
	h := ReadHost(os.DirFS(DMIDir))
	h.Hostname, _ = os.Hostname()
	return h
}

// CurrentTool describes the running kesu binary: version (the argument,
// else internal/version's), VCS revision ("-dirty" when modified) and Go
// version — what `kesu version` prints, from the same source.
func CurrentTool(v string) Tool {
	in := version.Get()
	t := Tool{Name: "kesu", Version: v, Commit: in.CommitWord(), Go: runtime.Version(), BinarySHA256: executableSHA256()}
	if t.Version == "" {
		t.Version = in.Version
	}
	return t
}

// executableSHA256 hashes the running executable; "" when it cannot be read.
func executableSHA256() string {
	path, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

package erase

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// InUseError lists why a block device must not be erased now.
type InUseError struct {
	Device  string
	Reasons []string
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("%s is in use: %s", e.Device, strings.Join(e.Reasons, "; "))
}

// Unwrap makes errors.Is(err, ErrInUse) hold.
func (e *InUseError) Unwrap() error { return ErrInUse }

// CheckNotInUse reports, as an *InUseError, whether the block device name
// (kernel name such as "sda", "nvme0n1", "loop3") or any of its partitions
// is mounted, used as swap, held by another kernel device (device-mapper,
// md, bcache), or backs the running root filesystem. root is the machine's
// root directory as an fs.FS (os.DirFS("/") in production), so tests can
// pass a fake /sys and /proc.
func CheckNotInUse(root fs.FS, name string) error {
	devs := map[string]string{}                                         // "major:minor" -> kernel name
	dirs := map[string]string{name: path.Join("sys/class/block", name)} // kernel name -> sysfs dir
	names := []string{name}
	if dev, err := readTrim(root, path.Join("sys/class/block", name, "dev")); err == nil {
		devs[dev] = name
	} else {
		return fmt.Errorf("%s: not a block device known to sysfs: %w", name, err)
	}
	if ents, err := fs.ReadDir(root, path.Join("sys/class/block", name)); err == nil {
		for _, e := range ents {
			if !strings.HasPrefix(e.Name(), name) {
				continue
			}
			if dev, err := readTrim(root, path.Join("sys/class/block", name, e.Name(), "dev")); err == nil {
				devs[dev] = e.Name()
				names = append(names, e.Name())
				dirs[e.Name()] = path.Join("sys/class/block", name, e.Name())
			}
		}
	}

	var reasons []string
	mounts := readMounts(root)
	// Devices stacked on ours (dm-crypt, LVM, md) count as ours: if one is
	// mounted, so in effect is our disk.
	stacked := map[string]string{} // holder kernel name -> which of ours it holds
	var walk func(dir, via string, depth int)
	walk = func(dir, via string, depth int) {
		if depth > 8 {
			return
		}
		ents, _ := fs.ReadDir(root, path.Join(dir, "holders"))
		for _, e := range ents {
			h := e.Name()
			if _, seen := stacked[h]; seen {
				continue
			}
			stacked[h] = via
			walk(path.Join("sys/class/block", h), via, depth+1)
		}
	}
	for _, n := range names {
		walk(dirs[n], n, 0)
	}
	holders := make([]string, 0, len(stacked))
	for h := range stacked {
		holders = append(holders, h)
	}
	sort.Strings(holders)
	for _, h := range holders {
		reasons = append(reasons, fmt.Sprintf("%s is held by %s (device-mapper, md or similar)", stacked[h], h))
		if dev, err := readTrim(root, path.Join("sys/class/block", h, "dev")); err == nil {
			devs[dev] = h
		}
	}
	for _, m := range mounts {
		n, ok := devs[m.dev]
		if !ok {
			n, ok = byName(devs, path.Base(m.source))
		}
		if !ok {
			continue
		}
		if m.point == "/" {
			reasons = append(reasons, fmt.Sprintf("%s backs the running root filesystem", n))
		} else {
			reasons = append(reasons, fmt.Sprintf("%s is mounted at %s", n, m.point))
		}
	}
	if swaps, err := fs.ReadFile(root, "proc/swaps"); err == nil {
		for i, line := range strings.Split(string(swaps), "\n") {
			f := strings.Fields(line)
			if i == 0 || len(f) == 0 {
				continue
			}
			if n, ok := byName(devs, path.Base(f[0])); ok {
				reasons = append(reasons, fmt.Sprintf("%s is active swap", n))
			}
		}
	}
	if len(reasons) > 0 {
		return &InUseError{Device: name, Reasons: reasons}
	}
	return nil
}

func byName(devs map[string]string, n string) (string, bool) {
	for _, v := range devs {
		if v == n {
			return v, true
		}
	}
	return "", false
}

type mount struct{ dev, point, source string }

// readMounts parses /proc/self/mountinfo (proc(5)): field 3 is
// major:minor, field 5 the mount point; after " - " come the filesystem
// type and the mount source.
func readMounts(root fs.FS) []mount {
	data, err := fs.ReadFile(root, "proc/self/mountinfo")
	if err != nil {
		return nil
	}
	var out []mount
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 {
			continue
		}
		m := mount{dev: f[2], point: unescapeMount(f[4])}
		for i, x := range f {
			if x == "-" && i+2 < len(f) {
				m.source = f[i+2]
				break
			}
		}
		out = append(out, m)
	}
	return out
}

// unescapeMount undoes mountinfo's octal escapes (\040 for space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v byte
			ok := true
			for _, c := range s[i+1 : i+4] {
				if c < '0' || c > '7' {
					ok = false
					break
				}
				v = v*8 + byte(c-'0')
			}
			if ok {
				b.WriteByte(v)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func readTrim(root fs.FS, p string) (string, error) {
	b, err := fs.ReadFile(root, p)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

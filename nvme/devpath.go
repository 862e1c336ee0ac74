package nvme

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
)

var (
	ctrlName   = regexp.MustCompile(`^nvme[0-9]+$`)
	nsName     = regexp.MustCompile(`^nvme[0-9]+n[0-9]+$`)
	subsysName = regexp.MustCompile(`^nvme-subsys[0-9]+$`)
)

// Paths names the device nodes of one NVMe controller: its character device
// (admin commands, NVME_IOCTL_RESCAN) and the namespace block devices the
// kernel made for it (page cache, partitions).
type Paths struct {
	Controller string   `json:"controller"`
	Namespaces []string `json:"namespaces"`
}

// ResolvePaths finds the controller character device and all namespace
// block devices belonging to dev (/dev/nvmeX or /dev/nvmeXnY). sys is the
// sysfs tree (os.DirFS("/sys") on a live system). With native NVMe
// multipath a namespace's "device" link names its subsystem
// (nvme-subsysN) rather than a controller; the subsystem's first controller
// is used then. Partitions (/dev/nvme0n1p1) are refused: kesu erases whole
// namespaces only.
func ResolvePaths(sys fs.FS, dev string) (Paths, error) {
	base := path.Base(dev)
	var ctrls []string
	switch {
	case ctrlName.MatchString(base):
		ctrls = []string{base}
	case nsName.MatchString(base):
		c, err := controllersOf(sys, base)
		if err != nil {
			return Paths{}, err
		}
		ctrls = c
	default:
		return Paths{}, fmt.Errorf("nvme: %s is neither an NVMe controller (nvmeX) nor a namespace (nvmeXnY)", dev)
	}
	if len(ctrls) == 0 {
		return Paths{}, fmt.Errorf("nvme: no controller found in sysfs for %s", dev)
	}
	p := Paths{Controller: "/dev/" + ctrls[0]}
	blocks, err := fs.ReadDir(sys, "block")
	if err != nil {
		return Paths{}, fmt.Errorf("nvme: reading sysfs block directory: %w", err)
	}
	for _, b := range blocks {
		if !nsName.MatchString(b.Name()) {
			continue
		}
		cs, err := controllersOf(sys, b.Name())
		if err != nil {
			continue
		}
		for _, c := range cs {
			if c == ctrls[0] {
				p.Namespaces = append(p.Namespaces, "/dev/"+b.Name())
				break
			}
		}
	}
	if nsName.MatchString(base) && len(p.Namespaces) == 0 {
		p.Namespaces = []string{"/dev/" + base}
	}
	sort.Strings(p.Namespaces)
	return p, nil
}

// controllersOf returns the controller names behind namespace block device
// ns, read from sysfs block/<ns>/device.
func controllersOf(sys fs.FS, ns string) ([]string, error) {
	target, err := fs.ReadLink(sys, "block/"+ns+"/device")
	if err != nil {
		return nil, fmt.Errorf("nvme: reading sysfs link for %s: %w", ns, err)
	}
	parent := path.Base(target)
	switch {
	case ctrlName.MatchString(parent):
		return []string{parent}, nil
	case subsysName.MatchString(parent):
		ents, err := fs.ReadDir(sys, "class/nvme-subsystem/"+parent)
		if err != nil {
			return nil, fmt.Errorf("nvme: reading subsystem %s: %w", parent, err)
		}
		var cs []string
		for _, e := range ents {
			if ctrlName.MatchString(e.Name()) {
				cs = append(cs, e.Name())
			}
		}
		sort.Strings(cs)
		if len(cs) == 0 {
			return nil, errors.New("nvme: subsystem " + parent + " has no controller")
		}
		return cs, nil
	}
	return nil, fmt.Errorf("nvme: sysfs device link of %s points to %q, not an NVMe controller or subsystem", ns, target)
}

package target

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// ResolveDisks returns the kernel names (loop3, sdb, nvme0n1) of the
// devices at paths, in order, for a run over several named devices (kesu
// erase A B): each must be a whole-disk block device or loop device that
// sysfs (under root) knows (WholeDisk). A path that does not exist, is no
// block device or is a partition, and a device named twice (by the same
// path or two paths to it, such as /dev/loop3 and a /dev/disk/by-id link),
// are refused together in one error wrapping ErrRefused, before anything
// is opened.
func ResolveDisks(root fs.FS, paths []string) ([]string, error) {
	var names, why []string
	first := map[string]string{} // kernel name -> the path that named it first
	for _, p := range paths {
		name, err := WholeDisk(root, p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			why = append(why, fmt.Sprintf("%s does not exist", p))
			continue
		case errors.Is(err, ErrRefused):
			why = append(why, strings.TrimPrefix(err.Error(), ErrRefused.Error()+": "))
			continue
		case err != nil:
			why = append(why, fmt.Sprintf("%s: %v", p, err))
			continue
		}
		if prev, dup := first[name]; dup {
			if prev == p {
				why = append(why, fmt.Sprintf("%s is named twice", p))
			} else {
				why = append(why, fmt.Sprintf("%s and %s are the same device (%s), named twice", prev, p, name))
			}
			continue
		}
		first[name] = p
		names = append(names, name)
	}
	if len(why) > 0 {
		return nil, fmt.Errorf("%w: %s; nothing was erased on any device", ErrRefused, strings.Join(why, "; "))
	}
	return names, nil
}

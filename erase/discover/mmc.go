package discover

import (
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// HWPartition is an eMMC hardware partition beside a card's user data area
// (JEDEC JESD84-B51 §6.2): a boot partition or a general-purpose partition,
// which the kernel exposes as block devices of their own (mmcblkNbootM,
// mmcblkNgpM), or the replay-protected memory block (RPMB), which it
// exposes only through an authenticated protocol (a character device).
type HWPartition struct {
	Name string `json:"name"` // kernel name: mmcblk0boot0, mmcblk0gp1, mmcblk0rpmb
	Path string `json:"path"` // /dev/NAME
	Kind string `json:"kind"` // "boot", "gp" or "rpmb"
	Size int64  `json:"size_bytes"`
	// ForceRO is sysfs force_ro: the kernel keeps boot partitions read-only
	// unless it is cleared.
	ForceRO bool `json:"force_ro,omitempty"`
	// ReadOnly is true when the card itself write-protects the partition:
	// sysfs ro is set although force_ro is not. (Setting force_ro also sets
	// ro, and force_ro reads as ro XOR the card's own protection: Linux
	// drivers/mmc/core/block.c force_ro_show/force_ro_store.)
	ReadOnly bool `json:"read_only,omitempty"`
	// Locked is sysfs ro_lock_until_next_power_on non-zero: a boot
	// partition write-protected until the next power cycle (1) or for good
	// (2, Permanent) by EXT_CSD BOOT_WP (JESD84-B51 §7.4.65).
	Locked    bool `json:"locked,omitempty"`
	Permanent bool `json:"locked_permanently,omitempty"`
}

// Hardware partition kinds.
const (
	HWBoot = "boot"
	HWGP   = "gp"
	HWRPMB = "rpmb"
)

// Writable reports whether the host can overwrite the partition through
// the block layer (after clearing force_ro): a boot or general-purpose
// partition that is not write-protected.
func (p HWPartition) Writable() bool {
	return (p.Kind == HWBoot || p.Kind == HWGP) && !p.ReadOnly && !p.Locked
}

// rpmbUnit is the RPMB size unit: EXT_CSD RPMB_SIZE_MULT counts 128 KiB
// (JESD84-B51 §7.4.76).
const rpmbUnit = 128 << 10

// mmcHardwarePartitions lists the hardware partitions of eMMC disk name:
// its boot and general-purpose partitions from sys/block, and the RPMB from
// the card's raw_rpmb_size_mult attribute (printed by the kernel as
// "%#x"). SD cards have none.
func mmcHardwarePartitions(sys fs.FS, name string) []HWPartition {
	var out []HWPartition
	ents, _ := fs.ReadDir(sys, "sys/block")
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), name)
		if !ok {
			continue
		}
		var kind string
		switch {
		case strings.HasPrefix(rest, "boot"):
			kind = HWBoot
		case strings.HasPrefix(rest, "gp"):
			kind = HWGP
		default:
			continue
		}
		if _, err := strconv.Atoi(rest[len(kind):]); err != nil {
			continue
		}
		base := path.Join("sys/block", e.Name())
		forceRO := readStr(sys, base, "force_ro") == "1"
		lock := readStr(sys, base, "ro_lock_until_next_power_on")
		out = append(out, HWPartition{Name: e.Name(), Path: "/dev/" + e.Name(), Kind: kind,
			Size:      readInt(sys, base, "size") * 512,
			ForceRO:   forceRO,
			ReadOnly:  readStr(sys, base, "ro") == "1" && !forceRO,
			Locked:    lock != "" && lock != "0",
			Permanent: lock == "2"})
	}
	sort.Slice(out, func(i, j int) bool { return naturalLess(out[i].Name, out[j].Name) })
	if s := readStr(sys, path.Join("sys/block", name, "device"), "raw_rpmb_size_mult"); s != "" {
		if mult, err := strconv.ParseUint(s, 0, 32); err == nil && mult > 0 {
			out = append(out, HWPartition{Name: name + "rpmb", Path: "/dev/" + name + "rpmb", Kind: HWRPMB,
				Size: int64(mult) * rpmbUnit})
		}
	}
	return out
}

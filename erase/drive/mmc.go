package drive

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
)

// MMC is an eMMC or SD card reached through the block layer. Besides its
// user data area an eMMC has hardware partitions (JESD84-B51 §6.2): boot and
// general-purpose partitions, which the kernel exposes as block devices of
// their own and keeps read-only (force_ro) by default, and an RPMB. kesu
// writes the writable ones together with the user data area, as one target
// (erase.Concat: the user area first, then each partition), after clearing
// force_ro, and sets force_ro again when the target is closed. The RPMB can
// be written only with the card's authentication key: it is recorded as not
// erased. Host overwrite is the only method.
type MMC struct {
	*Plain
	parts []discover.HWPartition // the writable boot and general-purpose partitions, in order
	all   []discover.HWPartition
	// openPart opens a hardware partition's block device.
	openPart func(p discover.HWPartition, write bool) (erase.Target, error)
	// forceRO sets a partition's force_ro.
	forceRO func(name string, on bool) error
	// held are the writable partitions opened read-only at probe time, so
	// that Open can check it gets the same devices.
	held []erase.Target
}

// NewMMC wraps an MMC disk. openPart opens one of its hardware partitions;
// forceRO sets a partition's force_ro (SysfsForceRO on a real machine).
func NewMMC(disk discover.Disk, block BlockOpener, openPart func(discover.HWPartition, bool) (erase.Target, error), forceRO func(string, bool) error) *MMC {
	m := &MMC{Plain: NewPlain(disk, block), all: disk.HWPartitions, openPart: openPart, forceRO: forceRO}
	for _, p := range disk.HWPartitions {
		if p.Writable() {
			m.parts = append(m.parts, p)
		}
	}
	return m
}

// SysfsForceRO returns a function that sets force_ro of the block device
// name under <sysRoot>/sys/block (1: read-only, 0: writable).
func SysfsForceRO(sysRoot string) func(name string, on bool) error {
	return func(name string, on bool) error {
		v := "0"
		if on {
			v = "1"
		}
		p := filepath.Join(sysRoot, "sys/block", name, "force_ro")
		if err := os.WriteFile(p, []byte(v), 0); err != nil {
			return fmt.Errorf("setting %s force_ro to %s: %w", name, v, err)
		}
		return nil
	}
}

// Probe implements worker.Drive: the block layer's facts, and every
// hardware partition with whether the overwrite covers it.
func (m *MMC) Probe(ctx context.Context) (*worker.Probe, error) {
	p, err := m.Plain.Probe(ctx)
	if err != nil {
		return nil, err
	}
	m.closeHeld()
	sizes := map[string]int64{}
	for _, hp := range m.parts {
		t, err := m.openPart(hp, false)
		if err != nil {
			m.closeHeld()
			return nil, fmt.Errorf("opening the eMMC hardware partition %s: %w", hp.Path, err)
		}
		m.held = append(m.held, t)
		sizes[hp.Name] = t.Size()
	}
	var covered, listed []string
	for _, hp := range m.all {
		r := report.HWPartition{Name: hp.Name, Kind: hp.Kind, Bytes: uint64(hp.Size)}
		switch {
		case hp.Writable():
			r.Covered, r.Bytes = true, uint64(sizes[hp.Name])
			covered = append(covered, hp.Name)
		case hp.Kind == discover.HWRPMB:
			r.Note = "written only with the card's authentication key: kesu cannot erase it"
		case hp.Permanent:
			r.Note = "permanently write-protected by the card (EXT_CSD BOOT_WP)"
		case hp.Locked:
			r.Note = "write-protected until the next power-on (ro_lock_until_next_power_on)"
		case hp.ReadOnly:
			r.Note = "write-protected by the card"
		}
		p.HWPartitions = append(p.HWPartitions, r)
		listed = append(listed, fmt.Sprintf("%s (%s, %d bytes)", hp.Name, hp.Kind, r.Bytes))
	}
	if len(listed) > 0 {
		p.Notes = append(p.Notes, "eMMC hardware partitions: "+strings.Join(listed, ", "))
	}
	if len(covered) > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("the host overwrite covers the user data area and then %s; their force_ro is cleared while they are written and set again after", strings.Join(covered, ", ")))
		p.Caps.Areas = covered
	}
	return p, nil
}

// Open implements worker.Drive: the user data area followed by the
// writable hardware partitions, each confirmed to be the device probed.
// For writing, force_ro is cleared first; closing the target sets it again.
func (m *MMC) Open(write bool) (erase.Target, error) {
	user, err := m.Plain.Open(write)
	if err != nil || len(m.parts) == 0 {
		return user, err
	}
	parts := []erase.Target{user}
	var cleared []string
	restore := func() error {
		var errs []error
		for _, name := range cleared {
			if err := m.forceRO(name, true); err != nil {
				errs = append(errs, fmt.Errorf("%s was left writable (%v): set it read-only again with `echo 1 > /sys/block/%s/force_ro`", name, err, name))
			}
		}
		cleared = nil
		return errors.Join(errs...)
	}
	fail := func(err error) (erase.Target, error) {
		for _, t := range parts {
			t.Close()
		}
		if rerr := restore(); rerr != nil {
			err = fmt.Errorf("%w; restoring force_ro: %v", err, rerr)
		}
		return nil, err
	}
	for i, hp := range m.parts {
		if write && hp.ForceRO {
			if err := m.forceRO(hp.Name, false); err != nil {
				return fail(err)
			}
			cleared = append(cleared, hp.Name)
		}
		t, err := m.openPart(hp, write)
		if err != nil {
			return fail(fmt.Errorf("opening %s: %w", hp.Path, err))
		}
		parts = append(parts, t)
		if i < len(m.held) {
			if err := sameAsHeld(m.held[i], t); err != nil {
				return fail(err)
			}
		}
	}
	c, err := erase.NewConcat(restore, parts...)
	if err != nil {
		return fail(err)
	}
	return c, nil
}

// Close implements worker.Drive.
func (m *MMC) Close() error {
	m.closeHeld()
	return m.Plain.Close()
}

func (m *MMC) closeHeld() {
	for _, t := range m.held {
		t.Close()
	}
	m.held = nil
}

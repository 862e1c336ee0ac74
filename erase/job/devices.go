package job

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/erase/worker"
)

// ErrRefused marks a run over named devices (Options.Devices) that a
// check stopped before anything was written on any device: no record was
// created, or, for a device found unerasable once probed, a sealed record
// says so (Start).
var ErrRefused = errors.New("refused")

// DeviceRefusal lists every named device a check refused, each with why.
type DeviceRefusal struct {
	// Reasons are "DEVICE: why" lines, in the order the devices were named.
	Reasons []string
}

func (e *DeviceRefusal) Error() string {
	if len(e.Reasons) == 1 {
		return e.Reasons[0] + "; nothing was erased on any device"
	}
	return strings.Join(e.Reasons, "; ") + "; nothing was erased on any device"
}

// Unwrap makes a refusal match ErrRefused.
func (e *DeviceRefusal) Unwrap() error { return ErrRefused }

// CheckDevices makes, for a run over the named devices o.Devices (kernel
// names, in the order named), every check made before anything starts:
// each is a whole disk or loop device sysfs (under o.Root) knows, none is
// named twice, none is a boot disk (o.BootDisks), none is mounted, holds a
// mounted partition, is swap, is held by device-mapper/md or backs the root
// filesystem, and the policy's [exclude] table names none. It returns the
// disks, or a *DeviceRefusal naming every device refused; it opens nothing.
func CheckDevices(o Options) ([]discover.Disk, error) {
	if len(o.Devices) == 0 {
		return nil, errors.New("job: no device named")
	}
	if o.Policy == nil || o.Root == nil {
		return nil, errors.New("job: CheckDevices needs a policy and a root tree")
	}
	scanned := map[string]discover.Disk{}
	if all, err := discover.Scan(o.Root); err == nil {
		for _, d := range all {
			scanned[d.Name] = d
		}
	}
	pathRule, err := excludedPaths(o.Policy, o.Root)
	if err != nil {
		return nil, &DeviceRefusal{Reasons: []string{err.Error()}}
	}
	inUse := InUseRule(o.Root)
	var disks []discover.Disk
	var why []string
	seen := map[string]bool{}
	for _, name := range o.Devices {
		dev := "/dev/" + name
		if seen[name] {
			why = append(why, fmt.Sprintf("%s: named twice (each device is erased once; name it once)", dev))
			continue
		}
		seen[name] = true
		d, ok := scanned[name]
		if !ok {
			if d, err = discover.Lookup(o.Root, name); err != nil {
				why = append(why, fmt.Sprintf("%s: not a whole disk or loop device of this machine: %v", dev, err))
				continue
			}
		}
		if slices.Contains(o.BootDisks, name) {
			why = append(why, fmt.Sprintf("%s: the boot disk (the kesu stick): never erased", dev))
			continue
		}
		if ex, reason := inUse(d); ex {
			why = append(why, fmt.Sprintf("%s: %s", dev, reason))
			continue
		}
		if ex, reason := pathRule(d); ex {
			why = append(why, fmt.Sprintf("%s: %s (--config)", dev, reason))
			continue
		}
		if ex, reason := o.Policy.Excluded(d.Serial, []string{d.WWN, d.WWID}, d.Path); ex {
			why = append(why, fmt.Sprintf("%s: %s (--config)", dev, reason))
			continue
		}
		if reason := d.NotADrive(); reason != "" {
			why = append(why, fmt.Sprintf("%s: %s", dev, reason))
			continue
		}
		disks = append(disks, d)
	}
	if len(why) > 0 {
		return nil, &DeviceRefusal{Reasons: why}
	}
	return disks, nil
}

// Look probes and plans the named devices (o.Devices) after CheckDevices,
// with no record: what a run would do (kesu erase A B --dry-run). Nothing
// is written; the caller closes the preparation.
func Look(ctx context.Context, o Options) (*worker.Preparation, error) {
	disks, err := CheckDevices(o)
	if err != nil {
		return nil, err
	}
	return worker.Prepare(ctx, worker.Config{Policy: o.Policy, Open: o.Open, HostOverwriteOnly: o.overwriteOnly()}, disks, nil)
}

// hostOverwriteOnly is why a run of kesu erase A B plans the host
// overwrite alone.
const hostOverwriteOnly = "the drive was named on the command line (kesu erase DEVICE DEVICE ...): the host overwrite of the given pattern and its read-back run, as for one device; no firmware erase method"

// overwriteOnly is the worker's HostOverwriteOnly for the run.
func (o Options) overwriteOnly() string {
	if o.HostOverwrite {
		return hostOverwriteOnly
	}
	return ""
}

// DevicePolicy is the policy of kesu erase A B: every device gets the host
// overwrite of pattern, read back by verify percent of its blocks (100:
// every block), judged at Clear with no level below accepted; no TCG erase
// and no PSID prompt; people and exclusions from --config. name is how the
// record names the policy (the command line's words). With require (the
// --config file; nil: none) the run is held to it (RequireAsPolicy).
func DevicePolicy(name, pattern string, verify float64, people policy.Record, exclude policy.Exclude, unsigned bool, require *policy.Config) *policy.Config {
	no := false
	c := &policy.Config{Version: 1, Level: policy.Clear, VerifyPercent: verify, Pattern: pattern, Source: name,
		Signing: policy.Signing{Unsigned: unsigned}, Record: people, Exclude: exclude,
		TCG: policy.TCG{Erase: policy.TCGForbid, PSIDPrompt: &no}}
	c.Policy.Level, c.Policy.Pattern, c.Policy.BelowLevel = string(policy.Clear), pattern, policy.BelowFail
	if require != nil {
		RequireAsPolicy(c, require)
	}
	return c
}

// HeldTo is the verify percent of a run over named devices held to the
// policy file require (kesu erase DEVICE… --config; nil: none): verify, or
// the file's share when higher, since a PASS is proven by the read-back
// the file asks for. Signing stays the command line's (--key or
// --unsigned); an unsigned record says so and verifies UNTRUSTED.
func HeldTo(require *policy.Config, verify float64) float64 {
	if require == nil {
		return verify
	}
	return max(verify, require.VerifyPercent)
}

// RequireAsPolicy makes a device run's policy c require what the policy
// file from requires: its level or MIC category, what a drive below it
// gets, its destruction deadline and its verification share (HeldTo). The
// run stays a host overwrite of the named devices.
func RequireAsPolicy(c, from *policy.Config) {
	c.VerifyPercent = max(c.VerifyPercent, from.VerifyPercent)
	c.Level, c.DestroyRequired = from.Level, from.DestroyRequired
	c.Policy.Level, c.Policy.MICCategory, c.Policy.BelowLevel = from.Policy.Level, from.Policy.MICCategory, from.Policy.BelowLevel
	c.Policy.DestructionDeadlineDays = from.Policy.DestructionDeadlineDays
}

package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"math"
	"path/filepath"
	"time"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/drive"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/nvme"
	"github.com/kesu-erase/kesu/nvme/nvmetest"
	"github.com/kesu-erase/kesu/report"
)

// firmwareMethod is what results.json says of the firmware measurement.
const firmwareMethod = "in-process, through the appliance's own path (erase/drive.NVMe, erase/worker.Prepare and Execute, a signed " +
	"journal sealed at the end) on an emulated NVMe controller (nvme/nvmetest) offering only Sanitize Block Erase, whose sanitize " +
	"takes SanitizeTime of real time and whose ETBE reports that time. Wall: from Prepare (probe, plan, canaries) to the sealed " +
	"record (verdict ready), sanitize polling and the 10% read-back included. value = median(wall) / SanitizeTime. " +
	"It is the best case for polling: the drive's estimate is exact; a drive with no or a rough estimate is polled less precisely."

// purgePolicy makes the worker choose the controller's sanitize.
const purgePolicy = "version = 1\n[policy]\nlevel = 'purge'\nbelow_level = 'fail'\nverify = '10%'\n"

// FirmwareRun times one erase of an emulated drive whose sanitize takes
// sanitize, with a namespace of size bytes in dir.
type FirmwareRun func(ctx context.Context, sanitize time.Duration, size int64, dir string) (time.Duration, error)

// emulatedSanitize is the real FirmwareRun.
func emulatedSanitize(ctx context.Context, sanitize time.Duration, size int64, dir string) (time.Duration, error) {
	secs := uint32(math.Ceil(sanitize.Seconds()))
	c, err := nvmetest.New(nvmetest.Config{Serial: "BENCH-SANITIZE", Model: "KESU BENCH TIMED SANITIZE", Firmware: "1.0",
		Version: 0x00020000, SANICAP: 0b010,
		Namespaces:   []nvmetest.NamespaceConfig{{Path: filepath.Join(dir, "ns1"), Size: size, DLFEAT: 1}},
		Estimates:    nvmetest.Estimates{ETBE: secs, ETO: nvme.NoEstimate, ETCE: nvme.NoEstimate, ETOND: nvme.NoEstimate, ETBEND: nvme.NoEstimate, ETCEND: nvme.NoEstimate},
		SanitizeTime: sanitize})
	if err != nil {
		return 0, fmt.Errorf("bench: emulated drive: %w", err)
	}
	defer c.Close()
	pol, err := policy.Parse([]byte(purgePolicy), "bench")
	if err != nil {
		return 0, fmt.Errorf("bench: policy: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return 0, err
	}
	disk := discover.Disk{Name: "nvme0n1", Path: "/dev/nvme0n1", Transport: discover.NVMe, Size: size,
		LogicalBlockSize: 512, PhysicalBlockSize: 512, Serial: "BENCH-SANITIZE", Model: "KESU BENCH TIMED SANITIZE"}
	drv := drive.NewNVMe(disk, c.OnNamespace(1), 1, func(bool) (erase.Target, error) { return c.Namespace(1), nil }, nil, nil)

	start := time.Now()
	j, err := report.Create(dir, report.NewSigner(priv), report.RunStart{Mode: "bench",
		Policy: report.Policy{Level: report.LevelPurge, Verify: report.VerifyPolicy{Mode: report.VerifySampled, Percent: pol.VerifyPercent}}})
	if err != nil {
		return 0, fmt.Errorf("bench: journal: %w", err)
	}
	prep, err := worker.Prepare(ctx, worker.Config{Policy: pol, Journal: j,
		Open: func(discover.Disk) (worker.Drive, error) { return drv, nil }}, []discover.Disk{disk}, nil)
	if err != nil {
		return 0, fmt.Errorf("bench: prepare: %w", err)
	}
	results := prep.Execute(ctx)
	if err := j.Seal(); err != nil {
		return 0, fmt.Errorf("bench: seal: %w", err)
	}
	wall := time.Since(start)
	if len(results) != 1 || results[0].Status != report.StatusPass || results[0].Assessment.Method != report.MethodNVMeSanitizeBlockErase {
		return wall, fmt.Errorf("bench: emulated sanitize did not PASS by %s: %+v", report.MethodNVMeSanitizeBlockErase, results)
	}
	return wall, nil
}

// runFirmware times n erases of fresh emulated drives.
func runFirmware(ctx context.Context, run FirmwareRun, sanitize time.Duration, size int64, tmp func() (string, error), n int) *Series {
	s := &Series{Name: "kesu_firmware_erase", Tool: "kesu",
		Device:  &Device{Kind: "emulated-nvme", Path: "nvmetest", Backing: "namespace file", FS: fmt.Sprintf("sanitize %v", sanitize), Size: size},
		Command: fmt.Sprintf("worker run of an emulated NVMe drive, Sanitize Block Erase taking %v", sanitize)}
	for range n {
		dir, err := tmp()
		if err != nil {
			s.Err = err
			return s
		}
		wall, err := run(ctx, sanitize, size, dir)
		if err != nil {
			s.Err = err
			return s
		}
		s.Samples = append(s.Samples, Sample{Wall: wall})
	}
	return s
}

// firmwareKey is median(wall) over the drive's own sanitize time.
func firmwareKey(s *Series, sanitize time.Duration) *Key {
	k := &Key{Unit: "ratio", Goal: 1.02, Comparison: AtMost, Device: describe(s.Device), Method: firmwareMethod,
		Formula: fmt.Sprintf("median(%s) / %v", s.Name, sanitize), From: []Operand{operand(s)}, N: len(s.Samples)}
	switch {
	case s.Err != nil:
		k.Error = s.Err.Error()
	case len(s.Samples) == 0:
		k.Error = "no samples"
	default:
		k.setValue(median(s.Samples).Seconds() / sanitize.Seconds())
	}
	return k
}

// Package reporttest builds deterministic sample journals for tests of the
// report package, the certificate renderer and the kesu command: a fixed
// signing key, a ticking fake clock and runs whose every byte is repeatable.
package reporttest

import (
	"crypto/ed25519"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/smart"
)

// Key returns the fixed test signing key (seed bytes 0..31). Never use it
// outside tests.
func Key() ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = byte(i)
	}
	return ed25519.NewKeyFromSeed(seed)
}

// OtherKey returns a second fixed key, for "wrong key" tests.
func OtherKey() ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = byte(100 + i)
	}
	return ed25519.NewKeyFromSeed(seed)
}

// Signer returns a signer for Key.
func Signer() *report.Signer { return report.NewSigner(Key()) }

// WritePublicKey writes priv's public key as PEM to dir/name and returns
// the path.
func WritePublicKey(t testing.TB, dir, name string, priv ed25519.PrivateKey) string {
	t.Helper()
	b, err := report.MarshalPublicKeyPEM(priv.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Clock is a fake clock that advances one second per reading. It is safe
// for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock whose first reading is start.
func NewClock(start time.Time) *Clock { return &Clock{t: start} }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Now returns the current reading and advances the clock by a second.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	c.t = c.t.Add(time.Second)
	return t
}

// Epoch is the sample runs' start time.
var Epoch = time.Date(2026, 5, 14, 9, 0, 0, 0, time.UTC)

// DMI is a fake /sys/class/dmi/id tree.
var DMI = fstest.MapFS{
	"sys_vendor":     {Data: []byte("Fujitsu\n")},
	"product_name":   {Data: []byte("PRIMERGY RX2540 M5\n")},
	"product_serial": {Data: []byte("MAFS012345\n")},
	"product_uuid":   {Data: []byte("4c4c4544-0042-3510-8052-b4c04f4e5032\n")},
	"board_vendor":   {Data: []byte("FUJITSU\n")},
}

// Start returns the sample run's run-start (before Create fills it in).
func Start(p report.Policy) report.RunStart {
	return report.RunStart{
		RunID: "20260514T090000Z-sample",
		Mode:  "appliance",
		Tool:  report.Tool{Name: "kesu", Version: "v0.1.0-test", Commit: "0123456789abcdef0123456789abcdef01234567", Go: "go1.26.8"},
		Host:  report.ReadHost(DMI),
		Time:  Epoch,
		Sanitizer: report.Person{
			Name: "山田 太郎", Title: "情報システム課 主任", Organization: "東京都サンプル市",
			Location: "本庁舎 サーバ室 3F", Contact: "03-1234-5678",
		},
		Validator:    report.Person{Name: "佐藤 花子", Title: "情報システム課 課長"},
		Customer:     "サンプル市 住民情報システム",
		Reference:    "LEASE-2026-0042",
		AssetTag:     "SRV-0815",
		Policy:       p,
		ConfigSHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	}
}

// PurgePolicy is the sample runs' policy: Purge, MIC category (2), 10 %
// sampled verification, media recycled.
var PurgePolicy = report.Policy{
	Name: "mic-2", Level: report.LevelPurge, MICCategory: 2,
	Verify:      report.VerifyPolicy{Mode: report.VerifySampled, Percent: 10},
	Destination: "recycle", PreCategory: "機密性2", PostCategory: "機密情報なし",
}

func u64(v uint64) *uint64 { return &v }
func intp(v int) *int      { return &v }
func boolp(v bool) *bool   { return &v }

// NVMeDrive is the sample NVMe drive.
func NVMeDrive() report.Drive {
	return report.Drive{
		Identity: report.Identity{
			Path: "/dev/nvme0n1", Vendor: "Samsung", Model: "SAMSUNG MZQL21T9HCJR-00A07", Serial: "S64GNE0R812345",
			Firmware: "GDC5602Q", WWN: "eui.36344730528123450025384500000001", CapacityBytes: 1920383410176,
			LogicalSectorSize: 512, PhysicalSectorSize: 4096, Transport: "nvme", Bay: "Bay 0", Port: "pci-0000:5e:00.0",
		},
		Class:       report.ClassNVMe,
		AssetTag:    "SSD-0001",
		SMART:       &smart.Summary{Source: "nvme", Verdict: smart.Pass, PowerOnHours: u64(18211), TemperatureC: intp(34), PercentageUsed: intp(3), AvailableSpare: intp(100), MediaErrors: u64(0), UnsafeShutdowns: u64(12)},
		HiddenAreas: report.HiddenAreas{Checked: true, Note: "NVMe: no HPA/DCO"},
		Plan: report.Plan{Steps: []report.PlanStep{
			{Method: report.MethodNVMeSanitizeCryptoErase, Chosen: true, Reason: "Purge by IEEE 2883; SANICAP.CES=1"},
			{Method: report.MethodNVMeFormatCrypto, Chosen: false, Reason: "fallback: Purge by Rev.1 only"},
		}},
	}
}

// HDDDrive is the sample SATA hard disk with a host protected area.
func HDDDrive() report.Drive {
	return report.Drive{
		Identity: report.Identity{
			Path: "/dev/sda", Vendor: "ATA", Model: "ST4000NM0035-1V4107", Serial: "ZC1ABCDE",
			Firmware: "TNC3", WWN: "0x5000c500a1b2c3d4", CapacityBytes: 4000787030016,
			LogicalSectorSize: 512, PhysicalSectorSize: 4096, Transport: "sata", Bay: "Bay 1", Port: "ata2",
			Rotational: boolp(true),
		},
		Class: report.ClassHDD,
		SMART: &smart.Summary{Source: "ata", Verdict: smart.Pass, PowerOnHours: u64(35012), ReallocatedSectors: u64(0), PendingSectors: u64(0)},
		HiddenAreas: report.HiddenAreas{Checked: true, Areas: []report.HiddenArea{
			{Kind: "HPA", Present: true, AccessibleMaxLBA: 7814037167, NativeMaxLBA: 7814037167 + 2048, HiddenSectors: 2048},
		}},
		Plan: report.Plan{Steps: []report.PlanStep{
			{Method: report.MethodATASanitizeOverwrite, Chosen: false, Reason: "drive does not support the Sanitize feature set"},
			{Method: report.MethodOverwrite, Chosen: true, Reason: "HDD: host overwrite after restoring the HPA meets MIC category (2)"},
		}},
	}
}

// USBDrive is the sample USB stick.
func USBDrive() report.Drive {
	return report.Drive{
		Identity: report.Identity{
			Path: "/dev/sdb", Vendor: "SanDisk", Model: "Ultra Fit", Serial: "4C530001230915118383",
			CapacityBytes: 30752636928, LogicalSectorSize: 512, Transport: "usb", Port: "usb-0000:00:14.0-2",
		},
		Class:       report.ClassUSB,
		SMART:       &smart.Summary{Verdict: smart.Unknown},
		HiddenAreas: report.HiddenAreas{Checked: false, Note: "USB bridge: no ATA pass-through"},
		Plan: report.Plan{Steps: []report.PlanStep{
			{Method: report.MethodOverwrite, Chosen: true, Reason: "USB flash: overwrite is the only method (Clear at most)"},
		}},
	}
}

// WriteSample writes the sample run to dir and returns the journal's path:
// an NVMe drive purged by Sanitize crypto erase (PASS), an HDD overwritten after its HPA was restored (FAIL: MIC (2) met
// but Purge not reached), a USB stick overwritten once (FAIL) and a
// note, then the seal.
func WriteSample(t testing.TB, dir string) string {
	t.Helper()
	return WriteSampleWith(t, dir, PurgePolicy)
}

// WriteSampleWith writes the sample run under policy p and returns the
// journal's path.
func WriteSampleWith(t testing.TB, dir string, p report.Policy) string {
	t.Helper()
	return WriteSampleOptions(t, dir, p, report.Options{})
}

// WriteSampleOptions writes the sample run under policy p with the
// journal options opt (its clock is replaced by the sample's) and returns
// the journal's path.
func WriteSampleOptions(t testing.TB, dir string, p report.Policy, opt report.Options) string {
	t.Helper()
	clk := NewClock(Epoch)
	opt.Now = clk.Now
	j, err := report.CreateWith(dir, Signer(), Start(p), opt)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ts := func(min int) time.Time { return Epoch.Add(time.Duration(min) * time.Minute) }

	nv, err := j.Drive(NVMeDrive())
	must(err)
	hd, err := j.Drive(HDDDrive())
	must(err)
	us, err := j.Drive(USBDrive())
	must(err)

	// NVMe: Sanitize crypto erase, verified against before-samples.
	n, err := nv.BeginAttempt(report.MethodNVMeSanitizeCryptoErase, ts(1))
	must(err)
	clk.Set(ts(2))
	_, err = nv.Attempt(report.Attempt{Attempt: n, Method: report.MethodNVMeSanitizeCryptoErase,
		Mechanism: "NVMe Admin Sanitize (84h) SANACT=100b crypto erase, polled Sanitize Status log (81h)",
		End:       ts(2), Outcome: report.OutcomeSuccess, Details: []string{"SSTAT: most recent sanitize completed successfully", "SCDW10 0x00000004"},
		Canaries: &report.CanaryRecord{KeyID: "9f2c4e1a", Planned: 2000, Planted: 2000, ReadBack: 2000}})
	must(err)
	clk.Set(ts(4))
	must(nv.Verification(report.Verification{Attempt: n, Method: report.VerifyCanary, Expected: "canaries gone",
		PlanSeed: "5eed0000c0ffee01", Start: ts(2), End: ts(4), Subsections: 1000, PercentRequested: 10, PercentAchieved: 10.02,
		Samples: 2000, BlocksRead: 375078790, CanariesRead: 2000}))
	_, err = nv.Finish(report.Finish{})
	must(err)

	// HDD: restore the HPA, overwrite everything, verify.
	clk.Set(ts(5))
	must(hd.HiddenArea(report.HiddenArea{Kind: "HPA", Present: true, AccessibleMaxLBA: 7814037167 + 2048, NativeMaxLBA: 7814037167 + 2048, HiddenSectors: 2048, Restored: true}))
	n, err = hd.BeginAttempt(report.MethodOverwrite, ts(6))
	must(err)
	target := uint64(7814037167+2048+1) * 512
	clk.Set(ts(436))
	_, err = hd.Attempt(report.Attempt{Attempt: n, Method: report.MethodOverwrite, Mechanism: "pwrite O_DIRECT, 1 MiB blocks",
		End: ts(436), Outcome: report.OutcomeSuccess, Passes: 1, Pattern: "zeros", TargetBytes: target, BytesWritten: target,
		Canaries: &report.CanaryRecord{KeyID: "51d0b7e3", Planned: 2000, Planted: 2000, ReadBack: 2000}})
	must(err)
	clk.Set(ts(451))
	must(hd.Verification(report.Verification{Attempt: n, Method: report.VerifySampled, Expected: "canaries gone and zeros",
		PlanSeed: "5eed0000c0ffee02", Start: ts(436), End: ts(451), Subsections: 1000, PercentRequested: 10, PercentAchieved: 10.01,
		Samples: 2000, BlocksRead: 781404722, CanariesRead: 2000}))
	_, err = hd.Finish(report.Finish{})
	must(err)

	// USB: one pass, one unwritable range.
	clk.Set(ts(452))
	n, err = us.BeginAttempt(report.MethodOverwrite, ts(452))
	must(err)
	clk.Set(ts(491))
	_, err = us.Attempt(report.Attempt{Attempt: n, Method: report.MethodOverwrite, Mechanism: "pwrite O_DIRECT, 1 MiB blocks",
		End: ts(491), Outcome: report.OutcomeSuccess, Passes: 1, Pattern: "zeros", TargetBytes: 30752636928, BytesWritten: 30752636928 - 4096,
		Unwritable: []report.LBARange{{First: 123456, Count: 8}}, Errors: []string{"write at LBA 123456: input/output error"}})
	must(err)
	must(us.Note(report.Note{Severity: report.SeverityWarning, Code: "write-error", Text: "8 blocks could not be written"}))
	_, err = us.Finish(report.Finish{})
	must(err)

	must(j.Note(report.Note{Severity: report.SeverityInfo, Code: "power-off", Text: "run complete; powering off in 60 s"}))
	must(j.Seal())
	return j.Path()
}

// WriteSmall writes a small sealed journal (one drive, six records) for
// exhaustive tamper tests and returns its path.
func WriteSmall(t testing.TB, dir string) string {
	t.Helper()
	clk := NewClock(Epoch)
	st := report.RunStart{RunID: "small", Tool: report.Tool{Name: "kesu", Version: "t"}, Time: Epoch,
		Policy: report.Policy{Level: report.LevelClear, Verify: report.VerifyPolicy{Mode: report.VerifySampled, Percent: 10}}}
	j, err := report.CreateWith(dir, Signer(), st, report.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	d, err := j.Drive(report.Drive{Identity: report.Identity{Model: "M", Serial: "S1", CapacityBytes: 1 << 20, LogicalSectorSize: 512},
		Class: report.ClassOther, HiddenAreas: report.HiddenAreas{Checked: true}})
	if err != nil {
		t.Fatal(err)
	}
	n, err := d.Attempt(report.Attempt{Method: report.MethodOverwrite, Mechanism: "pwrite", Start: Epoch, End: Epoch.Add(time.Second),
		Outcome: report.OutcomeSuccess, Passes: 1, TargetBytes: 1 << 20, BytesWritten: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Verification(report.Verification{Attempt: n, Method: report.VerifyFull, Expected: "zeros",
		PercentRequested: 100, PercentAchieved: 100, Samples: 2048, BlocksRead: 2048, PlanBlocks: 2048, BlockSize: 512}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Finish(report.Finish{}); err != nil {
		t.Fatal(err)
	}
	if err := j.Seal(); err != nil {
		t.Fatal(err)
	}
	return j.Path()
}

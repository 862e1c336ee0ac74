package smart

import (
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kesu-erase/kesu/ata"
)

func readByteDump(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || !strings.HasSuffix(f[0], ":") {
			continue
		}
		b, err := hex.DecodeString(strings.Join(f[1:], ""))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b...)
	}
	return out
}

func u64(v uint64) *uint64 { return &v }
func intp(v int) *int      { return &v }
func boolp(v bool) *bool   { return &v }

// TestFromATASamsung870QVO summarizes a real Samsung 870 QVO SMART dump
// (ata/testdata/README). The oracle is CrystalDiskInfo's report of the
// same drive: "Power On Hours : 1379", "Power On Count : 196",
// "Temperature : 29 C", "Health Status : 正常 (99 %)" — 99% life left
// from attribute B1h (wear levelling count, normalized 99), i.e. 1% used.
func TestFromATASamsung870QVO(t *testing.T) {
	data, err := ata.DecodeSMARTData(readByteDump(t, "../ata/testdata/samsung-870qvo-4tb.smart-data.txt"))
	if err != nil {
		t.Fatal(err)
	}
	th, _, err := ata.DecodeSMARTThresholds(readByteDump(t, "../ata/testdata/samsung-870qvo-4tb.smart-thresholds.txt"))
	if err != nil {
		t.Fatal(err)
	}
	data.ApplyThresholds(th)
	got := FromATA(data, boolp(false), true)
	want := &Summary{
		Source: "ata", Verdict: Pass,
		PowerOnHours: u64(1379), PowerCycles: u64(196), TemperatureC: intp(29),
		// BBh (187, reported uncorrectable) raw 0: CrystalDiskInfo lists it as 0.
		ReallocatedSectors: u64(0), Uncorrectable: u64(0), PercentageUsed: intp(1),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FromATA(Samsung 870 QVO) mismatch (-want +got):\n%s", diff)
	}
	// Without the SSD flag there is no wear estimate.
	if hdd := FromATA(data, boolp(false), false); hdd.PercentageUsed != nil {
		t.Errorf("FromATA(not SSD).PercentageUsed = %d; want nil", *hdd.PercentageUsed)
	}
}

func TestFromATAVerdicts(t *testing.T) {
	failingPrefail := &ata.SMARTData{ChecksumValid: true, ThresholdsRead: true, Attributes: []ata.Attribute{
		{ID: 5, Flags: 0x0033, Current: 5, Threshold: 10, HaveThreshold: true, RawValue: 3000},
		{ID: 197, Flags: 0x0012, Current: 100, Threshold: 0, HaveThreshold: true, RawValue: 12},
	}}
	failingOldAge := &ata.SMARTData{ChecksumValid: true, ThresholdsRead: true, Attributes: []ata.Attribute{
		{ID: 190, Flags: 0x0022, Current: 40, Threshold: 45, HaveThreshold: true, Raw: [6]byte{55}},
	}}
	tests := []struct {
		name     string
		data     *ata.SMARTData
		exceeded *bool
		want     Verdict
		reasons  int
	}{
		{"status exceeded", nil, boolp(true), Fail, 1},
		{"status ok, no data", nil, boolp(false), Pass, 0},
		{"nothing", nil, nil, Unknown, 1},
		{"prefail below threshold", failingPrefail, boolp(false), Fail, 3}, // attribute + reallocated + pending
		{"prefail below threshold, no status", failingPrefail, nil, Fail, 4},
		{"old-age below threshold is not a failure", failingOldAge, boolp(false), Pass, 1},
	}
	for _, tc := range tests {
		got := FromATA(tc.data, tc.exceeded, false)
		if got.Verdict != tc.want || len(got.Reasons) != tc.reasons {
			t.Errorf("%s: FromATA() verdict %s reasons %q; want %s with %d reasons", tc.name, got.Verdict, got.Reasons, tc.want, tc.reasons)
		}
	}
	if s := FromATA(failingOldAge, nil, false); s.TemperatureC == nil || *s.TemperatureC != 55 {
		t.Errorf("airflow temperature (190) raw byte 0 not used as °C: %+v", s.TemperatureC)
	}
}

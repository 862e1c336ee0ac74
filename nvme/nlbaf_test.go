package nvme

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestNLBAFIsZeroBased: Identify Namespace byte 25 (NLBAF) holds the number
// of LBA formats minus one (protocols.md §5.4; libnvme struct nvme_id_ns
// "nlbaf", nvme-cli prints it raw). The bytes below are written by hand:
// NLBAF 02h, so three descriptors at bytes 128, 132 and 136.
func TestNLBAFIsZeroBased(t *testing.T) {
	b := make([]byte, IdentifySize)
	b[0] = 0x10   // NSZE 16 blocks
	b[25] = 0x02  // NLBAF: three formats
	b[130] = 9    // LBAF0: 512 B
	b[134] = 12   // LBAF1: 4 KiB
	b[138] = 12   // LBAF2: 4 KiB
	b[136] = 0x08 // LBAF2: 8 bytes of metadata
	b[140+2] = 12 // a fourth descriptor the namespace does not report
	ns, err := ParseNamespace(1, b)
	if err != nil {
		t.Fatal(err)
	}
	if ns.NLBAF != 2 || ns.LBAFormatCount() != 3 || len(ns.LBAFormats) != 3 || ns.LBAFormats[2].MetadataSize != 8 {
		t.Errorf("NLBAF = %d, LBAFormatCount() = %d, %d formats decoded; want 2, 3, 3 (the fourth descriptor ignored)",
			ns.NLBAF, ns.LBAFormatCount(), len(ns.LBAFormats))
	}
	js, err := json.Marshal(ns)
	if err != nil || !strings.Contains(string(js), `"nlbaf":2,`) {
		t.Errorf("JSON = %s (%v); want \"nlbaf\":2 (the field's raw 0-based value)", js, err)
	}
	// 0-based: 00h is one format; the largest the structure holds is 64.
	for _, c := range []struct {
		raw   byte
		count int
	}{{0x00, 1}, {0x3f, 64}, {0xff, 64}} {
		b[25] = c.raw
		ns, _ := ParseNamespace(1, b)
		if ns.LBAFormatCount() != c.count || len(ns.LBAFormats) != c.count {
			t.Errorf("byte 25 = %#02x: LBAFormatCount() = %d, %d decoded; want %d", c.raw, ns.LBAFormatCount(), len(ns.LBAFormats), c.count)
		}
	}
}

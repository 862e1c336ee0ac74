package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/kesu-erase/kesu/nvme"
	"github.com/kesu-erase/kesu/nvme/nvmetest"
)

func emulatedProbe(t *testing.T) *NVMe {
	t.Helper()
	cfg := nvmetest.QEMU72("KESUVM0001", "KESU QEMU DISK", nvmetest.NamespaceConfig{Path: filepath.Join(t.TempDir(), "ns1"), Size: 1 << 20, DLFEAT: 1})
	cfg.SMART = nvmetest.SMART{TemperatureK: 306, AvailableSpare: 100, SpareThreshold: 10, PowerOnHours: 42}
	emu, err := nvmetest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	rep, err := nvme.Probe(context.Background(), emu, "emu")
	if err != nil {
		t.Fatal(err)
	}
	return NewNVMe("/dev/nvme0n1", rep)
}

func TestProbeNVMeText(t *testing.T) {
	var b bytes.Buffer
	if err := emulatedProbe(t).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{
		`(?m)^serial\s+KESUVM0001$`,
		`(?m)^model\s+KESU QEMU DISK$`,
		`(?m)^SANICAP\s+0x00000000: crypto erase no, block erase no, overwrite no`,
		`(?m)^FNA\s+0x00: .*crypto erase no`,
		`(?m)^\s+nsid 1\s+1048576 bytes = 2048 x 512 B \(LBAF 0 of 1, .*deallocated blocks read as zeros`,
		`(?m)^health\s+PASS; temperature 33 C, power-on hours 42`,
		`(?m)^\s+format NVM SES=1 \(user data erase\)\s+yes: .*\[Purge / Clear\]$`,
		`(?m)^\s+sanitize crypto erase\s+no: SANICAP 0x00000000 does not offer it`,
	} {
		if !regexp.MustCompile(re).Match(b.Bytes()) {
			t.Errorf("probe text lacks %s:\n%s", re, b.String())
		}
	}
}

func TestProbeNVMeJSON(t *testing.T) {
	var b bytes.Buffer
	if err := write(&b, emulatedProbe(t), true); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Class      string
		Controller struct {
			Serial, Model string
			SANICAP       uint32
			FNA           uint8
		}
		Capabilities struct {
			FNA struct {
				CryptoErase bool `json:"crypto_erase"`
			}
			SANICAP struct {
				BlockErase bool `json:"block_erase"`
			}
		}
		Namespaces []struct {
			NSID      uint32 `json:"nsid"`
			SizeBytes uint64 `json:"size_bytes"`
			NLBAF     *int   `json:"nlbaf"`
			LBAFCount int    `json:"lbaf_count"`
		}
		Health struct{ Verdict string }
		Raw    struct {
			IdentifyController string            `json:"identify_controller"`
			IdentifyNamespaces map[string]string `json:"identify_namespaces"`
			SMARTLog           string            `json:"smart_log"`
		}
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("probe JSON does not parse: %v\n%s", err, b.String())
	}
	if got.Class != "NVMe" || got.Controller.Serial != "KESUVM0001" || got.Controller.Model != "KESU QEMU DISK" || got.Controller.SANICAP != 0 ||
		got.Controller.FNA != 0 || got.Capabilities.FNA.CryptoErase || len(got.Namespaces) != 1 || got.Namespaces[0].SizeBytes != 1<<20 || got.Health.Verdict != "PASS" {
		t.Errorf("probe JSON = %+v; want NVMe, the given serial/model, SANICAP 0, FNA 0, one 1 MiB namespace, PASS", got)
	}
	// One LBA format: Identify Namespace byte 25 (NLBAF, 0-based) is 0; the
	// count is reported separately.
	if len(got.Namespaces) == 1 && (got.Namespaces[0].NLBAF == nil || *got.Namespaces[0].NLBAF != 0 || got.Namespaces[0].LBAFCount != 1) {
		t.Errorf("namespace nlbaf = %v, lbaf_count = %d; want the raw 0-based field 0 and a count of 1", got.Namespaces[0].NLBAF, got.Namespaces[0].LBAFCount)
	}
	if len(got.Raw.IdentifyController) != 8192 || len(got.Raw.IdentifyNamespaces["1"]) != 8192 || len(got.Raw.SMARTLog) != 1024 ||
		got.Raw.IdentifyController[8:18] != "4b45535556" /* "KESUV" at byte 4 */ {
		t.Errorf("raw = %d, %d, %d hex chars, controller starts %.40s; want 4096/4096/512 bytes hex with the serial at byte 4",
			len(got.Raw.IdentifyController), len(got.Raw.IdentifyNamespaces["1"]), len(got.Raw.SMARTLog), got.Raw.IdentifyController)
	}
}

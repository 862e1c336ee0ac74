package nvme_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/kesu-erase/kesu/internal/vm"
	"github.com/kesu-erase/kesu/nvme"
)

// TestVMProbeQEMU runs `kesu probe` inside QEMU (TCG, the shared harness) on
// an emulated NVMe disk and checks what it reports against what QEMU was
// given and against the kernel's own decoding of Identify Controller in
// sysfs. QEMU 7.2's NVMe model has no model property: its MN is always
// "QEMU NVMe Ctrl". Skipped under -short.
//
// With KESU_NVME_CAPTURE=dir the raw Identify and SMART data kesu read are
// also written to dir as nvme-cli style hex dumps (that is how
// testdata/qemu72-* were made).
func TestVMProbeQEMU(t *testing.T) {
	vm.Require(t, false)
	const serial = "KESUNVME01"
	disk := vm.NewDisk(t, vm.NVMe, serial, 64<<20)
	m := vm.NewMachine(t, disk)
	res := vm.RunScript(t, m,
		vm.Kesu("probe", "--device", vm.Dev(serial), "--json"),
		vm.Kesu("probe", "--device", vm.Dev(serial)),
		vm.Cat("/sys/block/"+vm.DevName(serial)+"/device/serial",
			"/sys/block/"+vm.DevName(serial)+"/device/model",
			"/sys/block/"+vm.DevName(serial)+"/device/firmware_rev"),
	)
	js, text, sysfs := res.Results[0], res.Results[1], res.Results[2]
	if js.ExitCode != 0 || text.ExitCode != 0 {
		t.Fatalf("kesu probe exit %d / %d; stderr %q / %q", js.ExitCode, text.ExitCode, js.Stderr, text.Stderr)
	}
	var got struct {
		Class      string
		Controller struct {
			Serial, Model, Firmware string
			SANICAP                 uint32
			FNA                     uint8
			OACS                    uint16
		}
		Capabilities struct {
			FormatNVM bool `json:"format_nvm"`
			FNA       struct {
				CryptoErase bool `json:"crypto_erase"`
			}
		}
		Namespaces []struct {
			NSID      uint32 `json:"nsid"`
			SizeBytes uint64 `json:"size_bytes"`
		}
		Health struct{ Verdict string }
		Raw    struct {
			IdentifyController string            `json:"identify_controller"`
			IdentifyNamespaces map[string]string `json:"identify_namespaces"`
			SMARTLog           string            `json:"smart_log"`
		}
	}
	if err := json.Unmarshal([]byte(js.Stdout), &got); err != nil {
		t.Fatalf("kesu probe --json: %v\n%s", err, js.Stdout)
	}
	c := got.Controller
	if got.Class != "NVMe" || c.Serial != serial || c.Model != "QEMU NVMe Ctrl" {
		t.Errorf("probe identity = %s %q %q; want NVMe %q \"QEMU NVMe Ctrl\"", got.Class, c.Serial, c.Model, serial)
	}
	if c.SANICAP != 0 || nvme.FNA(c.FNA).CryptoEraseSupported() || got.Capabilities.FNA.CryptoErase || !got.Capabilities.FormatNVM {
		t.Errorf("probe capabilities SANICAP %#x FNA %#x format %v; want SANICAP 0, FNA without crypto erase, Format NVM supported", c.SANICAP, c.FNA, got.Capabilities.FormatNVM)
	}
	if len(got.Namespaces) != 1 || got.Namespaces[0].SizeBytes != 64<<20 {
		t.Errorf("probe namespaces = %+v; want one of 64 MiB", got.Namespaces)
	}
	// The kernel decodes the same Identify Controller fields into sysfs.
	for _, want := range []string{"serial", "model", "firmware_rev"} {
		v := map[string]string{"serial": c.Serial, "model": c.Model, "firmware_rev": c.Firmware}[want]
		re := regexp.MustCompile(`==> \S+/` + want + ` <==\n\s*` + regexp.QuoteMeta(v) + `\s*\n`)
		if !re.MatchString(sysfs.Stdout) {
			t.Errorf("sysfs %s does not match kesu's %q:\n%s", want, v, sysfs.Stdout)
		}
	}
	for _, re := range []string{`(?m)^serial\s+` + serial + `$`, `(?m)^SANICAP\s+0x00000000: `, `(?m)^FNA\s+0x00: `} {
		if !regexp.MustCompile(re).MatchString(text.Stdout) {
			t.Errorf("kesu probe text lacks %s:\n%s", re, text.Stdout)
		}
	}
	if dir := os.Getenv("KESU_NVME_CAPTURE"); dir != "" {
		src := fmt.Sprintf("kesu probe in QEMU (%s, -device nvme,serial=%s, 64 MiB raw image) via internal/vm", "qemu-system-x86_64 under TCG", serial)
		capture(t, filepath.Join(dir, "qemu72-idctrl.txt"), "Identify Controller (CNS 01h), "+src, got.Raw.IdentifyController)
		capture(t, filepath.Join(dir, "qemu72-idns1.txt"), "Identify Namespace 1 (CNS 00h), "+src, got.Raw.IdentifyNamespaces["1"])
		capture(t, filepath.Join(dir, "qemu72-smart.txt"), "SMART / Health log (LID 02h), "+src, got.Raw.SMARTLog)
	}
}

// capture writes hex data as an nvme-cli style dump (nvme.FormatDump).
func capture(t *testing.T, path, what, hexData string) {
	b, err := hex.DecodeString(hexData)
	if err != nil {
		t.Fatalf("capture %s: %v", path, err)
	}
	var s bytes.Buffer
	if err := nvme.FormatDump(&s, b, what); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, s.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

package drive_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/internal/vm"
	"github.com/kesu-erase/kesu/report"
)

// methodOut is the part of `kesu erase --method --json` the test reads.
type methodOut struct {
	Result struct {
		Status     report.Status
		Assessment report.Assessment
	}
	Attempts []report.Attempt
	Verifies []report.Verification `json:"verifications"`
}

// TestVMFirmwareMethods runs kesu's firmware erase methods against QEMU's
// emulated drives through a real kernel (one boot): NVMe Format SES=1
// succeeds and zeroes the namespace, proven by kesu's canaries and an
// independent full read-back; NVMe Sanitize, ATA Security Erase and ATA
// Sanitize on the AHCI disk and SCSI SANITIZE on virtio-scsi are refused
// and recorded as unsupported, typed, never a crash. Skipped under -short.
func TestVMFirmwareMethods(t *testing.T) {
	vm.Require(t, false)
	nv := vm.NewDisk(t, vm.NVMe, "KESUNV01", 32<<20)
	ahci := vm.NewDisk(t, vm.AHCI, "KESUAHCI1", 32<<20)
	ahci.Model = "KESU TEST HDD"
	sc := vm.NewDisk(t, vm.SCSI, "KESUSCSI1", 32<<20)
	for _, d := range []vm.Disk{nv, ahci, sc} {
		if err := vm.WriteMarkers(d.Path, d.Serial); err != nil {
			t.Fatal(err)
		}
	}
	method := func(serial, m string) vm.Command {
		return vm.Kesu("erase", "--device", vm.Dev(serial), "--method", m, "--journal", "/tmp/records", "--unsigned", "--yes", "--json")
	}
	res := vm.RunScript(t, vm.NewMachine(t, nv, ahci, sc),
		method("KESUNV01", "nvme-sanitize-block-erase"),
		method("KESUNV01", "nvme-format-user-data-erase"),
		vm.Kesu("verify", "--device", vm.Dev("KESUNV01"), "--expect", "zero", "--sample", "full", "--json"),
		method("KESUAHCI1", "ata-security-erase-enhanced"),
		method("KESUAHCI1", "ata-sanitize-block-erase"),
		method("KESUSCSI1", "scsi-sanitize-overwrite"),
	)
	decode := func(i int) methodOut {
		t.Helper()
		var o methodOut
		r := res.Results[i]
		if err := json.Unmarshal([]byte(r.Stdout), &o); err != nil {
			t.Fatalf("command %d (%v): exit %d, output is not JSON: %v\nstdout %s\nstderr %s", i, r.Args, r.ExitCode, err, r.Stdout, r.Stderr)
		}
		return o
	}
	refused := func(i int, outcome report.Outcome, want string) {
		t.Helper()
		o := decode(i)
		r := res.Results[i]
		if r.ExitCode != 1 || o.Result.Status == report.StatusPass || len(o.Attempts) != 1 ||
			o.Attempts[0].Outcome != outcome || !strings.Contains(strings.Join(o.Attempts[0].Errors, " "), want) {
			t.Errorf("%v: exit %d, %s, attempts %+v; want exit 1 and one attempt %s mentioning %q", r.Args, r.ExitCode, o.Result.Status, o.Attempts, outcome, want)
		}
		if len(o.Verifies) != 0 {
			t.Errorf("%v: a refused method was verified: %+v", r.Args, o.Verifies)
		}
	}
	refused(0, report.OutcomeUnsupported, "SANICAP")
	refused(3, report.OutcomeUnsupported, "not supported")
	refused(4, report.OutcomeUnsupported, "not supported")
	// QEMU 7.2's virtio-scsi ends SANITIZE with host status DID_ERROR (07h)
	// on Debian's 6.1 kernel rather than with ILLEGAL REQUEST sense: a
	// typed transport error, recorded as a failed attempt.
	refused(5, report.OutcomeFailed, "transport error")

	// Format SES=1: passed (Clear under IEEE 2883, Purge under Rev.1),
	// proven by the canaries (QEMU's DLFEAT declares no read value, so the
	// canaries are the check).
	f := decode(1)
	if res.Results[1].ExitCode != 0 || f.Result.Status != report.StatusPass || f.Result.Assessment.Reached != report.LevelClear ||
		f.Result.Assessment.NISTRev1 != report.LevelPurge {
		t.Errorf("format SES=1: exit %d, %s, reached %s (Rev.1 %s); want PASS, Clear, Purge under Rev.1\n%s",
			res.Results[1].ExitCode, f.Result.Status, f.Result.Assessment.Reached, f.Result.Assessment.NISTRev1, res.Results[1].Stderr)
	}
	if len(f.Verifies) != 1 || f.Verifies[0].Method != report.VerifyCanary || f.Verifies[0].BlocksRead == 0 ||
		len(f.Verifies[0].Errors) != 0 || f.Verifies[0].CanariesRead == 0 || f.Verifies[0].CanariesSurvived != 0 ||
		len(f.Attempts) != 1 || !f.Attempts[0].Canaries.Proven() || f.Verifies[0].CanariesRead != uint64(f.Attempts[0].Canaries.ReadBack) {
		t.Errorf("format SES=1 verification %+v; want one passing canary verification", f.Verifies)
	}
	// An independent full read-back confirms the zeros.
	var v struct {
		Status       string
		Verification struct {
			BlocksRead int64 `json:"blocks_read"`
			Mismatches int64 `json:"mismatched_blocks"`
		}
	}
	if err := json.Unmarshal([]byte(res.Results[2].Stdout), &v); err != nil || v.Status != "PASS" ||
		v.Verification.BlocksRead != (32<<20)/512 || v.Verification.Mismatches != 0 {
		t.Errorf("kesu verify --sample full after format = %+v (%v); want PASS over every block", v, err)
	}
	if n, _, err := vm.CountMarkers(nv.Path); err != nil || n != 0 {
		t.Errorf("NVMe image after format: %d markers (%v); want 0", n, err)
	}
	// The refused drives were not touched.
	for _, d := range []vm.Disk{ahci, sc} {
		if n, _, err := vm.CountMarkers(d.Path); err != nil || n == 0 {
			t.Errorf("%s after refused methods: %d markers (%v); want all of them", d.Serial, n, err)
		}
	}
}

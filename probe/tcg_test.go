package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/kesu-erase/kesu/ata/atatest"
	"github.com/kesu-erase/kesu/nvme/nvmetest"
	"github.com/kesu-erase/kesu/scsi/scsitest"
	"github.com/kesu-erase/kesu/tcg/tcgtest"
)

// probeJSON is the part of `kesu probe --json` the TCG tests read back.
type probeJSON struct {
	TCG struct {
		Path       string   `json:"path"`
		Advertised bool     `json:"advertised"`
		Protocols  []string `json:"protocols"`
		SSC        string   `json:"ssc"`
		Owner      string   `json:"owner"`
		Blocked    string   `json:"blocked"`
		Error      string   `json:"error"`
		Level0     map[string]json.RawMessage
	} `json:"tcg"`
}

func decodeProbe(t *testing.T, v view) (probeJSON, string) {
	t.Helper()
	var js, txt bytes.Buffer
	if err := write(&js, v, true); err != nil {
		t.Fatal(err)
	}
	if err := write(&txt, v, false); err != nil {
		t.Fatal(err)
	}
	var got probeJSON
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatalf("probe JSON: %v\n%s", err, js.String())
	}
	// The raw JSON keeps the Level 0 features under "tcg"."level0".
	var raw struct {
		TCG struct {
			Level0 map[string]json.RawMessage `json:"level0"`
		} `json:"tcg"`
	}
	json.Unmarshal(js.Bytes(), &raw)
	got.TCG.Level0 = raw.TCG.Level0
	return got, txt.String()
}

func wantLines(t *testing.T, text string, res ...string) {
	t.Helper()
	for _, re := range res {
		if !regexp.MustCompile(re).MatchString(text) {
			t.Errorf("probe text lacks %s:\n%s", re, text)
		}
	}
}

// A SATA Opal 2 drive whose owner locked its global range: the probe reads
// the protocol list and Level 0 Discovery with TRUSTED RECEIVE only (it
// opens no session: nothing is sent to the TPer), and shows the SSC, the
// locking state, the owner (from Block SID) and why kesu would not erase
// it as it is.
func TestProbeSATAOpalLocked(t *testing.T) {
	tp := tcgtest.New(tcgtest.Config{Kind: tcgtest.Opal2, BlockSID: true})
	d, err := atatest.New(filepath.Join(t.TempDir(), "sed.img"), atatest.Config{Model: "EMU OPAL SSD", Serial: "OPAL1",
		Sectors: 4096, RotationRate: 1, TPer: tp})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tp.TakeOwnership("owner password")
	if err := tp.LockGlobalRange(); err != nil {
		t.Fatal(err)
	}
	out, err := ReadSCSI(context.Background(), d, "/dev/sdb", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range d.Log() {
		if e.Name == atatest.OpTrustedSend {
			t.Errorf("the probe sent TRUSTED SEND (CDB % x): it must only read", e.CDB)
		}
	}
	got, txt := decodeProbe(t, out)
	g := got.TCG
	if !g.Advertised || g.SSC != "Opal 2" || g.Owner != "owned" || g.Error != "" || len(g.Protocols) == 0 || g.Protocols[1] != "01" {
		t.Errorf("probe tcg = %+v; want Opal 2, owned, protocols 00 01 ...", g)
	}
	if !regexp.MustCompile(`a locking range is locked`).MatchString(g.Blocked) {
		t.Errorf("blocked = %q; want the locked range named", g.Blocked)
	}
	for _, f := range []string{"tper", "locking", "geometry", "opal_v2", "block_sid", "data_removal"} {
		if _, ok := g.Level0[f]; !ok {
			t.Errorf("level0 JSON lacks %q: %v", f, g.Level0)
		}
	}
	wantLines(t, txt,
		`(?m)^TCG\s+security protocols 00 01 02 \(through ATA TRUSTED RECEIVE`,
		`(?m)^  SSC\s+Opal 2 \(feature 0203h v\d+\), base ComID [0-9A-F]{4}h`,
		`(?m)^  locking\s+supported yes, enabled yes, locked yes, media encryption yes, MBR shadow enabled no`,
		`(?m)^  block SID\s+SID differs from MSID yes`,
		`(?m)^  owner\s+owned$`,
		`(?m)^  blocked\s+a locking range is locked`)
	if !tp.Locked() || tp.SIDIsMSID() {
		t.Error("the probe changed the drive's TCG state")
	}
}

// A SAS Enterprise drive nobody owns, through SECURITY PROTOCOL IN; it
// has no Block SID feature and locking is always enabled, so the probe
// says the owner is unknown, and that whether kesu erase would erase it
// waits for the ownership check.
func TestProbeSASEnterprise(t *testing.T) {
	tp := tcgtest.New(tcgtest.Config{Kind: tcgtest.Enterprise})
	d, err := scsitest.NewDrive(filepath.Join(t.TempDir(), "ent.img"), scsitest.DriveConfig{Blocks: 4096, Serial: "ENT1",
		Product: "EMU SED 10K", RotationRate: 10000, TPer: tp})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	out, err := ReadSCSI(context.Background(), d, "/dev/sdc", false)
	if err != nil {
		t.Fatal(err)
	}
	got, txt := decodeProbe(t, out)
	if g := got.TCG; g.SSC != "Enterprise" || g.Error != "" || !regexp.MustCompile(`^unknown: `).MatchString(g.Owner) ||
		!regexp.MustCompile(`^unknown until the ownership check of kesu plan`).MatchString(g.Blocked) {
		t.Errorf("probe tcg = SSC %q, owner %q, blocked %q, error %q; want Enterprise, owner unknown, blocked unknown until kesu plan", g.SSC, g.Owner, g.Blocked, g.Error)
	}
	if _, ok := got.TCG.Level0["enterprise"]; !ok {
		t.Errorf("level0 JSON lacks the Enterprise feature: %v", got.TCG.Level0)
	}
	wantLines(t, txt,
		`(?m)^TCG\s+security protocols 00 01 02 \(through SCSI SECURITY PROTOCOL IN\)`,
		`(?m)^  SSC\s+Enterprise \(feature 0100h`,
		`(?m)^  locking\s+supported yes, enabled yes, locked no, media encryption yes`)
}

// A SAS drive without a TPer refuses SECURITY PROTOCOL IN: it simply has
// no TCG subsystem, which is no error.
func TestProbeSASWithoutTCG(t *testing.T) {
	d, err := scsitest.NewDrive(filepath.Join(t.TempDir(), "plain.img"), scsitest.DriveConfig{Blocks: 4096, Serial: "PLAIN1"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	out, err := ReadSCSI(context.Background(), d, "/dev/sdd", false)
	if err != nil {
		t.Fatal(err)
	}
	if out.TCG != nil {
		t.Errorf("probe tcg = %+v; want none", out.TCG)
	}
	_, txt := decodeProbe(t, out)
	wantLines(t, txt, `(?m)^TCG\s+no security protocol commands$`)
}

// An NVMe Opal 2 drive nobody owns (Security Receive, OACS bit 0): Block
// SID says so without any authentication.
func TestProbeNVMeOpal(t *testing.T) {
	tp := tcgtest.New(tcgtest.Config{Kind: tcgtest.Opal2, BlockSID: true})
	cfg := nvmetest.QEMU72("NVSED1", "EMU NVMe SED", nvmetest.NamespaceConfig{Path: filepath.Join(t.TempDir(), "ns1"), Size: 1 << 20})
	cfg.TPer = tp
	emu, err := nvmetest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	out, _, err := readNVMe(context.Background(), emu, "/dev/nvme0n1", "emu", false)
	if err != nil {
		t.Fatal(err)
	}
	got, txt := decodeProbe(t, out)
	if g := got.TCG; g.SSC != "Opal 2" || g.Owner != "never-owned" || g.Blocked != "" || !g.Advertised {
		t.Errorf("probe tcg = %+v; want Opal 2, never owned, nothing blocked", g)
	}
	wantLines(t, txt,
		`(?m)^OACS\s+0x[0-9a-f]+: .*security send/receive yes`,
		`(?m)^TCG\s+security protocols 00 01 02 \(through NVMe Security Receive\)`,
		`(?m)^  locking\s+supported yes, enabled no, locked no, media encryption yes`,
		`(?m)^  owner\s+never-owned$`)
}

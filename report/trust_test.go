package report_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/reporttest"
)

// custodyJournal writes a sealed one-note journal whose run-start states
// custody, signed by signer (nil: unsigned), and returns its path.
func custodyJournal(t *testing.T, signer *report.Signer, custody string) string {
	t.Helper()
	st := report.RunStart{RunID: "custody-" + custody, Tool: report.Tool{Name: "kesu", Version: "t"}, Time: reporttest.Epoch,
		KeyCustody: custody, Policy: report.Policy{Level: report.LevelClear, Verify: report.VerifyPolicy{Mode: report.VerifyNone}, Unsigned: signer == nil}}
	if custody == "" {
		st.RunID = "custody-none"
	}
	j, err := report.CreateWith(t.TempDir(), signer, st, report.Options{Now: reporttest.NewClock(reporttest.Epoch).Now})
	if err != nil {
		t.Fatalf("CreateWith(custody %q): %v", custody, err)
	}
	if err := j.Note(report.Note{Severity: report.SeverityInfo, Code: "x", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := j.Seal(); err != nil {
		t.Fatal(err)
	}
	return j.Path()
}

func TestTrustOf(t *testing.T) {
	trusted := report.KeyRing{}
	trusted.Add(reporttest.Signer().PublicKey())
	fp := report.FormatFingerprint(reporttest.Signer().Fingerprint())
	for _, tc := range []struct {
		name    string
		signer  *report.Signer
		custody string
		ring    report.KeyRing
		kind    report.TrustKind
		text    string
	}{
		{"stick", reporttest.Signer(), report.CustodyStick, trusted, report.TrustedKey,
			"signed with key " + fp + " (in your trusted keys), held on the boot stick"},
		{"console", reporttest.Signer(), report.CustodyConsole, trusted, report.TrustedKey,
			"signed with key " + fp + " (in your trusted keys), opened at the machine's console from a passphrase-sealed key served on the boot network"},
		{"file", reporttest.Signer(), report.CustodyFile, trusted, report.TrustedKey,
			"signed with key " + fp + " (in your trusted keys), held in a key file given to the command line"},
		{"not stated", reporttest.Signer(), "", trusted, report.TrustedKey,
			"signed with key " + fp + " (in your trusted keys), custody not stated (a journal from before kesu recorded it)"},
		{"unknown key", reporttest.Signer(), report.CustodyStick, report.KeyRing{}, report.UntrustedKey,
			"signed with key " + fp + ", NOT in your trusted keys: it proves nothing about who wrote it"},
		{"unsigned", nil, report.CustodyFile, trusted, report.Unsigned,
			"unsigned — nothing but the policy's permission"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := report.VerifyFile(custodyJournal(t, tc.signer, tc.custody), tc.ring)
			if err != nil {
				t.Fatal(err)
			}
			got := report.TrustOf(res)
			if got.Kind != tc.kind || !strings.HasPrefix(got.Text, tc.text) {
				t.Errorf("TrustOf = %s %q; want %s %q", got.Kind, got.Text, tc.kind, tc.text)
			}
			wantCustody := tc.custody
			if tc.kind != report.TrustedKey {
				wantCustody = ""
			}
			if got.Custody != wantCustody {
				t.Errorf("TrustOf(...).Custody = %q; want %q", got.Custody, wantCustody)
			}
			// The text form says it on its trust line, --json as "trust".
			var b bytes.Buffer
			res.WriteText(&b)
			if !strings.Contains(b.String(), "\n  trust: "+got.Text+"\n") {
				t.Errorf("WriteText lacks the trust line %q:\n%s", got.Text, b.String())
			}
			js, _ := json.Marshal(res.Summary())
			var back struct{ Trust report.Trust }
			if err := json.Unmarshal(js, &back); err != nil || back.Trust != got {
				t.Errorf("Summary trust = %+v, %v; want %+v", back.Trust, err, got)
			}
		})
	}
}

func TestTrustOfInvalid(t *testing.T) {
	p := custodyJournal(t, reporttest.Signer(), report.CustodyStick)
	data, _ := os.ReadFile(p)
	ring := report.KeyRing{}
	ring.Add(reporttest.Signer().PublicKey())
	altered := bytes.Replace(data, []byte(`"text":"x"`), []byte(`"text":"y"`), 1)
	if got := report.TrustOf(report.Verify(report.SplitJournal(altered), ring)); got.Kind != report.NoTrust {
		t.Errorf("TrustOf(altered note) = %s %q; want %s", got.Kind, got.Text, report.NoTrust)
	}
	startAltered := bytes.Replace(data, []byte(`"custody-stick"`), []byte(`"custody-stack"`), 1)
	if got := report.TrustOf(report.Verify(report.SplitJournal(startAltered), ring)); got.Kind != report.NoTrust || !strings.Contains(got.Text, "run-start") {
		t.Errorf("TrustOf(altered run-start) = %s %q; want %s naming the run-start", got.Kind, got.Text, report.NoTrust)
	}
	// The custody is signed: changing stick to file breaks the run-start.
	swapped := bytes.Replace(data, []byte(`"key_custody":"stick"`), []byte(`"key_custody":"file"`), 1)
	if bytes.Equal(swapped, data) {
		t.Fatal("the journal does not hold key_custody stick")
	}
	if got := report.Verify(report.SplitJournal(swapped), ring); got.Status != report.Invalid {
		t.Errorf("Verify(custody rewritten) = %s; want INVALID", got.Status)
	}
}

func TestCreateKeyCustody(t *testing.T) {
	if _, err := report.Create(t.TempDir(), reporttest.Signer(), report.RunStart{KeyCustody: "usb",
		Policy: report.Policy{Level: report.LevelClear, Verify: report.VerifyPolicy{Mode: report.VerifyNone}}}); err == nil ||
		!strings.Contains(err.Error(), `key custody "usb"`) {
		t.Errorf("Create(custody usb) = %v; want a refusal", err)
	}
	// An unsigned run has no key, so no custody.
	res, err := report.VerifyFile(custodyJournal(t, nil, report.CustodyConsole), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Run.Start.KeyCustody; c != "" {
		t.Errorf("unsigned run's key_custody = %q; want none", c)
	}
}

package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kesu-erase/kesu/report"
)

// The readings of every method on every drive class, written out by hand
// from docs/record.md's table: Rev. 2 follows IEEE 2883 (it defers to it,
// §3.1.2 and §4.4), cryptographic erase included (§3.2: nothing kesu could
// check raises it); Rev. 1 is kept beside them. Any pair not listed counts
// for nothing.
func TestRev2Reading(t *testing.T) {
	const (
		none  = report.LevelNone
		clear = report.LevelClear
		purge = report.LevelPurge
	)
	type levels struct{ rev1, ieee, rev2 report.Level }
	sanitize := []report.Method{report.MethodATASanitizeOverwrite, report.MethodATASanitizeBlockErase, report.MethodATASanitizeCrypto,
		report.MethodSCSISanitizeOverwrite, report.MethodSCSISanitizeBlockErase, report.MethodSCSISanitizeCrypto, report.MethodTCGCryptoErase}
	want := map[report.Class]map[report.Method]levels{
		report.ClassHDD: {
			report.MethodOverwrite:                {clear, clear, clear},
			report.MethodATASecurityErase:         {clear, clear, clear},
			report.MethodATASecurityEraseEnhanced: {purge, clear, clear},
		},
		report.ClassSSD: {
			report.MethodOverwrite:                {clear, clear, clear},
			report.MethodATASecurityErase:         {clear, clear, clear},
			report.MethodATASecurityEraseEnhanced: {clear, clear, clear},
		},
		report.ClassNVMe: {
			report.MethodOverwrite:               {clear, clear, clear},
			report.MethodNVMeFormatUserData:      {purge, clear, clear},
			report.MethodNVMeFormatCrypto:        {purge, clear, clear},
			report.MethodNVMeSanitizeBlockErase:  {purge, purge, purge},
			report.MethodNVMeSanitizeCryptoErase: {purge, purge, purge},
			report.MethodNVMeSanitizeOverwrite:   {purge, purge, purge},
			report.MethodTCGCryptoErase:          {purge, purge, purge},
		},
		report.ClassUSB:    {report.MethodOverwrite: {clear, clear, clear}},
		report.ClassOther:  {report.MethodOverwrite: {clear, clear, clear}},
		report.ClassFile:   {report.MethodOverwrite: {none, none, none}},
		report.ClassVolume: {report.MethodOverwrite: {none, none, none}},
	}
	for _, m := range sanitize {
		want[report.ClassHDD][m] = levels{purge, purge, purge}
		want[report.ClassSSD][m] = levels{purge, purge, purge}
	}
	for _, c := range []report.Class{report.ClassHDD, report.ClassSSD, report.ClassNVMe, report.ClassUSB, report.ClassOther, report.ClassFile, report.ClassVolume} {
		for _, m := range report.Methods() {
			r, ok := report.Rate(c, m)
			w, rated := want[c][m]
			if ok != rated {
				t.Errorf("Rate(%s, %s) ok = %v; want %v", c, m, ok, rated)
				continue
			}
			if !ok {
				continue
			}
			if got := (levels{r.NISTRev1, r.IEEE2883, r.NISTRev2}); got != w {
				t.Errorf("Rate(%s, %s) = Rev. 1 %s, IEEE 2883 %s, Rev. 2 %s; want %s, %s, %s", c, m, got.rev1, got.ieee, got.rev2, w.rev1, w.ieee, w.rev2)
			}
			// The level reported is the strictest reading.
			strict := w.rev1
			if !w.ieee.AtLeast(strict) {
				strict = w.ieee
			}
			if r.Strict() != strict {
				t.Errorf("Rate(%s, %s).Strict() = %s; want %s", c, m, r.Strict(), strict)
			}
		}
	}
	// A Rating typed by hand, without the Rev. 2 reading, is judged by the
	// other two (as before kesu read Rev. 2).
	if got := (report.Rating{NISTRev1: purge, IEEE2883: purge}).Strict(); got != purge {
		t.Errorf("Strict() of a Rating without NISTRev2 = %s; want Purge", got)
	}
	if got := (report.Rating{NISTRev1: purge, IEEE2883: purge, NISTRev2: clear}).Strict(); got != clear {
		t.Errorf("Strict() with Rev. 2 Clear = %s; want Clear", got)
	}
}

func TestRev2SectionsAndCryptoErase(t *testing.T) {
	ce := map[report.Method]bool{report.MethodATASanitizeCrypto: true, report.MethodSCSISanitizeCrypto: true, report.MethodNVMeFormatCrypto: true,
		report.MethodNVMeSanitizeCryptoErase: true, report.MethodTCGCryptoErase: true}
	for _, m := range report.Methods() {
		if m.IsCryptoErase() != ce[m] {
			t.Errorf("%s.IsCryptoErase() = %v; want %v", m, m.IsCryptoErase(), ce[m])
		}
	}
	for _, tc := range []struct {
		m    report.Method
		l    report.Level
		want string
	}{
		{report.MethodOverwrite, report.LevelClear, "§3.1.1, §4.4"},
		{report.MethodATASanitizeBlockErase, report.LevelPurge, "§3.1.2, §4.4"},
		{report.MethodNVMeSanitizeCryptoErase, report.LevelPurge, "§3.2, §4.4"},
		{report.MethodNVMeFormatCrypto, report.LevelClear, "§3.2, §4.4"},
		{report.MethodOverwrite, report.LevelNone, "§4.4"},
	} {
		if got := report.Rev2Sections(tc.m, tc.l); got != tc.want {
			t.Errorf("Rev2Sections(%s, %s) = %q; want %q", tc.m, tc.l, got, tc.want)
		}
	}
}

// A cryptographic erase that gives the level is recorded with what the
// drive reported before it and with what Rev. 2 §3.2 asks that kesu cannot
// verify; no other method is.
func TestCryptoEraseRecord(t *testing.T) {
	notVerified := []string{report.CEImplementation, report.CEAllDataEncrypted, report.CENoPriorPlaintext, report.CEKeyStrength,
		report.CEKeyZeroization, report.CEFIPS140}
	nvme := drive(report.ClassNVMe)
	nvme.Plan.Steps = []report.PlanStep{
		{Method: report.MethodNVMeSanitizeCryptoErase, Chosen: true, Reason: "SANICAP reports crypto erase (CES)"},
		{Method: report.MethodNVMeSanitizeBlockErase, Reason: "SANICAP does not report block erase (BES)"},
	}
	nvme.Security = &report.Security{SSC: "Opal 2", Locking: &report.TCGLocking{Supported: true, MediaEncryption: true}}
	a := assess(t, purge10, nvme, report.Finish{}, erase(report.MethodNVMeSanitizeCryptoErase, 0, 0, ptr(good(10))))
	want := &report.CryptoErase{
		DriveReported: []string{"plan: SANICAP reports crypto erase (CES)", "TCG Level 0 Locking feature: media encryption"},
		NotVerified:   notVerified,
	}
	if diff := cmp.Diff(want, a.CryptoErase); diff != "" || a.Reached != report.LevelPurge || a.NISTRev2 != report.LevelPurge {
		t.Errorf("NVMe Sanitize crypto erase: reached %s, Rev. 2 %s, crypto erase record (-want +got):\n%s", a.Reached, a.NISTRev2, diff)
	}

	// Format SES=2 stays Clear under Rev. 2; the drive's Locking feature
	// without media encryption is recorded as reported, and lowers nothing.
	nvme.Plan.Steps = []report.PlanStep{{Method: report.MethodNVMeFormatCrypto, Chosen: true, Reason: "FNA reports cryptographic erase (SES=2)"}}
	nvme.Security = &report.Security{SSC: "Pyrite 2", Locking: &report.TCGLocking{Supported: true}}
	a = assess(t, mic2, nvme, report.Finish{}, erase(report.MethodNVMeFormatCrypto, 0, 0, ptr(good(10))))
	want = &report.CryptoErase{
		DriveReported: []string{"plan: FNA reports cryptographic erase (SES=2)", "TCG Level 0 Locking feature: no media encryption reported"},
		NotVerified:   notVerified,
	}
	if diff := cmp.Diff(want, a.CryptoErase); diff != "" || a.Reached != report.LevelClear || a.NISTRev2 != report.LevelClear || a.Status != report.StatusPass {
		t.Errorf("NVMe Format SES=2: %s, reached %s, Rev. 2 %s, crypto erase record (-want +got):\n%s", a.Status, a.Reached, a.NISTRev2, diff)
	}

	// A block erase is not a cryptographic erase; neither is an overwrite
	// after one (the best attempt names the record).
	a = assess(t, purge10, drive(report.ClassSSD), report.Finish{}, erase(report.MethodATASanitizeBlockErase, 0, 0, ptr(good(10))))
	if a.CryptoErase != nil {
		t.Errorf("ATA SANITIZE BLOCK ERASE: crypto erase record %+v; want none", a.CryptoErase)
	}
	if a = assess(t, clear10, drive(report.ClassSSD), report.Finish{},
		attempt(report.Attempt{Method: report.MethodATASanitizeCrypto, Outcome: report.OutcomeFailed}),
		erase(report.MethodOverwrite, capacity, 1, ptr(good(10)))); a.CryptoErase != nil || a.Method != report.MethodOverwrite {
		t.Errorf("failed crypto scramble, then an overwrite: method %s, crypto erase record %+v; want overwrite, none", a.Method, a.CryptoErase)
	}

	// Every code has words in both languages.
	for _, code := range notVerified {
		en, ja := report.CENotVerifiedText(code, "en"), report.CENotVerifiedText(code, "ja")
		if en == code || ja == code || en == ja {
			t.Errorf("CENotVerifiedText(%s) = %q / %q", code, en, ja)
		}
	}
}

// The wording's readings line: Rev. 2 and IEEE 2883 first with Rev. 2's
// sections, Rev. 1 beside them; an assessment recorded before kesu read
// Rev. 2 (no nist_rev2) names the other two.
func TestReadingsLine(t *testing.T) {
	for _, tc := range []struct {
		a      report.Assessment
		en, ja string
	}{
		{report.Assessment{Method: report.MethodATASanitizeBlockErase, NISTRev1: report.LevelPurge, IEEE2883: report.LevelPurge, NISTRev2: report.LevelPurge},
			"Purge under NIST SP 800-88 Rev. 2 (§3.1.2, §4.4) and IEEE 2883-2022; the same under Rev. 1 (App. A)",
			"NIST SP 800-88 Rev. 2（§3.1.2, §4.4）および IEEE 2883-2022 で Purge（Rev. 1 付録A でも同じ）"},
		{report.Assessment{Method: report.MethodNVMeFormatCrypto, NISTRev1: report.LevelPurge, IEEE2883: report.LevelClear, NISTRev2: report.LevelClear},
			"Clear under NIST SP 800-88 Rev. 2 (§3.2, §4.4) and IEEE 2883-2022; Purge under Rev. 1 (App. A) — the stricter is reported",
			"NIST SP 800-88 Rev. 2（§3.2, §4.4）および IEEE 2883-2022 で Clear、Rev. 1（付録A）では Purge — 厳しい方を採用"},
		{report.Assessment{Method: report.MethodOverwrite, NISTRev1: report.LevelClear, IEEE2883: report.LevelClear, NISTRev2: report.LevelNone},
			"none under NIST SP 800-88 Rev. 2 (§4.4); Clear under IEEE 2883-2022; Clear under Rev. 1 (App. A) — the stricter is reported",
			"NIST SP 800-88 Rev. 2（§4.4）で none、IEEE 2883-2022 で Clear、Rev. 1（付録A）では Clear — 厳しい方を採用"},
		{report.Assessment{Method: report.MethodOverwrite, NISTRev1: report.LevelClear, IEEE2883: report.LevelClear},
			"Clear under IEEE 2883-2022; the same under Rev. 1 (App. A)",
			"IEEE 2883-2022 で Clear（Rev. 1 付録A でも同じ）"},
		{report.Assessment{NISTRev1: report.LevelNone, IEEE2883: report.LevelNone, NISTRev2: report.LevelNone}, "", ""},
	} {
		if got := tc.a.Readings("en"); got != tc.en {
			t.Errorf("Readings(en) of %+v = %q; want %q", tc.a, got, tc.en)
		}
		if got := tc.a.Readings("ja"); got != tc.ja {
			t.Errorf("Readings(ja) of %+v = %q; want %q", tc.a, got, tc.ja)
		}
	}
}

// A kesu-record/2 journal written before kesu read Rev. 2 (the sample as
// commit 095f88e wrote it: no nist_rev2, no crypto_erase) still verifies
// intact, without a warning: its recorded verdicts are the ones this kesu
// computes, which add the Rev. 2 reading and change no other level.
func TestRecord2JournalBeforeRev2Verifies(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "sample-record2-pre-rev2.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("nist_rev2")) || bytes.Contains(data, []byte("crypto_erase")) || !bytes.Contains(data, []byte(`"schema":"kesu-record/2"`)) {
		t.Fatal("testdata/sample-record2-pre-rev2.jsonl is not the kesu-record/2 journal written before the Rev. 2 reading")
	}
	res := verifyBytes(data, trusted())
	if res.Status != report.Intact || len(res.Problems) != 0 || len(res.Warnings) != 0 {
		t.Fatalf("Verify(journal before Rev. 2) = %s, problems %v, warnings %q; want INTACT, none", res.Status, res.Problems, res.Warnings)
	}
	if res.Outcome.Pass != 1 || res.Outcome.Fail != 2 {
		t.Errorf("outcome %+v; want 1 PASS, 2 FAIL as recorded", res.Outcome)
	}
	for _, d := range res.Run.Drives {
		rec, got := d.Result.Assessment, d.Assessment(res.Run.Start.Policy)
		if rec.NISTRev2 != "" {
			t.Errorf("drive %d: recorded nist_rev2 %q; the old record has none", d.Drive.ID, rec.NISTRev2)
		}
		if got.Status != rec.Status || got.Reached != rec.Reached || got.MICMet != rec.MICMet || got.NISTRev2 != got.IEEE2883 {
			t.Errorf("drive %d: recomputed %s %s MIC %d (Rev. 2 %s, IEEE 2883 %s); recorded %s %s MIC %d", d.Drive.ID,
				got.Status, got.Reached, got.MICMet, got.NISTRev2, got.IEEE2883, rec.Status, rec.Reached, rec.MICMet)
		}
	}
	// The sample written today is the same run with the Rev. 2 reading
	// added: the same verdicts.
	now := verifyBytes(mustRead(t, filepath.Join("testdata", "sample.jsonl")), trusted())
	if now.Status != report.Intact || !strings.Contains(string(mustRead(t, filepath.Join("testdata", "sample.jsonl"))), `"nist_rev2":"Purge"`) {
		t.Fatalf("testdata/sample.jsonl = %s; want INTACT with a nist_rev2 reading", now.Status)
	}
	for i, d := range now.Run.Drives {
		old := res.Run.Drives[i].Result.Assessment
		a := d.Result.Assessment
		if a.Status != old.Status || a.Reached != old.Reached || a.NISTRev1 != old.NISTRev1 || a.IEEE2883 != old.IEEE2883 || a.MICMet != old.MICMet {
			t.Errorf("drive %d: %s %s (Rev. 1 %s, IEEE %s, MIC %d) today; %s %s (%s, %s, %d) before", d.Drive.ID,
				a.Status, a.Reached, a.NISTRev1, a.IEEE2883, a.MICMet, old.Status, old.Reached, old.NISTRev1, old.IEEE2883, old.MICMet)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

package cert_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/cert"
	"github.com/kesu-erase/kesu/report/reporttest"
)

var issued = time.Date(2026, 5, 15, 10, 0, 0, 0, time.UTC)

func font(t *testing.T) []byte {
	t.Helper()
	p, err := cert.FindFont("")
	if err != nil {
		t.Skipf("%v", err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sample(t *testing.T) *report.Result {
	t.Helper()
	ring := report.KeyRing{}
	ring.Add(reporttest.Signer().PublicKey())
	res, err := report.VerifyFile(reporttest.WriteSample(t, t.TempDir()), ring)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Fatalf("sample does not verify: %v", res.Problems)
	}
	return res
}

func render(t *testing.T, res *report.Result, d *report.DriveRun, opt cert.Options) []byte {
	t.Helper()
	opt.Font = font(t)
	if opt.Now.IsZero() {
		opt.Now = issued
	}
	var buf bytes.Buffer
	if err := cert.Render(&buf, res, d, opt); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pdfText extracts a PDF's text with poppler's pdftotext, an independent reader.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed; run scripts/deps.sh")
	}
	p := filepath.Join(t.TempDir(), "c.pdf")
	if err := os.WriteFile(p, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", p, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func TestCertificateText(t *testing.T) {
	res := sample(t)
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"ja", []string{"データ消去証明書", "S64GNE0R812345", "NVMe Sanitize（暗号化消去）", "合格 PASS", "Purge 達成", "総務省ガイドライン区分(2): 要件を満たしています", "山田 太郎", "妥当性確認（validation、Rev. 2 §4.5.2）", "5647 5aa7 5463 474c", "カナリア: 計画 2000"}},
		{"en", []string{"Certificate of Sanitization", "S64GNE0R812345", "NVMe Sanitize (crypto erase)", "PASS", "Purge reached", "MIC category (2): requirement met", "Validation (Rev. 2 §4.5.2) — second person", "5647 5aa7 5463 474c", "canaries: 2000 planned, 2000 planted"}},
	} {
		text := pdfText(t, render(t, res, res.Run.Drives[0], cert.Options{Lang: tc.lang}))
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("pdftotext(%s certificate) lacks %q; text:\n%s", tc.lang, w, text)
			}
		}
		if !strings.Contains(strings.ReplaceAll(text, " ", ""), res.Run.Drives[0].ResultHash) {
			t.Errorf("pdftotext(%s certificate) lacks the record hash %s", tc.lang, res.Run.Drives[0].ResultHash)
		}
	}
}

// Sizes follow internal/size: a capacity in IEC units with the SI figure of
// the drive's label and the exact count beside it; byte counts exact with
// IEC units. The figures are worked out by hand: 1,920,383,410,176 B =
// 1.747 TiB = 1.920 TB; 30,752,636,928 B = 28.64 GiB = 30.75 GB;
// 30,752,632,832 B = 28.64 GiB.
func TestCertificateSizes(t *testing.T) {
	res := sample(t)
	var usb *report.DriveRun
	for _, d := range res.Run.Drives {
		if d.Drive.Identity.CapacityBytes == 30752636928 {
			usb = d
		}
	}
	if usb == nil {
		t.Fatal("sample has no 30,752,636,928-byte drive")
	}
	for _, tc := range []struct {
		lang string
		d    *report.DriveRun
		want []string
	}{
		{"en", res.Run.Drives[0], []string{"1.7 TiB (1.92 TB, 1,920,383,410,176 bytes)"}},
		{"ja", res.Run.Drives[0], []string{"1.7 TiB（1.92 TB、1,920,383,410,176 バイト）"}},
		{"en", usb, []string{"28.6 GiB (30.8 GB, 30,752,636,928 bytes)", "30,752,632,832 bytes (28.6 GiB) written of 30,752,636,928 bytes (28.6 GiB)"}},
		{"ja", usb, []string{"28.6 GiB（30.8 GB、30,752,636,928 バイト）", "30,752,632,832 バイト（28.6 GiB） 書込み（対象 30,752,636,928 バイト（28.6 GiB））"}},
	} {
		text := pdfText(t, render(t, res, tc.d, cert.Options{Lang: tc.lang}))
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("pdftotext(%s certificate of %s) lacks %q; text:\n%s", tc.lang, tc.d.Drive.Identity.Serial, w, text)
			}
		}
	}
}

func TestUnverifiedCertificateIsMarked(t *testing.T) {
	res := sample(t)
	reason := "line 6 (record 6): removed: record 5 is missing"
	for _, lang := range []string{"ja", "en"} {
		text := pdfText(t, render(t, res, res.Run.Drives[1], cert.Options{Lang: lang, Unverified: reason}))
		for _, w := range []string{"UNVERIFIED", reason, "ZC1ABCDE"} {
			if !strings.Contains(text, w) {
				t.Errorf("pdftotext(unverified %s certificate) lacks %q", lang, w)
			}
		}
	}
	// A verified journal's certificate carries no such mark.
	if text := pdfText(t, render(t, res, res.Run.Drives[1], cert.Options{Lang: "en"})); strings.Contains(text, "UNVERIFIED") {
		t.Errorf("certificate of a verified journal says UNVERIFIED")
	}
}

// A drive whose result never reached the journal prints as INCOMPLETE.
func TestIncompleteDriveCertificate(t *testing.T) {
	data, err := os.ReadFile(reporttest.WriteSample(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	lines := report.SplitJournal(data).Lines
	cut := bytes.Join(lines[:12], []byte("\n"))
	cut = append(cut, '\n')
	ring := report.KeyRing{}
	ring.Add(reporttest.Signer().PublicKey())
	res := report.Verify(report.SplitJournal(cut), ring)
	d := res.Run.Drives[1]
	if d.Result != nil {
		t.Fatalf("drive 2 has a result in the cut journal")
	}
	text := pdfText(t, render(t, res, d, cert.Options{Lang: "en", Unverified: res.Problems[0].Error()}))
	for _, w := range []string{"INCOMPLETE", "Incomplete: the record ends before this drive's result", "no drive-result record"} {
		if !strings.Contains(text, w) {
			t.Errorf("pdftotext(incomplete drive) lacks %q; text:\n%s", w, text)
		}
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	res := sample(t)
	a := render(t, res, res.Run.Drives[0], cert.Options{Lang: "ja"})
	b := render(t, res, res.Run.Drives[0], cert.Options{Lang: "ja"})
	if !bytes.Equal(a, b) {
		t.Errorf("two renderings of the same certificate differ")
	}
	if !bytes.HasPrefix(a, []byte("%PDF-")) {
		t.Errorf("output does not start with %%PDF-")
	}
}

func TestRenderRefusesBadOptions(t *testing.T) {
	res := sample(t)
	var buf bytes.Buffer
	if err := cert.Render(&buf, res, res.Run.Drives[0], cert.Options{Lang: "ja"}); err == nil {
		t.Errorf("Render without a font: no error")
	}
	if err := cert.Render(&buf, res, res.Run.Drives[0], cert.Options{Lang: "fr", Font: font(t)}); err == nil {
		t.Errorf("Render in French: no error")
	}
	if err := cert.Render(&buf, res, res.Run.Drives[0], cert.Options{Lang: "ja", Font: []byte("not a font")}); err == nil {
		t.Errorf("Render with a broken font: no error")
	}
}

func TestFindFont(t *testing.T) {
	if _, err := cert.FindFont(filepath.Join(t.TempDir(), "missing.ttf")); err == nil {
		t.Errorf("FindFont(missing file): no error")
	}
	saved := cert.FontPaths
	defer func() { cert.FontPaths = saved }()
	cert.FontPaths = []string{filepath.Join(t.TempDir(), "none.ttf")}
	_, err := cert.FindFont("")
	if !errors.Is(err, cert.ErrNoFont) || !strings.Contains(err.Error(), "fonts-ipaexfont-gothic") || !strings.Contains(err.Error(), "--font") {
		t.Errorf("FindFont with no font installed: error = %v; want ErrNoFont naming the package and --font", err)
	}
}

func TestFileName(t *testing.T) {
	res := sample(t)
	d := *res.Run.Drives[0]
	d.Drive.Identity.Serial = "AB/CD ../x"
	if got, want := cert.FileName(res.Run, &d, "ja"), "20260514T090000Z-sample-drive01-AB_CD_.._x-ja.pdf"; got != want {
		t.Errorf("FileName = %q; want %q", got, want)
	}
}

// The QR code on the page decodes, with zbarimg (an independent decoder), to
// the SHA-256 of the drive's result line.
func TestQRCodeDecodesToRecordHash(t *testing.T) {
	for _, tool := range []string{"pdftoppm", "zbarimg"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (poppler-utils, zbar-tools)", tool)
		}
	}
	res := sample(t)
	d := res.Run.Drives[1]
	dir := t.TempDir()
	pdf := filepath.Join(dir, "c.pdf")
	if err := os.WriteFile(pdf, render(t, res, d, cert.Options{Lang: "ja"}), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-r", "150", "-png", "-singlefile", pdf, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	out, err := exec.Command("zbarimg", "-q", "--raw", filepath.Join(dir, "page.png")).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != d.ResultHash {
		t.Errorf("QR code = %q; want the record hash %s", got, d.ResultHash)
	}
}

// A MIC category (1) certificate says destruction is still required and
// leaves a blank for the destruction certificate's number.
func TestMICCategory1Certificate(t *testing.T) {
	p := reporttest.PurgePolicy
	p.Level, p.MICCategory, p.Destination = "", 1, "destroy"
	j, err := report.Create(t.TempDir(), reporttest.Signer(), reporttest.Start(p))
	if err != nil {
		t.Fatal(err)
	}
	dl, err := j.Drive(reporttest.NVMeDrive())
	if err != nil {
		t.Fatal(err)
	}
	n, _ := dl.Attempt(report.Attempt{Method: report.MethodNVMeSanitizeBlockErase, Mechanism: "NVMe Sanitize SANACT=010b", Outcome: report.OutcomeSuccess,
		Canaries: &report.CanaryRecord{Planned: 9, Planted: 9, ReadBack: 9}})
	if err := dl.Verification(report.Verification{Attempt: n, Method: report.VerifyCanary, Expected: "canaries gone and zeros", PercentRequested: 10, PercentAchieved: 10, Samples: 9, BlocksRead: 9, CanariesRead: 9}); err != nil {
		t.Fatal(err)
	}
	if _, err := dl.Finish(report.Finish{}); err != nil {
		t.Fatal(err)
	}
	if err := j.Seal(); err != nil {
		t.Fatal(err)
	}
	ring := report.KeyRing{}
	ring.Add(reporttest.Signer().PublicKey())
	res, err := report.VerifyFile(j.Path(), ring)
	if err != nil || !res.OK() {
		t.Fatalf("Verify = %v, %v", res, err)
	}
	text := pdfText(t, render(t, res, res.Run.Drives[0], cert.Options{Lang: "ja"}))
	for _, w := range []string{"合格 PASS", "総務省ガイドライン区分(1): 構内で消去済み — 物理的破壊が引き続き必要です", "破壊証明書番号", "物理的破壊", "必要", "破壊 (destroy)"} {
		if !strings.Contains(text, w) {
			t.Errorf("MIC (1) certificate lacks %q:\n%s", w, text)
		}
	}
}

// Certificates cite NIST SP 800-88 Rev. 2 and IEEE 2883-2022 first, with
// Rev. 2's section numbers, and Rev. 1 beside them; kesu's read-back is
// the verification, the second person's signature the validation; a
// cryptographic erase says what rests on the maker's claims. The texts are
// written out by hand.
func TestCertificateCitesRev2(t *testing.T) {
	res := sample(t)
	for _, tc := range []struct {
		lang  string
		drive int
		want  []string
	}{
		{"en", 0, []string{
			"NIST SP 800-88 Rev. 2 §4.6 and IEEE 2883-2022 (Rev. 1 App. G fields alongside)",
			"Purge under NIST SP 800-88 Rev. 2 (§3.2, §4.4) and IEEE 2883-2022; the same under Rev. 1 (App. A)",
			"Verification (NIST SP 800-88 Rev. 2 §4.5.1)",
			"Cryptographic erase (NIST SP 800-88 Rev. 2 §3.2)",
			"Not verified by kesu — what Rev. 2 §3.2 asks, resting on the maker's statements and the",
			"plan: Purge by IEEE 2883; SANICAP.CES=1",
			"Validation (Rev. 2 §4.5.2) — second person",
			"Sanitizer (sanitization and verification)",
		}},
		{"ja", 0, []string{
			"NIST SP 800-88 Rev. 2 §4.6・IEEE 2883-2022（Rev. 1 付録G の項目を併記）",
			"NIST SP 800-88 Rev. 2（§3.2, §4.4）および IEEE 2883-2022 で Purge（Rev. 1 付録A でも同じ）",
			"検証（verification、NIST SP 800-88 Rev. 2 §4.5.1）",
			"暗号化消去（NIST SP 800-88 Rev. 2 §3.2）",
			"kesu は検証していません — Rev. 2 §3.2 が求める事項で、製造者の申告と組織による確認",
			"妥当性確認（validation、Rev. 2 §4.5.2）— 第二者",
			"作業者（消去・検証）",
		}},
		{"en", 1, []string{
			"Clear under NIST SP 800-88 Rev. 2 (§3.1.1, §4.4) and IEEE 2883-2022; the same under Rev. 1 (App. A)",
			"sampled read-back (stratified; plan after NIST SP 800-88 Rev. 1 §4.7)",
		}},
		{"ja", 1, []string{
			"NIST SP 800-88 Rev. 2（§3.1.1, §4.4）および IEEE 2883-2022 で Clear（Rev. 1 付録A でも同じ）",
			"抽出読み戻し（層別サンプリング、計画は NIST SP 800-88 Rev. 1 §4.7 による）",
		}},
	} {
		text := pdfText(t, render(t, res, res.Run.Drives[tc.drive], cert.Options{Lang: tc.lang}))
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("pdftotext(%s certificate of drive %d) lacks %q; text:\n%s", tc.lang, tc.drive+1, w, text)
			}
		}
		if tc.drive != 0 && (strings.Contains(text, "Cryptographic erase (") || strings.Contains(text, "暗号化消去（NIST")) {
			t.Errorf("%s certificate of drive %d (no cryptographic erase) has a cryptographic erase row", tc.lang, tc.drive+1)
		}
	}

	// Readings that differ: the Rev. 2 + IEEE 2883 level first, Rev. 1's
	// beside it, the stricter reported.
	p := reporttest.PurgePolicy
	p.Level, p.MICCategory = "", 2
	j, err := report.Create(t.TempDir(), reporttest.Signer(), reporttest.Start(p))
	if err != nil {
		t.Fatal(err)
	}
	dl, err := j.Drive(reporttest.HDDDrive())
	if err != nil {
		t.Fatal(err)
	}
	n, _ := dl.Attempt(report.Attempt{Method: report.MethodATASecurityEraseEnhanced, Mechanism: "SECURITY ERASE UNIT (F4h), enhanced", Outcome: report.OutcomeSuccess})
	if err := dl.Verification(report.Verification{Attempt: n, Method: report.VerifyFull, Expected: "zeros", PercentRequested: 100, PercentAchieved: 100,
		PlanBlocks: 4000787030016 / 512, BlockSize: 512, BlocksRead: 4000787030016 / 512, Samples: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := dl.Finish(report.Finish{}); err != nil {
		t.Fatal(err)
	}
	if err := j.Seal(); err != nil {
		t.Fatal(err)
	}
	ring := report.KeyRing{}
	ring.Add(reporttest.Signer().PublicKey())
	hdd, err := report.VerifyFile(j.Path(), ring)
	if err != nil || !hdd.OK() {
		t.Fatalf("Verify = %v, %v", hdd, err)
	}
	for lang, want := range map[string][]string{
		"en": {"Clear under NIST SP 800-88 Rev. 2 (§3.1.1, §4.4) and IEEE 2883-2022; Purge under Rev. 1 (App. A)", "the stricter is reported"},
		"ja": {"NIST SP 800-88 Rev. 2（§3.1.1, §4.4）および IEEE 2883-2022 で Clear、Rev. 1（付録A）では Purge", "厳しい方を採用"},
	} {
		text := pdfText(t, render(t, hdd, hdd.Run.Drives[0], cert.Options{Lang: lang}))
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("pdftotext(%s certificate, enhanced Secure Erase on an HDD) lacks %q; text:\n%s", lang, w, text)
			}
		}
	}
}

// The integrity section says where the trusted key was held (the run's
// key_custody), in the certificate's language.
func TestCertificateStatesKeyCustody(t *testing.T) {
	res := sample(t)
	squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
	for _, tc := range []struct {
		custody, lang, want string
	}{
		{report.CustodyConsole, "en", "passphrase-sealed key served on the boot network"},
		{report.CustodyConsole, "ja", "パスフレーズ保護の鍵を、機器のコンソールで解錠"},
		{report.CustodyStick, "en", "signed by a trusted key, held on the boot stick"},
		{report.CustodyStick, "ja", "信頼済みの鍵で署名（起動用USBメモリ上の鍵）"},
		{report.CustodyFile, "en", "held in a key file given to the command line"},
		{"", "en", "custody not stated"},
	} {
		res.Run.Start.KeyCustody = tc.custody
		text := pdfText(t, render(t, res, res.Run.Drives[0], cert.Options{Lang: tc.lang}))
		if !strings.Contains(squash(text), squash(tc.want)) {
			t.Errorf("%s certificate of a run with custody %q lacks %q; text:\n%s", tc.lang, tc.custody, tc.want, text)
		}
	}
}

// A record INVALID for a verdict its steps do not give still names a key
// the verifier trusts; the certificate says what verify's trust line says
// (report.TrustOf: none), never "signed by a trusted key".
func TestInvalidCertificateClaimsNoTrustedKey(t *testing.T) {
	res := sample(t)
	res.Run.Start.KeyCustody = report.CustodyStick
	res.Status = report.Invalid
	res.Problems = append(res.Problems, report.Problem{Kind: report.ProblemVerdict, Line: 5, Seq: 4, Detail: "drive 1: recorded PASS; recomputed FAIL"})
	if !res.Trusted || report.TrustOf(res).Kind != report.NoTrust {
		t.Fatalf("set-up: Trusted %v, TrustOf %s; want a trusted key and no trust", res.Trusted, report.TrustOf(res).Kind)
	}
	text := strings.Join(strings.Fields(pdfText(t, render(t, res, res.Run.Drives[0], cert.Options{Lang: "en", Unverified: "INVALID: verdict"}))), " ")
	if strings.Contains(text, "signed by a trusted key") {
		t.Errorf("the certificate of an INVALID record says it is signed by a trusted key:\n%s", text)
	}
}

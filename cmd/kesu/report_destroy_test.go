package main

import (
	"bytes"
	"encoding/csv"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/destruction"
	"github.com/kesu-erase/kesu/report/reporttest"
)

// writePhoto writes a JPEG photo: stripes of c.
func writePhoto(t *testing.T, path string, c color.Color) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := range 480 {
		for x := range 640 {
			if (x/40)%2 == 0 {
				img.Set(x, y, c)
			} else {
				img.Set(x, y, color.Gray{Y: uint8(y / 2)})
			}
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeCertificate writes the contractor's certificate of destruction, a PDF.
func writeCertificate(t *testing.T, path string) {
	t.Helper()
	p := fpdf.New("P", "mm", "A4", "")
	p.AddPage()
	p.SetFont("Helvetica", "", 14)
	p.Cell(0, 10, "Certificate of destruction No. 2026-0042")
	if err := p.OutputFileAndClose(path); err != nil {
		t.Fatal(err)
	}
}

// The MIC category (1) case end to end: two loop devices erased
// under a category (1) policy; the office records each drive's
// destruction with a certificate (PDF) and two photos; verify shows erased
// → destroyed with every hash; the certificate carries both steps (ja and
// en) with the photos' hashes and thumbnails; the CSV has the columns; and
// a photo swapped afterwards is caught by verify, pdf and csv.
func TestMICCategory1EraseThenDestroy(t *testing.T) {
	ls := markedLoops(t, 2, 4<<20)
	key, pub := signingKey(t)
	officeKey, officePub := signingKey(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "kesu.toml")
	os.WriteFile(cfg, []byte("version = 1\n[policy]\nmic_category = 1\ndestruction_deadline_days = 30\n[record]\noperator = '山田 太郎'\norganization = 'サンプル市'\n"), 0o644)
	records := filepath.Join(dir, "records")
	_, stderr, _ := kesu(t, "erase", ls[0].Path, ls[1].Path, "--config", cfg, "--verify", "full", "--journal", records, "--key", key, "--yes")
	for _, l := range ls {
		if n := markers(t, l); n != 0 {
			t.Fatalf("%s: %d markers left after the erase\n%s", l.Path, n, stderr)
		}
	}
	ents, _ := os.ReadDir(records)
	if len(ents) != 1 {
		t.Fatalf("records: %d files; want one journal\n%s", len(ents), stderr)
	}
	journal := filepath.Join(records, ents[0].Name())
	res, err := report.VerifyFile(journal, mustRing(t, pub))
	if err != nil || !res.OK() || res.Run.Start.Policy.MICCategory != 1 || res.Run.Start.Policy.DestructionDeadlineDays != 30 {
		t.Fatalf("journal: %v, %+v; want intact, MIC category (1), deadline 30", err, res)
	}

	// A loop device is a file to kesu: no sanitization level and no MIC
	// category applies to it, so its destruction is not required (the
	// office may still record one, as below). Drives of a category (1)
	// run: TestMICCategory1FlagsDrivesToDestroy.
	out, _, code := kesu(t, "report", "verify", journal, "--pubkey", pub, "--pubkey", officePub)
	if code != 0 || strings.Contains(out, "destr") {
		t.Fatalf("verify before any destruction: exit %d\n%s", code, out)
	}

	ev := t.TempDir()
	certificate, front, back := filepath.Join(ev, "certificate.pdf"), filepath.Join(ev, "front.jpg"), filepath.Join(ev, "back.jpg")
	writeCertificate(t, certificate)
	writePhoto(t, front, color.RGBA{200, 20, 20, 255})
	writePhoto(t, back, color.RGBA{20, 20, 200, 255})
	today := time.Now().Format("2006-01-02")
	for _, sel := range [][]string{{"--drive", "1"}, {"--drive", "2"}} {
		args := append([]string{"report", "destroy", journal, "--pubkey", pub, "--key", officeKey, "--contractor", "株式会社サンプル破砕",
			"--date", today, "--method", "shredding", "--certificate", certificate, "--photo", front, "--photo", back, "--recorder", "鈴木 一郎"}, sel...)
		out, stderr, code := kesu(t, args...)
		if code != 0 || !strings.Contains(out, "destroyed "+today+" by 株式会社サンプル破砕 (shredding)") {
			t.Fatalf("report destroy %v: exit %d\n%s%s", sel, code, out, stderr)
		}
	}
	// The evidence is hashed, never copied into the record.
	adds, _ := filepath.Glob(filepath.Join(records, "*.destroy-*.jsonl"))
	if len(adds) != 2 {
		t.Fatalf("addenda beside the journal: %v; want 2", adds)
	}
	for _, a := range adds {
		if data, _ := os.ReadFile(a); len(data) > 8<<10 {
			t.Errorf("%s holds %d bytes: the evidence went into it", a, len(data))
		}
	}
	photoHash := func(path string) string {
		a, err := destruction.Read(adds[0], mustRing(t, officePub))
		if err != nil || a.Status != report.Intact {
			t.Fatalf("addendum: %v %+v", err, a)
		}
		for _, e := range a.Evidence {
			if filepath.Base(e.Path) == filepath.Base(path) {
				return e.SHA256
			}
		}
		t.Fatalf("%s not in the addendum", path)
		return ""
	}
	frontHash, backHash := photoHash(front), photoHash(back)

	out, _, _ = kesu(t, "report", "verify", journal, "--pubkey", pub, "--pubkey", officePub)
	if !strings.Contains(out, "0 of 2 drives must be physically destroyed; 2 recorded destroyed with matching evidence") ||
		strings.Count(out, "matches its SHA-256") != 6 || !strings.Contains(out, frontHash) || strings.Contains(out, "MUST BE DESTROYED") {
		t.Fatalf("verify after the destructions:\n%s", out)
	}
	// Without the office's key the addenda do not count.
	out, _, _ = kesu(t, "report", "verify", journal, "--pubkey", pub)
	if !strings.Contains(out, "; 0 recorded destroyed") || strings.Count(out, "not among the trusted public keys") != 2 {
		t.Errorf("verify without the office's key counted its addenda:\n%s", out)
	}

	pdfDir := t.TempDir()
	for _, lang := range []string{"ja", "en"} {
		out, stderr, code := kesu(t, "report", "pdf", journal, "--pubkey", pub, "--pubkey", officePub, "--out", pdfDir, "--lang", lang, "--drive", "1")
		if code != 0 {
			t.Fatalf("report pdf --lang %s: exit %d\n%s", lang, code, stderr)
		}
		pdf := strings.TrimSpace(out)
		text := strings.Join(strings.Fields(pdftotext(t, pdf)), " ")
		want := map[string][]string{
			"ja": {"物理的破壊（消去の後）", "株式会社サンプル破砕", "破壊済み", today, frontHash, backHash},
			"en": {"Physical destruction (after the erasure)", "株式会社サンプル破砕", "destroyed; every evidence file matches", "shredding", frontHash, backHash},
		}[lang]
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s certificate lacks %q:\n%s", lang, w, text)
			}
		}
		if n := images(t, pdf); n != 2 {
			t.Errorf("%s certificate embeds %d images; want a thumbnail of each of the 2 photos", lang, n)
		}
	}
	rows := csvRows(t, journal, pub, officePub)
	if rows[1]["destruction_state"] != "destroyed" || rows[1]["destruction_contractor"] != "株式会社サンプル破砕" ||
		rows[1]["destruction_photos_sha256"] != frontHash+" "+backHash || rows[1]["destruction_evidence"] != "ok" {
		t.Errorf("csv row of drive 1: %v", rows[1])
	}

	// A photo swapped for another picture under the same name.
	writePhoto(t, back, color.RGBA{20, 200, 20, 255})
	out, _, code = kesu(t, "report", "verify", journal, "--pubkey", pub, "--pubkey", officePub)
	if code == 0 || strings.Count(out, "mismatch — ") != 2 || !strings.Contains(out, "changed or replaced") || !strings.Contains(out, "EVIDENCE DOES NOT MATCH") {
		t.Errorf("verify after a photo was swapped: exit %d\n%s", code, out)
	}
	out, stderr, code = kesu(t, "report", "pdf", journal, "--pubkey", pub, "--pubkey", officePub, "--out", t.TempDir(), "--lang", "en", "--drive", "1")
	if code != 0 {
		t.Fatalf("report pdf: exit %d\n%s", code, stderr)
	}
	pdf := strings.TrimSpace(out)
	text := strings.Join(strings.Fields(pdftotext(t, pdf)), " ")
	if !strings.Contains(text, "EVIDENCE DOES NOT MATCH") || !strings.Contains(text, "DOES NOT MATCH: the file was changed or replaced") {
		t.Errorf("certificate after the swap does not say so:\n%s", text)
	}
	if n := images(t, pdf); n != 1 {
		t.Errorf("certificate after the swap embeds %d images; want only the photo that still matches", n)
	}
	if rows := csvRows(t, journal, pub, officePub); rows[1]["destruction_state"] != "evidence-problem" || !strings.Contains(rows[1]["destruction_evidence"], "back.jpg mismatch") {
		t.Errorf("csv after the swap: %v", rows[1])
	}
}

func mustRing(t *testing.T, paths ...string) report.KeyRing {
	t.Helper()
	r, err := report.LoadPublicKeys(paths...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// images counts the image objects a PDF embeds.
func images(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(data, []byte("/Subtype /Image"))
}

// csvRows runs report csv and returns its rows by drive number, each a
// map from column to cell.
func csvRows(t *testing.T, journal string, keys ...string) map[int]map[string]string {
	t.Helper()
	args := []string{"report", "csv", journal}
	for _, k := range keys {
		args = append(args, "--pubkey", k)
	}
	out, stderr, code := kesu(t, args...)
	if code != 0 {
		t.Fatalf("report csv: exit %d\n%s", code, stderr)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("csv: %v\n%s", err, out)
	}
	rows := map[int]map[string]string{}
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, c := range recs[0] {
			m[c] = r[i]
		}
		n := 0
		for _, ch := range m["drive"] {
			n = n*10 + int(ch-'0')
		}
		rows[n] = m
	}
	return rows
}

// A run under MIC category (1) of real drives (the sample: NVMe and HDD
// PASS, a USB stick FAIL): verify flags every drive to destroy until its
// destruction is recorded, with the policy's deadline.
func TestMICCategory1FlagsDrivesToDestroy(t *testing.T) {
	dir := t.TempDir()
	p := reporttest.PurgePolicy
	p.MICCategory, p.DestructionDeadlineDays = 1, 30
	journal := reporttest.WriteSampleWith(t, dir, p)
	pub := reporttest.WritePublicKey(t, dir, "kesu.pub", reporttest.Key())
	out, _, code := kesu(t, "report", "verify", journal, "--pubkey", pub)
	deadline := reporttest.Epoch.AddDate(0, 0, 30).Format("2006-01-02")
	if code != exitDrivesNotPassed || strings.Count(out, "OVERDUE") != 3 || !strings.Contains(out, "3 of 3 drives must be physically destroyed; 0 recorded") ||
		!strings.Contains(out, "(deadline "+deadline+")") {
		t.Errorf("verify: exit %d\n%s", code, out)
	}
}

// The exit status of destruction: a flagged drive gives 9, which a failed
// drive (8) and an invalid addendum (7) outrank.
func TestDestructionExit(t *testing.T) {
	flagged := &destruction.Ledger{Drives: []destruction.DriveState{{Required: true, State: destruction.Pending}}}
	fine := &destruction.Ledger{Drives: []destruction.DriveState{{Required: true, State: destruction.Destroyed}}}
	bad := &destruction.Ledger{Addenda: []*destruction.Addendum{{Status: report.Invalid}}}
	for _, c := range []struct {
		ledgers []*destruction.Ledger
		before  int
		want    int
	}{
		{[]*destruction.Ledger{fine, nil}, 0, 0},
		{[]*destruction.Ledger{flagged}, 0, exitDestruction},
		{[]*destruction.Ledger{flagged}, exitDrivesNotPassed, exitDrivesNotPassed},
		{[]*destruction.Ledger{flagged, bad}, 0, exitJournalInvalid},
	} {
		if got := worseExit(c.before, destructionExit(c.ledgers, nil)); got != c.want {
			t.Errorf("%+v after %d: exit %d; want %d", c.ledgers, c.before, got, c.want)
		}
	}
}

// One device with --journal and --config is held to the file's policy too,
// with or without --method.
func TestEraseOneDeviceUnderConfigPolicy(t *testing.T) {
	for _, extra := range [][]string{nil, {"--method", "overwrite"}} {
		l := markedLoops(t, 1, 2<<20)[0]
		key, pub := signingKey(t)
		dir := t.TempDir()
		cfg := filepath.Join(dir, "kesu.toml")
		os.WriteFile(cfg, []byte("version = 1\n[policy]\nmic_category = 1\ndestruction_deadline_days = 14\n[record]\ndestination = 'destroy'\n"), 0o644)
		records := filepath.Join(dir, "records")
		args := append([]string{"erase", l.Path, "--config", cfg, "--verify", "full", "--journal", records, "--key", key, "--yes"}, extra...)
		if _, stderr, code := kesu(t, args...); code != exitPass {
			t.Fatalf("kesu erase %v: exit %d\n%s", extra, code, stderr)
		}
		m, _ := filepath.Glob(filepath.Join(records, "*.jsonl"))
		if len(m) != 1 {
			t.Fatalf("records: %v", m)
		}
		res, err := report.VerifyFile(m[0], mustRing(t, pub))
		if err != nil || !res.OK() {
			t.Fatalf("journal: %v %+v", err, res)
		}
		if p := res.Run.Start.Policy; p.MICCategory != 1 || p.Level != "" || p.DestructionDeadlineDays != 14 || p.Destination != "destroy" {
			t.Errorf("kesu erase %v: recorded policy %+v; want MIC category (1), deadline 14 days, destination destroy", extra, p)
		}
	}
}

// What kesu report verify says of addenda beyond the happy path: a second
// destruction record of a drive supersedes the first without flagging it;
// one file named two ways is one addendum; an addendum signed by a key not
// given does not count (9), an altered one is INVALID (7); an addendum
// given without its journal checks nothing (1), also in --json.
func TestDestroyAddendaEdges(t *testing.T) {
	ls := markedLoops(t, 1, 2<<20)
	key, pub := signingKey(t)
	officeKey, officePub := signingKey(t)
	strangerKey, _ := signingKey(t)
	records := t.TempDir()
	if _, stderr, code := kesu(t, "erase", ls[0].Path, "--verify", "full", "--journal", records, "--key", key, "--yes"); code != exitPass {
		t.Fatalf("kesu erase: exit %d\n%s", code, stderr)
	}
	m, _ := filepath.Glob(filepath.Join(records, "*.jsonl"))
	journal := m[0]
	ev := t.TempDir()
	certificate, photo := filepath.Join(ev, "c.pdf"), filepath.Join(ev, "p.jpg")
	writeCertificate(t, certificate)
	writePhoto(t, photo, color.RGBA{200, 20, 20, 255})
	today := time.Now().Format("2006-01-02")
	destroy := func(signer string, extra ...string) string {
		t.Helper()
		args := append([]string{"report", "destroy", journal, "--pubkey", pub, "--key", signer, "--drive", "1", "--contractor", "C",
			"--date", today, "--method", "crushing", "--certificate", certificate, "--photo", photo}, extra...)
		out, stderr, code := kesu(t, args...)
		if code != 0 {
			t.Fatalf("report destroy: exit %d\n%s", code, stderr)
		}
		return strings.TrimSpace(strings.Split(out, "\n")[0])
	}
	first := destroy(officeKey)
	time.Sleep(1100 * time.Millisecond) // the addenda are named by the second they were written
	second := destroy(officeKey, "--note", "corrected contractor name")
	verify := func(args ...string) (string, int) {
		out, _, code := kesu(t, append([]string{"report", "verify"}, args...)...)
		return out, code
	}
	out, code := verify(journal, "--pubkey", pub, "--pubkey", officePub)
	if code != 0 || !strings.Contains(out, "note: "+first+": superseded") {
		t.Errorf("a corrected destruction record: exit %d\n%s", code, out)
	}
	if out, code := verify(journal, filepath.Dir(second)+"/./"+filepath.Base(second), second, "--pubkey", pub, "--pubkey", officePub); code != 0 || strings.Count(out, "superseded") != 1 {
		t.Errorf("one addendum named twice: exit %d\n%s", code, out)
	}
	if err := os.Remove(first); err != nil {
		t.Fatal(err)
	}
	stranger := destroy(strangerKey)
	if out, code := verify(journal, "--pubkey", pub, "--pubkey", officePub); code != exitDestruction || !strings.Contains(out, "not among the trusted public keys") {
		t.Errorf("an addendum signed by a key not given: exit %d; want %d\n%s", code, exitDestruction, out)
	}
	data, _ := os.ReadFile(stranger)
	os.WriteFile(stranger, bytes.Replace(data, []byte(`"contractor":"C"`), []byte(`"contractor":"X"`), 1), 0o644)
	if out, code := verify(journal, "--pubkey", pub, "--pubkey", officePub); code != exitJournalInvalid || !strings.Contains(out, "bad-signature") {
		t.Errorf("an altered addendum: exit %d; want %d\n%s", code, exitJournalInvalid, out)
	}
	os.Remove(stranger)
	// The addendum alone, or in the journal's place: nothing was checked.
	if _, stderr, code := kesu(t, "report", "verify", second, "--pubkey", pub, "--pubkey", officePub); code != exitFail || !strings.Contains(stderr, "no journal to verify") {
		t.Errorf("verify of an addendum alone: exit %d\n%s", code, stderr)
	}
	// An addendum of another run, given beside this journal.
	records2 := t.TempDir()
	if _, stderr, code := kesu(t, "erase", ls[0].Path, "--verify", "full", "--journal", records2, "--key", key, "--yes"); code != exitPass {
		t.Fatalf("kesu erase: exit %d\n%s", code, stderr)
	}
	m2, _ := filepath.Glob(filepath.Join(records2, "*.jsonl"))
	journal2 := m2[0]
	journal, journal2 = journal2, journal
	otherRun := destroy(officeKey)
	journal = journal2
	out, _, code = kesu(t, "report", "verify", journal, otherRun, "--pubkey", pub, "--pubkey", officePub, "--json")
	if code != exitFail || !strings.Contains(out, `"kind": "destruction-addendum"`) || !strings.Contains(out, `"integrity": "INTACT"`) {
		t.Errorf("an addendum of another run given beside a journal: exit %d\n%s", code, out)
	}
	// csv and pdf say so too, and exit 1, instead of dropping it silently.
	_, stderr, code := kesu(t, "report", "csv", journal, otherRun, "--pubkey", pub, "--pubkey", officePub)
	if code != exitFail || !strings.Contains(stderr, "give that run's journal") {
		t.Errorf("csv with an addendum of another run: exit %d\n%s", code, stderr)
	}
	_, stderr, code = kesu(t, "report", "pdf", journal, otherRun, "--pubkey", pub, "--pubkey", officePub, "--out", t.TempDir(), "--lang", "en")
	if code != exitFail || !strings.Contains(stderr, "give that run's journal") {
		t.Errorf("pdf with an addendum of another run: exit %d\n%s", code, stderr)
	}
}

// --config holds named devices to the policy file's verification share
// too: a file asking for a full read-back gets one whatever --verify says,
// on every path (one device, several, --method).
func TestEraseDevicesHeldToConfigVerifyAndSigning(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "kesu.toml")
	os.WriteFile(cfg, []byte("version = 1\n[policy]\nlevel = 'clear'\nverify = 'full'\n"), 0o644)
	key, pub := signingKey(t)
	for _, c := range []struct {
		name  string
		loops int
		extra []string
	}{{"one device", 1, nil}, {"two devices", 2, nil}, {"--method", 1, []string{"--method", "overwrite"}}} {
		ls := markedLoops(t, c.loops, 2<<20)
		records := t.TempDir()
		args := []string{"erase"}
		for _, l := range ls {
			args = append(args, l.Path)
		}
		args = append(append(args, "--config", cfg, "--verify", "5%", "--journal", records, "--key", key, "--yes"), c.extra...)
		if _, stderr, code := kesu(t, args...); code != exitPass {
			t.Fatalf("%s: exit %d\n%s", c.name, code, stderr)
		}
		m, _ := filepath.Glob(filepath.Join(records, "*.jsonl"))
		res, err := report.VerifyFile(m[0], mustRing(t, pub))
		if err != nil || !res.OK() {
			t.Fatalf("%s: journal %v %+v", c.name, err, res)
		}
		if v := res.Run.Start.Policy.Verify; v.Percent != 100 {
			t.Errorf("%s: recorded verify policy %+v; want the file's full read-back", c.name, v)
		}
		for _, d := range res.Run.Drives {
			for _, v := range d.Verifications {
				if v.PercentAchieved < 100 {
					t.Errorf("%s: drive %d read back %g%%; want 100%%", c.name, d.Drive.ID, v.PercentAchieved)
				}
			}
		}
	}
}

// report csv counts destruction days in --tz, as its times: the deadline
// of the same erasure is a different day at UTC+14 and at UTC-12 (26 hours
// apart, whatever the erasure's hour).
func TestDestructionDaysInTZ(t *testing.T) {
	dir := t.TempDir()
	p := reporttest.PurgePolicy
	p.MICCategory, p.DestructionDeadlineDays = 1, 30
	journal := reporttest.WriteSampleWith(t, dir, p)
	pub := reporttest.WritePublicKey(t, dir, "kesu.pub", reporttest.Key())
	deadline := func(tz string) string {
		out, stderr, _ := kesu(t, "report", "csv", journal, "--pubkey", pub, "--tz", tz)
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil || len(rows) < 2 {
			t.Fatalf("csv --tz %s: %v\n%s%s", tz, err, out, stderr)
		}
		col := slices.Index(rows[0], "destruction_deadline")
		if col < 0 || rows[1][col] == "" {
			t.Fatalf("csv --tz %s: no destruction_deadline in %v", tz, rows[:2])
		}
		return rows[1][col]
	}
	east, west := deadline("Etc/GMT-14"), deadline("Etc/GMT+12")
	if east == west {
		t.Errorf("the deadline is %s at UTC+14 and at UTC-12; want the days of each zone", east)
	}
}

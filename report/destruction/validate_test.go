package destruction

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/reporttest"
)

// signRaw writes an addendum of rec for res's journal, signed by the
// trusted test key at time at, without Write's checks: a record that
// someone holding the office's key made by hand (or a kesu with a bug).
func signRaw(t *testing.T, dir, name string, res *report.Result, rec Record, at time.Time) string {
	t.Helper()
	info := reporttest.Signer().KeyInfo()
	start := Start{Schema: Schema, ID: res.Run.Start.RunID + ".destroy-" + name, Key: &info,
		Journal: JournalRef{RunID: res.Run.Start.RunID, File: filepath.Base(res.Path), SealHash: res.Head, Records: res.Records - 1}}
	data, _, err := report.EncodeChain([]report.ChainRecord{
		{Time: at, Kind: KindStart, Body: &start}, {Time: at, Kind: KindDestruction, Body: &rec}}, reporttest.Signer(), at)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, start.ID+".jsonl")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A trusted, intact addendum whose record Write would have refused (a date
// that is no date, before the erasure or after the day it was signed; an
// unknown method; no contractor; no certificate or one that is no
// document; no photo, one that is no image, one given twice) does not
// count: the drive stays overdue, the ledger is flagged (exit 9), and the
// problem names the addendum and what is wrong. The same helper's valid
// record counts, so it is the content that is refused, not the helper.
func TestReadRefusesWhatWriteRefuses(t *testing.T) {
	dir := t.TempDir()
	p := reporttest.PurgePolicy
	p.MICCategory, p.DestructionDeadlineDays = 1, 30
	res := journal(t, dir, p)
	d := res.Run.DriveByID(usbDrive)
	certPath, photoPaths := evidence(t, dir)
	cert, err := hashFile(certPath, dir)
	if err != nil {
		t.Fatal(err)
	}
	var photos []Evidence
	for _, p := range photoPaths {
		e, err := hashFile(p, dir)
		if err != nil {
			t.Fatal(err)
		}
		photos = append(photos, e)
	}
	erased := erasedAt(res.Run, d)
	signed := erased.Add(10 * 24 * time.Hour)
	now := erased.Add(90 * 24 * time.Hour) // well past the 30-day deadline
	valid := Record{Drive: usbDrive, Serial: d.Drive.Identity.Serial, Contractor: "C", Date: signed.Format(DateLayout), Method: Shredding,
		Certificate: cert, Photos: photos}

	path := signRaw(t, dir, "valid", res, valid, signed)
	if ds := usbState(t, res, []string{path}, now); ds.State != Destroyed || len(ds.Problems) != 0 {
		t.Fatalf("a valid record signed by hand: %s %q; want destroyed", ds.State, ds.Problems)
	}
	os.Remove(path)

	notPDF := cert
	notPDF.MediaType = ""
	for name, c := range map[string]struct {
		edit func(r *Record)
		want string
	}{
		"date not a date":     {func(r *Record) { r.Date = "soon" }, `date "soon": want YYYY-MM-DD`},
		"date before erasure": {func(r *Record) { r.Date = "2001-01-01" }, "before the drive's erasure"},
		"date after signing":  {func(r *Record) { r.Date = signed.AddDate(0, 0, 5).Format(DateLayout) }, "in the future"},
		"unknown method":      {func(r *Record) { r.Method = "melting" }, `method "melting"`},
		"no contractor":       {func(r *Record) { r.Contractor = " " }, "contractor is missing"},
		"no certificate":      {func(r *Record) { r.Certificate = Evidence{} }, "certificate of destruction is missing"},
		"certificate not PDF": {func(r *Record) { r.Certificate = notPDF }, "not a PDF, JPEG or PNG"},
		"certificate no hash": {func(r *Record) { r.Certificate.SHA256 = "x" }, "is not a SHA-256"},
		"no photo":            {func(r *Record) { r.Photos = nil }, "no photograph"},
		"photo not image":     {func(r *Record) { r.Photos = []Evidence{cert} }, "not a JPEG or PNG"},
		"photo twice":         {func(r *Record) { r.Photos = []Evidence{photos[0], photos[0]} }, "same content"},
	} {
		rec := valid
		rec.Photos = append([]Evidence(nil), valid.Photos...)
		c.edit(&rec)
		path := signRaw(t, dir, strings.ReplaceAll(name, " ", "-"), res, rec, signed)
		a, err := Read(path, ring())
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != report.Intact {
			t.Fatalf("%s: the addendum is %s; the test wants a trusted, intact one", name, a.Status)
		}
		l := &Ledger{Drives: Link(res, []*Addendum{a}, now), Addenda: []*Addendum{a}}
		ds := l.Drives[usbDrive-1]
		if ds.State != Overdue || ds.Addendum != nil || len(ds.Problems) != 1 ||
			!strings.Contains(ds.Problems[0], path) || !strings.Contains(ds.Problems[0], c.want) {
			t.Errorf("%s: state %s, problems %q; want overdue, not counted because %q", name, ds.State, ds.Problems, c.want)
		}
		if !l.Flagged() {
			t.Errorf("%s: the ledger is not flagged", name)
		}
		os.Remove(path)
	}
}

// Write and Link judge the day against the same clock: the time the record
// is signed. A record of today read weeks later still counts; Write refuses
// a day after it.
func TestValidateAtTheSigningTime(t *testing.T) {
	dir := t.TempDir()
	res := journal(t, dir, reporttest.PurgePolicy)
	cert, photos := evidence(t, dir)
	req := request(res, cert, photos)
	req.Date = req.Now.AddDate(0, 0, 2).Format(DateLayout)
	if _, err := Write(req, reporttest.Signer()); err == nil || !strings.Contains(err.Error(), "in the future") {
		t.Errorf("a date two days after the record: %v; want refused", err)
	}
	req = request(res, cert, photos)
	path, err := Write(req, reporttest.Signer())
	if err != nil {
		t.Fatal(err)
	}
	if ds := usbState(t, res, []string{path}, req.Now.AddDate(0, 2, 0)); ds.State != Destroyed {
		t.Errorf("read two months later: %s %q; want destroyed", ds.State, ds.Problems)
	}
}

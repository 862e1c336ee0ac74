package destruction

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/reporttest"
)

// The sample run's drives: 1 NVMe (PASS), 2 HDD (PASS), 3 USB (FAIL, so
// it must be destroyed whatever the category).
const usbDrive = 3

func ring() report.KeyRing {
	r := report.KeyRing{}
	r.Add(reporttest.Signer().PublicKey())
	return r
}

// evidence writes a certificate (a PDF header is all the sniffing needs)
// and two photos, a PNG and a JPEG, and returns their paths.
func evidence(t *testing.T, dir string) (string, []string) {
	t.Helper()
	cert := filepath.Join(dir, "certificate.pdf")
	if err := os.WriteFile(cert, []byte("%PDF-1.4\n% certificate of destruction no. 42\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return cert, []string{photo(t, dir, "front.png", color.RGBA{200, 30, 30, 255}), photo(t, dir, "back.jpg", color.RGBA{30, 30, 200, 255})}
}

func photo(t *testing.T, dir, name string, c color.Color) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			if (x/8+y/8)%2 == 0 {
				img.Set(x, y, c)
			}
		}
	}
	var b bytes.Buffer
	var err error
	if strings.HasSuffix(name, ".png") {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func journal(t *testing.T, dir string, p report.Policy) *report.Result {
	t.Helper()
	res, err := report.VerifyFile(reporttest.WriteSampleWith(t, dir, p), ring())
	if err != nil || res.Status != report.Intact {
		t.Fatalf("sample journal: %v, %+v", err, res)
	}
	return res
}

func request(res *report.Result, cert string, photos []string) Request {
	return Request{Journal: res, Serial: "4C530001230915118383", Contractor: "株式会社サンプル破砕", Date: "2026-05-20", Method: Shredding,
		Certificate: cert, Photos: photos, Recorder: report.Person{Name: "鈴木 一郎"}, Now: reporttest.Epoch.Add(7 * 24 * time.Hour)}
}

func usbState(t *testing.T, res *report.Result, paths []string, now time.Time) DriveState {
	t.Helper()
	var adds []*Addendum
	for _, p := range paths {
		a, err := Read(p, ring())
		if err != nil {
			t.Fatal(err)
		}
		adds = append(adds, a)
	}
	for _, ds := range Link(res, adds, now) {
		if ds.Drive == usbDrive {
			return ds
		}
	}
	t.Fatal("no USB drive in the sample")
	return DriveState{}
}

func TestRecordAndCheck(t *testing.T) {
	dir := t.TempDir()
	res := journal(t, dir, reporttest.PurgePolicy)
	if d := res.Run.DriveByID(usbDrive); d.Drive.Identity.Serial != "4C530001230915118383" {
		t.Fatalf("drive 3 serial %q; the test expects the sample's USB stick", d.Drive.Identity.Serial)
	}
	cert, photos := evidence(t, dir)
	path, err := Write(request(res, cert, photos), reporttest.Signer())
	if err != nil {
		t.Fatal(err)
	}
	if !IsAddendum(path) || IsAddendum(res.Path) {
		t.Errorf("IsAddendum: addendum %v, journal %v", IsAddendum(path), IsAddendum(res.Path))
	}
	if found, err := Find(res.Path, res.Run.Start.RunID); err != nil || len(found) != 1 || found[0] != path {
		t.Errorf("Find = %v, %v; want [%s]", found, err, path)
	}
	a, err := Read(path, ring())
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != report.Intact || a.Problem != nil {
		t.Fatalf("addendum %s: %+v", a.Status, a.Problem)
	}
	if a.Start.Journal.SealHash != res.Head || a.Start.Journal.RunID != res.Run.Start.RunID {
		t.Errorf("journal ref %+v; want seal hash %s", a.Start.Journal, res.Head)
	}
	if r := a.Record; r.Drive != usbDrive || r.ErasedStatus != report.StatusFail || len(r.Photos) != 2 ||
		r.Photos[0].MediaType != "image/png" || r.Photos[1].MediaType != "image/jpeg" || r.Certificate.MediaType != "application/pdf" ||
		r.Certificate.Path != "certificate.pdf" {
		t.Errorf("record %+v", r)
	}
	ds := usbState(t, res, []string{path}, reporttest.Epoch.Add(8*24*time.Hour))
	if ds.State != Destroyed || !ds.Required || len(ds.Problems) != 0 {
		t.Fatalf("state %s required %v problems %q; want destroyed", ds.State, ds.Required, ds.Problems)
	}
	if l := ds.Line(); !strings.Contains(l, "destroyed 2026-05-20 by 株式会社サンプル破砕 (shredding)") {
		t.Errorf("line %q", l)
	}
	// The sample journal and this addendum share the test key.
	if len(ds.Notes) != 1 || !strings.Contains(ds.Notes[0], "not a separate office key") {
		t.Errorf("notes %q; want the shared key said", ds.Notes)
	}
	// The NVMe drive passed under category (2): its destruction is not
	// required.
	if ds := Link(res, []*Addendum{a}, reporttest.Epoch)[0]; ds.Erased != report.StatusPass || ds.Required || ds.State != NotRequired {
		t.Errorf("drive 1: %s, required %v, state %s; want PASS, not required", ds.Erased, ds.Required, ds.State)
	}
}

// A photo swapped for another, and one moved away: the addendum still
// verifies, the evidence does not, and each file says what happened.
func TestSwappedAndMovedEvidence(t *testing.T) {
	dir := t.TempDir()
	res := journal(t, dir, reporttest.PurgePolicy)
	cert, photos := evidence(t, dir)
	path, err := Write(request(res, cert, photos), reporttest.Signer())
	if err != nil {
		t.Fatal(err)
	}
	photo(t, dir, "back.jpg", color.RGBA{30, 200, 30, 255}) // another picture under the same name
	ds := usbState(t, res, []string{path}, reporttest.Epoch)
	if ds.State != EvidenceProblem || ds.Addendum.Status != report.Intact {
		t.Fatalf("state %s, addendum %s; want evidence-problem and an intact addendum", ds.State, ds.Addendum.Status)
	}
	if len(ds.Problems) != 1 || !strings.Contains(ds.Problems[0], "back.jpg") || !strings.Contains(ds.Problems[0], "changed or replaced") {
		t.Errorf("problems %q; want the swapped back.jpg", ds.Problems)
	}
	if err := os.Rename(photos[0], photos[0]+".moved"); err != nil {
		t.Fatal(err)
	}
	ds = usbState(t, res, []string{path}, reporttest.Epoch)
	var states []EvidenceState
	for _, e := range ds.Addendum.Evidence {
		states = append(states, e.State)
	}
	if want := []EvidenceState{EvidenceOK, EvidenceMissing, EvidenceMismatch}; !equal(states, want) {
		t.Errorf("evidence states %v; want %v", states, want)
	}
	if !strings.Contains(ds.Problems[0], "moved or deleted") {
		t.Errorf("problem %q; want the moved file said so", ds.Problems[0])
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// An addendum altered after signing, or signed by an untrusted key, does
// not count: the drive is still awaiting destruction.
func TestAlteredOrUntrustedAddendum(t *testing.T) {
	dir := t.TempDir()
	res := journal(t, dir, reporttest.PurgePolicy)
	cert, photos := evidence(t, dir)
	path, err := Write(request(res, cert, photos), reporttest.Signer())
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	altered := bytes.Replace(data, []byte("2026-05-20"), []byte("2026-05-19"), 1)
	if bytes.Equal(altered, data) {
		t.Fatal("the date is not in the file")
	}
	if err := os.WriteFile(path, altered, 0o644); err != nil {
		t.Fatal(err)
	}
	ds := usbState(t, res, []string{path}, reporttest.Epoch)
	if ds.State != Pending || len(ds.Problems) != 1 || !strings.Contains(ds.Problems[0], "bad-signature") {
		t.Errorf("altered: state %s problems %q; want pending and the bad signature", ds.State, ds.Problems)
	}

	other := report.NewSigner(reporttest.OtherKey())
	req := request(res, cert, photos)
	req.Now = req.Now.Add(time.Hour)
	path2, err := Write(req, other)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Read(path2, ring())
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != report.Untrusted {
		t.Errorf("other key: %s; want UNTRUSTED", a.Status)
	}
	if ds := Link(res, []*Addendum{a}, reporttest.Epoch)[usbDrive-1]; ds.State != Pending {
		t.Errorf("untrusted addendum counted: %s", ds.State)
	}
}

// The deadline: pending, then overdue; a destruction after it is late.
func TestDeadline(t *testing.T) {
	dir := t.TempDir()
	p := reporttest.PurgePolicy
	p.MICCategory, p.DestructionDeadlineDays = 1, 30
	res := journal(t, dir, p)
	erased := res.Run.DriveByID(usbDrive).Result.End
	deadline := dayIn(erased, time.UTC).AddDate(0, 0, 30)
	for _, c := range []struct {
		now  time.Time
		want State
	}{{erased.Add(24 * time.Hour), Pending}, {deadline.Add(23 * time.Hour), Pending}, {deadline.Add(49 * time.Hour), Overdue}} {
		ds := usbState(t, res, nil, c.now)
		if ds.State != c.want || !ds.Deadline.Equal(deadline) {
			t.Errorf("at %s: %s (deadline %s); want %s (deadline %s)", c.now, ds.State, ds.Deadline, c.want, deadline)
		}
	}
	// Under category (1) every drive must be destroyed, PASS or not.
	for _, ds := range Link(res, nil, erased) {
		if !ds.Required {
			t.Errorf("drive %d not required under MIC category (1)", ds.Drive)
		}
	}
	cert, photos := evidence(t, dir)
	req := request(res, cert, photos)
	req.Date, req.Now = deadline.AddDate(0, 0, 3).Format(DateLayout), deadline.AddDate(0, 0, 4)
	path, err := Write(req, reporttest.Signer())
	if err != nil {
		t.Fatal(err)
	}
	if ds := usbState(t, res, []string{path}, req.Now); ds.State != DestroyedLate || !strings.Contains(ds.Line(), "LATE") {
		t.Errorf("state %s line %q; want destroyed-late", ds.State, ds.Line())
	}
}

// An addendum names one sealed journal by its seal's hash: another journal
// with the same run ID does not take it.
func TestOtherCopyOfTheRun(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	resA := journal(t, a, reporttest.PurgePolicy)
	p := reporttest.PurgePolicy
	p.Destination = "destroy" // the same run ID, other content
	resB := journal(t, b, p)
	cert, photos := evidence(t, a)
	path, err := Write(request(resA, cert, photos), reporttest.Signer())
	if err != nil {
		t.Fatal(err)
	}
	ds := usbState(t, resB, []string{path}, reporttest.Epoch)
	if ds.State != Pending || len(ds.Problems) != 1 || !strings.Contains(ds.Problems[0], "another copy or version") {
		t.Errorf("state %s problems %q; want pending, refused", ds.State, ds.Problems)
	}
}

func TestWriteRefuses(t *testing.T) {
	dir := t.TempDir()
	res := journal(t, dir, reporttest.PurgePolicy)
	cert, photos := evidence(t, dir)
	notImage := filepath.Join(dir, "notes.txt")
	os.WriteFile(notImage, []byte("hello"), 0o644)
	untrusted, err := report.VerifyFile(res.Path, report.KeyRing{})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		edit func(r *Request)
		want string
	}{
		"untrusted journal": {func(r *Request) { r.Journal = untrusted }, "does not verify"},
		"both selectors":    {func(r *Request) { r.Drive = 3 }, "not both"},
		"no such drive":     {func(r *Request) { r.Serial = ""; r.Drive = 9 }, "no drive 9"},
		"no such serial":    {func(r *Request) { r.Serial = "X" }, `serial "X"`},
		"no contractor":     {func(r *Request) { r.Contractor = " " }, "contractor"},
		"bad method":        {func(r *Request) { r.Method = "burning" }, "burning"},
		"bad date":          {func(r *Request) { r.Date = "20.5.2026" }, "YYYY-MM-DD"},
		"future date":       {func(r *Request) { r.Date = "2026-06-30" }, "future"},
		"before erasure":    {func(r *Request) { r.Date = "2026-05-13" }, "before the drive's erasure"},
		"no certificate":    {func(r *Request) { r.Certificate = "" }, "certificate"},
		"no photo":          {func(r *Request) { r.Photos = nil }, "photograph"},
		"photo not image":   {func(r *Request) { r.Photos = []string{notImage} }, "not a JPEG or PNG"},
		"same file twice":   {func(r *Request) { r.Photos = []string{photos[0], photos[0]} }, "same content"},
		"missing photo":     {func(r *Request) { r.Photos = []string{filepath.Join(dir, "nope.jpg")} }, "nope.jpg"},
	} {
		r := request(res, cert, photos)
		c.edit(&r)
		_, err := Write(r, reporttest.Signer())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want an error with %q", name, err, c.want)
		} else if !errors.Is(err, ErrBad) && name != "missing photo" {
			t.Errorf("%s: %v does not wrap ErrBad", name, err)
		}
	}
	if _, err := Write(request(res, cert, photos), nil); err == nil {
		t.Error("an unsigned addendum was written")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.destroy-*")); len(m) != 0 {
		t.Errorf("refused requests left files: %v", m)
	}
}

// Days are the office's: an erasure at 17:11 UTC is on the next day in
// Tokyo, and the deadline counts from that day.
func TestDeadlineInLocalDays(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	dir := t.TempDir()
	p := reporttest.PurgePolicy
	p.MICCategory, p.DestructionDeadlineDays = 1, 30
	res := journal(t, dir, p)
	erased := res.Run.DriveByID(usbDrive).Result.End
	if got := erased.In(tokyo).Format(DateLayout); got != "2026-05-15" {
		t.Fatalf("the sample's USB erasure is on %s in Tokyo; the test expects 2026-05-15", got)
	}
	now := time.Date(2026, 6, 14, 12, 0, 0, 0, tokyo) // the deadline's own day there
	ds := usbState(t, res, nil, now)
	if ds.State != Pending || ds.Deadline.Format(DateLayout) != "2026-06-14" {
		t.Errorf("in Tokyo on 2026-06-14: %s, deadline %s; want pending, deadline 2026-06-14", ds.State, ds.Deadline.Format(DateLayout))
	}
	cert, photos := evidence(t, dir)
	req := request(res, cert, photos)
	req.Date, req.Now = "2026-06-14", now
	path, err := Write(req, reporttest.Signer())
	if err != nil {
		t.Fatal(err)
	}
	if ds := usbState(t, res, []string{path}, now); ds.State != Destroyed {
		t.Errorf("destroyed on the deadline's day in Tokyo: %s; want destroyed (not late)", ds.State)
	}
}

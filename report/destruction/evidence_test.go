package destruction

import (
	"image/color"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/reporttest"
)

// An addendum read where its evidence is not (a store's copy): each file
// is not-checked and not looked for, the drive is destroyed with a note
// saying so, nothing flags it (no problem, a state that is OK), and the addendum carries the name it was
// given, in the superseded note too.
func TestEvidenceNotHere(t *testing.T) {
	dir := t.TempDir()
	res := journal(t, dir, reporttest.PurgePolicy)
	cert, photos := evidence(t, dir)
	req := request(res, cert, photos)
	first, err := Write(req, reporttest.Signer())
	if err != nil {
		t.Fatal(err)
	}
	req.Now = req.Now.Add(time.Hour)
	second, err := Write(req, reporttest.Signer())
	if err != nil {
		t.Fatal(err)
	}
	// The evidence is gone from here: on disk it would be missing.
	for _, p := range append(photos, cert) {
		os.Remove(p)
	}
	names := map[string]string{res.Path: "s3://b/site/j.jsonl", first: "s3://b/site/first.jsonl", second: "s3://b/site/second.jsonl"}
	opts := func(p string) ReadOptions { return ReadOptions{Name: names[p], EvidenceNotHere: true} }
	ledgers, _, err := Collect([]*report.Result{res}, nil, ring(), req.Now, opts)
	if err != nil {
		t.Fatal(err)
	}
	l := ledgers[0]
	ds := l.Drives[usbDrive-1]
	if l.Journal != names[res.Path] || ds.State != Destroyed || ds.AddendumPath != names[second] || len(ds.Problems) != 0 || !ds.State.OK() {
		t.Fatalf("journal %s, state %s, addendum %s, problems %q; want destroyed by %s, nothing to flag",
			l.Journal, ds.State, ds.AddendumPath, ds.Problems, names[second])
	}
	for _, e := range ds.Addendum.Evidence {
		if e.State != EvidenceNotChecked || e.Resolved != "" || e.Detail != NotHereDetail {
			t.Errorf("evidence %+v; want not-checked, not looked for", e)
		}
	}
	notes := strings.Join(ds.Notes, "\n")
	if !strings.Contains(notes, names[first]+": superseded") || !strings.Contains(notes, "evidence not checked: read from a store") {
		t.Errorf("notes %q; want the superseded record by its name and the evidence not checked", ds.Notes)
	}
	if line := ds.Line(); !strings.Contains(line, "evidence not checked (read from a store)") || strings.Contains(line, "EVIDENCE") {
		t.Errorf("line %q", line)
	}
	var b strings.Builder
	l.WriteText(&b)
	if s := b.String(); !strings.Contains(s, "; 1 recorded destroyed, evidence not checked (read from a store)") || strings.Contains(s, dir) {
		t.Errorf("text:\n%s", s)
	}
	// The same files read as files: the evidence is missing.
	if ds := usbState(t, res, []string{second}, req.Now); ds.State != EvidenceProblem {
		t.Errorf("read on disk without its evidence: %s; want evidence-problem", ds.State)
	}
}

// The words of an evidence problem follow what was found: a file only
// missing is not said not to match.
func TestEvidenceProblemWords(t *testing.T) {
	dir := t.TempDir()
	res := journal(t, dir, reporttest.PurgePolicy)
	cert, photos := evidence(t, dir)
	path, err := Write(request(res, cert, photos), reporttest.Signer())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(photos[0], photos[0]+".moved"); err != nil {
		t.Fatal(err)
	}
	ds := usbState(t, res, []string{path}, reporttest.Epoch)
	if l := ds.Line(); ds.State != EvidenceProblem || !strings.Contains(l, "EVIDENCE MISSING") || strings.Contains(l, "DOES NOT MATCH") {
		t.Errorf("a photo moved away: %s, line %q; want EVIDENCE MISSING", ds.State, l)
	}
	photo(t, dir, "back.jpg", color.RGBA{1, 2, 3, 255}) // and one replaced
	if l := usbState(t, res, []string{path}, reporttest.Epoch).Line(); !strings.Contains(l, "EVIDENCE DOES NOT MATCH") {
		t.Errorf("a photo replaced as well: line %q; want EVIDENCE DOES NOT MATCH", l)
	}
}

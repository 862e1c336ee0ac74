package main

import (
	"encoding/json"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/internal/s3test"
	"github.com/kesu-erase/kesu/report/reporttest"
)

// A journal and its destruction addenda, read from a store: the evidence
// files are never in the store, so they are not checked — the drive is
// destroyed, with that said (not-checked, a note) in verify, --json, csv
// and pdf, and the exit status is the one the same files give on disk
// (not 9 for "missing" evidence). Every destruction record is named by its
// s3:// address: no temporary copy's path shows anywhere.
func TestDestructionFromStore(t *testing.T) {
	srv := s3test.Start(t)
	srv.MakeBucket(t, "records")
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	t.Setenv("AWS_ENDPOINT_URL", srv.Endpoint)

	dir := t.TempDir()
	journal := reporttest.WriteSmall(t, dir)
	pub := reporttest.WritePublicKey(t, dir, "kesu.pub", reporttest.Key())
	officeKey, officePub := signingKey(t)
	certificate, photo := filepath.Join(dir, "c.pdf"), filepath.Join(dir, "p.jpg")
	writeCertificate(t, certificate)
	writePhoto(t, photo, color.RGBA{200, 20, 20, 255})
	today := time.Now().Format("2006-01-02")
	for i := range 2 { // the second supersedes the first: a note naming it
		if i > 0 {
			time.Sleep(1100 * time.Millisecond) // the addenda are named by the second they were written
		}
		if out, stderr, code := kesu(t, "report", "destroy", journal, "--pubkey", pub, "--key", officeKey, "--drive", "1", "--contractor", "C",
			"--date", today, "--method", "crushing", "--certificate", certificate, "--photo", photo); code != 0 {
			t.Fatalf("report destroy: exit %d\n%s%s", code, out, stderr)
		}
	}
	disk, _, diskCode := kesu(t, "report", "verify", journal, "--pubkey", pub, "--pubkey", officePub)
	if diskCode != 0 || !strings.Contains(disk, "1 recorded destroyed with matching evidence") {
		t.Fatalf("on disk: exit %d\n%s", diskCode, disk)
	}

	// The records, put in the bucket as they are; the evidence is not.
	prefix := filepath.Join(srv.Dir, "records", "site")
	if err := os.MkdirAll(prefix, 0o755); err != nil {
		t.Fatal(err)
	}
	records, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(records) != 3 {
		t.Fatalf("records: %v; want the journal and 2 addenda", records)
	}
	var adds []string
	for _, f := range records {
		data, _ := os.ReadFile(f)
		if err := os.WriteFile(filepath.Join(prefix, filepath.Base(f)), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(f, ".destroy-") {
			adds = append(adds, "s3://records/site/"+filepath.Base(f))
		}
	}
	noTemp := func(what, s string) {
		t.Helper()
		if strings.Contains(s, "kesu-store-") || strings.Contains(s, os.TempDir()+"/") {
			t.Errorf("%s names a temporary copy:\n%s", what, s)
		}
	}

	// An address naming an addendum alone: it needs its journal, and is
	// named by its address.
	if len(adds) == 0 {
		t.Fatal("no addendum in the store")
	}
	_, stderr0, code0 := kesu(t, "report", "verify", adds[0], "--pubkey", pub, "--pubkey", officePub)
	noTemp("verify of an addendum alone", stderr0)
	if code0 != exitFail || !strings.Contains(stderr0, adds[0]+" is a destruction addendum") {
		t.Errorf("verify %s: exit %d\n%s", adds[0], code0, stderr0)
	}

	out, stderr, code := kesu(t, "report", "verify", "s3://records/site", "--pubkey", pub, "--pubkey", officePub)
	noTemp("verify", out+stderr)
	if code != diskCode {
		t.Errorf("verify from the store: exit %d, on disk %d\n%s%s", code, diskCode, out, stderr)
	}
	for _, want := range []string{
		"0 recorded destroyed with matching evidence; 1 recorded destroyed, evidence not checked (read from a store)",
		"destroyed " + today + " by C (crushing)", "evidence not checked (read from a store)",
		"certificate c.pdf", "not-checked — read from a store: the evidence files are not in it; verify the addendum's folder on disk",
		"note: " + adds[0] + ": superseded", "note: evidence not checked: read from a store",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("verify from the store lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "EVIDENCE") || strings.Contains(out, "missing") || strings.Contains(out, "not counted") {
		t.Errorf("verify from the store calls the evidence wrong:\n%s", out)
	}

	jout, _, code := kesu(t, "report", "verify", "s3://records/site", "--pubkey", pub, "--pubkey", officePub, "--json")
	noTemp("verify --json", jout)
	var js []struct {
		Destruction []struct {
			State    string   `json:"state"`
			Addendum string   `json:"addendum"`
			Notes    []string `json:"notes"`
			Problems []string `json:"problems"`
		} `json:"destruction"`
		Addenda []struct {
			Path     string `json:"path"`
			Evidence []struct {
				State    string `json:"state"`
				Resolved string `json:"resolved"`
			} `json:"evidence"`
		} `json:"destruction_addenda"`
	}
	if err := json.Unmarshal([]byte(jout), &js); err != nil || len(js) != 1 || len(js[0].Destruction) != 1 || len(js[0].Addenda) != 2 {
		t.Fatalf("verify --json: exit %d, %v\n%s", code, err, jout)
	}
	if d := js[0].Destruction[0]; code != diskCode || d.State != "destroyed" || d.Addendum != adds[1] || len(d.Problems) != 0 || len(d.Notes) != 2 {
		t.Errorf("verify --json: exit %d, drive %+v; want destroyed by %s, no problem", code, d, adds[1])
	}
	for _, a := range js[0].Addenda {
		if !strings.HasPrefix(a.Path, "s3://records/site/") || len(a.Evidence) != 2 {
			t.Errorf("addendum %+v", a)
		}
		for _, e := range a.Evidence {
			if e.State != "not-checked" || e.Resolved != "" {
				t.Errorf("addendum %s: evidence %+v; want not-checked, not looked for", a.Path, e)
			}
		}
	}

	cout, cerr, code := kesu(t, "report", "csv", "s3://records/site", "--pubkey", pub, "--pubkey", officePub)
	noTemp("csv", cout+cerr)
	if code != 0 || !strings.Contains(cout, ",destroyed,") || !strings.Contains(cout, ",not-checked,") || strings.Contains(cout, "missing") {
		t.Errorf("csv from the store: exit %d\n%s%s", code, cout, cerr)
	}

	pdfs := t.TempDir()
	pout, perr, code := kesu(t, "report", "pdf", "s3://records/site", "--pubkey", pub, "--pubkey", officePub, "--out", pdfs, "--lang", "en")
	if code != 0 {
		t.Fatalf("pdf from the store: exit %d\n%s%s", code, pout, perr)
	}
	text := strings.Join(strings.Fields(pdftotext(t, strings.TrimSpace(pout))), " ")
	noTemp("pdf", text)
	for _, want := range []string{"destroyed; evidence files not checked (read from a store", "not checked: read from a store"} {
		if !strings.Contains(text, want) {
			t.Errorf("certificate from the store lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "DOES NOT MATCH") || strings.Contains(text, "NOT FOUND") {
		t.Errorf("certificate from the store calls the evidence wrong:\n%s", text)
	}
}

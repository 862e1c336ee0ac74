package report_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/destruction"
	"github.com/kesu-erase/kesu/report/reporttest"
)

func TestCSVGolden(t *testing.T) {
	res, err := report.VerifyFile(reporttest.WriteSample(t, t.TempDir()), trusted())
	if err != nil {
		t.Fatal(err)
	}
	// As kesu report csv writes it: with the destruction columns (no
	// addendum: the sample's failed drives are pending).
	results := []*report.Result{res}
	ledgers, _, err := destruction.Collect(results, nil, trusted(), reporttest.Epoch, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.WriteCSV(&buf, results, nil, destruction.CSV(results, ledgers)); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "sample.csv")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("WriteCSV differs from %s (-want +got; -update to accept):\n%s", golden, diff)
	}
	rows, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || !cmp.Equal(rows[0], append(append(append([]string(nil), report.CSVColumns...), destruction.CSVColumns...), report.CSVLaterColumns...)) {
		t.Fatalf("CSV has %d rows, header %v; want 4 rows and CSVColumns, then the destruction columns, then CSVLaterColumns", len(rows), rows[0])
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	for i, want := range []struct{ serial, status, reached string }{
		{"S64GNE0R812345", "PASS", "Purge"}, {"ZC1ABCDE", "FAIL", "Clear"}, {"4C530001230915118383", "FAIL", "none"},
	} {
		r := rows[i+1]
		if r[col["serial"]] != want.serial || r[col["status"]] != want.status || r[col["reached"]] != want.reached || r[col["journal_status"]] != "INTACT" {
			t.Errorf("row %d: serial %s status %s reached %s journal %s; want %+v INTACT", i+1, r[col["serial"]], r[col["status"]], r[col["reached"]], r[col["journal_status"]], want)
		}
	}
}

// A cell a spreadsheet would run as a formula is defused.
func TestCSVDefusesFormulas(t *testing.T) {
	j, err := report.Create(t.TempDir(), reporttest.Signer(), report.RunStart{RunID: "formula", Customer: "=HYPERLINK(\"http://x\")", Policy: clear10})
	if err != nil {
		t.Fatal(err)
	}
	d := drive(report.ClassHDD)
	d.Identity.Serial = "+SERIAL"
	if _, err := j.Drive(d); err != nil {
		t.Fatal(err)
	}
	j.Seal()
	res, _ := report.VerifyFile(j.Path(), trusted())
	var buf bytes.Buffer
	if err := report.WriteCSV(&buf, []*report.Result{res}, nil); err != nil {
		t.Fatal(err)
	}
	rows, _ := csv.NewReader(&buf).ReadAll()
	for _, cell := range rows[1] {
		if cell != "" && (cell[0] == '=' || cell[0] == '+') {
			t.Errorf("cell %q starts a formula", cell)
		}
	}
}

// The last column is the run's key custody, empty when not stated.
func TestCSVKeyCustody(t *testing.T) {
	res, err := report.VerifyFile(reporttest.WriteSample(t, t.TempDir()), trusted())
	if err != nil {
		t.Fatal(err)
	}
	for _, custody := range []string{"", report.CustodyConsole} {
		res.Run.Start.KeyCustody = custody
		var buf bytes.Buffer
		if err := report.WriteCSV(&buf, []*report.Result{res}, nil); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows[1:] {
			if last := r[len(r)-1]; rows[0][len(r)-1] != "key_custody" || last != custody {
				t.Errorf("last column %s = %q; want key_custody %q", rows[0][len(r)-1], last, custody)
			}
		}
	}
}

package reporttest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/report"
)

// TestMainCheckFails shows that the check Main runs after a package's
// tests fails on a record a journal wrote that does not fit the schema (a
// class and a method kesu does not know), and names the line and the
// schema's complaint; valid journals pass.
func TestMainCheckFails(t *testing.T) {
	w := &written{records: map[string][][]byte{}}
	report.RecordWritten = w.record
	defer func() { report.RecordWritten = nil }()

	WriteSmall(t, t.TempDir())
	var out bytes.Buffer
	if w.check(&out) {
		t.Fatalf("check of a valid journal failed:\n%s", out.String())
	}
	if want := "1 journals and addenda, 6 lines written by the tests: all valid"; !strings.Contains(out.String(), want) {
		t.Errorf("check printed %q; want it to say %q", out.String(), want)
	}

	j, err := report.CreateWith(t.TempDir(), Signer(), Start(PurgePolicy), report.Options{Now: NewClock(Epoch).Now})
	if err != nil {
		t.Fatal(err)
	}
	d := NVMeDrive()
	d.Class = "disk"
	d.Plan.Steps[0].Method = "shred"
	if _, err := j.Drive(d); err != nil {
		t.Fatal(err)
	}
	j.Close()
	out.Reset()
	if !w.check(&out) {
		t.Fatalf("check passed a journal with class %q and method %q:\n%s", d.Class, d.Plan.Steps[0].Method, out.String())
	}
	t.Logf("check printed:\n%s", out.String())
	for _, want := range []string{"2 journals and addenda, 8 lines written by the tests: 1 of them do NOT validate", "line 2:", "/body/class", "/body/plan/steps/0/method", j.Path()} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check printed:\n%s\nwant it to say %q", out.String(), want)
		}
	}
}

// TestValidateJournalFile checks the sample run, whose journal every test
// of the report package uses.
func TestValidateJournalFile(t *testing.T) {
	ValidateJournalFile(t, WriteSample(t, t.TempDir()))
}

package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/destruction"
)

// splitAddenda separates the destruction addenda among paths from the
// journals.
func splitAddenda(paths []string) (journals, addenda []string) {
	for _, p := range paths {
		if destruction.IsAddendum(p) {
			addenda = append(addenda, p)
		} else {
			journals = append(journals, p)
		}
	}
	return journals, addenda
}

// destructionExit is the exit status the destruction records give: 1 for
// an addendum given whose journal was not (it checks nothing), 7 for an
// addendum altered (INVALID), 9 for one that does not count otherwise
// (untrusted key, unsigned, cut short) or a drive flagged (see the exit
// statuses of kesu report), else 0.
func destructionExit(ledgers []*destruction.Ledger, orphans []*destruction.Addendum) int {
	worst := 0
	bad := func(a *destruction.Addendum) {
		if a.Status == report.Invalid {
			worst = worseExit(worst, exitJournalInvalid)
		} else if a.Status != report.Intact {
			worst = worseExit(worst, exitDestruction)
		}
	}
	for _, a := range orphans {
		bad(a)
		worst = worseExit(worst, exitFail)
	}
	for _, l := range ledgers {
		if l == nil {
			continue
		}
		for _, a := range l.Addenda {
			bad(a)
		}
		if l.Flagged() {
			worst = worseExit(worst, exitDestruction)
		}
	}
	return worst
}

func runReportDestroy(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report destroy", flag.ContinueOnError)
	var keys, photos pathList
	fs.Var(&keys, "pubkey", "trusted public key file (repeatable): the journal must verify under one of them")
	keyPath := fs.String("key", "", "the office's private signing key file (kesu keygen) that signs the addendum")
	drive := fs.Int("drive", 0, "the drive's number in the journal")
	serial := fs.String("serial", "", "the drive's serial number")
	contractor := fs.String("contractor", "", "who destroyed the drive")
	date := fs.String("date", "", "the day of the destruction, YYYY-MM-DD (as on the certificate)")
	method := fs.String("method", "", "shredding, crushing, degaussing or drilling")
	certificate := fs.String("certificate", "", "the contractor's certificate of destruction (PDF or image)")
	fs.Var(&photos, "photo", "a photograph of the destroyed drive, JPEG or PNG (repeatable)")
	recorder := fs.String("recorder", "", "who records the destruction (the office's person)")
	note := fs.String("note", "", "a remark kept with the record")
	out := fs.String("out", "", "directory for the addendum (default: the journal's)")
	paths, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(paths) != 1 {
		return fmt.Errorf("%w: report destroy needs exactly one JOURNAL", errUsage)
	}
	if *keyPath == "" {
		return fmt.Errorf("%w: report destroy needs --key FILE: the addendum is signed", errUsage)
	}
	ring, err := loadRing(keys)
	if err != nil {
		return err
	}
	signer, err := report.LoadSigner(*keyPath)
	if err != nil {
		return err
	}
	if _, ok := ring[signer.Fingerprint()]; !ok {
		fmt.Fprintf(stderr, "kesu: warning: the signing key %s is not among --pubkey: give its public key to kesu report verify, or the destruction will not count\n",
			report.FormatFingerprint(signer.Fingerprint()))
	}
	res, err := report.VerifyFile(paths[0], ring)
	if err != nil {
		return err
	}
	path, err := destruction.Write(destruction.Request{Journal: res, Drive: *drive, Serial: *serial,
		Contractor: *contractor, Date: *date, Method: destruction.Method(*method),
		Certificate: *certificate, Photos: photos, Note: *note, Recorder: report.Person{Name: *recorder}, Dir: *out}, signer)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, path)
	// Read back what was written, as verify will.
	a, err := destruction.Read(path, report.KeyRing{signer.Fingerprint(): signer.PublicKey()})
	if err != nil {
		return err
	}
	for _, ds := range destruction.Link(res, []*destruction.Addendum{a}, time.Now()) {
		if ds.Addendum == a {
			fmt.Fprintf(stdout, "  %s\n", ds.Line())
		}
	}
	if a.Status != report.Intact {
		return fmt.Errorf("the addendum written does not verify: %v", a.Problem)
	}
	return nil
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kesu-erase/kesu/internal/outfile"
	"github.com/kesu-erase/kesu/internal/view"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/cert"
	"github.com/kesu-erase/kesu/report/destruction"
	"github.com/kesu-erase/kesu/report/store"
)

func init() {
	register(command{
		name:    "report",
		summary: "verify erasure records (journals); print certificates (PDF) and ledger rows (CSV)",
		usage: []string{
			"report verify JOURNAL... --pubkey FILE... [--json]",
			"report pdf JOURNAL --out DIR [--lang ja|en] --pubkey FILE... [--drive N] [--tz ZONE] [--font FILE] [--unverified] [--force]",
			"report csv JOURNAL... --pubkey FILE... [--out FILE] [--tz ZONE] [--unverified] [--force]",
			"report destroy JOURNAL --pubkey FILE... --key FILE (--drive N | --serial S) --contractor NAME --date YYYY-MM-DD --method METHOD --certificate FILE --photo FILE... [--recorder NAME] [--note TEXT] [--out DIR]",
			"report verify|pdf|csv s3://BUCKET/PREFIX[/NAME.jsonl] [--endpoint URL] [--region R] ...",
		},
		subcommands: []string{"verify", "pdf", "csv", "destroy"},
		run:         runReport,
	})
}

// Exit statuses of `kesu report`. 0 means every journal is intact and every
// drive in it passed; 1 an error (e.g. a file could not be read), 2 bad
// usage. With several journals the worst one sets the status, in the order
// 0 < 9 < 8 < 1 < 5 < 6 < 7: a record that cannot be trusted outweighs what
// it says of the drives.
const (
	exitDestruction       = 9 // intact and every drive passed, but a drive that must be destroyed is not recorded destroyed (in time, with matching evidence)
	exitJournalIncomplete = 5 // intact so far, but cut short or never sealed: an incomplete run
	exitJournalUntrusted  = 6 // intact, but unsigned or signed by a key not given with --pubkey
	exitJournalInvalid    = 7 // altered, removed, duplicated or reordered records, data after the seal, or a recorded verdict its steps do not give
	exitDrivesNotPassed   = 8 // intact, sealed and trusted, but a drive did not PASS (or the journal holds no drive)
)

// journalExit is the exit status for one journal: its integrity first, then
// its drives' outcome.
func journalExit(res *report.Result) int {
	switch res.Status {
	case report.Intact:
		if !res.Outcome.AllPassed() {
			return exitDrivesNotPassed
		}
		return 0
	case report.Incomplete:
		return exitJournalIncomplete
	case report.Untrusted:
		return exitJournalUntrusted
	}
	return exitJournalInvalid
}

// worseExit returns the worse of two exit statuses (see the order above).
func worseExit(a, b int) int {
	rank := func(c int) int {
		switch c {
		case 0:
			return 0
		case exitDestruction:
			return 1
		case exitDrivesNotPassed:
			return 2
		case exitFail:
			return 3
		}
		return c // 5, 6, 7
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

const reportUsage = `usage:
  kesu report verify JOURNAL... --pubkey FILE... [--json]
  kesu report pdf JOURNAL --out DIR [--lang ja|en] --pubkey FILE... [--drive N] [--tz ZONE] [--font FILE] [--unverified] [--force]
  kesu report csv JOURNAL... --pubkey FILE... [--out FILE] [--tz ZONE] [--unverified] [--force]
  kesu report destroy JOURNAL --pubkey FILE... --key FILE (--drive N | --serial S) --contractor NAME
        --date YYYY-MM-DD --method shredding|crushing|degaussing|drilling --certificate FILE
        --photo FILE... [--recorder NAME] [--note TEXT] [--out DIR]

verify checks that each journal is intact, in order, sealed and signed by a
trusted key (the record's integrity), recomputes every drive's verdict from
its recorded steps, and prints both. Exit status: 0 intact and every drive
PASS; 8 intact, but a drive did not PASS (or no drive); 5 incomplete (cut
short or not sealed); 6 untrusted (unsigned or unknown key); 7 invalid
(altered, removed, duplicated or reordered records, or a recorded verdict
its steps do not give, or a destruction addendum altered); 9 intact and
every drive PASS, but a drive that must be physically destroyed (MIC
category (1)) has no destruction record yet, one after the policy's
deadline, or evidence that no longer matches, or an addendum does not count
(untrusted key, cut short); 1 error (also: an addendum given without its
journal); 2 usage. With several journals the worst status wins
(0 < 9 < 8 < 1 < 5 < 6 < 7), so "kesu report verify J && archive J" never
files a failed erasure.

A JOURNAL may be an S3-compatible store's location, s3://BUCKET/PREFIX:
every record (*.jsonl) directly under the prefix is read (the destruction
addenda among them with their journals), or the one a location ending in
NAME.jsonl names. --endpoint (or AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL)
names the server, AWS S3 when none; the credentials come from
AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (AWS_SESSION_TOKEN) or the
shared credentials file (~/.aws/credentials, AWS_PROFILE). The results name
each record by its s3:// address; the listing's and the reading's progress
is shown on stderr.

destroy records that a drive of a sealed journal was physically destroyed:
the contractor, the day, the method, and the SHA-256 of the contractor's
certificate and of each photo (the files are not copied). It writes a signed
addendum <run id>.destroy-*.jsonl beside the journal (or in --out), which
verify, pdf and csv then read with the journal; an addendum given as a
JOURNAL argument is read too. verify shows each drive erased, then destroyed,
checks every evidence file's hash (a moved file is said to be missing, a
replaced one not to match), and flags drives past the policy's
destruction_deadline_days.

A journal whose line endings were converted to CRLF (copied through
Windows) is verified with the CR before each newline removed, which gives
back the bytes kesu wrote; every reader says so in a warning.

pdf and csv refuse journals that do not verify, unless --unverified is given:
then every certificate page is marked UNVERIFIED and the CSV's
journal_status column says why. They never overwrite an existing file
(exit 3, nothing written) unless --force is given; a file replaced with
--force is replaced only once its new content is complete.
`

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, reportUsage)
		return fmt.Errorf("%w: report needs verify, pdf or csv", errUsage)
	}
	switch args[0] {
	case "verify":
		return runReportVerify(args[1:], stdout, stderr)
	case "pdf":
		return runReportPDF(args[1:], stdout, stderr)
	case "csv":
		return runReportCSV(args[1:], stdout, stderr)
	case "destroy":
		return runReportDestroy(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, reportUsage)
		return nil
	}
	fmt.Fprint(stderr, reportUsage)
	return fmt.Errorf("%w: unknown report command %q", errUsage, args[0])
}

// pathList is a repeatable flag.
type pathList []string

func (p *pathList) String() string     { return strings.Join(*p, ",") }
func (p *pathList) Set(s string) error { *p = append(*p, s); return nil }

// verifyAll reads and verifies each journal. It returns the results (nil
// for a journal that could not be read) and the worst exit status.
func verifyAll(paths []string, ring report.KeyRing, stderr io.Writer) ([]*report.Result, int) {
	var results []*report.Result
	worst := 0
	for _, p := range paths {
		res, err := report.VerifyFile(p, ring)
		if err != nil {
			fmt.Fprintf(stderr, "kesu: %v\n", err)
			worst = worseExit(worst, exitFail)
			results = append(results, nil)
			continue
		}
		worst = worseExit(worst, journalExit(res))
		results = append(results, res)
	}
	return results, worst
}

// warnCRLF says of each journal whose line endings were converted to CRLF
// that it was verified with the CRs removed (report verify says so in its
// result; pdf and csv print no result).
func warnCRLF(results []*report.Result, stderr io.Writer) {
	for _, res := range results {
		if res != nil && res.CRLF {
			fmt.Fprintf(stderr, "kesu: warning: %s: %s\n", res.Path, report.CRLFWarning)
		}
	}
}

func loadRing(keys pathList) (report.KeyRing, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: give the trusted public key(s) with --pubkey FILE", errUsage)
	}
	return report.LoadPublicKeys(keys...)
}

func runReportVerify(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report verify", flag.ContinueOnError)
	var keys pathList
	fs.Var(&keys, "pubkey", "trusted public key file (repeatable)")
	jsonOut := fs.Bool("json", false, "print the results as JSON")
	var sf storeFlags
	sf.define(fs)
	paths, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("%w: report verify needs at least one JOURNAL", errUsage)
	}
	ring, err := loadRing(keys)
	if err != nil {
		return err
	}
	paths, fx, err := sf.resolve(context.Background(), paths, stderr)
	if err != nil {
		return err
	}
	defer fx.close()
	journals, addenda := splitAddenda(paths)
	if len(journals) == 0 {
		var names []string
		for _, a := range addenda {
			names = append(names, fx.name(a))
		}
		verb := "are destruction addenda"
		if len(names) == 1 {
			verb = "is a destruction addendum"
		}
		return fmt.Errorf("no journal to verify: %s %s; give the journal it belongs to (the addenda beside a journal are read with it)", strings.Join(names, ", "), verb)
	}
	results, worst := verifyAll(journals, ring, stderr)
	ledgers, orphans, err := destruction.Collect(results, addenda, ring, time.Now(), fx.readOptions)
	if err != nil {
		return err
	}
	fx.rename(results)
	worst = worseExit(worst, destructionExit(ledgers, orphans))
	if err := view.Journals(stdout, journals, results, ledgers, orphans, *jsonOut); err != nil {
		return err
	}
	if worst != 0 {
		return exitError{worst}
	}
	return nil
}

func loadLocation(name string) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%w: --tz %q: %v", errUsage, name, err)
	}
	return loc, nil
}

func runReportPDF(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report pdf", flag.ContinueOnError)
	var keys pathList
	fs.Var(&keys, "pubkey", "trusted public key file (repeatable)")
	out := fs.String("out", "", "directory for the certificates (required)")
	lang := fs.String("lang", "ja", "certificate language: ja or en")
	drive := fs.Int("drive", 0, "print only this drive (its number in the journal); 0 = all")
	tz := fs.String("tz", "Local", "time zone for dates, e.g. Asia/Tokyo or UTC")
	fontPath := fs.String("font", "", "TrueType font to embed (default: IPAexGothic from fonts-ipaexfont-gothic)")
	unverified := fs.Bool("unverified", false, "print even if the journal does not verify; every page is marked UNVERIFIED")
	force := fs.Bool("force", false, "overwrite certificates that already exist in --out")
	var sf storeFlags
	sf.define(fs)
	paths, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	fromStore := slices.ContainsFunc(paths, store.IsURL)
	paths, fx, err := sf.resolve(context.Background(), paths, stderr)
	if err != nil {
		return err
	}
	defer fx.close()
	paths, addenda := splitAddenda(paths)
	switch {
	case len(paths) == 0 || len(paths) > 1 && !fromStore:
		return fmt.Errorf("%w: report pdf needs exactly one JOURNAL (or an s3:// location)", errUsage)
	case len(paths) > 1 && *drive != 0:
		return fmt.Errorf("%w: --drive goes with one journal; %d were read", errUsage, len(paths))
	}
	if *out == "" {
		return fmt.Errorf("%w: report pdf needs --out DIR", errUsage)
	}
	if *lang != "ja" && *lang != "en" {
		return fmt.Errorf("%w: --lang %q: want ja or en", errUsage, *lang)
	}
	loc, err := loadLocation(*tz)
	if err != nil {
		return err
	}
	ring := report.KeyRing{}
	if len(keys) > 0 || !*unverified {
		if ring, err = loadRing(keys); err != nil {
			return err
		}
	}
	fontFile, err := cert.FindFont(*fontPath)
	if err != nil {
		return err
	}
	font, err := os.ReadFile(fontFile)
	if err != nil {
		return fmt.Errorf("font: %w", err)
	}

	results, code := verifyAll(paths, ring, stderr)
	warnCRLF(results, stderr)
	now := time.Now().In(loc) // destruction days counted in --tz, as the certificate's dates
	ledgers, orphans, err := destruction.Collect(results, addenda, ring, now, fx.readOptions)
	if err != nil {
		return err
	}
	orphanExit := reportOrphans(orphans, stderr)
	fx.rename(results)
	pj := pdfJob{out: *out, lang: *lang, drive: *drive, force: *force, unverified: *unverified,
		opt: cert.Options{Lang: *lang, Font: font, Location: loc, Now: now}}
	worst := orphanExit
	for i, res := range results {
		if res == nil {
			worst = worseExit(worst, code)
			continue
		}
		c, err := pj.print(res, ledgers[i], stdout, stderr)
		if err != nil {
			return err
		}
		worst = worseExit(worst, c)
	}
	if worst != 0 {
		return exitError{worst}
	}
	return nil
}

// pdfJob is kesu report pdf's flags.
type pdfJob struct {
	out, lang         string
	drive             int
	force, unverified bool
	opt               cert.Options
}

// print writes the certificates of one verified journal and returns the
// exit status it gives.
func (pj pdfJob) print(res *report.Result, ledger *destruction.Ledger, stdout, stderr io.Writer) (int, error) {
	reason := ""
	if !res.OK() {
		reason = fmt.Sprintf("%s — %s", res.Status, res.Problems[0].Error())
		if !pj.unverified {
			fmt.Fprintf(stderr, "kesu: %s does not verify (%s); no certificates printed (--unverified prints them marked UNVERIFIED)\n", res.Path, reason)
			return journalExit(res), nil
		}
		fmt.Fprintf(stderr, "kesu: warning: %s does not verify (%s); certificates are marked UNVERIFIED\n", res.Path, reason)
	}
	if res.Run == nil {
		fmt.Fprintf(stderr, "kesu: %s holds no intact run-start record; nothing to print\n", res.Path)
		return max(journalExit(res), exitFail), nil
	}
	if pj.drive != 0 && res.Run.DriveByID(pj.drive) == nil {
		return 0, fmt.Errorf("%w: --drive %d: the journal has drives 1 to %d", errUsage, pj.drive, len(res.Run.Drives))
	}
	var drives []*report.DriveRun
	var files []string
	for _, d := range res.Run.Drives {
		if pj.drive == 0 || d.Drive.ID == pj.drive {
			drives = append(drives, d)
			files = append(files, filepath.Join(pj.out, cert.FileName(res.Run, d, pj.lang)))
		}
	}
	// Every certificate is checked before the first is written: a refusal
	// leaves no half-printed set.
	if err := outfile.Refuse(files, pj.force); err != nil {
		return 0, refused(err)
	}
	if err := os.MkdirAll(pj.out, 0o755); err != nil {
		return 0, err
	}
	for i, d := range drives {
		opt := pj.opt
		opt.Unverified = reason
		opt.Destruction = ledger.Drive(d.Drive.ID)
		if err := writePDF(files[i], pj.force, res, d, opt); err != nil {
			return 0, err
		}
		fmt.Fprintln(stdout, files[i])
	}
	if len(res.Run.Drives) == 0 {
		fmt.Fprintf(stderr, "kesu: %s records no drives; no certificates printed\n", res.Path)
	}
	return 0, nil
}

func runReportCSV(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report csv", flag.ContinueOnError)
	var keys pathList
	fs.Var(&keys, "pubkey", "trusted public key file (repeatable)")
	out := fs.String("out", "", "write the CSV to this file (default: standard output)")
	tz := fs.String("tz", "UTC", "time zone for times, e.g. Asia/Tokyo")
	unverified := fs.Bool("unverified", false, "include journals that do not verify (their journal_status column says so)")
	force := fs.Bool("force", false, "overwrite the --out file if it exists")
	var sf storeFlags
	sf.define(fs)
	paths, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("%w: report csv needs at least one JOURNAL", errUsage)
	}
	loc, err := loadLocation(*tz)
	if err != nil {
		return err
	}
	ring := report.KeyRing{}
	if len(keys) > 0 || !*unverified {
		if ring, err = loadRing(keys); err != nil {
			return err
		}
	}
	paths, fx, err := sf.resolve(context.Background(), paths, stderr)
	if err != nil {
		return err
	}
	defer fx.close()
	paths, addenda := splitAddenda(paths)
	if len(paths) == 0 {
		return fmt.Errorf("%w: report csv needs at least one JOURNAL", errUsage)
	}
	results, code := verifyAll(paths, ring, stderr)
	warnCRLF(results, stderr)
	// Destruction days counted in --tz, as the CSV's times.
	ledgers, orphans, err := destruction.Collect(results, addenda, ring, time.Now().In(loc), fx.readOptions)
	if err != nil {
		return err
	}
	orphanExit := reportOrphans(orphans, stderr)
	fx.rename(results)
	extra := destruction.CSV(results, ledgers)
	var keep []*report.Result
	for i, res := range results {
		switch {
		case res == nil:
			if !*unverified {
				return exitError{code}
			}
		case !res.OK() && !*unverified:
			fmt.Fprintf(stderr, "kesu: %s does not verify (%s — %s); no CSV written (--unverified includes it)\n", paths[i], res.Status, res.Problems[0].Error())
			return exitError{code}
		case !res.OK():
			fmt.Fprintf(stderr, "kesu: warning: %s does not verify (%s); included, marked in journal_status\n", paths[i], res.Status)
			keep = append(keep, res)
		default:
			keep = append(keep, res)
		}
	}
	if *out == "" {
		if err := report.WriteCSV(stdout, keep, loc, extra); err != nil {
			return fmt.Errorf("csv: %w", err)
		}
		return exitIf(orphanExit)
	}
	if err := outfile.Refuse([]string{*out}, *force); err != nil {
		return refused(err)
	}
	f, err := outfile.Create(*out, *force)
	if err != nil {
		return refused(err)
	}
	if err := report.WriteCSV(f, keep, loc, extra); err != nil {
		f.Abort()
		return fmt.Errorf("csv: %w", err)
	}
	if err := f.Commit(); err != nil {
		return err
	}
	return exitIf(orphanExit)
}

// reportOrphans says on stderr of each addendum given whose journal was
// not (it was checked against nothing) and returns the exit status that
// gives: 1 when there is any, as report verify exits.
func reportOrphans(orphans []*destruction.Addendum, stderr io.Writer) int {
	for _, a := range orphans {
		destruction.WriteOrphan(stderr, a)
	}
	if len(orphans) > 0 {
		return exitFail
	}
	return 0
}

// exitIf is the error of exit status code, nil for 0.
func exitIf(code int) error {
	if code == 0 {
		return nil
	}
	return exitError{code}
}

func writePDF(path string, force bool, res *report.Result, d *report.DriveRun, opt cert.Options) error {
	f, err := outfile.Create(path, force)
	if err != nil {
		return refused(err)
	}
	if err := cert.Render(f, res, d, opt); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// refused makes a file that already exists a refusal (exit 3).
func refused(err error) error {
	if errors.Is(err, outfile.ErrExists) {
		return fmt.Errorf("%w: %w", errRefused, err)
	}
	return err
}

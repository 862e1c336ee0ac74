// Package report holds kesu's erasure record: the schema every part of kesu
// fills (plain data, no dependency on the drive packages), the journal that
// writes it to the boot stick, the Ed25519 keys that sign it, the verifier,
// and the assessment that turns recorded facts into a drive's status and
// the sanitization level it reached. docs/record.md documents the format
// field by field.
//
// # Writing a run
//
// Load the key first and stop if it fails (fail closed):
//
//	signer, err := report.LoadSigner("/stick/keys/kesu-signing.key")
//	if err != nil { ... } // erase nothing; only a policy with Unsigned=true may pass a nil signer
//	j, err := report.Create("/stick/records", signer, report.RunStart{
//		Mode: "appliance", Tool: report.CurrentTool(version), Host: report.LocalHost(),
//		Sanitizer: ..., Policy: ..., ConfigSHA256: ...,
//	})
//
// Then, from each drive's worker (all methods are safe for concurrent use):
//
//	dl, err := j.Drive(report.Drive{Identity: ..., Class: ..., SMART: ..., HiddenAreas: ..., Plan: ...})
//	dl.HiddenArea(report.HiddenArea{Kind: "HPA", Present: true, Restored: true, ...})
//	n, err := dl.BeginAttempt(report.MethodOverwrite, time.Now())
//	_, err = dl.Attempt(report.Attempt{Attempt: n, Method: report.MethodOverwrite, Mechanism: ..., Outcome: ..., ...})
//	err = dl.Verification(report.Verification{Attempt: n, ...})
//	assessment, err := dl.Finish(report.Finish{})
//
// and at the end j.Seal(). Every record is written with one write of the
// whole line and fsynced before the call returns. Any write or fsync error
// is returned at once and fails the journal for good (errors.Is(err,
// ErrJournalFailed)); the records already written stay verifiable. The
// caller must then stop starting new erasures.
//
// The status and level of a drive are never typed by a caller: Finish
// computes them with Assess from the drive's records, and the verifier
// computes them again.
//
// # The record
//
// A journal is one file per run, JSON Lines. Each line is
//
//	{"seq":N,"time":"…","kind":"…","prev":"<SHA-256 of the previous line>","body":{…},"sig":"<Ed25519>"}
//
// prev chains the lines (the first has 64 zeros); sig signs the line's own
// bytes without the sig member. The last record is a seal over the chain
// head and the record count.
//
// # Checking a run
//
//	ring, err := report.LoadPublicKeys("office.pub")
//	res, err := report.VerifyFile(path, ring)
//	if res.Status != report.Intact { ... res.Problems[0] names the first bad record ... }
//	for _, d := range res.Run.Drives { d.Facts(res.Run.Start.Policy) ... }
//
// A journal cut short verifies up to its last complete record and is
// INCOMPLETE, never VERIFIED. A journal whose line endings were converted
// to CRLF (copied through Windows) is verified with the CR before each
// newline removed — which gives back the bytes written, since a record
// never holds a raw CR — and Result.CRLF and a warning say so. WriteCSV
// writes ledger rows; package
// report/cert prints certificates.
package report

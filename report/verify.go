package report

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// RawJournal is a journal file split into lines, not yet trusted.
type RawJournal struct {
	Path string
	// Lines are the complete lines, without their newlines.
	Lines [][]byte
	// Partial holds the bytes after the last newline: a record cut short by
	// a power loss or a full stick. Nil when the file ends with a newline.
	Partial []byte
	// CRLF is set when every line ended with CR LF: the file's line
	// endings were converted (a Windows copy, an FTP transfer in ASCII
	// mode). Lines then hold the lines without the CR — the bytes kesu
	// wrote, since a record never holds a raw CR (JSON escapes it).
	CRLF bool
	// CRLines counts the lines that end with a CR when not all do (CRLF is
	// then false and the lines are kept as read).
	CRLines int
}

// CRLFWarning is what the readers of a journal say of a file whose line
// endings were converted to CRLF (RawJournal.CRLF).
const CRLFWarning = "the file's line endings were converted to CRLF (e.g. by a Windows copy); the signature covers the original bytes: " +
	"convert it back with `dos2unix` or `tr -d '\\r'`. kesu verified the records with the CR before each newline removed, " +
	"which gives back the bytes it wrote (a record never holds a raw CR); the file itself is not the file kesu wrote, and a checksum of it differs"

// ReadJournal reads a journal file.
func ReadJournal(path string) (*RawJournal, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	j := SplitJournal(data)
	j.Path = path
	return j, nil
}

// SplitJournal splits journal bytes into lines.
func SplitJournal(data []byte) *RawJournal {
	j := &RawJournal{}
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			j.Partial = data
			break
		}
		j.Lines = append(j.Lines, data[:i])
		data = data[i+1:]
	}
	for _, l := range j.Lines {
		if len(l) > 0 && l[len(l)-1] == '\r' {
			j.CRLines++
		}
	}
	if j.CRLines > 0 && j.CRLines == len(j.Lines) {
		for i, l := range j.Lines {
			j.Lines[i] = l[:len(l)-1]
		}
		j.CRLF, j.CRLines = true, 0
	}
	return j
}

// VerifyStatus is the verdict on a whole journal.
type VerifyStatus string

// Verdicts, from best to worst.
const (
	// Intact: every record intact and in order, sealed, signed by a trusted key.
	// It says nothing of the drives: see Result.Outcome.
	Intact VerifyStatus = "INTACT"
	// Incomplete: every complete record intact and in order, but the run was
	// never sealed (power loss, stick pulled or full, crash — or records cut
	// off the end, which looks the same). Never a clean run.
	Incomplete VerifyStatus = "INCOMPLETE"
	// Untrusted: intact, but unsigned or signed by a key not in the trusted set.
	Untrusted VerifyStatus = "UNTRUSTED"
	// Invalid: a record was altered, removed, duplicated or reordered, or
	// the journal breaks the schema's rules.
	Invalid VerifyStatus = "INVALID"
)

func (s VerifyStatus) severity() int {
	switch s {
	case Intact:
		return 0
	case Incomplete:
		return 1
	case Untrusted:
		return 2
	}
	return 3
}

// ProblemKind names what is wrong with a journal.
type ProblemKind string

// Problem kinds and the status each leads to.
const (
	ProblemAltered      ProblemKind = "altered"       // Invalid: a record's bytes changed
	ProblemReordered    ProblemKind = "reordered"     // Invalid
	ProblemRemoved      ProblemKind = "removed"       // Invalid: records missing in the middle
	ProblemDuplicated   ProblemKind = "duplicated"    // Invalid
	ProblemAfterSeal    ProblemKind = "after-seal"    // Invalid: data after the seal
	ProblemMalformed    ProblemKind = "malformed"     // Invalid: intact and signed, but breaks the schema's rules
	ProblemBadSignature ProblemKind = "bad-signature" // Invalid: a signature does not match (record altered)
	ProblemVerdict      ProblemKind = "verdict"       // Invalid: a recorded drive verdict differs from the one its steps give
	ProblemTruncated    ProblemKind = "truncated"     // Incomplete: the last line is cut short
	ProblemUnsealed     ProblemKind = "unsealed"      // Incomplete: no seal record
	ProblemEmpty        ProblemKind = "empty"         // Incomplete: no complete record at all
	ProblemUnknownKey   ProblemKind = "unknown-key"   // Untrusted
	ProblemUnsigned     ProblemKind = "unsigned"      // Untrusted
)

func (k ProblemKind) status() VerifyStatus {
	switch k {
	case ProblemTruncated, ProblemUnsealed, ProblemEmpty:
		return Incomplete
	case ProblemUnknownKey, ProblemUnsigned:
		return Untrusted
	}
	return Invalid
}

// Problem is one thing wrong with a journal.
type Problem struct {
	Kind ProblemKind
	// Line is the 1-based line number of the first bad record (0 when the
	// problem is about the journal as a whole).
	Line int
	// Seq is the record's seq when it could be read, else -1.
	Seq    int64
	Detail string
}

func (p Problem) Error() string {
	where := ""
	if p.Line > 0 {
		where = fmt.Sprintf("line %d: ", p.Line)
		if p.Seq >= 0 {
			where = fmt.Sprintf("line %d (record %d): ", p.Line, p.Seq)
		}
	}
	return fmt.Sprintf("%s%s: %s", where, p.Kind, p.Detail)
}

// Result is the verdict on one journal.
type Result struct {
	Path   string
	Status VerifyStatus
	// Problems lists what is wrong, the first bad record first; empty when
	// Intact. An Invalid journal stops at its first bad record.
	Problems []Problem
	// Warnings are facts that do not change the verdict, e.g. an assessment
	// that this version of kesu would compute differently, or line endings
	// converted to CRLF.
	Warnings []string
	// CRLF is set when the file's line endings were converted to CRLF and
	// the records were verified with the CRs removed (RawJournal.CRLF).
	CRLF bool
	// Records is the number of records verified intact (the valid prefix).
	Records int64
	// Head is the SHA-256 (hex) of the last intact record.
	Head string
	// Sealed is true when the journal ends with a valid seal.
	Sealed bool
	// Key is the signing key the journal declares (nil when unsigned), and
	// Trusted whether it is in the trusted key ring.
	Key     *KeyInfo
	Trusted bool
	// Run holds the valid prefix of the journal, folded; nil when not even
	// the run-start record is intact.
	Run *Run
	// Outcome counts the drives' statuses recomputed from their recorded
	// steps — a separate matter from Status, which is the record's
	// integrity: an intact record of a failed erase is still a failed
	// erase.
	Outcome DriveCounts
}

// DriveCounts counts a journal's drives by status, as recomputed from the
// recorded steps (DriveRun.Assessment).
type DriveCounts struct {
	Drives     int `json:"drives"`
	Pass       int `json:"pass"`
	Fail       int `json:"fail"`
	Skipped    int `json:"skipped"`
	Incomplete int `json:"incomplete"`
	// Volumes counts RAID logical volumes overwritten as volumes: no
	// drives, so not in Drives; VolumesFailed those whose overwrite did
	// not pass.
	Volumes       int `json:"volumes,omitempty"`
	VolumesFailed int `json:"volumes_failed,omitempty"`
	// Unreached lists drives behind RAID controllers that were not erased
	// although the policy did not exclude them (Run.Unreached).
	Unreached []string `json:"unreached,omitempty"`
	// Rewritten lists erased drives a RAID controller may have written
	// after their verification (Run.Rewritten).
	Rewritten []string `json:"rewritten_after_erase,omitempty"`
}

// AllPassed reports whether the journal holds at least one drive, every
// drive passed, every volume overwrite passed and no drive behind a
// controller was left unreached.
func (o DriveCounts) AllPassed() bool {
	return o.Drives > 0 && o.Pass == o.Drives && o.VolumesFailed == 0 && len(o.Unreached) == 0 && len(o.Rewritten) == 0
}

func (o *DriveCounts) addDrive(d *DriveRun, s Status) {
	if d.Drive.Class == ClassVolume {
		o.Volumes++
		if s != StatusPass {
			o.VolumesFailed++
		}
		return
	}
	o.add(s)
}

// String says the counts in words, e.g. "2 PASS, 1 FAIL".
func (o DriveCounts) String() string {
	var parts []string
	if o.Drives == 0 {
		parts = append(parts, "no drive")
	}
	for _, c := range []struct {
		n int
		s Status
	}{{o.Pass, StatusPass}, {o.Fail, StatusFail}, {o.Incomplete, StatusIncomplete}, {o.Skipped, StatusSkipped}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.s))
		}
	}
	if o.Volumes > 0 {
		parts = append(parts, fmt.Sprintf("%d logical volume(s) overwritten as volumes (no drive erasure), %d of them not passed", o.Volumes, o.VolumesFailed))
	}
	if n := len(o.Rewritten); n > 0 {
		parts = append(parts, fmt.Sprintf("%d erased drive(s) a RAID controller may have written after their verification", n))
	}
	if n := len(o.Unreached); n > 0 {
		parts = append(parts, fmt.Sprintf("%d drive(s) (or unlisted volumes' member sets) behind RAID controllers NOT reached", n))
	}
	return strings.Join(parts, ", ")
}

func (o *DriveCounts) add(s Status) {
	o.Drives++
	switch s {
	case StatusPass:
		o.Pass++
	case StatusFail:
		o.Fail++
	case StatusSkipped:
		o.Skipped++
	default:
		o.Incomplete++
	}
}

// sameVerdict reports whether two assessments give the same verdict:
// status, levels under every reading, MIC category met, the counting
// attempt, verification and whether destruction is required. Wording,
// findings and the cryptographic erase record may differ between kesu
// versions without changing it. The Rev. 2 level is compared only when
// both have it: records written before kesu read Rev. 2 lack it, and adding
// it changed no other level.
func sameVerdict(a, b Assessment) bool {
	return a.Status == b.Status && a.Reached == b.Reached && a.NISTRev1 == b.NISTRev1 && a.IEEE2883 == b.IEEE2883 &&
		(a.NISTRev2 == "" || b.NISTRev2 == "" || a.NISTRev2 == b.NISTRev2) &&
		a.MICMet == b.MICMet && a.Method == b.Method && a.Attempt == b.Attempt && a.Verified == b.Verified &&
		a.DestroyRequired == b.DestroyRequired && a.AcceptedBelow == b.AcceptedBelow
}

// OK reports whether the journal verified completely.
func (r *Result) OK() bool { return r.Status == Intact }

func (r *Result) add(p Problem) {
	r.Problems = append(r.Problems, p)
	if p.Kind.status().severity() > r.Status.severity() {
		r.Status = p.Kind.status()
	}
}

// Verify checks a journal: every line parses as a record, carries a valid
// signature by the key its run-start declares (when signed), has seq equal
// to its position and prev equal to the SHA-256 of the line before, and
// fits the schema's rules; the last record is a seal over the chain head and
// the record count; the key is in trusted. It reports the first bad record
// and why, and folds the valid prefix into Result.Run.
func Verify(j *RawJournal, trusted KeyRing) *Result {
	res := &Result{Path: j.Path, Status: Intact, Head: ZeroHash, CRLF: j.CRLF}
	switch {
	case j.CRLF:
		res.Warnings = append(res.Warnings, CRLFWarning)
	case j.CRLines > 0:
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d of the file's %d lines end with a CR (a CRLF line ending): part of the file was converted or edited; "+
			"a record's signature covers the bytes without the CR", j.CRLines, len(j.Lines)))
	}
	var asm assembler
	var key ed25519.PublicKey
	seen := map[string]int{} // line hash -> index
	prev := ZeroHash

	for i, line := range j.Lines {
		lineNo := i + 1
		bad := func(kind ProblemKind, seq int64, format string, args ...any) *Result {
			res.add(Problem{Kind: kind, Line: lineNo, Seq: seq, Detail: fmt.Sprintf(format, args...)})
			return res
		}
		if res.Sealed {
			return bad(ProblemAfterSeal, -1, "data after the seal record")
		}
		p, err := parseLine(line)
		if err != nil {
			return bad(ProblemAltered, -1, "not a valid record (%v)", err)
		}
		seq := p.env.Seq
		hash := hashLine(line)

		if i == 0 {
			if p.env.Kind != KindRunStart {
				return bad(ProblemRemoved, seq, "first record is %q, not %q: the start of the journal is missing", p.env.Kind, KindRunStart)
			}
			var rs RunStart
			if err := json.Unmarshal(p.env.Body, &rs); err != nil {
				return bad(ProblemAltered, seq, "run-start body: %v", err)
			}
			if rs.Key != nil {
				pub, err := rs.Key.publicKey()
				if err != nil {
					return bad(ProblemAltered, seq, "run-start key: %v", err)
				}
				key = pub
				k := *rs.Key
				res.Key = &k
			}
		}

		// The record's own signature: any change to its bytes shows here.
		if kind, why := p.signatureProblem(key, "the journal", "the run-start"); why != "" {
			return bad(kind, seq, "%s", why)
		}

		// The chain: position and link to the line before.
		if seq != int64(i) || p.env.Prev != prev {
			if first, dup := seen[hash]; dup {
				return bad(ProblemDuplicated, seq, "repeats line %d", first+1)
			}
			switch {
			case seq == int64(i):
				return bad(ProblemAltered, seq, "prev %s… does not match the hash of line %d (%s…): a record was changed, replaced or spliced in", short(p.env.Prev), i, short(prev))
			case seq > int64(i):
				if at := findSeq(j.Lines[i+1:], int64(i)); at >= 0 {
					return bad(ProblemReordered, seq, "record %d comes here, but record %d is at line %d", seq, i, lineNo+1+at)
				}
				if seq == int64(i)+1 {
					return bad(ProblemRemoved, seq, "record %d is missing", i)
				}
				return bad(ProblemRemoved, seq, "records %d to %d are missing", i, seq-1)
			default:
				return bad(ProblemReordered, seq, "record %d comes after record %d", seq, i-1)
			}
		}

		body, err := decodeBody(p.env.Kind, p.env.Body)
		if err != nil {
			return bad(ProblemMalformed, seq, "%v", err)
		}
		if s, ok := body.(*Seal); ok {
			if why := s.mismatch(seq, p.env.Prev, res.Key, "the run-start"); why != "" {
				return bad(ProblemMalformed, seq, "%s", why)
			}
		}
		if err := asm.apply(seq, p.env.Time, hash, p.env.Kind, body); err != nil {
			return bad(ProblemMalformed, seq, "%v", err)
		}
		if i == 0 {
			res.Run = &asm.run
		}
		seen[hash] = i
		prev = hash
		res.Records = seq + 1
		res.Head = hash
		res.Sealed = asm.run.Seal != nil
	}

	switch {
	case len(j.Partial) > 0 && res.Sealed:
		res.add(Problem{Kind: ProblemAfterSeal, Line: len(j.Lines) + 1, Seq: -1, Detail: fmt.Sprintf("%d bytes after the seal record", len(j.Partial))})
		return res
	case len(j.Partial) > 0:
		res.add(Problem{Kind: ProblemTruncated, Line: len(j.Lines) + 1, Seq: -1,
			Detail: fmt.Sprintf("the last line is cut short (%d bytes, no newline): the journal ends mid-record (power loss or full stick)", len(j.Partial))})
	}
	switch {
	case len(j.Lines) == 0:
		res.add(Problem{Kind: ProblemEmpty, Seq: -1, Detail: "no complete record"})
		return res
	case !res.Sealed && len(j.Partial) == 0: // a truncation already says it
		res.add(Problem{Kind: ProblemUnsealed, Seq: -1,
			Detail: fmt.Sprintf("%d records and no seal: the run did not finish (power loss, stick pulled or full, crash) or its end was cut off", res.Records)})
	}

	switch {
	case res.Key == nil:
		res.add(Problem{Kind: ProblemUnsigned, Seq: -1, Detail: "the journal is not signed (the configuration allowed an unsigned run)"})
	default:
		if tk, ok := trusted[res.Key.Fingerprint]; ok && bytes.Equal(tk, key) {
			res.Trusted = true
		} else {
			res.add(Problem{Kind: ProblemUnknownKey, Seq: -1,
				Detail: fmt.Sprintf("signed by key %s, which is not among the trusted public keys", FormatFingerprint(res.Key.Fingerprint))})
		}
	}

	// Recompute each drive's verdict from its recorded steps. Under this
	// schema a recorded verdict that differs was not computed from these
	// steps by these rules: the record is invalid. A kesu-record/1 journal
	// was judged by weaker rules (a sampled read-back proved a firmware
	// erase without canaries read back): its drives are judged by today's
	// rules, and a difference is reported.
	if res.Run != nil {
		if res.Run.Start.Schema == SchemaVersion1 && !res.Run.Start.Policy.ExtraOverwrite {
			if why := inferExtraOverwrite(res.Run); why != "" {
				// kesu-record/1 did not record extra_overwrite, but its
				// writers ran a host overwrite after a verified firmware
				// erase only when the policy asked for one.
				res.Run.Start.Policy.ExtraOverwrite = true
				res.Warnings = append(res.Warnings, "written under "+SchemaVersion1+", which did not record extra_overwrite: the policy asked for it ("+why+"), and the drives are judged so")
			}
		}
		pol := res.Run.Start.Policy
		for _, d := range res.Run.Drives {
			got := d.Assessment(pol)
			res.Outcome.addDrive(d, d.Facts(pol).Assessment.Status)
			if d.Result == nil {
				continue
			}
			rec := d.Result.Assessment
			if sameVerdict(got, rec) {
				continue
			}
			msg := fmt.Sprintf("drive %d (serial %q): recorded %s, %s, MIC met %d; recomputed from its recorded steps: %s, %s, MIC met %d",
				d.Drive.ID, d.Drive.Identity.Serial, rec.Status, rec.Reached, rec.MICMet, got.Status, got.Reached, got.MICMet)
			if res.Run.Start.Schema == SchemaVersion1 {
				res.Warnings = append(res.Warnings, msg+" (written under "+SchemaVersion1+", whose rules were weaker; the recomputed verdict applies)")
				continue
			}
			res.add(Problem{Kind: ProblemVerdict, Line: int(d.ResultSeq) + 1, Seq: d.ResultSeq, Detail: msg})
		}
		res.Outcome.Unreached, res.Outcome.Rewritten = res.Run.Unreached(), res.Run.Rewritten()
	}
	return res
}

// inferExtraOverwrite says why a kesu-record/1 run's policy asked for an
// extra host overwrite: a drive with a host overwrite attempt after a
// firmware attempt whose read-back passed ("" when none). Those writers
// went on after a verified firmware erase only for extra_overwrite.
func inferExtraOverwrite(r *Run) string {
	for _, d := range r.Drives {
		verified := map[int]bool{}
		for _, v := range d.Verifications {
			if len(v.Errors) == 0 && v.Mismatches == 0 && v.ReadErrors == 0 && v.BlocksRead > 0 {
				verified[v.Attempt] = true
			}
		}
		fw := 0
		for _, at := range d.Attempts {
			if at.Method != MethodOverwrite && at.Outcome == OutcomeSuccess && verified[at.Attempt] && fw == 0 {
				fw = at.Attempt
			}
		}
		if fw == 0 {
			continue
		}
		for _, s := range d.Starts {
			if s.Method == MethodOverwrite && s.Attempt > fw {
				return fmt.Sprintf("drive %d's attempt %d, a host overwrite after its verified firmware erase (attempt %d)", d.Drive.ID, s.Attempt, fw)
			}
		}
		for _, at := range d.Attempts {
			if at.Method == MethodOverwrite && at.Attempt > fw {
				return fmt.Sprintf("drive %d's attempt %d, a host overwrite after its verified firmware erase (attempt %d)", d.Drive.ID, at.Attempt, fw)
			}
		}
	}
	return ""
}

// publicKey decodes and checks the declared key.
func (k *KeyInfo) publicKey() (ed25519.PublicKey, error) {
	if k.Alg != "Ed25519" {
		return nil, fmt.Errorf("algorithm %q is not supported", k.Alg)
	}
	b, err := hex.DecodeString(k.PublicKey)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("public key %q is not 32 bytes of hex", k.PublicKey)
	}
	pub := ed25519.PublicKey(b)
	if Fingerprint(pub) != k.Fingerprint {
		return nil, fmt.Errorf("fingerprint %s does not match the public key", k.Fingerprint)
	}
	return pub, nil
}

// findSeq returns the index of the first line whose record has seq, or -1.
func findSeq(lines [][]byte, seq int64) int {
	for i, l := range lines {
		if p, err := parseLine(l); err == nil && p.env.Seq == seq {
			return i
		}
	}
	return -1
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// VerifyFile reads and verifies one journal file.
func VerifyFile(path string, trusted KeyRing) (*Result, error) {
	j, err := ReadJournal(path)
	if err != nil {
		return nil, err
	}
	return Verify(j, trusted), nil
}

// mismatch says how a seal at seq, after the line whose hash is prev, does
// not fit its chain signed by key (declared by first; nil: unsigned), or ""
// when it fits.
func (s *Seal) mismatch(seq int64, prev string, key *KeyInfo, first string) string {
	wantAlg, wantFP := "none", ""
	if key != nil {
		wantAlg, wantFP = "Ed25519", key.Fingerprint
	}
	switch {
	case s.Records != seq:
		return fmt.Sprintf("seal counts %d records, the chain has %d", s.Records, seq)
	case s.Head != prev:
		return fmt.Sprintf("seal head %s… is not the chain head %s…", short(s.Head), short(prev))
	case s.Alg != wantAlg || s.Fingerprint != wantFP:
		return fmt.Sprintf("seal names key %q (%s), %s %q (%s)", s.Fingerprint, s.Alg, first, wantFP, wantAlg)
	}
	return ""
}

// signatureProblem says how the line's signature does not fit a file signed
// by key (nil: unsigned; file names the file, first its first record), or
// "" when it fits.
func (p *parsedLine) signatureProblem(key ed25519.PublicKey, file, first string) (ProblemKind, string) {
	switch {
	case key != nil && p.sig == nil:
		return ProblemAltered, "record is not signed, but " + file + " is"
	case key != nil && !ed25519.Verify(key, signedMessage(p.unsigned), p.sig):
		return ProblemBadSignature, "signature does not match the record: the record was altered"
	case key == nil && p.sig != nil:
		return ProblemAltered, "record is signed, but " + first + " declares no key"
	}
	return "", ""
}

package report

import (
	"fmt"
	"strings"
)

// Status is a drive's final status.
type Status string

// Drive statuses.
const (
	StatusPass       Status = "PASS"       // the policy's level was reached (and verified, if the policy asks)
	StatusFail       Status = "FAIL"       // it was not: data may remain
	StatusSkipped    Status = "SKIPPED"    // no erase was attempted, for the recorded reason
	StatusIncomplete Status = "INCOMPLETE" // the work was cut short before the drive's result
)

// Assessment is the honest outcome for one drive, computed by Assess from
// the recorded facts — never typed by a caller.
type Assessment struct {
	Status Status `json:"status"`
	// Reached is the level reached under the strictest of the readings;
	// NISTRev2, IEEE2883 and NISTRev1 are the readings for the same method:
	// NIST SP 800-88 Rev. 2 (2025) and IEEE 2883-2022, which it defers to,
	// are the primary reading; Rev. 1 (2014) is kept alongside.
	Reached  Level `json:"reached"`
	NISTRev1 Level `json:"nist_rev1"`
	IEEE2883 Level `json:"ieee_2883"`
	// NISTRev2 is absent from records written before kesu read Rev. 2
	// (still kesu-record/2: the level reported did not change).
	NISTRev2 Level `json:"nist_rev2,omitempty"`
	// MICMet is the strictest MIC category whose erasure requirement was met:
	// 2 (which is also the erasure part of category 1), 3, or 0 for none.
	MICMet int `json:"mic_met"`
	// Method and Attempt name the attempt that reached the level.
	Method  Method `json:"method,omitempty"`
	Attempt int    `json:"attempt,omitempty"`
	// Verified is true when a passing read-back verification covers Attempt
	// (the drive's verification, NIST SP 800-88 Rev. 2 §4.5.1).
	Verified bool `json:"verified"`
	// CryptoErase is set when Attempt is a cryptographic erase: what the
	// drive reported, and what Rev. 2 §3.2 asks that kesu cannot verify.
	CryptoErase *CryptoErase `json:"crypto_erase,omitempty"`
	// Required and MICCategory repeat the policy the drive was held to.
	Required    Level `json:"required,omitempty"`
	MICCategory int   `json:"mic_category,omitempty"`
	// DestroyRequired is true when the policy still needs the media
	// physically destroyed: MIC category (1), or the policy was not met.
	DestroyRequired bool `json:"destroy_required"`
	// AcceptedBelow is true when the drive passed only because the policy
	// accepts the best level below the one required.
	AcceptedBelow bool `json:"accepted_below,omitempty"`
	// Skipped repeats the reason a drive was skipped.
	Skipped  string    `json:"skipped,omitempty"`
	Findings []Finding `json:"findings,omitempty"`
	// Wording is the outcome in plain English (Lines("en")), stored for
	// readers of the raw journal.
	Wording []string `json:"wording"`
}

// Finding is one fact that limited or qualified the outcome.
type Finding struct {
	Code    string   `json:"code"`
	Attempt int      `json:"attempt,omitempty"`
	Method  Method   `json:"method,omitempty"`
	Values  []uint64 `json:"values,omitempty"`
	Detail  string   `json:"detail,omitempty"`
}

// Finding codes.
const (
	FindNoPolicy          = "no-policy"           // the run had no level or MIC category
	FindNoAttempt         = "no-attempt"          // no erase method ran
	FindAttemptFailed     = "attempt-failed"      // Detail: outcome and errors
	FindAttemptUnfinished = "attempt-unfinished"  // started, never ended
	FindNotApplicable     = "method-not-rated"    // the method does not apply to the drive's class
	FindNoExtent          = "overwrite-no-extent" // overwrite did not record what it had to cover
	FindOverwriteShort    = "overwrite-incomplete"
	FindUnwritable        = "overwrite-unwritable" // Values: number of ranges, blocks
	FindBelowCapacity     = "overwrite-below-capacity"
	FindRev1Passes        = "rev1-passes"            // Values: passes required (kesu's Rev. 1 reading), made
	FindHiddenUnchecked   = "hidden-areas-unchecked" // Detail: why
	FindHiddenNotRestored = "hidden-area-not-restored"
	FindHiddenNotCovered  = "hidden-area-not-covered"
	FindNotVerified       = "not-verified"
	FindVerifyFailed      = "verification-failed" // Detail: why
	FindDriveErrors       = "drive-errors"
	FindInterrupted       = "interrupted"
	FindNoResult          = "no-result" // the journal ended before the drive's result
	FindSMARTFailing      = "smart-failing"
	FindAcceptedBelow     = "accepted-below-level" // Detail: the level required
	// FindUnproven: a read-back passed but cannot prove the attempt: it was
	// sampled, and the canaries planted before the attempt did not all read
	// back, or it did not read them all. Values: canaries planned, planted,
	// read back before the attempt, read by the verification. Detail: why.
	FindUnproven = "read-back-not-proof"
	// FindExtraOverwrite: the policy asks for a host overwrite after the
	// firmware erase and none counted. Detail: why.
	FindExtraOverwrite = "extra-overwrite-unmet"
	// FindHWPartitionNotCovered: an overwrite did not cover every eMMC boot
	// or general-purpose partition, which the host reads like the user data
	// area (Clear needs every user-addressable location). Detail: which
	// partitions; Values: bytes written, bytes needed.
	FindHWPartitionNotCovered = "hw-partition-not-covered"
	// FindRPMBNotErased: the eMMC's RPMB, which the host can read but write
	// only with the card's authentication key, was not erased: no MIC
	// category is met by an overwrite. Values: its size in bytes.
	FindRPMBNotErased = "rpmb-not-erased"
	// FindCryptoNotAllEncrypted: a cryptographic erase on a drive that said
	// it does not encrypt all its user data (ATA IDENTIFY word 69 bit 4
	// clear; a TCG Locking feature without media encryption): the keys it
	// changed need not cover every block, so the erase reaches no level
	// (NIST SP 800-88 Rev. 2 §3.2; IEEE 2883: all user data encrypted is
	// the condition). Detail: what the drive said.
	FindCryptoNotAllEncrypted = "crypto-erase-not-all-encrypted"
	// FindWrittenAfter: the drive's RAID controller may have written it
	// after its verification (a rebuild onto it): shown FAIL.
	FindWrittenAfter = "written-after-verification"
	// FindLogicalVolume: the target was a RAID controller's logical volume:
	// overwritten as a volume, never rated as a drive.
	FindLogicalVolume = "logical-volume-not-a-drive"
	// FindFileOnly: the target was a regular file; its overwrite is of the
	// file's logical content only and reaches no sanitization level.
	FindFileOnly = "file-logical-content-only"
)

// attemptEval is what one attempt achieved.
type attemptEval struct {
	n        int
	method   Method
	rev1     Level
	ieee     Level
	rev2     Level
	mic      int
	verified bool
	at       Attempt
}

func (e attemptEval) strict() Level { return minLevel(minLevel(e.rev1, e.ieee), e.rev2) }

func micRank(c int) int {
	switch c {
	case 2:
		return 2
	case 3:
		return 1
	}
	return 0
}

// MICMeets reports whether having met MIC category met (2, 3 or 0)
// satisfies category want: categories (1) and (2) need the category-2
// erasure, (3) is met by 2 or 3.
func MICMeets(met, want int) bool { return micMeets(met, want) }

// Strict returns the level a method reaches under the strictest of the
// readings (the level kesu reports). A Rating without NISTRev2 (not made by
// Rate) is judged by the other two.
func (r Rating) Strict() Level {
	l := minLevel(r.NISTRev1, r.IEEE2883)
	if r.NISTRev2 != "" {
		l = minLevel(l, r.NISTRev2)
	}
	return l
}

// micMeets reports whether having met category met satisfies category want.
func micMeets(met, want int) bool {
	switch want {
	case 1, 2:
		return met == 2
	case 3:
		return met == 2 || met == 3
	}
	return true
}

func (e attemptEval) better(o attemptEval) bool {
	if e.strict().rank() != o.strict().rank() {
		return e.strict().rank() > o.strict().rank()
	}
	if micRank(e.mic) != micRank(o.mic) {
		return micRank(e.mic) > micRank(o.mic)
	}
	if e.rev1.rank() != o.rev1.rank() {
		return e.rev1.rank() > o.rev1.rank()
	}
	return e.verified && !o.verified
}

// Assess computes a drive's status and the level it reached from what the
// journal holds about it, under policy p. fin is the caller's account of the
// end of the work; nil means the journal holds no drive-result (the run was
// cut short), which makes the status INCOMPLETE.
//
// An attempt counts only when it succeeded, its method applies to the
// drive's class (Rate), a host overwrite covered the whole capacity with no
// unwritable blocks, and — when the policy asks for read-back verification —
// a verification of that attempt passed; any failed verification of an
// attempt voids it. The best counting attempt gives the level.
func Assess(p Policy, d *DriveRun, fin *Finish) Assessment {
	a := Assessment{
		Reached:     LevelNone,
		NISTRev1:    LevelNone,
		IEEE2883:    LevelNone,
		NISTRev2:    LevelNone,
		Required:    p.Level,
		MICCategory: p.MICCategory,
	}
	add := func(f Finding) { a.Findings = append(a.Findings, f) }

	if p.Level == "" && p.MICCategory == 0 {
		add(Finding{Code: FindNoPolicy})
	}
	if !d.Drive.HiddenAreas.Checked && (d.Drive.Class == ClassHDD || d.Drive.Class == ClassSSD) {
		add(Finding{Code: FindHiddenUnchecked, Detail: d.Drive.HiddenAreas.Note})
	}
	if d.Drive.SMART.Failing() {
		add(Finding{Code: FindSMARTFailing, Detail: strings.Join(d.Drive.SMART.Reasons, "; ")})
	}
	// A file or a logical volume reaches no level; it passes on a
	// complete, proven overwrite of what it is.
	fileOnly := d.Drive.ratedClass() == ClassFile || d.Drive.Class == ClassVolume
	switch {
	case d.Drive.Class == ClassVolume:
		add(Finding{Code: FindLogicalVolume})
	case fileOnly:
		add(Finding{Code: FindFileOnly})
	}

	var best *attemptEval
	var counted []attemptEval
	for _, at := range d.Attempts {
		e, ok := evalAttempt(p, d, at, add)
		if !ok {
			continue
		}
		counted = append(counted, e)
		if best == nil || e.better(*best) {
			e := e
			best = &e
		}
	}
	for _, s := range d.Starts {
		if !d.ended[s.Attempt] {
			add(Finding{Code: FindAttemptUnfinished, Attempt: s.Attempt, Method: s.Method})
		}
	}
	if best != nil {
		a.Reached = best.strict()
		a.NISTRev1 = normLevel(best.rev1)
		a.IEEE2883 = normLevel(best.ieee)
		a.NISTRev2 = normLevel(best.rev2)
		a.CryptoErase = cryptoEraseRecord(d, best.at)
		a.MICMet = best.mic
		a.Method = best.method
		a.Attempt = best.n
		a.Verified = best.verified
	}

	met := (p.Level != "" || p.MICCategory != 0) &&
		a.Reached.AtLeast(LevelClear) &&
		(p.Level == "" || a.Reached.AtLeast(p.Level)) &&
		(p.MICCategory == 0 || micMeets(a.MICMet, p.MICCategory))
	if fileOnly {
		// A file passes on a complete, proven overwrite of its content;
		// no level applies to it, so none is required.
		met = best != nil
	}

	// The policy's extra host overwrite after a firmware erase: asked for,
	// so a firmware erase without a counting overwrite after it does not
	// meet the policy, whatever level the firmware erase reached.
	extraUnmet := false
	if p.ExtraOverwrite && best != nil && best.method != MethodOverwrite {
		ok := false
		for _, e := range counted {
			if e.method == MethodOverwrite && e.n > best.n {
				ok = true
			}
		}
		if !ok {
			why := fmt.Sprintf("no host overwrite was attempted after attempt %d (%s)", best.n, best.method)
			for _, at := range d.Attempts {
				if at.Method == MethodOverwrite && at.Attempt > best.n {
					why = fmt.Sprintf("the host overwrite after attempt %d (%s), attempt %d, did not count (see its findings)", best.n, best.method, at.Attempt)
				}
			}
			add(Finding{Code: FindExtraOverwrite, Attempt: best.n, Method: best.method, Detail: why})
			extraUnmet = true
			met = false
		}
	}

	switch {
	case fin == nil:
		a.Status = StatusIncomplete
		add(Finding{Code: FindNoResult})
	case fin.Skipped != "" && len(d.Attempts) == 0 && len(d.Starts) == 0:
		a.Status = StatusSkipped
		a.Skipped = fin.Skipped
	case fin.Interrupted:
		a.Status = StatusIncomplete
		add(Finding{Code: FindInterrupted})
	default:
		if len(d.Attempts) == 0 && len(d.Starts) == 0 {
			add(Finding{Code: FindNoAttempt})
		}
		if fin != nil && len(fin.Errors) > 0 {
			add(Finding{Code: FindDriveErrors, Detail: strings.Join(fin.Errors, "; ")})
			met = false
		}
		accepted := !met && !extraUnmet && !fileOnly && p.AcceptBelow && a.Reached.AtLeast(LevelClear) && (fin == nil || len(fin.Errors) == 0)
		switch {
		case met:
			a.Status = StatusPass
		case accepted:
			// The policy accepts the best level below the one required.
			a.Status = StatusPass
			a.AcceptedBelow = true
			req := string(p.Level)
			if p.MICCategory != 0 {
				req = fmt.Sprintf("MIC category (%d)", p.MICCategory)
			}
			add(Finding{Code: FindAcceptedBelow, Detail: req})
			met = true
		default:
			a.Status = StatusFail
		}
	}
	a.DestroyRequired = !fileOnly && (p.MICCategory == 1 || (!met && a.Status != StatusSkipped))
	a.Wording = a.Lines("en")
	return a
}

// evalAttempt rates one attempt; ok is false when it counts for nothing.
func evalAttempt(p Policy, d *DriveRun, at Attempt, add func(Finding)) (attemptEval, bool) {
	e := attemptEval{n: at.Attempt, method: at.Method, at: at}
	if at.Outcome != OutcomeSuccess {
		detail := string(at.Outcome)
		if len(at.Errors) > 0 {
			detail += ": " + strings.Join(at.Errors, "; ")
		}
		add(Finding{Code: FindAttemptFailed, Attempt: at.Attempt, Method: at.Method, Detail: detail})
		return e, false
	}
	r, ok := Rate(d.Drive.ratedClass(), at.Method)
	if !ok {
		add(Finding{Code: FindNotApplicable, Attempt: at.Attempt, Method: at.Method, Detail: string(d.Drive.Class)})
		return e, false
	}
	e.rev1, e.ieee, e.rev2, e.mic = r.NISTRev1, r.IEEE2883, r.NISTRev2, r.MIC
	if why := cryptoContradicted(d, at); why != "" {
		add(Finding{Code: FindCryptoNotAllEncrypted, Attempt: at.Attempt, Method: at.Method, Detail: why})
		return e, false
	}

	if at.Method == MethodOverwrite {
		capacity := d.Drive.Identity.CapacityBytes
		switch {
		case at.TargetBytes == 0:
			add(Finding{Code: FindNoExtent, Attempt: at.Attempt, Method: at.Method})
			return e, false
		case at.BytesWritten < at.TargetBytes:
			add(Finding{Code: FindOverwriteShort, Attempt: at.Attempt, Method: at.Method, Values: []uint64{at.BytesWritten, at.TargetBytes}})
			return e, false
		case len(at.Unwritable) > 0:
			var blocks uint64
			for _, u := range at.Unwritable {
				blocks += u.Count
			}
			add(Finding{Code: FindUnwritable, Attempt: at.Attempt, Method: at.Method, Values: []uint64{uint64(len(at.Unwritable)), blocks}})
			return e, false
		case at.TargetBytes < capacity:
			add(Finding{Code: FindBelowCapacity, Attempt: at.Attempt, Method: at.Method, Values: []uint64{at.TargetBytes, capacity}})
			return e, false
		}
		if r.Rev1MinPasses > 0 && at.Passes < r.Rev1MinPasses {
			add(Finding{Code: FindRev1Passes, Attempt: at.Attempt, Method: at.Method, Values: []uint64{uint64(r.Rev1MinPasses), uint64(at.Passes)}})
			e.rev1 = LevelNone
		}
		if r.MICNeedsHiddenAreas && !hiddenCovered(d, at, add) {
			e.mic = 3
		}
		if !hwPartitionsCovered(d, at, add) {
			return e, false
		}
		for _, hp := range d.Drive.HWPartitions {
			if hp.Kind == "rpmb" && hp.Bytes > 0 {
				add(Finding{Code: FindRPMBNotErased, Attempt: at.Attempt, Method: at.Method, Detail: hp.Name, Values: []uint64{hp.Bytes}})
				e.mic = 0
			}
		}
	}

	var passed, proven, failed bool
	var unproven []string
	for _, v := range d.Verifications {
		if v.Attempt != at.Attempt {
			continue
		}
		why := verificationProblem(v, p.Verify)
		if covered := v.PlanBlocks * uint64(v.BlockSize); covered > 0 && covered < at.TargetBytes {
			why = strings.TrimPrefix(why+fmt.Sprintf("; the plan covered %d bytes of the %d the attempt wrote", covered, at.TargetBytes), "; ")
		}
		if why != "" {
			add(Finding{Code: FindVerifyFailed, Attempt: at.Attempt, Method: at.Method, Detail: why})
			failed = true
			continue
		}
		passed = true
		if ok, why := proves(d, at, v); ok {
			proven = true
		} else {
			unproven = append(unproven, why)
		}
	}
	if failed {
		return e, false
	}
	if !passed {
		add(Finding{Code: FindNotVerified, Attempt: at.Attempt, Method: at.Method})
		if p.Verify.required() {
			return e, false
		}
		return e, true
	}
	if !proven {
		f := Finding{Code: FindUnproven, Attempt: at.Attempt, Method: at.Method, Detail: strings.Join(unproven, "; ")}
		if c := at.Canaries; c != nil {
			f.Values = []uint64{uint64(c.Planned), uint64(c.Planted), uint64(c.ReadBack)}
		}
		add(f)
		if p.Verify.required() {
			return e, false
		}
		return e, true
	}
	e.verified = true
	return e, true
}

// proves reports whether a passing verification v proves attempt at, and
// why not. A read-back of every block proves any attempt. A sampled one
// proves it only when every canary planted before the attempt was read back
// from the medium before it (so the drive demonstrably keeps what it is
// sent, and the canaries sat where the plan reads) and the verification
// read all of them, none surviving (a survivor already fails it): a drive
// that erases nothing, or only some of its blocks, then shows it at the
// plan's locations; one that writes nothing shows it at planting.
func proves(d *DriveRun, at Attempt, v Verification) (bool, string) {
	target := max(at.TargetBytes, d.Drive.Identity.CapacityBytes)
	if v.PlanBlocks > 0 && v.BlocksRead >= v.PlanBlocks && v.PercentAchieved >= 100 && v.PlanBlocks*uint64(v.BlockSize) >= target {
		return true, ""
	}
	c := at.Canaries
	switch {
	case c == nil:
		return false, "the read-back was sampled and no canaries were planted before the attempt"
	case !c.Proven():
		why := fmt.Sprintf("the read-back was sampled and only %d of %d canaries planted before the attempt read back from the medium", c.ReadBack, c.Planned)
		if c.Error != "" {
			why += " (" + c.Error + ")"
		}
		return false, why
	case v.CanariesRead < uint64(c.ReadBack):
		return false, fmt.Sprintf("the sampled read-back read %d of the %d canaries planted before the attempt", v.CanariesRead, c.ReadBack)
	}
	return true, ""
}

// ratedClass is the class the method matrix rates the drive as: its class,
// except that a regular file or loop device recorded by kesu-record/1 (class
// other, transport "file" or a /dev/loop path) is a file.
func (d Drive) ratedClass() Class {
	if d.Class == ClassOther && (d.Identity.Transport == "file" || strings.HasPrefix(d.Identity.Path, "/dev/loop")) {
		return ClassFile
	}
	return d.Class
}

// hwPartitionsCovered reports whether a host overwrite covered every eMMC
// boot and general-purpose partition: each must be marked covered, and the
// attempt must have written the user data area and all of them.
func hwPartitionsCovered(d *DriveRun, at Attempt, add func(Finding)) bool {
	need := d.Drive.Identity.CapacityBytes
	var missing []string
	for _, hp := range d.Drive.HWPartitions {
		if hp.Kind != "boot" && hp.Kind != "gp" {
			continue
		}
		if !hp.Covered {
			missing = append(missing, strings.TrimSpace(hp.Name+" "+paren(hp.Note)))
			continue
		}
		need += hp.Bytes
	}
	switch {
	case len(missing) > 0:
		add(Finding{Code: FindHWPartitionNotCovered, Attempt: at.Attempt, Method: at.Method, Detail: strings.Join(missing, ", ")})
		return false
	case at.TargetBytes < need:
		add(Finding{Code: FindHWPartitionNotCovered, Attempt: at.Attempt, Method: at.Method, Values: []uint64{at.TargetBytes, need}})
		return false
	}
	return true
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}

// hiddenCovered reports whether a host overwrite also covered every hidden
// area: all were checked, any present one was restored before the attempt
// started, and the overwrite reached the restored native maximum.
func hiddenCovered(d *DriveRun, at Attempt, add func(Finding)) bool {
	h := d.hiddenAt(d.startSeq[at.Attempt])
	if !h.Checked {
		return false // reported once as hidden-areas-unchecked
	}
	ok := true
	var nativeEnd uint64
	for _, ar := range h.Areas {
		if !ar.Present {
			continue
		}
		if !ar.Restored {
			add(Finding{Code: FindHiddenNotRestored, Attempt: at.Attempt, Method: at.Method, Detail: ar.Kind, Values: []uint64{ar.HiddenSectors}})
			ok = false
			continue
		}
		if ar.NativeMaxLBA+1 > nativeEnd {
			nativeEnd = ar.NativeMaxLBA + 1
		}
	}
	if ss := uint64(d.Drive.Identity.LogicalSectorSize); ok && nativeEnd > 0 && ss > 0 && at.TargetBytes < nativeEnd*ss {
		add(Finding{Code: FindHiddenNotCovered, Attempt: at.Attempt, Method: at.Method, Values: []uint64{at.TargetBytes, nativeEnd * ss}})
		ok = false
	}
	return ok
}

// verificationProblem returns why a verification does not pass under the
// policy, or "" when it passes. A verification passes when it read
// something, found no mismatch and no read error, reported no error, and
// read at least the share it was asked for and the policy asks for.
func verificationProblem(v Verification, vp VerifyPolicy) string {
	const eps = 1e-9
	var why []string
	if v.BlocksRead == 0 {
		why = append(why, "read nothing")
	}
	if v.Mismatches > 0 {
		why = append(why, fmt.Sprintf("%d mismatching blocks", v.Mismatches))
	}
	if v.ReadErrors > 0 {
		why = append(why, fmt.Sprintf("%d read errors", v.ReadErrors))
	}
	if v.CanariesSurvived > 0 {
		why = append(why, fmt.Sprintf("%d canary blocks still held the content planted before the erase", v.CanariesSurvived))
	}
	if len(v.Errors) > 0 {
		why = append(why, strings.Join(v.Errors, "; "))
	}
	if v.PercentAchieved+eps < v.PercentRequested {
		why = append(why, fmt.Sprintf("read %s%% of %s%% requested", fmtPercent(v.PercentAchieved), fmtPercent(v.PercentRequested)))
	}
	if vp.required() {
		want := vp.Percent
		if vp.Mode == VerifyFull {
			want = 100
		}
		if v.PercentAchieved+eps < want {
			why = append(why, fmt.Sprintf("read %s%%, policy asks %s%%", fmtPercent(v.PercentAchieved), fmtPercent(want)))
		}
	}
	return strings.Join(why, "; ")
}

func fmtPercent(f float64) string {
	s := fmt.Sprintf("%.2f", f)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

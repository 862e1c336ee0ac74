package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// CSVColumns is the column order of WriteCSV. It is stable: columns are only
// ever added at the end. docs/record.md describes each column.
var CSVColumns = []string{
	"journal", "journal_status", "run_id", "drive", "bay", "port", "path", "class", "transport",
	"vendor", "model", "serial", "firmware", "wwn", "capacity_bytes", "logical_sector_size",
	"physical_sector_size", "asset_tag", "status", "reached", "nist_rev1", "ieee_2883", "mic_met",
	"required", "mic_category", "destroy_required", "method", "mechanism", "attempt_start",
	"attempt_end", "verified", "verify_method", "verify_percent_requested", "verify_percent_achieved",
	"verify_samples", "verify_blocks_read", "verify_mismatches", "verify_read_errors", "hidden_areas",
	"smart_verdict", "power_on_hours", "host_vendor", "host_product", "host_serial", "host_uuid",
	"host_asset_tag", "sanitizer", "organization", "location", "customer", "reference", "destination",
	"tool_version", "tool_commit", "key_fingerprint", "record_sha256", "run_end", "outcome",
}

// CSVLaterColumns are the columns of WriteCSV added after other packages'
// columns (CSVExtra: kesu report csv's destruction columns) were numbered:
// they come after every extra column, so that no column ever moves.
var CSVLaterColumns = []string{"nist_rev2", "key_custody"}

// CSVExtra is columns another package adds after CSVColumns: their names,
// and one drive's cells.
type CSVExtra struct {
	Columns []string
	Cells   func(res *Result, d *DriveRun) []string
}

// WriteCSV writes one row per drive of each journal's (valid prefix of the)
// run, after a header row, with times in loc (UTC when nil): CSVColumns,
// the extra columns, then CSVLaterColumns. Cells that a spreadsheet would
// take for a formula (starting with = + - @ tab or CR) are prefixed with a
// single quote.
func WriteCSV(w io.Writer, results []*Result, loc *time.Location, extra ...CSVExtra) error {
	if loc == nil {
		loc = time.UTC
	}
	cw := csv.NewWriter(w)
	header := append([]string(nil), CSVColumns...)
	for _, e := range extra {
		header = append(header, e.Columns...)
	}
	header = append(header, CSVLaterColumns...)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, res := range results {
		if res.Run == nil {
			continue
		}
		for _, d := range res.Run.Drives {
			row, later := csvRow(res, d, loc)
			for _, e := range extra {
				cells := e.Cells(res, d)
				if len(cells) != len(e.Columns) {
					return fmt.Errorf("csv: %d extra cells for %d columns", len(cells), len(e.Columns))
				}
				row = append(row, cells...)
			}
			row = append(row, later...)
			if len(row) != len(header) {
				return fmt.Errorf("csv: row has %d cells, want %d", len(row), len(header))
			}
			for i := range row {
				row[i] = defuseCell(row[i])
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// DriveFacts gathers what a certificate or a ledger row shows about one
// drive: the assessment and the attempt and verification behind it.
type DriveFacts struct {
	Assessment Assessment
	// Attempt is the attempt that reached the level, else the last one; nil
	// when none ran.
	Attempt *Attempt
	// Verification is the last verification of Attempt; nil when none.
	Verification *Verification
}

// Facts returns the facts of drive d under policy p.
//
// A drive its RAID controller may have written after its verification
// (DriveRun.WrittenAfter) is shown FAIL, whatever its recorded steps gave:
// what was verified is no longer what the drive holds.
func (d *DriveRun) Facts(p Policy) DriveFacts {
	f := DriveFacts{Assessment: d.Assessment(p)}
	if d.WrittenAfter != "" && f.Assessment.Status == StatusPass {
		a := &f.Assessment
		a.Findings = append(a.Findings, Finding{Code: FindWrittenAfter, Detail: d.WrittenAfter})
		a.Status, a.DestroyRequired, a.AcceptedBelow = StatusFail, true, false
		a.Wording = a.Lines("en")
	}
	n := f.Assessment.Attempt
	for i := range d.Attempts {
		if n == 0 || d.Attempts[i].Attempt == n {
			f.Attempt = &d.Attempts[i]
		}
	}
	if f.Attempt != nil {
		for i := range d.Verifications {
			if d.Verifications[i].Attempt == f.Attempt.Attempt {
				f.Verification = &d.Verifications[i]
			}
		}
	}
	return f
}

// Summary describes the hidden-area state in a few words:
// "none", "unchecked (…)", "HPA restored; DCO not restored".
func (h HiddenAreas) Summary() string {
	if !h.Checked {
		if h.Note != "" {
			return "unchecked (" + h.Note + ")"
		}
		return "unchecked"
	}
	var parts []string
	for _, a := range h.Areas {
		if !a.Present {
			continue
		}
		s := a.Kind + " restored"
		if !a.Restored {
			s = a.Kind + " not restored"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		if h.Note != "" {
			return "none (" + h.Note + ")"
		}
		return "none"
	}
	return strings.Join(parts, "; ")
}

// csvRow is drive d's cells of CSVColumns, and of CSVLaterColumns.
func csvRow(res *Result, d *DriveRun, loc *time.Location) (row, later []string) {
	run := res.Run
	st := run.Start
	id := d.Drive.Identity
	f := d.Facts(st.Policy)
	a := f.Assessment
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	tm := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(time.RFC3339)
	}
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	mic := func(c int) string {
		if c == 0 {
			return ""
		}
		return strconv.Itoa(c)
	}
	var method, mechanism, aStart, aEnd string
	if at := f.Attempt; at != nil {
		method, mechanism, aStart, aEnd = string(at.Method), at.Mechanism, tm(at.Start), tm(at.End)
	}
	var vMethod, vReq, vAch, vSamples, vBlocks, vMis, vErr string
	if v := f.Verification; v != nil {
		vMethod = string(v.Method)
		vReq, vAch = fmtPercent(v.PercentRequested), fmtPercent(v.PercentAchieved)
		vSamples, vBlocks, vMis, vErr = u(v.Samples), u(v.BlocksRead), u(v.Mismatches), u(v.ReadErrors)
	}
	var smartVerdict, poh string
	if s := d.Drive.SMART; s != nil {
		smartVerdict = string(s.Verdict)
		if s.PowerOnHours != nil {
			poh = u(*s.PowerOnHours)
		}
	}
	var fp string
	if st.Key != nil {
		fp = st.Key.Fingerprint
	}
	later = []string{string(a.NISTRev2), st.KeyCustody}
	return []string{
		filepath.Base(res.Path), string(res.Status), st.RunID, strconv.Itoa(d.Drive.ID),
		id.Bay, id.Port, id.Path, string(d.Drive.Class), id.Transport,
		id.Vendor, id.Model, id.Serial, id.Firmware, id.WWN, u(id.CapacityBytes),
		u(uint64(id.LogicalSectorSize)), nonzero(uint64(id.PhysicalSectorSize)), d.Drive.AssetTag,
		string(a.Status), string(a.Reached), string(a.NISTRev1), string(a.IEEE2883), mic(a.MICMet),
		string(a.Required), mic(a.MICCategory), yes(a.DestroyRequired), method, mechanism, aStart,
		aEnd, yes(a.Verified), vMethod, vReq, vAch,
		vSamples, vBlocks, vMis, vErr, d.HiddenAreas.Summary(),
		smartVerdict, poh, st.Host.SysVendor, st.Host.ProductName, st.Host.ProductSerial, st.Host.ProductUUID,
		st.AssetTag, st.Sanitizer.Name, st.Sanitizer.Organization, st.Sanitizer.Location, st.Customer, st.Reference,
		st.Policy.Destination, st.Tool.Version, st.Tool.Commit, fp, d.ResultHash, tm(run.End()),
		strings.Join(a.Lines("en"), " | "),
	}, later
}

func defuseCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func nonzero(v uint64) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatUint(v, 10)
}

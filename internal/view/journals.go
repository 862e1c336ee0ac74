package view

import (
	"io"

	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/destruction"
)

// Journals writes what kesu report verify found in each journal at paths:
// results[i] is paths[i]'s, nil when it could not be read (JSON then says
// ERROR; the text leaves it to the error already printed); ledgers[i] its
// drives' destruction records (nil or empty when none apply). orphans are
// destruction addenda given that name none of the journals.
func Journals(w io.Writer, paths []string, results []*report.Result, ledgers []*destruction.Ledger, orphans []*destruction.Addendum, jsonOut bool) error {
	ledger := func(i int) *destruction.Ledger {
		if i < len(ledgers) {
			return ledgers[i]
		}
		return nil
	}
	if !jsonOut {
		for i, res := range results {
			if res != nil {
				res.WriteText(w)
				ledger(i).WriteText(w)
			}
		}
		for _, a := range orphans {
			destruction.WriteOrphan(w, a)
		}
		return nil
	}
	type journal struct {
		report.VerifySummary
		Destruction []destruction.DriveState      `json:"destruction,omitempty"`
		Addenda     []destruction.AddendumSummary `json:"destruction_addenda,omitempty"`
	}
	type orphan struct {
		destruction.AddendumSummary
		Kind   string `json:"kind"`
		Orphan string `json:"orphan"`
	}
	var out []any
	for i, res := range results {
		if res == nil {
			out = append(out, journal{VerifySummary: report.VerifySummary{Path: paths[i], Integrity: "ERROR"}})
			continue
		}
		j := journal{VerifySummary: res.Summary()}
		if l := ledger(i); l.Relevant() {
			j.Destruction = l.Drives
			for _, a := range l.Addenda {
				j.Addenda = append(j.Addenda, a.Summary())
			}
		}
		out = append(out, j)
	}
	for _, a := range orphans {
		out = append(out, orphan{AddendumSummary: a.Summary(), Kind: "destruction-addendum",
			Orphan: "no journal given is the one it names: give that run's journal to check it against"})
	}
	return JSON(w, out)
}

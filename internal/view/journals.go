package view

import (
	"io"

	"github.com/kesu-erase/kesu/report"
)

// Journals writes what kesu report verify found in each journal at paths:
// results[i] is paths[i]'s, nil when it could not be read (JSON then says
// ERROR; the text leaves it to the error already printed).
func Journals(w io.Writer, paths []string, results []*report.Result, jsonOut bool) error {
	if !jsonOut {
		for _, res := range results {
			if res != nil {
				res.WriteText(w)
			}
		}
		return nil
	}
	var out []report.VerifySummary
	for i, res := range results {
		if res != nil {
			out = append(out, res.Summary())
		} else {
			out = append(out, report.VerifySummary{Path: paths[i], Integrity: "ERROR"})
		}
	}
	return JSON(w, out)
}

package view

import (
	"fmt"
	"io"

	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
)

// All is the result of kesu erase --all (its --json object).
type All struct {
	Journal     string          `json:"journal"`
	Fingerprint string          `json:"key_fingerprint,omitempty"`
	Results     []worker.Result `json:"results"`
	Excluded    []Excluded      `json:"excluded"`
	// Unreached lists drives behind RAID controllers not reached.
	Unreached []string `json:"unreached,omitempty"`
	// Rewritten lists erased drives their controller may have written
	// after the erase.
	Rewritten []string `json:"rewritten_after_erase,omitempty"`
}

// Excluded is a drive kesu erase --all left alone, and why.
type Excluded struct {
	Device string `json:"device"`
	Bay    string `json:"bay,omitempty"`
	Serial string `json:"serial,omitempty"`
	Reason string `json:"reason"`
}

// WriteText writes the summary: a row per drive (erased or excluded), the
// drives not reached or written after their erase, and the record.
func (r *All) WriteText(w io.Writer) {
	writeResults(w, r.Results, r.Excluded)
	for _, u := range r.Unreached {
		fmt.Fprintf(w, "NOT reached (the run is not a completed erasure): %s\n", u)
	}
	for _, u := range r.Rewritten {
		fmt.Fprintf(w, "written by its controller after the erase (erase it again): %s\n", u)
	}
	fmt.Fprintf(w, "record: %s\n", r.Journal)
	if r.Fingerprint != "" {
		fmt.Fprintf(w, "signed by key %s\n", report.FormatFingerprint(r.Fingerprint))
	}
}

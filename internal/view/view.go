// Package view holds what kesu's command line prints, as text and as JSON:
// the drive about to be erased (identity, contents, plan) and the typed
// confirmation, the result of an erase, a verification or a one-method
// run, a dry run, kesu list and kesu plan, the summary of erase --all, and
// the progress line. The words for sizes, durations and levels come from
// internal/human, as on the technician's console.
package view

import (
	"encoding/json"
	"io"
)

// JSON writes v as indented JSON, the form every --json output takes.
func JSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Texter is a view that writes itself as text.
type Texter interface{ WriteText(w io.Writer) }

// Print writes v as JSON when asJSON, else as text: the form of every
// --json flag.
func Print(w io.Writer, v Texter, asJSON bool) error {
	if asJSON {
		return JSON(w, v)
	}
	v.WriteText(w)
	return nil
}

// nonNil is s, or an empty slice for nil (so JSON shows [] and not null).
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

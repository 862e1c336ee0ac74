package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// writeJSON writes v as indented JSON, the form every --json output takes.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// keyValues returns a printer of "key  value" lines aligned in two columns
// and the flush that writes them.
func keyValues(w io.Writer) (p func(key, format string, args ...any), flush func() error) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p = func(k, f string, a ...any) { fmt.Fprintf(tw, "%s\t"+f+"\n", append([]any{k}, a...)...) }
	return p, tw.Flush
}

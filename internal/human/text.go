package human

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Dash is s, or "-" when s is blank: an unknown value in a column.
func Dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// YesNo is "yes" or "no".
func YesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// KeyValues returns a printer of "key  value" lines aligned in two columns
// (the form of kesu's text views) and the flush that writes them.
func KeyValues(w io.Writer) (p func(key, format string, args ...any), flush func() error) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p = func(k, f string, a ...any) { fmt.Fprintf(tw, "%s\t"+f+"\n", append([]any{k}, a...)...) }
	return p, tw.Flush
}

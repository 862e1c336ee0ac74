package view

import (
	"fmt"
	"io"
)

// Counter shows a count that grows ("listing s3://b/p: 1,234 records"): on
// a terminal one line rewritten as it grows, elsewhere only the final
// line, so logs get one line per step.
type Counter struct {
	w     io.Writer
	tty   bool
	label string
	n     int
	total int
}

// NewCounter starts a count labelled label; total is the count it grows to
// (0: unknown).
func NewCounter(w io.Writer, tty bool, label string, total int) *Counter {
	return &Counter{w: w, tty: tty, label: label, total: total}
}

// Set shows the count n.
func (c *Counter) Set(n int) {
	c.n = n
	if c.tty && (n%50 == 0 || n == c.total) {
		fmt.Fprintf(c.w, "\r%s", c.text())
	}
}

// Done ends the line.
func (c *Counter) Done() {
	if c.tty {
		fmt.Fprintf(c.w, "\r%s\n", c.text())
		return
	}
	fmt.Fprintln(c.w, c.text())
}

func (c *Counter) text() string {
	if c.total > 0 {
		return fmt.Sprintf("%s: %d of %d", c.label, c.n, c.total)
	}
	return fmt.Sprintf("%s: %d", c.label, c.n)
}

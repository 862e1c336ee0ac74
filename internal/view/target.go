package view

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/internal/contents"
	"github.com/kesu-erase/kesu/internal/human"
	"github.com/kesu-erase/kesu/report"
)

// Target is what kesu shows before it destroys anything: the drive's
// identity, what it holds, and what is about to be done to it.
type Target struct {
	Device   string          `json:"device"`
	Identity report.Identity `json:"identity"`
	Class    report.Class    `json:"class"`
	// Contents are the partition table and filesystems found on it.
	Contents      *contents.Contents `json:"contents,omitempty"`
	ContentsError string             `json:"contents_error,omitempty"`
	// Plan says what would be done, one step a line.
	Plan []string `json:"plan"`
	// Record says where the signed record goes.
	Record string `json:"record"`
}

// ReadContentsAt fills in what the disk at path, n bytes of sectorSize-byte
// sectors, holds, read-only.
func (v *Target) ReadContentsAt(path string, n int64, sectorSize int) {
	f, err := os.Open(path)
	if err != nil {
		v.ContentsError = err.Error()
		return
	}
	defer f.Close()
	v.setContents(contents.Read(f, n, sectorSize))
}

// ReadContents fills in the partition table and filesystem signatures of
// the opened target, read through a second, read-only descriptor
// (buffered, so sector reads need no alignment) after checking it is the
// same file.
func (v *Target) ReadContents(d *erase.Device) { v.setContents(readContents(d)) }

func (v *Target) setContents(c *contents.Contents, err error) {
	if err != nil {
		v.ContentsError = err.Error()
		return
	}
	v.Contents = c
}

func readContents(d *erase.Device) (*contents.Contents, error) {
	f, err := os.Open(d.Path())
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err1 := f.Stat()
	b, err2 := d.Stat()
	if err1 != nil || err2 != nil || !os.SameFile(a, b) {
		return nil, fmt.Errorf("%s changed while kesu looked at it", d.Path())
	}
	return contents.Read(f, d.Size(), d.LogicalBlockSize())
}

// Write prints the view under heading: identity first, then contents, plan
// and record.
func (v *Target) Write(w io.Writer, heading string) {
	fmt.Fprintln(w, heading)
	id := v.Identity
	kv, flush := human.KeyValues(w)
	model := strings.TrimSpace(id.Vendor + " " + id.Model)
	kv("  model", "%s", human.Dash(model))
	kv("  serial", "%s", human.Dash(id.Serial))
	kv("  wwn", "%s", human.Dash(id.WWN))
	kv("  size", "%s", human.Capacity(int64(id.CapacityBytes)))
	blocks := fmt.Sprintf("%d-byte logical", id.LogicalSectorSize)
	if id.PhysicalSectorSize != 0 && id.PhysicalSectorSize != id.LogicalSectorSize {
		blocks += fmt.Sprintf(", %d-byte physical", id.PhysicalSectorSize)
	}
	kv("  blocks", "%s", blocks)
	kv("  transport", "%s", human.Dash(id.Transport))
	kv("  bay", "%s", human.Dash(id.Bay))
	kv("  class", "%s", v.Class)
	switch {
	case v.ContentsError != "":
		kv("  holds", "unknown: %s", v.ContentsError)
	case v.Contents != nil:
		kv("  holds", "%s", v.Contents.Summary())
		for _, p := range v.Contents.Partitions {
			kv("", "%s", p)
		}
		for _, n := range v.Contents.Notes {
			kv("", "note: %s", n)
		}
	}
	for i, p := range v.Plan {
		key := ""
		if i == 0 {
			key = "  plan"
		}
		kv(key, "%s", p)
	}
	kv("  record", "%s", v.Record)
	flush()
}

// ConfirmWord is what the technician types to confirm: the last 4
// characters of the serial, or of the device's name when it has none (a
// file, a loop device).
func ConfirmWord(v *Target) (word, what string) {
	s := strings.TrimSpace(v.Identity.Serial)
	what = "its serial"
	if s == "" {
		s, what = filepath.Base(v.Device), "its name ("+filepath.Base(v.Device)+")"
	}
	if r := []rune(s); len(r) > 4 {
		s = string(r[len(r)-4:])
	}
	return s, what
}

// ErrNotConfirmed is a confirmation typed wrong.
var ErrNotConfirmed = errors.New("not confirmed")

// Confirm asks the technician, writing to w and reading a line from in, to
// type the confirmation word (ConfirmWord); anything else refuses with an
// error wrapping ErrNotConfirmed. An interrupt while waiting ends it with
// ctx's error.
func Confirm(ctx context.Context, in io.Reader, w io.Writer, v *Target) error {
	return confirm(ctx, bufio.NewReader(in), w, v)
}

// ConfirmEach asks for every target's confirmation word in turn, reading
// the lines from in; the first wrong answer refuses them all.
func ConfirmEach(ctx context.Context, in io.Reader, w io.Writer, vs []Target) error {
	r := bufio.NewReader(in)
	for i := range vs {
		if err := confirm(ctx, r, w, &vs[i]); err != nil {
			return err
		}
	}
	return nil
}

func confirm(ctx context.Context, in *bufio.Reader, w io.Writer, v *Target) error {
	word, what := ConfirmWord(v)
	fmt.Fprintf(w, "\nEverything on %s will be destroyed.\nType the last %d characters of %s to erase it (anything else stops): ", v.Device, len([]rune(word)), what)
	line := make(chan string, 1)
	go func() {
		s, _ := in.ReadString('\n')
		line <- s
	}()
	var got string
	select {
	case got = <-line:
	case <-ctx.Done():
		fmt.Fprintln(w)
		return ctx.Err()
	}
	if !strings.EqualFold(strings.TrimSpace(got), word) {
		return fmt.Errorf("%w: %q is not the last %d characters of %s; nothing was erased", ErrNotConfirmed,
			strings.TrimSpace(got), len([]rune(word)), what)
	}
	return nil
}

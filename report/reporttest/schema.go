package reporttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kesu-erase/kesu/report"
)

// SchemaFile is the record schema's path in the module's source tree;
// AddendumSchemaFile the destruction addendum's, whose lines share the
// journal's line format.
const (
	SchemaFile         = "docs/record.schema.json"
	AddendumSchemaFile = "docs/destruction.schema.json"
)

// addendumStart is the first record kind of a destruction addendum (the
// package that declares it imports this one's).
const addendumStart = "destruction-start"

// SchemaPath returns the path of docs/record.schema.json: found next to
// this package's source, or else above the working directory (a test runs
// in its package's directory).
func SchemaPath() (string, error) { return sourcePath(SchemaFile) }

// sourcePath finds a file of the module's source tree.
func sourcePath(name string) (string, error) {
	var tried []string
	if _, file, _, ok := runtime.Caller(0); ok {
		p := filepath.Join(filepath.Dir(file), "..", "..", filepath.FromSlash(name))
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		tried = append(tried, p)
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(b, []byte("module github.com/kesu-erase/kesu\n")) {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if _, err := os.Stat(p); err != nil {
				return "", err
			}
			return p, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			break
		}
		dir = up
	}
	return "", fmt.Errorf("%s not found (tried %s and the directories above the working directory)", name, strings.Join(tried, ", "))
}

type compiled struct {
	once sync.Once
	s    *jsonschema.Schema
	err  error
}

var schemas = map[string]*compiled{SchemaFile: {}, AddendumSchemaFile: {}}

// Schema returns docs/record.schema.json compiled (once) by an independent
// JSON Schema validator, github.com/santhosh-tekuri/jsonschema (draft
// 2020-12), with formats (date-time) asserted.
func Schema() (*jsonschema.Schema, error) { return compile(SchemaFile) }

// AddendumSchema is Schema for docs/destruction.schema.json.
func AddendumSchema() (*jsonschema.Schema, error) { return compile(AddendumSchemaFile) }

func compile(name string) (*jsonschema.Schema, error) {
	c := schemas[name]
	c.once.Do(func() {
		p, err := sourcePath(name)
		if err != nil {
			c.err = err
			return
		}
		f, err := os.Open(p)
		if err != nil {
			c.err = err
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			c.err = fmt.Errorf("%s: %w", p, err)
			return
		}
		comp := jsonschema.NewCompiler()
		comp.DefaultDraft(jsonschema.Draft2020)
		comp.AssertFormat()
		if err := comp.AddResource(p, doc); err != nil {
			c.err = err
			return
		}
		c.s, c.err = comp.Compile(p)
	})
	return c.s, c.err
}

// schemaFor names the schema of a file whose first line is first: the
// addendum's when it starts with a destruction-start record.
func schemaFor(first []byte) string {
	var env struct {
		Kind string `json:"kind"`
	}
	if json.Unmarshal(first, &env) == nil && env.Kind == addendumStart {
		return AddendumSchemaFile
	}
	return SchemaFile
}

// checkLineWith validates one line against the named schema.
func checkLineWith(name string, line []byte) error {
	s, err := compile(name)
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return s.Validate(v)
}

// CheckLine validates one journal line (without its newline) against the
// record schema.
func CheckLine(line []byte) error { return checkLineWith(SchemaFile, line) }

// LineError is a journal line that does not validate.
type LineError struct {
	Line int // 1 for the first line
	Text string
	Err  error
}

func (e *LineError) Error() string {
	text := e.Text
	if len(text) > 300 {
		text = text[:300] + "…"
	}
	return fmt.Sprintf("line %d: %v\n\t%s", e.Line, e.Err, text)
}

func (e *LineError) Unwrap() error { return e.Err }

// CheckJournal validates every line of a journal (newline-terminated
// lines; a last line without its newline counts as a line) against the
// record schema, or of a destruction addendum against its schema. It
// returns the number of lines and one *LineError for each line that does
// not validate.
func CheckJournal(data []byte) (lines int, err error) {
	first, _, _ := bytes.Cut(data, []byte{'\n'})
	name := schemaFor(first)
	if _, err := compile(name); err != nil {
		return 0, err
	}
	var errs []error
	for len(data) > 0 {
		line, rest, _ := bytes.Cut(data, []byte{'\n'})
		data = rest
		lines++
		if err := checkLineWith(name, line); err != nil {
			errs = append(errs, &LineError{Line: lines, Text: string(line), Err: err})
		}
	}
	return lines, errors.Join(errs...)
}

// ValidateJournal fails t unless every line of the journal data validates
// against docs/record.schema.json.
func ValidateJournal(t testing.TB, data []byte) {
	t.Helper()
	n, err := CheckJournal(data)
	switch {
	case err != nil:
		t.Errorf("journal does not validate against %s:\n%v", SchemaFile, err)
	case n == 0:
		t.Errorf("journal is empty; want at least a run-start record")
	default:
		t.Logf("journal: %d lines valid against %s", n, SchemaFile)
	}
}

// ValidateJournalFile is ValidateJournal for the journal at path.
func ValidateJournalFile(t testing.TB, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ValidateJournal(t, b)
}

// written collects the records journals write during a test binary's run.
type written struct {
	mu      sync.Mutex
	order   []string            // journal paths, first written first
	records map[string][][]byte // path -> lines
}

func (w *written) record(path string, line []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.records[path]; !ok {
		w.order = append(w.order, path)
	}
	w.records[path] = append(w.records[path], line)
}

// Main runs a package's tests and then checks, against
// docs/record.schema.json, every record any report.Journal wrote while
// they ran (report.RecordWritten): journals sealed, closed, abandoned or
// left open alike, as their lines were written (files the tests damage
// afterwards do not matter). It prints how many journals and lines it
// checked; a line that does not validate is printed with the schema's
// error and fails the package (exit status 1) even if every test passed.
// Use it as a package's TestMain:
//
//	func TestMain(m *testing.M) { reporttest.Main(m) }
func Main(m *testing.M) {
	w := &written{records: map[string][][]byte{}}
	report.RecordWritten = w.record
	code := m.Run()
	report.RecordWritten = nil
	if bad := w.check(os.Stdout); bad && code == 0 {
		code = 1
	}
	os.Exit(code)
}

// check validates the collected records and reports on out; it returns
// whether some line did not validate.
func (w *written) check(out io.Writer) (bad bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for name := range schemas {
		if _, err := compile(name); err != nil {
			fmt.Fprintf(out, "reporttest: %s: %v\n", name, err)
			return true
		}
	}
	lines, failed := 0, 0
	var msgs []string
	for _, p := range w.order {
		name := schemaFor(w.records[p][0])
		for i, line := range w.records[p] {
			lines++
			if err := checkLineWith(name, line); err != nil {
				failed++
				if failed <= 20 {
					msgs = append(msgs, (&LineError{Line: i + 1, Text: string(line), Err: err}).Error()+"\n\tjournal "+p)
				}
			}
		}
	}
	for _, r := range msgs {
		fmt.Fprintf(out, "reporttest: record schema: %s\n", r)
	}
	status := "all valid"
	if failed > 0 {
		status = fmt.Sprintf("%d of them do NOT validate", failed)
	}
	fmt.Fprintf(out, "reporttest: record schemas %s, %s: %d journals and addenda, %d lines written by the tests: %s\n", SchemaFile, AddendumSchemaFile, len(w.order), lines, status)
	return failed > 0
}

package destruction

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/reporttest"
)

// The addendum schema's objects have exactly the members the Go types
// write, required where they are always written (no omitempty), and are
// closed: a member added, renamed or made optional fails here until
// docs/destruction.schema.json follows.
func TestAddendumSchemaMatchesTypes(t *testing.T) {
	b, err := os.ReadFile("../../docs/destruction.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Defs map[string]map[string]any `json:"$defs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for name, typ := range map[string]reflect.Type{
		"Start": reflect.TypeFor[Start](), "JournalRef": reflect.TypeFor[JournalRef](), "Record": reflect.TypeFor[Record](),
		"Evidence": reflect.TypeFor[Evidence](), "Person": reflect.TypeFor[report.Person](),
		"KeyInfo": reflect.TypeFor[report.KeyInfo](), "Seal": reflect.TypeFor[report.Seal](),
	} {
		def := doc.Defs[name]
		if def == nil {
			t.Errorf("no $defs/%s", name)
			continue
		}
		props, _ := def["properties"].(map[string]any)
		var members, always []string
		for i := range typ.NumField() {
			tag := typ.Field(i).Tag.Get("json")
			n, opts, _ := strings.Cut(tag, ",")
			members = append(members, n)
			if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
				always = append(always, n)
			}
		}
		var have, required []string
		for k := range props {
			have = append(have, k)
		}
		req, _ := def["required"].([]any)
		for _, r := range req {
			required = append(required, r.(string))
		}
		for _, l := range [][]string{members, always, have, required} {
			sort.Strings(l)
		}
		if !slices.Equal(members, have) {
			t.Errorf("%s: the schema has members %v; the Go type writes %v", name, have, members)
		}
		if !slices.Equal(always, required) {
			t.Errorf("%s: the schema requires %v; the Go type always writes %v", name, required, always)
		}
		if def["additionalProperties"] != false {
			t.Errorf("%s: not closed (additionalProperties %v)", name, def["additionalProperties"])
		}
	}
	// The method names are the ones kesu accepts.
	var names []any
	for _, m := range Methods {
		names = append(names, string(m))
	}
	if got := doc.Defs["Method"]["enum"].([]any); !slices.Equal(got, names) {
		t.Errorf("schema methods %v; kesu's %v", got, names)
	}
}

// An addendum kesu writes validates; one with a misspelled member, a method
// kesu does not know or a record out of its place does not.
func TestAddendumValidates(t *testing.T) {
	dir := t.TempDir()
	res := journal(t, dir, reporttest.PurgePolicy)
	cert, photos := evidence(t, dir)
	path, err := Write(request(res, cert, photos), reporttest.Signer())
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := reporttest.CheckJournal(data); err != nil || n != 3 {
		t.Fatalf("the addendum written: %d lines, %v; want 3 valid lines", n, err)
	}
	for name, edit := range map[string]func([]byte) []byte{
		"misspelled member": func(b []byte) []byte { return bytes.Replace(b, []byte(`"contractor"`), []byte(`"contracter"`), 1) },
		"unknown method":    func(b []byte) []byte { return bytes.Replace(b, []byte(`"shredding"`), []byte(`"burning"`), 1) },
		"bad date":          func(b []byte) []byte { return bytes.Replace(b, []byte(`"2026-05-20"`), []byte(`"20 May 2026"`), 1) },
		"no photos": func(b []byte) []byte {
			i := bytes.Index(b, []byte(`"photos":[`))
			j := bytes.Index(b[i:], []byte(`]`))
			return append(append(append([]byte(nil), b[:i]...), `"photos":[]`...), b[i+j+1:]...)
		},
		"record out of place": func(b []byte) []byte { return bytes.Replace(b, []byte(`"seq":1,`), []byte(`"seq":2,`), 1) },
	} {
		if _, err := reporttest.CheckJournal(edit(data)); err == nil {
			t.Errorf("%s: the addendum still validates", name)
		}
	}
}

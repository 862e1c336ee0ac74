package report

// This test keeps docs/record.schema.json and the Go types that write the
// journal in step. It walks, by reflection, the type decodeBody reads for
// every record kind declared in this package (and the envelope of line.go),
// together with the schema's object for it, and fails on any difference: a
// member in one and not the other, a member required in one and optional in
// the other (encoding/json's omitempty rules), a member's JSON type, null
// allowed where kesu never writes null or refused where it can, a closed
// value set (Method, Class, Outcome, ...) that differs from the constants
// declared here, a record kind without its body schema, or a schema
// definition no Go type uses. Adding a record kind, a member or a constant
// makes it fail until the schema is updated.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

const schemaFile = "../docs/record.schema.json"

type schemaDoc struct {
	root map[string]any
	defs map[string]any
	used map[string]bool // $defs reached from the walk
	// consts holds the string constants declared in package report and
	// smart, by "pkg.Type".
	consts map[string][]string
	seen   map[string]bool // "Type@def" already compared
	errs   []string        // differences found
}

func (d *schemaDoc) errorf(format string, args ...any) {
	d.errs = append(d.errs, fmt.Sprintf(format, args...))
}

func loadSchemaDoc(t *testing.T) *schemaDoc {
	t.Helper()
	b, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&root); err != nil {
		t.Fatalf("%s: %v", schemaFile, err)
	}
	defs, _ := root["$defs"].(map[string]any)
	if defs == nil {
		t.Fatalf("%s: no $defs", schemaFile)
	}
	d := &schemaDoc{root: root, defs: defs, used: map[string]bool{}, seen: map[string]bool{}, consts: map[string][]string{}}
	for _, dir := range []string{".", "../smart"} {
		stringConsts(t, dir, d.consts)
	}
	return d
}

// stringConsts collects the typed string constants (const X T = "...")
// declared in the non-test files of the package in dir.
func stringConsts(t *testing.T, dir string, out map[string][]string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		name := f.Name.Name
		for _, decl := range f.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				id, ok := vs.Type.(*ast.Ident)
				if !ok {
					continue
				}
				for _, v := range vs.Values {
					lit, ok := v.(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					s, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					out[name+"."+id.Name] = append(out[name+"."+id.Name], s)
				}
			}
		}
	}
}

// resolve follows $ref to a definition of this document; ref is the name
// of the last definition reached ("" when s had no $ref).
func (d *schemaDoc) resolve(t *testing.T, at string, s any) (obj map[string]any, ref string) {
	t.Helper()
	obj, ok := s.(map[string]any)
	if !ok {
		t.Fatalf("%s: schema is %T, want an object", at, s)
	}
	for i := 0; ; i++ {
		r, ok := obj["$ref"].(string)
		if !ok {
			return obj, ref
		}
		name, ok := strings.CutPrefix(r, "#/$defs/")
		def, found := d.defs[name].(map[string]any)
		if !ok || !found || i > 10 {
			t.Fatalf("%s: $ref %q: want #/$defs/<a definition>", at, r)
		}
		d.used[name] = true
		obj, ref = def, name
	}
}

// nullable splits s into the schema of its non-null values (not resolved)
// and whether it allows null: {"anyOf": [X, {"type": "null"}]} or
// {"type": [T, "null"]}.
func (d *schemaDoc) nullable(t *testing.T, at string, s map[string]any) (any, bool) {
	t.Helper()
	if alts, ok := s["anyOf"].([]any); ok {
		var rest []any
		for _, a := range alts {
			if m, ok := a.(map[string]any); ok && len(m) == 1 && m["type"] == "null" {
				continue
			}
			rest = append(rest, a)
		}
		if len(rest) != 1 || len(alts) != 2 {
			d.errorf("%s: anyOf %v: want [<schema>, {\"type\": \"null\"}]", at, alts)
			return s, false
		}
		return rest[0], true
	}
	if ts, ok := s["type"].([]any); ok {
		var rest []any
		null := false
		for _, x := range ts {
			if x == "null" {
				null = true
			} else {
				rest = append(rest, x)
			}
		}
		if len(rest) != 1 {
			d.errorf("%s: type %v: want one type, or one and null", at, ts)
			return s, null
		}
		c := map[string]any{}
		for k, v := range s {
			c[k] = v
		}
		c["type"] = rest[0]
		return c, null
	}
	return s, false
}

// field is a member of a Go struct as encoding/json writes it.
type field struct {
	name      string
	typ       reflect.Type
	omitempty bool
}

// jsonFields lists t's members with encoding/json's rules: exported fields,
// tag names, embedded structs without a tag promoted.
func jsonFields(t *testing.T, typ reflect.Type) []field {
	t.Helper()
	var out []field
	for i := range typ.NumField() {
		f := typ.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			if f.Type.Kind() != reflect.Struct {
				t.Fatalf("%s.%s: embedded %s: the schema test knows embedded structs only", typ, f.Name, f.Type)
			}
			out = append(out, jsonFields(t, f.Type)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		for o := range strings.SplitSeq(opts, ",") {
			if o != "" && o != "omitempty" {
				t.Fatalf("%s.%s: json option %q: the schema test does not know it", typ, f.Name, o)
			}
		}
		out = append(out, field{name: name, typ: f.Type, omitempty: strings.Contains(","+opts+",", ",omitempty,")})
	}
	return out
}

// alwaysWritten reports whether encoding/json writes the member even when
// it is empty: without omitempty, or a struct (omitempty never omits one).
func (f field) alwaysWritten() bool {
	return !f.omitempty || f.typ.Kind() == reflect.Struct
}

var timeType = reflect.TypeFor[time.Time]()

// checkStruct compares the struct type typ with the object schema s.
func (d *schemaDoc) checkStruct(t *testing.T, at string, typ reflect.Type, s map[string]any, ref string) {
	t.Helper()
	key := typ.String() + "@" + ref
	if ref != "" && d.seen[key] {
		return
	}
	d.seen[key] = true
	if s["type"] != "object" {
		d.errorf("%s (%s): type %v, want object", at, typ, s["type"])
	}
	if s["additionalProperties"] != false {
		d.errorf("%s (%s): additionalProperties %v, want false (the Go type is closed)", at, typ, s["additionalProperties"])
	}
	props, _ := s["properties"].(map[string]any)
	var required []string
	for _, r := range asSlice(s["required"]) {
		required = append(required, r.(string))
	}
	fields := jsonFields(t, typ)
	var goNames, goRequired []string
	for _, f := range fields {
		goNames = append(goNames, f.name)
		if f.alwaysWritten() {
			goRequired = append(goRequired, f.name)
		}
		ps, ok := props[f.name]
		if !ok {
			d.errorf("%s: member %q (%s) is not in the schema", at, f.name, typ)
			continue
		}
		d.checkValue(t, at+"."+f.name, f.typ, ps, f.omitempty)
	}
	for name := range props {
		if !slices.Contains(goNames, name) {
			d.errorf("%s: schema member %q is not in %s", at, name, typ)
		}
	}
	sort.Strings(required)
	sort.Strings(goRequired)
	if !slices.Equal(required, goRequired) {
		d.errorf("%s: required %q, want %q (the members %s always writes)", at, required, goRequired, typ)
	}
	// encoding/json itself agrees with the reading of the tags above: a
	// zero value writes exactly the required members, a full one all.
	if got := marshalKeys(t, reflect.New(typ).Elem()); !slices.Equal(got, goRequired) {
		d.errorf("%s: zero %s marshals members %q, want %q", at, typ, got, goRequired)
	}
	full := reflect.New(typ).Elem()
	fill(full, 0)
	sort.Strings(goNames)
	if got := marshalKeys(t, full); !slices.Equal(got, goNames) {
		d.errorf("%s: filled %s marshals members %q, want %q", at, typ, got, goNames)
	}
}

func marshalKeys(t *testing.T, v reflect.Value) []string {
	t.Helper()
	b, err := json.Marshal(v.Interface())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// fill sets every field of v to a non-empty value.
func fill(v reflect.Value, depth int) {
	if depth > 8 {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth+1)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0), depth+1)
	case reflect.Struct:
		if v.Type() == timeType {
			v.Set(reflect.ValueOf(time.Date(2026, 5, 14, 9, 0, 0, 0, time.UTC)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1)
	}
}

// checkValue compares a member of Go type typ with its schema s.
func (d *schemaDoc) checkValue(t *testing.T, at string, typ reflect.Type, s any, omitempty bool) {
	t.Helper()
	obj, ref := d.resolve(t, at, s)
	inner, null := d.nullable(t, at, obj)
	if inner, ref2 := d.resolve(t, at, inner); ref2 != "" {
		obj, ref = inner, ref2
	} else {
		obj = inner
	}
	// kesu writes null for a nil pointer or slice only when the member is
	// not omitempty.
	canBeNull := (typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice) && !omitempty
	if null != canBeNull {
		if canBeNull {
			d.errorf("%s (%s): the schema refuses null, which kesu writes for a nil %s", at, typ, typ.Kind())
		} else {
			d.errorf("%s (%s): the schema allows null, which kesu never writes here", at, typ)
		}
	}
	if typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	want := ""
	switch typ.Kind() {
	case reflect.Struct:
		if typ == timeType {
			want = "string"
			if obj["format"] != "date-time" {
				d.errorf("%s (time): format %v, want date-time", at, obj["format"])
			}
			break
		}
		d.checkStruct(t, at, typ, obj, ref)
		return
	case reflect.Slice:
		if typ.Elem().Kind() == reflect.Uint8 {
			t.Fatalf("%s: []byte: the schema test does not know it", at)
		}
		if obj["type"] != "array" {
			d.errorf("%s (%s): type %v, want array", at, typ, obj["type"])
		}
		items, ok := obj["items"]
		if !ok {
			d.errorf("%s (%s): no items", at, typ)
			return
		}
		d.checkValue(t, at+"[]", typ.Elem(), items, true)
		return
	case reflect.String:
		want = "string"
		d.checkEnum(at, typ, obj, ref, !omitempty)
	case reflect.Bool:
		want = "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		want = "integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		want = "integer"
		if m, ok := obj["minimum"].(json.Number); !ok || m.String() == "" || strings.HasPrefix(m.String(), "-") {
			d.errorf("%s (%s): minimum %v, want 0 or more", at, typ, obj["minimum"])
		}
	case reflect.Float32, reflect.Float64:
		want = "number"
	default:
		t.Fatalf("%s: %s: the schema test does not know %s", at, typ, typ.Kind())
	}
	if obj["type"] != want {
		d.errorf("%s (%s): type %v, want %s", at, typ, obj["type"], want)
	}
}

// checkEnum compares a closed set of values with the string constants of
// the member's named type: a shared definition named after the type lists
// them all, a member's own enum a subset (and "" when the member is
// written empty).
func (d *schemaDoc) checkEnum(at string, typ reflect.Type, s map[string]any, ref string, emptyWritten bool) {
	if typ.Name() == "" || typ.PkgPath() == "" {
		return
	}
	consts := d.consts[path.Base(typ.PkgPath())+"."+typ.Name()]
	if len(consts) == 0 {
		return
	}
	var enum []string
	for _, e := range asSlice(s["enum"]) {
		enum = append(enum, e.(string))
	}
	if enum == nil {
		d.errorf("%s (%s): no enum; want the constants of %s (or some of them)", at, typ, typ)
		return
	}
	if ref == typ.Name() {
		if d.seen["enum@"+ref] {
			return
		}
		d.seen["enum@"+ref] = true
		got, want := slices.Sorted(slices.Values(enum)), slices.Sorted(slices.Values(consts))
		if !slices.Equal(got, want) {
			d.errorf("$defs/%s: enum %q, want the constants of %s: %q", ref, got, typ, want)
		}
		return
	}
	for _, e := range enum {
		if !slices.Contains(consts, e) && (e != "" || !emptyWritten) {
			d.errorf("%s (%s): enum value %q is not a constant of %s (%q)", at, typ, e, typ, consts)
		}
	}
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

// checkEnvelope compares the schema's top level with line.go's envelope
// plus sig.
func (d *schemaDoc) checkEnvelope(t *testing.T) {
	t.Helper()
	root := d.root
	props, _ := root["properties"].(map[string]any)
	var names []string
	for _, f := range jsonFields(t, reflect.TypeFor[envelope]()) {
		names = append(names, f.name)
		if f.typ == reflect.TypeFor[json.RawMessage]() {
			if b, _ := props[f.name].(map[string]any); b["type"] != "object" {
				d.errorf("envelope.%s: type %v, want object", f.name, b["type"])
			}
			continue
		}
		if _, ok := props[f.name]; !ok {
			d.errorf("envelope member %q is not in the schema", f.name)
			continue
		}
		d.checkValue(t, "envelope."+f.name, f.typ, props[f.name], false)
	}
	if sig, _ := props["sig"].(map[string]any); sig["pattern"] != "^[0-9a-f]{"+strconv.Itoa(sigHexLen)+"}$" {
		d.errorf("envelope.sig: pattern %v, want %d lower-case hex digits", sig["pattern"], sigHexLen)
	}
	if p, _ := d.resolve(t, "envelope.prev", props["prev"]); p["pattern"] != "^[0-9a-f]{64}$" {
		d.errorf("envelope.prev: pattern %v, want 64 lower-case hex digits", p["pattern"])
	}
	var schemaNames []string
	for n := range props {
		schemaNames = append(schemaNames, n)
	}
	req := names
	names = append(slices.Clone(names), "sig")
	sort.Strings(names)
	sort.Strings(schemaNames)
	if !slices.Equal(schemaNames, names) {
		d.errorf("envelope members %q, want %q", schemaNames, names)
	}
	var got []string
	for _, r := range asSlice(root["required"]) {
		got = append(got, r.(string))
	}
	if !slices.Equal(got, req) {
		d.errorf("envelope required %q, want %q", got, req)
	}
	if root["additionalProperties"] != false {
		d.errorf("envelope: additionalProperties %v, want false", root["additionalProperties"])
	}
}

// checkKinds checks that every kind has exactly one body schema, for the
// type decodeBody reads, and that the schema has bodies for no other kind.
func (d *schemaDoc) checkKinds(t *testing.T, kinds []string) {
	t.Helper()
	if len(kinds) == 0 {
		t.Fatal("found no Kind constants")
	}
	bodies := map[string][]any{}
	for i, c := range asSlice(d.root["allOf"]) {
		cond, _ := c.(map[string]any)
		ifp, _ := cond["if"].(map[string]any)
		kp, _ := ifp["properties"].(map[string]any)
		k, _ := kp["kind"].(map[string]any)
		kind, ok := k["const"].(string)
		if !ok {
			continue
		}
		if !slices.Contains(asSlice(ifp["required"]), any("kind")) {
			d.errorf("allOf[%d] (kind %s): the if does not require kind", i, kind)
		}
		then, _ := cond["then"].(map[string]any)
		tp, _ := then["properties"].(map[string]any)
		if b, ok := tp["body"]; ok {
			bodies[kind] = append(bodies[kind], b)
		}
	}
	for _, k := range kinds {
		v, err := decodeBody(Kind(k), json.RawMessage("{}"))
		if err != nil {
			d.errorf("decodeBody(%q, {}) = %v; every declared kind must decode", k, err)
			continue
		}
		if len(bodies[k]) != 1 {
			d.errorf("kind %q: %d body schemas in allOf, want 1", k, len(bodies[k]))
			continue
		}
		obj, ref := d.resolve(t, "body("+k+")", bodies[k][0])
		d.checkStruct(t, "body("+k+")", reflect.TypeOf(v).Elem(), obj, ref)
	}
	for k := range bodies {
		if !slices.Contains(kinds, k) {
			d.errorf("the schema has a body for kind %q, which this package does not declare", k)
		}
	}
}

// checkVersions checks the record versions the file says it describes.
func (d *schemaDoc) checkVersions() {
	versions := []string{SchemaVersion1, SchemaVersion}
	rs, _ := d.defs["RunStart"].(map[string]any)
	rsp, _ := rs["properties"].(map[string]any)
	sv, _ := rsp["schema"].(map[string]any)
	for _, w := range []struct {
		what string
		got  []any
	}{{"run-start schema enum", asSlice(sv["enum"])}, {"x-kesu-record-versions", asSlice(d.root["x-kesu-record-versions"])}} {
		var g []string
		for _, x := range w.got {
			g = append(g, x.(string))
		}
		sort.Strings(g)
		if !slices.Equal(g, versions) {
			d.errorf("%s = %q, want %q", w.what, g, versions)
		}
	}
	if id, _ := d.root["$id"].(string); !strings.Contains(id, strings.ReplaceAll(SchemaVersion, "/", "-")) {
		d.errorf("$id %q does not name %s", id, SchemaVersion)
	}
	if d.root["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		d.errorf("$schema %v, want draft 2020-12", d.root["$schema"])
	}
}

// TestSchemaJSONMatchesTypes is the test described at the top of the file.
func TestSchemaJSONMatchesTypes(t *testing.T) {
	d := loadSchemaDoc(t)
	d.checkEnvelope(t)
	d.checkKinds(t, d.consts["report.Kind"])
	d.checkVersions()
	for name := range d.defs {
		if !d.used[name] {
			d.errorf("$defs/%s is not used by any member of the Go types", name)
		}
	}
	for _, e := range d.errs {
		t.Error(e)
	}
}

// TestSchemaJSONCatchesDrift shows that the comparison fails for a member,
// a renamed member, a required member or a record kind the schema does not
// have.
func TestSchemaJSONCatchesDrift(t *testing.T) {
	type sealExtra struct {
		Seal
		Extra string `json:"extra,omitempty"`
	}
	type sealRenamed struct {
		Records     int64  `json:"record_count"`
		Head        string `json:"head"`
		Alg         string `json:"alg"`
		Fingerprint string `json:"fingerprint"`
	}
	type noteRequired struct {
		Drive    int      `json:"drive,omitempty"`
		Severity Severity `json:"severity"`
		Code     string   `json:"code"` // omitempty dropped
		Text     string   `json:"text"`
	}
	type noteBadSeverity struct {
		Drive    int    `json:"drive,omitempty"`
		Severity Level  `json:"severity"` // a type whose constants differ
		Code     string `json:"code,omitempty"`
		Text     string `json:"text"`
	}
	for _, c := range []struct {
		typ  reflect.Type
		def  string
		want string
	}{
		{reflect.TypeFor[sealExtra](), "Seal", `member "extra" (report.sealExtra) is not in the schema`},
		{reflect.TypeFor[sealRenamed](), "Seal", `member "record_count" (report.sealRenamed) is not in the schema`},
		{reflect.TypeFor[noteRequired](), "Note", `required ["severity" "text"], want ["code" "severity" "text"]`},
		{reflect.TypeFor[noteBadSeverity](), "Note", `enum value "info" is not a constant of report.Level`},
	} {
		d := loadSchemaDoc(t)
		obj, ref := d.resolve(t, c.def, map[string]any{"$ref": "#/$defs/" + c.def})
		d.checkStruct(t, c.def, c.typ, obj, ref)
		if !slices.ContainsFunc(d.errs, func(e string) bool { return strings.Contains(e, c.want) }) {
			t.Errorf("%s against $defs/%s: differences %q; want one saying %s", c.typ, c.def, d.errs, c.want)
		}
	}

	d := loadSchemaDoc(t)
	d.checkKinds(t, append(slices.Clone(d.consts["report.Kind"]), "destruction"))
	if want := `decodeBody("destruction", {})`; !slices.ContainsFunc(d.errs, func(e string) bool { return strings.Contains(e, want) }) {
		t.Errorf("a kind without a schema: differences %q; want one saying %s", d.errs, want)
	}
}

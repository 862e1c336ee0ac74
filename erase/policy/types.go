package policy

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// valueHints say, in a technician's words, what a key takes; they follow
// the expected type in a type error ("expected a number (1, 2 or 3)").
var valueHints = map[string]string{
	"version":              "1",
	"language":             `"ja" or "en"`,
	"policy.level":         `"clear" or "purge"`,
	"policy.mic_category":  "1, 2 or 3",
	"policy.verify":        `e.g. "10%" or "full"`,
	"policy.below_level":   `"fail" or "accept"`,
	"policy.pattern":       `"zero", "one", "random" or "0xNN"`,
	"run.countdown":        "seconds, 5 to 3600",
	"run.after":            `"wait", "poweroff" or "reboot"`,
	"run.after_delay":      "seconds, 0 to 86400",
	"raid.logical_volumes": `"skip" or "overwrite"`,
	"tcg.erase":            `"allow", "prefer" or "forbid"`,
	"tcg.psid_prompt":      "true or false",
	"record.destination":   `"reuse", "recycle", "destroy" or "return"`,
	"exclude.serials":      `e.g. ["S3Z8NB0K123456"]`,
	"exclude.wwns":         `e.g. ["naa.5000c500a1b2c3d4"]`,
	"exclude.paths":        `e.g. ["/dev/sda"]`,
}

// checkTypes decodes the config into plain TOML values and compares every
// key with the type Config declares for it, so that a value of the wrong
// type is named in plain words — the key, its line, the type expected and
// the value found — where the TOML decoder would stop at the first one
// with "incompatible types: TOML value has type string; destination has
// type integer". It returns the type problems and, separately, the
// unknown keys it met (reported with them, since the decoder that finds
// unknown keys does not run when a type is wrong). Syntax errors are left
// to the decoder: checkTypes then returns nothing.
func checkTypes(data []byte, lines map[string]int) (types, unknown []Problem) {
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return nil, nil
	}
	w := typeWalk{lines: lines}
	w.table(reflect.TypeOf(Config{}), raw, "")
	return w.types, w.unknown
}

type typeWalk struct {
	lines          map[string]int
	types, unknown []Problem
}

// line is the line of key, else of the nearest table holding it.
func (w *typeWalk) line(key string) int {
	for k := key; k != ""; {
		if n := w.lines[k]; n > 0 {
			return n
		}
		i := strings.LastIndexByte(k, '.')
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return 0
}

// table checks the keys of one TOML table against struct type st.
func (w *typeWalk) table(st reflect.Type, raw map[string]any, prefix string) {
	fields := map[string]reflect.StructField{}
	for i := 0; i < st.NumField(); i++ {
		f := st.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name != "" && name != "-" {
			fields[name] = f
		}
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		key := prefix + k
		f, ok := fields[k]
		if !ok {
			w.unknown = append(w.unknown, Problem{Line: w.line(key), Key: key, Msg: "unknown key"})
			continue
		}
		w.value(f.Type, raw[k], key)
	}
}

// value checks one value against the Go type t of its field.
func (w *typeWalk) value(t reflect.Type, v any, key string) {
	bad := func(got string) {
		msg := "expected " + expected(t, key) + ", got " + got
		if s, ok := v.(string); ok && unquotedFits(t, s) {
			msg += ": write it without the quotes"
		}
		if f, ok := v.(float64); ok && t.Kind() != reflect.Slice && f == float64(int64(f)) {
			msg += ": write it without the decimal point"
		}
		w.types = append(w.types, Problem{Line: w.line(key), Key: key, Msg: msg})
	}
	switch t.Kind() {
	case reflect.String:
		if _, ok := v.(string); !ok {
			bad(describe(v))
		}
	case reflect.Int, reflect.Int64:
		if _, ok := v.(int64); !ok {
			bad(describe(v))
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			bad(describe(v))
		}
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			bad(describe(v))
			return
		}
		if t.Elem().Kind() == reflect.String {
			for i, e := range list {
				if _, ok := e.(string); !ok {
					bad(fmt.Sprintf("a list whose entry %d is %s", i+1, describe(e)))
					return
				}
			}
		}
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			bad(describe(v))
			return
		}
		w.table(t, m, key+".")
	}
}

// expected names the type a key takes, with its hint.
func expected(t reflect.Type, key string) string {
	var s string
	switch t.Kind() {
	case reflect.String:
		s = "a string in quotes"
	case reflect.Int, reflect.Int64:
		s = "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		s = "a list of strings in quotes"
	case reflect.Struct:
		return "a table ([" + key + "])"
	default:
		s = t.Kind().String()
	}
	if h := valueHints[key]; h != "" {
		s += " (" + h + ")"
	}
	return s
}

// describe names a decoded TOML value for a reader.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", x)
	case int64:
		return fmt.Sprintf("the number %d", x)
	case float64:
		s := strconv.FormatFloat(x, 'f', -1, 64)
		if !strings.ContainsAny(s, ".eEn") { // whole, but written with a decimal point
			s += ".0"
		}
		return "the decimal number " + s
	case bool:
		return fmt.Sprintf("%v", x)
	case map[string]any:
		return "a table"
	case []map[string]any:
		return "an array of tables"
	case []any:
		return "a list"
	case fmt.Stringer:
		return "the date/time " + x.String()
	}
	return fmt.Sprintf("a %T", v)
}

// unquotedFits reports whether a string value would be right without its
// quotes (version = "1", unattended = "true").
func unquotedFits(t reflect.Type, s string) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		_, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		return err == nil
	case reflect.Bool:
		return s == "true" || s == "false"
	}
	return false
}

package policy

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A value of the wrong type is named in plain words: its line, its key, the
// type expected (with what the key takes) and the value found — every one
// of them, not only the first.
func TestTypeErrorsInPlainWords(t *testing.T) {
	for _, tc := range []struct {
		name, cfg string
		want      []string
	}{
		{"string for a number", "version = 1\n[policy]\nmic_category = \"two\"\n",
			[]string{`line 3: policy.mic_category: expected a number (1, 2 or 3), got the string "two"`}},
		{"number for a string", "version = 1\n[policy]\nlevel = 2\n",
			[]string{`line 3: policy.level: expected a string in quotes ("clear" or "purge"), got the number 2`}},
		{"quoted number", "version = \"1\"\n[policy]\nlevel = \"clear\"\n",
			[]string{`line 1: version: expected a number (1), got the string "1": write it without the quotes`}},
		{"string for a boolean", "version = 1\n[policy]\nlevel = \"clear\"\n[run]\nunattended = \"yes\"\n",
			[]string{`line 5: run.unattended: expected true or false, got the string "yes"`}},
		{"quoted boolean", "version = 1\n[policy]\nlevel = \"clear\"\n[signing]\nunsigned = \"true\"\n",
			[]string{`line 5: signing.unsigned: expected true or false, got the string "true": write it without the quotes`}},
		{"decimal for a number", "version = 1\n[policy]\nmic_category = 2.0\n",
			[]string{`line 3: policy.mic_category: expected a number (1, 2 or 3), got the decimal number 2.0: write it without the decimal point`}},
		{"string for a list", "version = 1\n[policy]\nlevel = \"clear\"\n[exclude]\nserials = \"S123\"\n",
			[]string{`line 5: exclude.serials: expected a list of strings in quotes (e.g. ["S3Z8NB0K123456"]), got the string "S123"`}},
		{"numbers in a list", "version = 1\n[policy]\nlevel = \"clear\"\n[exclude]\npaths = [\"/dev/sda\", 2]\n",
			[]string{`line 5: exclude.paths: expected a list of strings in quotes (e.g. ["/dev/sda"]), got a list whose entry 2 is the number 2`}},
		{"value for a table", "version = 1\npolicy = 3\n",
			[]string{`line 2: policy: expected a table ([policy]), got the number 3`}},
		{"array of tables", "version = 1\n[policy]\nlevel = \"clear\"\n[[raid]]\nlogical_volumes = \"skip\"\n",
			[]string{`line 4: raid: expected a table ([raid]), got an array of tables`}},
		{"inline table", "version = 1\npolicy = { level = 2 }\n",
			[]string{`line 2: policy.level: expected a string in quotes ("clear" or "purge"), got the number 2`}},
		{"every one, with unknown keys", "version = 1\n[policy]\nlevel = 2\nlevle = 'x'\n[run]\ncountdown = \"30\"\nafter = true\n",
			[]string{
				`line 3: policy.level: expected a string in quotes ("clear" or "purge"), got the number 2`,
				`line 4: policy.levle: unknown key`,
				`line 6: run.countdown: expected a number (seconds, 5 to 3600), got the string "30": write it without the quotes`,
				`line 7: run.after: expected a string in quotes ("wait", "poweroff" or "reboot"), got true`,
			}},
	} {
		_, err := Parse([]byte(tc.cfg), "kesu.toml")
		var pe *Error
		if !errors.As(err, &pe) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Parse error = %v; want *Error", tc.name, err)
			continue
		}
		var got []string
		for _, p := range pe.Problems {
			got = append(got, p.String())
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: problems (-want +got):\n%s", tc.name, diff)
		}
		if strings.Contains(err.Error(), "incompatible types") || strings.Contains(err.Error(), "destination has type") {
			t.Errorf("%s: error %q still speaks the decoder's words", tc.name, err)
		}
	}
}

// Every hint names a key of the config, so hints do not outlive their keys.
func TestValueHintsNameKeys(t *testing.T) {
	keys := map[string]bool{}
	var walk func(reflect.Type, string)
	walk = func(st reflect.Type, prefix string) {
		for i := 0; i < st.NumField(); i++ {
			f := st.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			if name == "" || name == "-" {
				continue
			}
			keys[prefix+name] = true
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type, prefix+name+".")
			}
		}
	}
	walk(reflect.TypeOf(Config{}), "")
	for k := range valueHints {
		if !keys[k] {
			t.Errorf("valueHints has %q, which is no key of Config", k)
		}
	}
}

package policy

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func defaultConfigPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "configs", "kesu.toml")
}

func TestDefaultConfigIsValid(t *testing.T) {
	c, err := Load(defaultConfigPath())
	if err != nil {
		t.Fatalf("configs/kesu.toml: %v", err)
	}
	if c.Level != Purge || c.DestroyRequired || c.VerifyPercent != 10 || c.Policy.BelowLevel != BelowFail ||
		c.Run.Unattended || c.Run.After != AfterWait || c.Signing.Key != "kesu.key" || c.Language != "ja" || c.Pattern != "zero" ||
		c.RAID.LogicalVolumes != VolumesSkip {
		t.Errorf("default config = %+v", c)
	}
}

// Every key the default config documents is one Parse knows: the default
// file must exercise the whole schema.
func TestDefaultConfigDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile(defaultConfigPath())
	if err != nil {
		t.Fatal(err)
	}
	lines := keyLines(data)
	for _, k := range []string{"version", "language", "policy.mic_category", "policy.verify", "policy.extra_overwrite",
		"policy.below_level", "policy.pattern", "run.unattended", "run.countdown", "run.confirm_word", "run.after",
		"run.after_delay", "signing.key", "signing.unsigned", "exclude.serials", "exclude.wwns", "exclude.paths",
		"record.dir", "record.operator", "record.operator_title", "record.organization", "record.location",
		"record.contact", "record.customer", "record.asset_prefix", "record.destination", "raid.logical_volumes", "tcg.erase", "tcg.psid_prompt",
		"policy.destruction_deadline_days", "record.store", "record.store_endpoint", "record.store_region", "record.store_access_key", "record.store_secret_key"} {
		if lines[k] == 0 {
			t.Errorf("configs/kesu.toml does not document %s", k)
		}
	}
}

func TestMICCategories(t *testing.T) {
	for _, tc := range []struct {
		cfg     string
		level   Level
		destroy bool
	}{
		{"version = 1\n[policy]\nmic_category = 3\n", Clear, false},
		{"version = 1\n[policy]\nmic_category = 2\n", Purge, false},
		{"version = 1\n[policy]\nmic_category = 1\n", Purge, true},
		{"version = 1\n[policy]\nlevel = \"clear\"\n", Clear, false},
		{"version = 1\n[policy]\nlevel = \"purge\"\nmic_category = 2\n", Purge, false},
	} {
		c, err := Parse([]byte(tc.cfg), "t")
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.cfg, err)
		}
		if c.Level != tc.level || c.DestroyRequired != tc.destroy {
			t.Errorf("Parse(%q) = level %s destroy %v; want %s %v", tc.cfg, c.Level, c.DestroyRequired, tc.level, tc.destroy)
		}
		if tc.destroy && c.Record.Destination != "destroy" {
			t.Errorf("MIC (1) destination = %q; want destroy", c.Record.Destination)
		}
	}
}

func TestBadConfigsNameTheLine(t *testing.T) {
	for _, tc := range []struct {
		name, cfg string
		want      []Problem
	}{
		{"syntax", "version = 1\n[policy\nlevel = 'purge'\n", []Problem{{Line: 2}}},
		{"unknown key", "version = 1\n[policy]\nlevel = 'purge'\nlevle = 'x'\n[runn]\nx = 1\n",
			[]Problem{{Line: 4, Key: "policy.levle"}, {Line: 5, Key: "runn"}, {Line: 6, Key: "runn.x"}}},
		{"bad values", "version = 1\n[policy]\nlevel = 'purgeish'\nverify = '0%'\nbelow_level = 'maybe'\n[run]\nafter = 'dance'\ncountdown = 1\n",
			[]Problem{{Line: 3, Key: "policy.level"}, {Line: 4, Key: "policy.verify"}, {Line: 5, Key: "policy.below_level"},
				{Line: 7, Key: "run.after"}, {Line: 8, Key: "run.countdown"}}},
		{"type", "version = 1\n[policy]\nmic_category = 'two'\n", []Problem{{Line: 3}}},
		{"contradiction", "version = 1\n[policy]\nlevel = 'clear'\nmic_category = 2\n", []Problem{{Line: 3, Key: "policy.level"}}},
		{"no level", "version = 1\n[policy]\nverify = 'full'\n", []Problem{{Key: "policy.level"}}},
		{"no version", "[policy]\nlevel = 'clear'\n", []Problem{{Key: "version"}}},
		{"unsigned and key", "version = 1\n[policy]\nlevel = 'clear'\n[signing]\nkey = 'k'\nunsigned = true\n", []Problem{{Line: 6, Key: "signing.unsigned"}}},
		{"verify none", "version = 1\n[policy]\nlevel = 'clear'\nverify = 'none'\n", []Problem{{Line: 4, Key: "policy.verify"}}},
		{"bad exclude path", "version = 1\n[policy]\nlevel = 'clear'\n[exclude]\npaths = ['sda']\n", []Problem{{Line: 5, Key: "exclude.paths"}}},
		{"record off the stick", "version = 1\n[policy]\nlevel = 'clear'\n[record]\ndir = '../../records'\n", []Problem{{Line: 5, Key: "record.dir"}}},
		{"absolute record dir", "version = 1\n[policy]\nlevel = 'clear'\n[record]\ndir = '/tmp/records'\n", []Problem{{Line: 5, Key: "record.dir"}}},
		{"key off the stick", "version = 1\n[policy]\nlevel = 'clear'\n[signing]\nkey = '/etc/kesu.key'\n", []Problem{{Line: 5, Key: "signing.key"}}},
		{"raid volumes", "version = 1\n[policy]\nlevel = 'clear'\n[raid]\nlogical_volumes = 'erase'\n", []Problem{{Line: 5, Key: "raid.logical_volumes"}}},
		{"destruction deadline", "version = 1\n[policy]\nmic_category = 1\ndestruction_deadline_days = -3\n", []Problem{{Line: 4, Key: "policy.destruction_deadline_days"}}},
		{"record store", "version = 1\n[policy]\nlevel = 'clear'\n[record]\nstore = 'records/site-a'\nstore_endpoint = 'ftp://10.0.0.1'\nstore_access_key = 'k'\n",
			[]Problem{{Line: 5, Key: "record.store"}, {Line: 6, Key: "record.store_endpoint"}, {Line: 7, Key: "record.store_access_key"}}},
	} {
		_, err := Parse([]byte(tc.cfg), "kesu.toml")
		var pe *Error
		if !errors.As(err, &pe) || !errors.Is(err, ErrInvalid) {
			t.Fatalf("%s: Parse error = %v; want *Error", tc.name, err)
		}
		var got []Problem
		for _, p := range pe.Problems {
			got = append(got, Problem{Line: p.Line, Key: p.Key})
			if p.Msg == "" {
				t.Errorf("%s: problem %+v has no message", tc.name, p)
			}
		}
		// Syntax and type errors come from the TOML decoder: check the line only.
		if tc.name == "syntax" || tc.name == "type" {
			for i := range got {
				got[i].Key = ""
			}
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: problems (-want +got):\n%s\nerror: %v", tc.name, diff, err)
		}
		if !strings.Contains(err.Error(), "nothing will be erased") {
			t.Errorf("%s: error %q does not say nothing will be erased", tc.name, err)
		}
	}
}

func TestLoadMissing(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "none.toml"))
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("Load(missing) = %v; want ErrInvalid", err)
	}
}

func TestExcluded(t *testing.T) {
	c, err := Parse([]byte("version = 1\n[policy]\nlevel = 'clear'\n[exclude]\nserials = ['WD-123 ']\nwwns = ['naa.5000C500ABCDEF01']\npaths = ['/dev/sdc']\n"), "t")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		serial, wwn string
		paths       []string
		want        bool
	}{
		{"wd-123", "", nil, true},
		{"WD-1234", "", nil, false},
		{"", "0x5000c500abcdef01", nil, true},
		{"", "5000c500abcdef02", nil, false},
		{"", "", []string{"/dev/sdb", "/dev/sdc"}, true},
		{"", "", []string{"/dev/sdd"}, false},
	} {
		if got, why := c.Excluded(tc.serial, []string{tc.wwn}, tc.paths...); got != tc.want {
			t.Errorf("Excluded(%q, %q, %q) = %v (%s); want %v", tc.serial, tc.wwn, tc.paths, got, why, tc.want)
		}
	}
}

// A stick prepared with the wwid kesu list printed before it told WWNs
// from other ids (a T10 vendor id, an NVMe nvme.… id) still protects that
// drive: the raw sysfs wwid is matched too (found by review: the WWN-only
// match would have erased it).
func TestExcludedByRawWWID(t *testing.T) {
	const t10 = "t10.ATA     Samsung SSD 870 EVO 2TB                 S6PNNS0T123456"
	c, err := Parse([]byte("version = 1\n[policy]\nlevel = 'clear'\n[exclude]\nwwns = ['"+t10+"']\n"), "t")
	if err != nil {
		t.Fatal(err)
	}
	if ex, _ := c.Excluded("S6PNNS0T123456-OTHER", []string{"", t10}, "/dev/sdb"); !ex {
		t.Error("the drive whose raw wwid is excluded is not excluded")
	}
	if ex, _ := c.Excluded("", []string{"naa.5000c500abcdef01", ""}); ex {
		t.Error("another drive is excluded")
	}
}

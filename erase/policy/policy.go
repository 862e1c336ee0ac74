// Package policy reads kesu.toml, the erasure policy on the stick: what level
// to reach (NIST SP 800-88 Clear/Purge or a MIC 2020 category), how to verify,
// what to do with a drive that cannot reach the level, which drives never to
// touch, how to run (attended or unattended) and what to write on the record.
//
// A config with any error — bad syntax, an unknown key, a bad value — is
// rejected as a whole, every problem named with its line: a bad config means
// nothing is erased.
package policy

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/kesu-erase/kesu/erase"
)

// Level is a NIST SP 800-88 sanitization level.
type Level string

// Levels, weakest first.
const (
	Clear Level = "clear"
	Purge Level = "purge"
)

// Rank orders levels: Clear < Purge. Unknown levels rank 0.
func (l Level) Rank() int {
	switch l {
	case Clear:
		return 1
	case Purge:
		return 2
	}
	return 0
}

// After-run actions.
const (
	AfterWait     = "wait"
	AfterPowerOff = "poweroff"
	AfterReboot   = "reboot"
)

// Below-level handling.
const (
	BelowFail   = "fail"   // a drive that cannot reach the level fails
	BelowAccept = "accept" // accept the best level below, marked so on the record
)

// Config is a parsed, validated kesu.toml.
type Config struct {
	Version  int    `toml:"version"`
	Language string `toml:"language"` // "ja" or "en"

	Policy  Policy  `toml:"policy"`
	Run     Run     `toml:"run"`
	Signing Signing `toml:"signing"`
	Exclude Exclude `toml:"exclude"`
	Record  Record  `toml:"record"`
	RAID    RAID    `toml:"raid"`
	TCG     TCG     `toml:"tcg"`

	// Level is the NIST level the policy demands, from policy.level or
	// derived from policy.mic_category.
	Level Level `toml:"-"`
	// DestroyRequired is set for MIC category (1): erase on premises, then
	// the media must be physically destroyed.
	DestroyRequired bool `toml:"-"`
	// VerifyPercent is policy.verify as a share of blocks (100 = full).
	VerifyPercent float64 `toml:"-"`
	// Pattern is policy.pattern parsed (a fresh key per use for random).
	Pattern string `toml:"-"`
	// Source names where the config came from.
	Source string `toml:"-"`
}

// Policy is the [policy] table.
type Policy struct {
	Level          string `toml:"level"`
	MICCategory    int    `toml:"mic_category"`
	Verify         string `toml:"verify"`
	ExtraOverwrite bool   `toml:"extra_overwrite"`
	BelowLevel     string `toml:"below_level"`
	Pattern        string `toml:"pattern"`
	// DestructionDeadlineDays is how many days after its erasure a drive
	// that must be destroyed (MIC category (1), or a drive that missed
	// its level) has to be recorded destroyed; 0: no deadline.
	DestructionDeadlineDays int `toml:"destruction_deadline_days"`
}

// Run is the [run] table.
type Run struct {
	Unattended  bool   `toml:"unattended"`
	Countdown   int    `toml:"countdown"`
	ConfirmWord string `toml:"confirm_word"`
	After       string `toml:"after"`
	AfterDelay  int    `toml:"after_delay"`
}

// Signing is the [signing] table.
type Signing struct {
	Key      string `toml:"key"`
	Unsigned bool   `toml:"unsigned"`
}

// RAID is the [raid] table: what kesu does with a RAID controller's
// logical volumes. Their member drives are always erased as drives, through
// the controller's pass-through.
type RAID struct {
	// LogicalVolumes is "skip" (default: a volume is recorded with its
	// members and not written) or "overwrite" (also overwrite it as a
	// volume before its members are erased — never rated as a drive).
	LogicalVolumes string `toml:"logical_volumes"`
}

// RAID.LogicalVolumes values.
const (
	VolumesSkip      = "skip"
	VolumesOverwrite = "overwrite"
)

// TCG is the [tcg] table: what kesu does with self-encrypting drives
// (TCG Opal family and Enterprise).
type TCG struct {
	// Erase is "allow" (default: a TCG crypto erase is planned after the
	// drive's Sanitize methods), "prefer" (planned before them) or
	// "forbid" (never planned).
	Erase string `toml:"erase"`
	// PSIDPrompt, when true (default), lets an attended run offer a PSID
	// revert for a drive locked or owned by somebody; false: such a drive
	// is FAIL at once, attended or not.
	PSIDPrompt *bool `toml:"psid_prompt"`
}

// TCG.Erase values.
const (
	TCGAllow  = "allow"
	TCGPrefer = "prefer"
	TCGForbid = "forbid"
)

// PSID reports whether an attended run may offer a PSID revert.
func (t TCG) PSID() bool { return t.PSIDPrompt == nil || *t.PSIDPrompt }

// Exclude is the [exclude] table: drives kesu must never touch.
type Exclude struct {
	Serials []string `toml:"serials"`
	WWNs    []string `toml:"wwns"`
	Paths   []string `toml:"paths"`
}

// Record is the [record] table: who, where and for whom, for the record and
// the certificates (NIST SP 800-88 Rev.1 Appendix G).
type Record struct {
	Dir           string `toml:"dir"`
	Operator      string `toml:"operator"`
	OperatorTitle string `toml:"operator_title"`
	Organization  string `toml:"organization"`
	Location      string `toml:"location"`
	Contact       string `toml:"contact"`
	Customer      string `toml:"customer"`
	AssetPrefix   string `toml:"asset_prefix"`
	Destination   string `toml:"destination"`
	// Store is an S3-compatible store (s3://BUCKET/PREFIX) that receives a
	// copy of each sealed record, in addition to the stick; "" for none.
	// StoreEndpoint names its server (http(s)://HOST[:PORT]; "" for AWS
	// S3); StoreRegion, StoreAccessKey and StoreSecretKey reach it.
	Store          string `toml:"store"`
	StoreEndpoint  string `toml:"store_endpoint"`
	StoreRegion    string `toml:"store_region"`
	StoreAccessKey string `toml:"store_access_key"`
	StoreSecretKey string `toml:"store_secret_key"`
}

// Problem is one thing wrong with a config.
type Problem struct {
	Line int    // 1-based; 0 when unknown
	Key  string // dotted key, if any
	Msg  string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Key != "" {
		fmt.Fprintf(&b, "%s: ", p.Key)
	}
	b.WriteString(p.Msg)
	return b.String()
}

// ErrInvalid is wrapped by every config error.
var ErrInvalid = errors.New("invalid config")

// Error lists every problem found in a config.
type Error struct {
	Source   string
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d problem(s); nothing will be erased", e.Source, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *Error) Unwrap() error { return ErrInvalid }

// Load reads and validates a config file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Source: path, Problems: []Problem{{Msg: fmt.Sprintf("cannot read the config: %v", err)}}}
	}
	return Parse(data, path)
}

var lineRE = regexp.MustCompile(`line (\d+)`)

// Parse validates a config's text; source names it in errors.
func Parse(data []byte, source string) (*Config, error) {
	c := &Config{Source: source}
	e := &Error{Source: source}
	lines := keyLines(data)
	if types, unknown := checkTypes(data, lines); len(types) > 0 {
		e.Problems = append(types, unknown...)
		sort.SliceStable(e.Problems, func(i, j int) bool { return e.Problems[i].Line < e.Problems[j].Line })
		return nil, e
	}
	md, err := toml.Decode(string(data), c)
	if err != nil {
		p := Problem{Msg: strings.TrimPrefix(err.Error(), "toml: ")}
		var pe toml.ParseError
		if errors.As(err, &pe) {
			p.Line, p.Msg = pe.Position.Line, pe.Message
			// The decoder reports a line that ended too early at the
			// position of its newline, i.e. on the next line.
			if strings.Contains(pe.Message, `got '\n'`) && p.Line > 1 {
				p.Line--
			}
			if pe.LastKey != "" {
				p.Key = pe.LastKey
			}
		} else if m := lineRE.FindStringSubmatch(err.Error()); m != nil {
			p.Line, _ = strconv.Atoi(m[1])
		}
		e.Problems = append(e.Problems, p)
		return nil, e
	}
	undecoded := md.Undecoded()
	sort.Slice(undecoded, func(i, j int) bool { return lines[undecoded[i].String()] < lines[undecoded[j].String()] })
	for _, k := range undecoded {
		e.Problems = append(e.Problems, Problem{Line: lines[k.String()], Key: k.String(), Msg: "unknown key"})
	}
	bad := func(key, format string, args ...any) {
		e.Problems = append(e.Problems, Problem{Line: lines[key], Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	c.validate(md, bad)
	if len(e.Problems) > 0 {
		sort.SliceStable(e.Problems, func(i, j int) bool { return e.Problems[i].Line < e.Problems[j].Line })
		return nil, e
	}
	return c, nil
}

func (c *Config) validate(md toml.MetaData, bad func(key, format string, args ...any)) {
	if !md.IsDefined("version") {
		bad("version", "missing: the first line should be `version = 1`")
	} else if c.Version != 1 {
		bad("version", "version %d is not supported by this kesu (it reads version 1)", c.Version)
	}
	switch c.Language {
	case "":
		c.Language = "ja"
	case "ja", "en":
	default:
		bad("language", "%q: want \"ja\" or \"en\"", c.Language)
	}

	p := &c.Policy
	level := Level(strings.ToLower(p.Level))
	if p.Level != "" && level != Clear && level != Purge {
		bad("policy.level", "%q: want \"clear\" or \"purge\"", p.Level)
	}
	if md.IsDefined("policy", "mic_category") {
		var fromMIC Level
		switch p.MICCategory {
		case 1:
			fromMIC, c.DestroyRequired = Purge, true
		case 2:
			fromMIC = Purge
		case 3:
			fromMIC = Clear
		default:
			bad("policy.mic_category", "%d: want 1, 2 or 3 (MIC 2020 notice categories)", p.MICCategory)
		}
		if fromMIC != "" && p.Level != "" && level != fromMIC {
			bad("policy.level", "%q contradicts mic_category = %d, which needs %q; set only one of them", p.Level, p.MICCategory, fromMIC)
		}
		level = fromMIC
	}
	if p.Level == "" && !md.IsDefined("policy", "mic_category") {
		bad("policy.level", "missing: set policy.level (\"clear\" or \"purge\") or policy.mic_category (1, 2 or 3)")
	}
	c.Level = level
	if p.DestructionDeadlineDays < 0 || p.DestructionDeadlineDays > 3650 {
		bad("policy.destruction_deadline_days", "%d: want 0 (no deadline) to 3650 days", p.DestructionDeadlineDays)
	}

	if p.Verify == "" {
		p.Verify = "10%"
	}
	if pct, err := erase.ParseVerify(p.Verify); err != nil {
		bad("policy.verify", "%q: want \"N%%\" (0 < N ≤ 100) or \"full\"", p.Verify)
	} else if pct == 0 {
		bad("policy.verify", "%q: the appliance always verifies; want \"N%%\" or \"full\"", p.Verify)
	} else {
		c.VerifyPercent = pct
	}
	switch p.BelowLevel {
	case "":
		p.BelowLevel = BelowFail
	case BelowFail, BelowAccept:
	default:
		bad("policy.below_level", "%q: want \"fail\" or \"accept\"", p.BelowLevel)
	}
	if p.Pattern == "" {
		p.Pattern = "zero"
	}
	if pat, err := erase.ParsePattern(p.Pattern); err != nil {
		bad("policy.pattern", "%q: want zero, one, random or 0xNN", p.Pattern)
	} else {
		c.Pattern = pat.String()
	}

	r := &c.Run
	if !md.IsDefined("run", "countdown") {
		r.Countdown = 30
	} else if r.Countdown < 5 || r.Countdown > 3600 {
		bad("run.countdown", "%d: want 5 to 3600 seconds", r.Countdown)
	}
	if strings.ContainsAny(r.ConfirmWord, " \t\n") {
		bad("run.confirm_word", "%q: one word without spaces", r.ConfirmWord)
	}
	switch r.After {
	case "":
		r.After = AfterWait
	case AfterWait, AfterPowerOff, AfterReboot:
	default:
		bad("run.after", "%q: want \"wait\", \"poweroff\" or \"reboot\"", r.After)
	}
	if !md.IsDefined("run", "after_delay") {
		r.AfterDelay = 60
	} else if r.AfterDelay < 0 || r.AfterDelay > 86400 {
		bad("run.after_delay", "%d: want 0 to 86400 seconds", r.AfterDelay)
	}

	switch c.RAID.LogicalVolumes {
	case "":
		c.RAID.LogicalVolumes = VolumesSkip
	case VolumesSkip, VolumesOverwrite:
	default:
		bad("raid.logical_volumes", "%q: want \"skip\" or \"overwrite\"", c.RAID.LogicalVolumes)
	}

	switch c.TCG.Erase {
	case "":
		c.TCG.Erase = TCGAllow
	case TCGAllow, TCGPrefer, TCGForbid:
	default:
		bad("tcg.erase", "%q: want \"allow\", \"prefer\" or \"forbid\"", c.TCG.Erase)
	}

	s := &c.Signing
	if s.Unsigned && s.Key != "" {
		bad("signing.unsigned", "unsigned = true with a key set: choose one")
	}
	if !s.Unsigned && s.Key == "" {
		s.Key = "kesu.key"
	}
	for i, w := range c.Exclude.WWNs {
		if strings.TrimSpace(w) == "" {
			bad("exclude.wwns", "entry %d is empty", i+1)
		}
	}
	for i, v := range c.Exclude.Serials {
		if strings.TrimSpace(v) == "" {
			bad("exclude.serials", "entry %d is empty", i+1)
		}
	}
	for i, v := range c.Exclude.Paths {
		if !strings.HasPrefix(v, "/dev/") {
			bad("exclude.paths", "entry %d %q: want a /dev/ path", i+1, v)
		}
	}
	if c.Record.Dir == "" {
		c.Record.Dir = "records"
	}
	// The record and the key live on the stick: a path that leaves it
	// (absolute, or climbing with "..") would put the record in RAM, lost
	// at power-off.
	onStick := func(key, v string) {
		if v == "" {
			return
		}
		clean := path.Clean(strings.ReplaceAll(v, "\\", "/"))
		if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") || strings.Contains(v, "\x00") {
			bad(key, "%q: want a path on the stick, relative to kesu.toml, without \"..\"", v)
		}
	}
	onStick("record.dir", c.Record.Dir)
	onStick("signing.key", c.Signing.Key)
	if r := c.Record; r.Store != "" {
		if !strings.HasPrefix(r.Store, "s3://") || strings.TrimPrefix(r.Store, "s3://") == "" || strings.HasPrefix(strings.TrimPrefix(r.Store, "s3://"), "/") {
			bad("record.store", "%q: want s3://BUCKET or s3://BUCKET/PREFIX", r.Store)
		}
		if e := r.StoreEndpoint; e != "" && !strings.HasPrefix(e, "http://") && !strings.HasPrefix(e, "https://") {
			bad("record.store_endpoint", "%q: want http(s)://HOST[:PORT]", e)
		}
		if (r.StoreAccessKey == "") != (r.StoreSecretKey == "") {
			bad("record.store_access_key", "give both store_access_key and store_secret_key, or neither")
		}
	}
	switch c.Record.Destination {
	case "", "reuse", "recycle", "destroy", "return":
	default:
		bad("record.destination", "%q: want reuse, recycle, destroy or return", c.Record.Destination)
	}
	if c.DestroyRequired && c.Record.Destination == "" {
		c.Record.Destination = "destroy"
	}
}

// keyLines maps dotted keys to the line defining them, for simple TOML
// (tables and key = value lines; what kesu.toml uses).
func keyLines(data []byte) map[string]int {
	out := map[string]int{}
	table := ""
	for i, raw := range bytes.Split(data, []byte("\n")) {
		line := strings.TrimSpace(string(raw))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") {
			name := strings.Trim(strings.SplitN(line, "#", 2)[0], "[] \t")
			table = name
			if _, ok := out[table]; !ok {
				out[table] = i + 1
			}
			continue
		}
		eq := strings.IndexByte(line, '=')
		if eq <= 0 {
			continue
		}
		key := strings.Trim(strings.TrimSpace(line[:eq]), `"'`)
		if table != "" {
			key = table + "." + key
		}
		if _, ok := out[key]; !ok {
			out[key] = i + 1
		}
	}
	return out
}

// Excluded reports whether a drive with this serial, WWN or any of these
// paths is excluded by the policy, and by which rule.
func (c *Config) Excluded(serial string, wwns []string, paths ...string) (bool, string) {
	norm := func(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
	for _, s := range c.Exclude.Serials {
		if serial != "" && norm(s) == norm(serial) {
			return true, "serial " + s + " is excluded by the policy"
		}
	}
	bare := func(s string) string { return strings.TrimPrefix(strings.TrimPrefix(norm(s), "naa."), "0x") }
	for _, w := range c.Exclude.WWNs {
		for _, wwn := range wwns {
			if strings.TrimSpace(wwn) != "" && bare(w) == bare(wwn) {
				return true, "WWN " + w + " is excluded by the policy"
			}
		}
	}
	for _, p := range c.Exclude.Paths {
		for _, q := range paths {
			if p == q {
				return true, "path " + p + " is excluded by the policy"
			}
		}
	}
	return false, ""
}

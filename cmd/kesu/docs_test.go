package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kesu-erase/kesu/report"
)

// The manual page (docs/kesu.1) and the bash completion
// (scripts/kesu.bash) are generated from the command table and each
// command's flags; these tests fail when either is out of date.
// Regenerate both with: go test ./cmd/kesu -run 'TestManual|TestCompletion' -update
var update = flag.Bool("update", false, "rewrite docs/kesu.1 and scripts/kesu.bash from the command table")

// cliForm is one command or subcommand as help shows it.
type cliForm struct {
	name  string // "erase", "report pdf"
	cmd   command
	flags []flagInfo
}

// cliForms lists every command and subcommand with its flags, taken from
// the flag set the command itself parses (its --help).
func cliForms(t *testing.T) []cliForm {
	t.Helper()
	var out []cliForm
	for _, n := range commandNames() {
		c := commands[n]
		words := [][]string{nil}
		if len(c.subcommands) > 0 {
			words = nil
			for _, s := range c.subcommands {
				words = append(words, []string{s})
			}
		}
		for _, w := range words {
			err := c.run(context.Background(), append(append([]string{}, w...), "--help"), io.Discard, io.Discard)
			var h *helpRequest
			if !errors.As(err, &h) {
				t.Fatalf("kesu %s %s --help: %v; want a help request", n, strings.Join(w, " "), err)
			}
			out = append(out, cliForm{name: h.fs.Name(), cmd: c, flags: flagList(h.fs)})
		}
	}
	return out
}

// roff escapes text for a man page.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

// paragraphs writes text as man paragraphs (blank lines separate them).
func paragraphs(w io.Writer, text string) {
	for i, p := range strings.Split(strings.TrimSpace(text), "\n\n") {
		if i > 0 {
			fmt.Fprintln(w, ".PP")
		}
		for _, l := range strings.Split(p, "\n") {
			fmt.Fprintln(w, roff(l))
		}
	}
}

// manual renders kesu.1.
func manual(t *testing.T) []byte {
	var b bytes.Buffer
	fmt.Fprintln(&b, `.\" Generated from kesu's command table by`)
	fmt.Fprintln(&b, `.\" go test ./cmd/kesu -run TestManual -update; do not edit.`)
	fmt.Fprintln(&b, `.TH KESU 1 "" "kesu" "User Commands"`)
	fmt.Fprintln(&b, ".SH NAME")
	fmt.Fprintln(&b, `kesu \- erase drives and prove it`)
	fmt.Fprintln(&b, ".SH SYNOPSIS")
	forms := cliForms(t)
	for _, n := range commandNames() {
		for _, u := range commands[n].usage {
			fmt.Fprintf(&b, ".B kesu\n%s\n.br\n", roff(u))
		}
	}
	fmt.Fprintln(&b, ".B kesu")
	fmt.Fprintln(&b, `\-\-help | \-\-version`)
	fmt.Fprintln(&b, ".SH DESCRIPTION")
	paragraphs(&b, `kesu overwrites or firmware-erases drives, proves the result by reading them back, and writes a signed, tamper-evident record of it; the same binary is the boot stick's appliance. It refuses a device that is mounted, holds a mounted partition, is swap, is held by device-mapper or md, or backs the running root filesystem, and it opens block devices exclusively.`)
	fmt.Fprintln(&b, ".PP")
	paragraphs(&b, overviewNotes)
	fmt.Fprintln(&b, ".SH COMMANDS")
	for _, f := range forms {
		fmt.Fprintf(&b, ".SS kesu %s\n", roff(f.name))
		if f.name == f.cmd.name {
			fmt.Fprintln(&b, roff(f.cmd.summary)+".")
		}
		fmt.Fprintln(&b, ".PP\n.nf")
		for _, s := range synopsis(f.cmd, f.name) {
			fmt.Fprintln(&b, roff(s))
		}
		fmt.Fprintln(&b, ".fi")
		for _, fl := range f.flags {
			fmt.Fprintf(&b, ".TP\n.B \\-\\-%s", roff(fl.name))
			if fl.arg != "" {
				fmt.Fprintf(&b, " \\fI%s\\fR", roff(fl.arg))
			}
			fmt.Fprintf(&b, "\n%s\n", roff(fl.help()))
		}
		if f.name == f.cmd.name && f.cmd.details != "" {
			fmt.Fprintln(&b, ".PP")
			paragraphs(&b, f.cmd.details)
		}
		if f.name == "report verify" {
			fmt.Fprintln(&b, ".PP")
			paragraphs(&b, reportUsage[strings.Index(reportUsage, "verify checks"):])
		}
	}
	fmt.Fprintln(&b, ".SH FILES")
	fmt.Fprintln(&b, ".TP\n.I kesu.toml\nthe policy (the stick's, or \\-\\-config FILE); every key is documented in configs/kesu.toml.")
	fmt.Fprintln(&b, ".TP\n.I records/*.jsonl\nthe signed journals, one per run.")
	fmt.Fprintln(&b, ".SH SEE ALSO")
	fmt.Fprintln(&b, ".BR hdparm (8),")
	fmt.Fprintln(&b, ".BR nvme (1),")
	fmt.Fprintln(&b, ".BR sg_sanitize (8);")
	fmt.Fprintln(&b, "README.md and docs/record.md in the kesu sources.")
	return b.Bytes()
}

func checkGenerated(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (generate it with -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s is out of date with the command table (go test ./cmd/kesu -run 'TestManual|TestCompletion' -update); (-file +generated):\n%s", path, diff)
	}
}

func TestManual(t *testing.T) {
	checkGenerated(t, "../../docs/kesu.1", manual(t))
	// The page must render: man's formatter reads it without complaint.
	if _, err := exec.LookPath("groff"); err != nil {
		t.Skip("groff not installed")
	}
	cmd := exec.Command("groff", "-man", "-Tutf8", "-ww", "-z", "../../docs/kesu.1")
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("groff -man -ww on docs/kesu.1: %v\n%s", err, out)
	}
}

// argKind is how the completion completes an argument named so.
func argKind(arg string) string {
	switch {
	case arg == "DEVICE":
		return "device"
	case arg == "DIR":
		return "dir"
	case arg == "FILE" || arg == "JOURNAL":
		return "file"
	case arg == "METHOD":
		return "method"
	case arg == "PATTERN":
		return "pattern"
	}
	return ""
}

// completion renders the bash completion script.
func completion(t *testing.T) []byte {
	forms := cliForms(t)
	var b bytes.Buffer
	var methods []string
	for _, m := range report.Methods() {
		methods = append(methods, string(m))
	}
	fmt.Fprintf(&b, `# bash completion for kesu. Generated from kesu's command table by
# go test ./cmd/kesu -run TestCompletion -update; do not edit.

# With nothing typed: the whole-disk block devices; else file names.
_kesu_devices() {
    if [[ -z $1 ]]; then
        compgen -G '/dev/*' | grep -E '^/dev/(sd[a-z]+|nvme[0-9]+n[0-9]+|vd[a-z]+|hd[a-z]+|mmcblk[0-9]+|loop[0-9]+)$'
        return 0
    fi
    compgen -f -- "$1"
}

_kesu() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local IFS=$'\n'
    if (( COMP_CWORD == 1 )); then
        COMPREPLY=($(compgen -W %s -- "$cur"))
        return
    fi
    local key=${COMP_WORDS[1]}
    case $key in
`, bashWords(append(commandNamesVisible(), "help", "--help", "--version")))
	for _, n := range commandNames() {
		if subs := commands[n].subcommands; len(subs) > 0 {
			fmt.Fprintf(&b, "    %s)\n        if (( COMP_CWORD == 2 )); then\n            COMPREPLY=($(compgen -W %s -- \"$cur\"))\n            return\n        fi\n        key=\"%s ${COMP_WORDS[2]}\" ;;\n",
				n, bashWords(subs), n)
		}
	}
	fmt.Fprintln(&b, "    esac")
	fmt.Fprintln(&b, "    local flags= positional=")
	fmt.Fprintln(&b, "    case $key in")
	for _, f := range forms {
		var names []string
		for _, fl := range f.flags {
			names = append(names, "--"+fl.name)
		}
		names = append(names, "--help")
		pos := positionalKind(f)
		fmt.Fprintf(&b, "    %q) flags=%s; positional=%s ;;\n", f.name, bashWords(names), pos)
	}
	fmt.Fprintln(&b, "    esac")
	// A flag's value.
	fmt.Fprintln(&b, "    case \"$key $prev\" in")
	type valued struct{ key, kind string }
	var vs []valued
	for _, f := range forms {
		for _, fl := range f.flags {
			if k := argKind(fl.arg); k != "" {
				vs = append(vs, valued{fmt.Sprintf("%q", f.name+" --"+fl.name), k})
			} else if fl.arg == "VALUE" {
				// No name for what it takes: complete file names, as bash
				// would.
				vs = append(vs, valued{fmt.Sprintf("%q", f.name+" --"+fl.name), "file"})
			} else if fl.arg != "" {
				vs = append(vs, valued{fmt.Sprintf("%q", f.name+" --"+fl.name), "none"})
			}
		}
	}
	sort.Slice(vs, func(i, j int) bool {
		return vs[i].kind < vs[j].kind || vs[i].kind == vs[j].kind && vs[i].key < vs[j].key
	})
	actions := map[string]string{
		"device":  `COMPREPLY=($(_kesu_devices "$cur"))`,
		"dir":     `COMPREPLY=($(compgen -d -- "$cur"))`,
		"file":    `COMPREPLY=($(compgen -f -- "$cur"))`,
		"method":  fmt.Sprintf(`COMPREPLY=($(compgen -W %s -- "$cur"))`, bashWords(append(methods, "list"))),
		"pattern": `COMPREPLY=($(compgen -W $'zero\none\nrandom\n0x' -- "$cur"))`,
		"none":    `COMPREPLY=()`,
	}
	for i := 0; i < len(vs); {
		j := i
		var keys []string
		for ; j < len(vs) && vs[j].kind == vs[i].kind; j++ {
			keys = append(keys, vs[j].key)
		}
		fmt.Fprintf(&b, "    %s)\n        %s\n        return ;;\n", strings.Join(keys, "|\\\n    "), actions[vs[i].kind])
		i = j
	}
	fmt.Fprintln(&b, "    esac")
	fmt.Fprint(&b, `    if [[ $cur == -* || -z $positional ]]; then
        COMPREPLY=($(compgen -W "$flags" -- "$cur"))
        return
    fi
    case $positional in
    device) COMPREPLY=($(_kesu_devices "$cur")) ;;
    file) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
}
complete -o filenames -F _kesu kesu
`)
	return b.Bytes()
}

// positionalKind is how the form's positional argument (DEVICE, JOURNAL)
// completes: the first argument word of its synopsis that is no flag's
// value.
func positionalKind(f cliForm) string {
	takesValue := map[string]bool{}
	for _, fl := range f.flags {
		takesValue[fl.name] = fl.arg != ""
	}
	for _, s := range synopsis(f.cmd, f.name) {
		fields := strings.Fields(s)
		for i, w := range fields {
			k := argKind(strings.Trim(w, "[]()."))
			if k == "" || i == 0 {
				continue
			}
			p := fields[i-1]
			name := strings.TrimLeft(p, "[(")
			if strings.HasPrefix(name, "--") && !strings.HasSuffix(p, "]") && !strings.HasSuffix(p, ")") && takesValue[name[2:]] {
				continue // the flag's value
			}
			return k
		}
	}
	return ""
}

// bashWords is a word list for compgen -W under IFS=$'\n'.
func bashWords(ws []string) string { return "$'" + strings.Join(ws, `\n`) + "'" }

func commandNamesVisible() []string {
	var out []string
	for _, n := range commandNames() {
		if !commands[n].hidden {
			out = append(out, n)
		}
	}
	return out
}

func TestCompletion(t *testing.T) {
	checkGenerated(t, "../../scripts/kesu.bash", completion(t))
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	// Run the script as bash runs it: what does <TAB> offer after these
	// words?
	complete := func(words ...string) []string {
		t.Helper()
		script := fmt.Sprintf("source %s\nCOMP_WORDS=(%s)\nCOMP_CWORD=%d\n_kesu\nprintf '%%s\\n' \"${COMPREPLY[@]}\"\n",
			"../../scripts/kesu.bash", shellWords(words), len(words)-1)
		out, err := exec.Command("bash", "--norc", "-c", script).CombinedOutput()
		if err != nil {
			t.Fatalf("bash completion of %q: %v\n%s", words, err, out)
		}
		return strings.Fields(string(out))
	}
	for _, tc := range []struct {
		words []string
		want  []string
	}{
		{[]string{"kesu", "ve"}, []string{"verify", "version"}},
		{[]string{"kesu", "--v"}, []string{"--version"}},
		{[]string{"kesu", "erase", "--dr"}, []string{"--dry-run"}},
		{[]string{"kesu", "erase", "--method", "nvme-sanitize-"}, []string{"nvme-sanitize-block-erase", "nvme-sanitize-crypto-erase", "nvme-sanitize-overwrite"}},
		{[]string{"kesu", "erase", "--pattern", "r"}, []string{"random"}},
		{[]string{"kesu", "report", "p"}, []string{"pdf"}},
		{[]string{"kesu", "report", "pdf", "--un"}, []string{"--unverified"}},
		{[]string{"kesu", "plan", "--con"}, []string{"--config"}},
		{[]string{"kesu", "probe", "/dev/nu"}, []string{"/dev/null"}},
		{[]string{"kesu", "list", "--"}, []string{"--help", "--json"}},
	} {
		got := complete(tc.words...)
		sort.Strings(got)
		if !cmp.Equal(got, tc.want) {
			t.Errorf("completion of %q = %q; want %q", tc.words, got, tc.want)
		}
	}
}

func shellWords(ws []string) string {
	var q []string
	for _, w := range ws {
		q = append(q, "'"+strings.ReplaceAll(w, "'", `'\''`)+"'")
	}
	return strings.Join(q, " ")
}

// README's command-line section names every command and every flag that
// --help shows.
func TestREADMEMatchesHelp(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	start := strings.Index(s, "## The command line")
	if start < 0 {
		t.Fatal("README.md has no '## The command line' section")
	}
	sec := s[start:]
	if end := strings.Index(sec[3:], "\n## "); end >= 0 {
		sec = sec[:end+3]
	}
	for _, f := range cliForms(t) {
		if f.cmd.hidden || f.name == "appliance" {
			continue
		}
		if !regexp.MustCompile(`kesu ` + regexp.QuoteMeta(f.name) + `\b`).MatchString(sec) {
			t.Errorf("README's command-line section does not show kesu %s", f.name)
		}
		for _, fl := range f.flags {
			if !strings.Contains(sec, "--"+fl.name) {
				t.Errorf("README's command-line section does not mention kesu %s --%s", f.name, fl.name)
			}
		}
	}
	for _, must := range []string{"--version", "--help", "IEC", "130"} {
		if !strings.Contains(sec, must) {
			t.Errorf("README's command-line section does not mention %s", must)
		}
	}
}

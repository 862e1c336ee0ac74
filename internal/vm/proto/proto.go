// Package proto is what the VM harness (internal/vm) and the in-VM runner
// (internal/vm/vmscript) exchange: the script the harness puts into the test
// initramfs, and the result lines the runner writes to the second serial port.
package proto

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// ScriptPath is where the harness puts the script in the test initramfs.
const ScriptPath = "etc/kesu-vmscript.json"

// RunnerPath is where the harness puts the runner; /bin/uinit points to it.
const RunnerPath = "bin/vmscript"

// ResultPort is the serial port the runner writes result lines to (the
// second one; the first carries the console).
const ResultPort = "/dev/ttyS1"

// Linefeed-terminated result lines: "KESUVM <nonce> <kind> <base64(JSON)>".
const linePrefix = "KESUVM"

// Line kinds.
const (
	KindBoot   = "boot"   // a Boot, once, before the first command
	KindResult = "result" // a Result, one per command
	KindDone   = "done"   // the runner finished; it powers off next
)

// Script is what the runner does: load the modules, wait for the disks,
// run each command, power off.
type Script struct {
	Nonce     string    `json:"nonce"`      // tags every result line of this boot
	WaitDisks int       `json:"wait_disks"` // whole disks to wait for before the first command
	WaitFor   Duration  `json:"wait_for"`   // at most this long
	Commands  []Command `json:"commands"`
}

// Command is one step of a Script.
type Command struct {
	// Builtin is "" to run /bbin/kesu with Args, "cat" to print the files
	// Args names (glob patterns), or "write" to create the file Args[0]
	// holding base64 Args[1] with octal mode Args[2] (optional).
	Builtin string   `json:"builtin,omitempty"`
	Args    []string `json:"args"`
	Timeout Duration `json:"timeout"`
}

// Boot reports what the runner found before running commands.
type Boot struct {
	Modules []Module          `json:"modules"`  // modules that failed or were missing
	Disks   map[string]string `json:"disks"`    // serial -> /dev path
	Uptime  Duration          `json:"uptime"`   // since kernel start, when the runner started
	WaitErr string            `json:"wait_err"` // set when the disks did not all appear
	Cmdline string            `json:"cmdline"`  // /proc/cmdline
}

// Module is a module the runner could not load.
type Module struct {
	Name string `json:"name"`
	Err  string `json:"err"`
}

// Result is one command's outcome.
type Result struct {
	Index    int      `json:"index"`
	Args     []string `json:"args"` // after {dev:SERIAL} substitution
	Stdout   string   `json:"stdout"`
	Stderr   string   `json:"stderr"`
	ExitCode int      `json:"exit_code"` // -1 if it did not run or was killed
	Err      string   `json:"err"`       // why it did not run or was killed
	Duration Duration `json:"duration"`
}

// DevPrefix starts a placeholder "{dev:SERIAL}" in command arguments, which
// the runner replaces with the /dev path of the disk with that serial;
// NamePrefix one replaced by the disk's kernel name (as in /sys/block).
const (
	DevPrefix  = "{dev:"
	NamePrefix = "{name:"
)

// Duration is a time.Duration that travels as nanoseconds.
type Duration = time.Duration

// FormatLine encodes one result line (without the trailing newline).
func FormatLine(nonce, kind string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s %s %s %s", linePrefix, nonce, kind, base64.StdEncoding.EncodeToString(b)), nil
}

// Line is a parsed result line.
type Line struct {
	Kind string
	JSON []byte
}

// ParseLines extracts the result lines tagged with nonce from the result
// port's output, ignoring anything else (carriage returns included).
func ParseLines(out, nonce string) ([]Line, error) {
	var lines []Line
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(strings.TrimRight(l, "\r"))
		if len(f) < 3 || f[0] != linePrefix || f[1] != nonce {
			continue
		}
		var data []byte
		if len(f) > 3 {
			var err error
			if data, err = base64.StdEncoding.DecodeString(f[3]); err != nil {
				return lines, fmt.Errorf("result line %q: %w", f[2], err)
			}
		}
		lines = append(lines, Line{Kind: f[2], JSON: data})
	}
	return lines, nil
}

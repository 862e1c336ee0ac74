// Command kesu erases drives and proves it: a CLI on any Linux, and the
// appliance (u-root uinit) on the kesu boot stick.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/kesu-erase/kesu/erase/target"
)

// command is one kesu subcommand. Each lives in its own file and registers
// itself from init, so main stays a thin dispatcher. The table is also
// what --help, the manual page (docs/kesu.1) and the bash completion
// (scripts/kesu.bash) are made from.
type command struct {
	name    string
	summary string
	// usage lists the command's forms after "kesu", e.g.
	// "erase [flags] DEVICE"; a subcommand's forms start with its name
	// ("report pdf JOURNAL ...").
	usage []string
	// subcommands are the words that may follow the name (report verify,
	// pdf, csv); each parses its own flags.
	subcommands []string
	// details is printed by --help after the flags.
	details string
	// hidden commands are left out of the overview (appliance).
	hidden bool
	run    func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("kesu: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// commandNames lists the commands in order.
func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// exitError carries a specific exit status out of a subcommand. Its message,
// if any, has already been printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// errUsage marks bad command-line usage (exit status 2).
var errUsage = errors.New("usage")

// Exit statuses shared by the subcommands.
const (
	exitPass        = 0   // the drive passed
	exitFail        = 1   // the drive failed, or an error
	exitUsage       = 2   // bad command line
	exitRefused     = 3   // a safety check refused to start
	exitUnverified  = 4   // written, but no read-back was asked for
	exitInterrupted = 130 // SIGINT or SIGTERM (128 + SIGINT), after the record was closed
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args, os.Stdout, os.Stderr)
	os.Exit(finalStatus(ctx, err, os.Stderr))
}

// finalStatus is the process's exit status: 130 when a signal ended the
// run (the subcommand has returned, so the record is closed), else the
// subcommand's.
func finalStatus(ctx context.Context, err error, stderr io.Writer) int {
	if ctx.Err() != nil {
		if err != nil && !errors.As(err, new(exitError)) && !errors.Is(err, context.Canceled) {
			fmt.Fprintln(stderr, "kesu:", err)
		}
		fmt.Fprintln(stderr, "kesu: interrupted")
		return exitInterrupted
	}
	return exitCode(err, stderr)
}

func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if errors.Is(err, errUsage) {
		fmt.Fprintln(stderr, "kesu:", err)
		return exitUsage
	}
	if errors.Is(err, errRefused) {
		fmt.Fprintln(stderr, "kesu:", err)
		return exitRefused
	}
	fmt.Fprintln(stderr, "kesu:", err)
	return exitFail
}

// run dispatches to a subcommand. args[0] is the program name; when kesu runs
// as the initramfs's uinit (pid 1's child with no subcommand) it enters
// appliance mode if that mode is registered.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		if c, ok := commands["appliance"]; ok && isUinit() {
			return c.run(ctx, nil, stdout, stderr)
		}
		usage(stderr)
		return fmt.Errorf("%w: no command given", errUsage)
	}
	name := args[1]
	switch name {
	case "-h", "-help", "--help":
		usage(stdout)
		return nil
	case "help":
		if len(args) > 2 {
			// kesu help erase, kesu help report pdf
			return run(ctx, append(append([]string{args[0]}, args[2:]...), "--help"), stdout, stderr)
		}
		usage(stdout)
		return nil
	case "-version", "--version":
		name = "version"
	}
	c, ok := commands[name]
	if !ok {
		usage(stderr)
		return fmt.Errorf("%w: unknown command %q", errUsage, name)
	}
	err := c.run(ctx, args[2:], stdout, stderr)
	var h *helpRequest
	if errors.As(err, &h) {
		h.write(stdout)
		return nil
	}
	return err
}

// isUinit reports whether kesu was started by u-root's init as the uinit.
func isUinit() bool { return os.Getppid() == 1 }

// usage is the overview `kesu --help` prints.
func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: kesu COMMAND [flags] [arguments]")
	fmt.Fprintln(w, "\ncommands:")
	for _, n := range commandNames() {
		if c := commands[n]; !c.hidden {
			fmt.Fprintf(w, "  %-10s %s\n", n, c.summary)
		}
	}
	fmt.Fprint(w, overviewNotes)
}

// overviewNotes close `kesu --help` and the manual's description.
const overviewNotes = `
A device is named by its path, as the argument or with --device
(kesu probe /dev/sdb, kesu erase /dev/sdb --yes). Flags may come before or
after it. Destructive commands need the device and a confirmation: --yes,
or on a terminal the last 4 characters of the drive's serial typed in.

Sizes are binary (IEC): KiB, MiB, GiB, TiB are powers of 1024; a drive's
capacity also shows the decimal (SI) size its label uses (4.00 TB).

Exit status: 0 pass, 1 fail or error, 2 usage, 3 refused by a safety check,
4 written but not verified, 130 interrupted (SIGINT/SIGTERM; the record is
closed first). kesu report has its own (kesu report --help).

Run 'kesu COMMAND --help' for a command's flags; 'kesu --version' for the build.
`

// synopsis returns the forms of the command (or subcommand: "report pdf")
// named fsName.
func synopsis(c command, fsName string) []string {
	var out []string
	for _, u := range c.usage {
		if u == fsName || strings.HasPrefix(u, fsName+" ") {
			out = append(out, "kesu "+u)
		}
	}
	return out
}

// errRefused marks a safety refusal (exit status 3): nothing was written or
// sent. It is erase/target's, so the refusals made there and here are one.
var errRefused = target.ErrRefused

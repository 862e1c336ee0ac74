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
	"syscall"
)

// command is one kesu subcommand. Each lives in its own file and registers
// itself from init, so main stays a thin dispatcher.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("kesu: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// exitError carries a specific exit status out of a subcommand. Its message,
// if any, has already been printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// errUsage marks bad command-line usage (exit status 2).
var errUsage = errors.New("usage")

// Exit statuses shared by the subcommands.
const (
	exitPass       = 0 // the drive passed
	exitFail       = 1 // the drive failed, or an error
	exitRefused    = 3 // a safety check refused to start
	exitUnverified = 4 // written, but no read-back was asked for
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(exitCode(run(ctx, os.Args, os.Stdout, os.Stderr), os.Stderr))
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
		return 2
	}
	if errors.Is(err, errRefused) {
		fmt.Fprintln(stderr, "kesu:", err)
		return 3
	}
	fmt.Fprintln(stderr, "kesu:", err)
	return 1
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
	if name == "help" || name == "-h" || name == "--help" {
		usage(stdout)
		return nil
	}
	c, ok := commands[name]
	if !ok {
		usage(stderr)
		return fmt.Errorf("%w: unknown command %q", errUsage, name)
	}
	return c.run(ctx, args[2:], stdout, stderr)
}

// isUinit reports whether kesu was started by u-root's init as the uinit.
func isUinit() bool { return os.Getppid() == 1 }

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: kesu COMMAND [flags]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'kesu COMMAND -h' for a command's flags.")
}

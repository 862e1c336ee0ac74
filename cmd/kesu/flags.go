package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"reflect"
	"strings"
	"text/tabwriter"
)

// helpRequest is returned by parseFlags for -h/--help: run prints the
// command's help on stdout and exits 0.
type helpRequest struct{ fs *flag.FlagSet }

func (h *helpRequest) Error() string { return "help requested" }
func (h *helpRequest) Unwrap() error { return flag.ErrHelp }

// write prints the command's forms, summary, flags and details.
func (h *helpRequest) write(w io.Writer) {
	name := h.fs.Name()
	c := commands[strings.Fields(name)[0]]
	forms := synopsis(c, name)
	if len(forms) == 0 {
		forms = []string{"kesu " + name + " [flags]"}
	}
	for i, f := range forms {
		if i == 0 {
			fmt.Fprintf(w, "usage: %s\n", f)
		} else {
			fmt.Fprintf(w, "       %s\n", f)
		}
	}
	if name == c.name && c.summary != "" {
		fmt.Fprintf(w, "\n%s\n", c.summary)
	}
	if fl := flagList(h.fs); len(fl) > 0 {
		fmt.Fprintln(w, "\nflags:")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, f := range fl {
			fmt.Fprintf(tw, "  %s\t%s\n", f.form(), f.help())
		}
		tw.Flush()
	}
	if name == c.name && c.details != "" {
		fmt.Fprintf(w, "\n%s", c.details)
	}
}

// flagInfo is one flag as help, the manual and the completion show it.
type flagInfo struct {
	name, arg, usage, def string
}

// form is "--name ARG" (or "--name" for a switch).
func (f flagInfo) form() string {
	if f.arg == "" {
		return "--" + f.name
	}
	return "--" + f.name + " " + f.arg
}

func (f flagInfo) help() string {
	if f.def != "" {
		return f.usage + " (default " + f.def + ")"
	}
	return f.usage
}

// flagList describes a flag set's flags in order of name. The argument's
// name is the usage's `backquoted` word, else one named after the type.
func flagList(fs *flag.FlagSet) []flagInfo {
	var out []flagInfo
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			arg = ""
		} else if !strings.Contains(f.Usage, "`") {
			switch arg {
			case "int", "uint", "int64", "uint64", "float":
				arg = "N"
			case "duration":
				arg = "DURATION"
			default:
				arg = "VALUE"
			}
		}
		out = append(out, flagInfo{name: f.Name, arg: arg, usage: usage, def: defaultWord(f)})
	})
	return out
}

// defaultWord is a flag's default when it is not the zero value.
func defaultWord(f *flag.Flag) string {
	if f.DefValue == "" || f.DefValue == "false" || f.DefValue == "0" || f.DefValue == "[]" {
		return ""
	}
	// A Value type's zero may print as something else.
	if t := reflect.TypeOf(f.Value); t.Kind() == reflect.Pointer {
		if z, ok := reflect.New(t.Elem()).Interface().(flag.Value); ok && z.String() == f.DefValue {
			return ""
		}
	}
	return f.DefValue
}

// parseFlags parses args into fs and returns the positional arguments.
// Flags may come before, between or after them (kesu erase /dev/sdb
// --yes); everything after "--" is positional. -h/--help returns a
// *helpRequest; any other error is a usage error.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, &helpRequest{fs}
			}
			return nil, fmt.Errorf("%w: %v (see kesu %s --help)", errUsage, err, fs.Name())
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if i := len(args) - len(rest) - 1; i >= 0 && args[i] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// noArgs refuses positional arguments to a command that takes none.
func noArgs(fs *flag.FlagSet, pos []string) error {
	if len(pos) > 0 {
		return fmt.Errorf("%w: kesu %s takes no arguments, got %q", errUsage, fs.Name(), pos)
	}
	return nil
}

// deviceArg returns the one device named by --device (flag) or as the
// positional argument; both naming different devices, or more than one
// argument, is a usage error. "" when neither names one.
func deviceArg(fs *flag.FlagSet, flagValue string, pos []string) (string, error) {
	switch {
	case len(pos) > 1:
		return "", fmt.Errorf("%w: kesu %s takes one device, got %q", errUsage, fs.Name(), pos)
	case len(pos) == 1 && flagValue != "" && flagValue != pos[0]:
		return "", fmt.Errorf("%w: two devices named: --device %s and %s; give one", errUsage, flagValue, pos[0])
	case len(pos) == 1:
		return pos[0], nil
	}
	return flagValue, nil
}

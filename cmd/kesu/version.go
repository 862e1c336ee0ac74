package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/kesu-erase/kesu/internal/human"
	kesuversion "github.com/kesu-erase/kesu/internal/version"
	"github.com/kesu-erase/kesu/internal/view"
	"github.com/kesu-erase/kesu/report"
)

// version is the release version the record, the certificate and
// `kesu version` name (internal/version: `make build` stamps it; else the
// module version the go command stamped, else "(devel)").
var version = kesuversion.Get().Version

func init() {
	register(command{
		name:    "version",
		summary: "print kesu's version, commit and build date (also: kesu --version)",
		usage:   []string{"version [--json]"},
		run:     runVersion,
	})
}

func runVersion(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	jsonOut := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(fs, pos); err != nil {
		return err
	}
	in := kesuversion.Get()
	// What the record's tool field says (report.CurrentTool): the same
	// version and commit by construction.
	tool := report.CurrentTool(version)
	if *jsonOut {
		return view.JSON(stdout, struct {
			kesuversion.Info
			BinarySHA256 string `json:"binary_sha256,omitempty"`
		}{in, tool.BinarySHA256})
	}
	fmt.Fprintf(stdout, "kesu %s\n", in.Version)
	kv, flush := human.KeyValues(stdout)
	if c := in.CommitWord(); c != "" {
		kv("commit", "%s", c)
	} else {
		kv("commit", "unknown (built without VCS information)")
	}
	switch {
	case in.BuildDate != "":
		kv("built", "%s", in.BuildDate)
	case in.CommitTime != "":
		kv("committed", "%s (no build date stamped; make build stamps one)", in.CommitTime)
	default:
		kv("built", "unknown (make build stamps the date)")
	}
	kv("go", "%s", in.Go)
	if tool.BinarySHA256 != "" {
		kv("sha256", "%s", tool.BinarySHA256)
	}
	return flush()
}

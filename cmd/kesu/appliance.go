//go:build linux

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/kesu-erase/kesu/appliance"
	"github.com/kesu-erase/kesu/console/jobview"
	"github.com/kesu-erase/kesu/report"
)

func init() {
	register(command{
		name:    "appliance",
		summary: "boot-stick mode; runs only as the stick's init (no arguments)",
		usage:   []string{"appliance"},
		run:     runAppliance,
	})
}

func runAppliance(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	pos, err := parseFlags(flag.NewFlagSet("appliance", flag.ContinueOnError), args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("%w: appliance takes no arguments", errUsage)
	}
	if why := appliance.InInitramfs(); why != "" {
		return errors.New("appliance mode runs only as the uinit of a kesu stick's initramfs: " + why)
	}
	appliance.Run(ctx, appliance.Options{
		System:  appliance.NewSystem(stdout, appliance.DefaultModuleTimeout),
		Out:     stdout,
		Erase:   jobview.Appliance(version),
		Version: report.CurrentTool(version).Version,
	})
	// As init's uinit, kesu must not exit: init would end and the kernel
	// panic. Run returns only if its power call failed and its context ended.
	select {}
}

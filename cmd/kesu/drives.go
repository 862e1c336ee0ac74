package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/kesu-erase/kesu/configs"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/job"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/erase/raid"
	"github.com/kesu-erase/kesu/erase/target"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/internal/view"
)

func init() {
	register(command{name: "list", summary: "list the machine's drives from sysfs (read-only, sends no command)",
		usage: []string{"list [--json]"}, run: runList})
	register(command{name: "plan", summary: "probe the drives (read-only) and show what kesu would do to each, or to one",
		usage: []string{"plan [--config FILE] [--json] [DEVICE]"}, run: runPlan})
}

// loadPolicy reads --config, or the built-in default policy.
func loadPolicy(path string) (*policy.Config, []byte, error) {
	if path == "" {
		c, err := policy.Parse(configs.DefaultPolicy, "built-in default policy (configs/kesu.toml)")
		return c, configs.DefaultPolicy, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the policy: %w", err)
	}
	c, err := policy.Parse(data, path)
	return c, data, err
}

func runList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	jsonOut := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(fs, pos); err != nil {
		return err
	}
	rows, err := view.List(os.DirFS("/"))
	if err != nil {
		return err
	}
	return view.WriteList(stdout, rows, *jsonOut)
}

func runPlan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	configPath := fs.String("config", "", "the policy `FILE` (default: the built-in configs/kesu.toml)")
	deviceFlag := fs.String("device", "", "plan this one `DEVICE` only (or give it as the argument; default: every drive)")
	jsonOut := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	device, err := deviceArg(fs, *deviceFlag, pos)
	if err != nil {
		return err
	}
	pol, _, err := loadPolicy(*configPath)
	if err != nil {
		return err
	}
	root := os.DirFS("/")
	only := ""
	if device != "" {
		if only, err = target.WholeDisk(root, device); err != nil {
			return err
		}
	}
	sel, err := job.Discover(ctx, job.Options{Policy: pol, Root: root, SkipInUse: true, Open: openDrive,
		Controllers: raid.OpenLinux})
	if err != nil {
		return err
	}
	defer sel.Topology.Close()
	cfg := worker.Config{Policy: pol, Open: sel.Open, Controllers: sel.Controllers, Cascade: sel.Cascade}
	targets, excluded := sel.Targets, sel.Excluded
	if only != "" {
		// One drive: the same discovery, exclusions and probe as a run
		// over every drive, narrowed to it.
		targets, excluded = nil, nil
		for _, d := range sel.Targets {
			if d.Name == only {
				targets = append(targets, d)
			}
		}
		for _, e := range sel.Excluded {
			if e.Disk.Name == only {
				excluded = append(excluded, e)
			}
		}
		if len(targets)+len(excluded) == 0 {
			// Not a drive a run over every drive picks (a loop device):
			// named on its own, it is planned as kesu erase DEVICE
			// --method would take it, under the same exclusions.
			disk, err := discover.Lookup(root, only)
			if err != nil {
				return fmt.Errorf("%w: %s: %v", errRefused, device, err)
			}
			if ex, why := job.InUseRule(root)(disk); ex {
				excluded = append(excluded, discover.Excluded{Disk: disk, Reason: why})
			} else if ex, why := pol.Excluded(disk.Serial, []string{disk.WWN, disk.WWID}, disk.Path); ex {
				excluded = append(excluded, discover.Excluded{Disk: disk, Reason: why})
			} else {
				targets = append(targets, disk)
			}
		}
		cfg.Controllers = nil
	}
	prep, err := worker.Prepare(ctx, cfg, targets, excluded)
	if err != nil {
		return err
	}
	defer prep.Close()
	out := view.NewPlan(job.PolicyRecord(pol), prep)
	return view.Print(stdout, &out, *jsonOut)
}

package main

import (
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"io"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/target"
	"github.com/kesu-erase/kesu/internal/view"
)

func init() {
	register(command{
		name:    "verify",
		summary: "read a drive back and check it holds a constant pattern (read-only)",
		usage:   []string{"verify [--expect zero|one|0xNN] [--sample N%|full] [--seed HEX] [--json] DEVICE"},
		run:     runVerify,
	})
}

func parseSeed(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	b, err := hex.DecodeString(s)
	if err != nil || len(b) < 16 {
		return nil, fmt.Errorf("%w: --seed wants at least 32 hex digits", errUsage)
	}
	return b, nil
}

func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	deviceFlag := fs.String("device", "", "block device or file to read: the `DEVICE` (or give it as the argument)")
	expect := fs.String("expect", "zero", "`PATTERN` every block must hold: zero, one or 0xNN")
	sample := fs.String("sample", "10%", "how much to read: `N%` (sampled, NIST SP 800-88 plan) or full")
	jsonOut := fs.Bool("json", false, "print one JSON result object on stdout")
	seedHex := fs.String("seed", "", "`HEX` seed for the plan, to repeat a recorded plan exactly (default: fresh random)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	device, err := deviceArg(fs, *deviceFlag, pos)
	if err != nil {
		return err
	}
	if device == "" {
		return fmt.Errorf("%w: verify needs a DEVICE (kesu verify /dev/sdb)", errUsage)
	}
	pat, err := erase.ParseConstant(*expect)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	pct, err := erase.ParseVerify(*sample)
	if err != nil || pct == 0 {
		return fmt.Errorf("%w: --sample wants N%% or full", errUsage)
	}
	seed, err := parseSeed(*seedHex)
	if err != nil {
		return err
	}
	if seed == nil {
		if seed, err = erase.NewSeed(); err != nil {
			return err
		}
	}
	d, err := target.Open(device, false, false)
	if err != nil {
		return err
	}
	defer d.Close()
	bs := d.LogicalBlockSize()
	plan, err := erase.NewSamplePlan(seed, d.Size()/int64(bs), bs, pct)
	if err != nil {
		return err
	}
	pp := view.NewProgress(stderr, isTerminal(stderr))
	v, err := erase.Verify(ctx, d, erase.VerifyOptions{Plan: plan, Expect: erase.ExpectPattern(pat), Progress: pp.Show})
	if err != nil {
		return err
	}
	rep := view.Verify{
		Device: d.Path(), SizeBytes: d.Size(), LogicalBlockSize: bs, PhysicalBlockSize: d.PhysicalBlockSize(),
		Verification: view.SummarizeVerify(v), Started: v.Started, Finished: v.Finished, Status: erase.StatusPass,
	}
	if v.Outcome != erase.OK {
		rep.Status, rep.Reason = erase.StatusFail, v.Reason
	}
	if err := view.Print(stdout, &rep, *jsonOut); err != nil {
		return err
	}
	return statusExit(rep.Status)
}

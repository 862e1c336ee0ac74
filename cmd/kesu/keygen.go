package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/kesu-erase/kesu/report"
)

func init() {
	register(command{
		name:    "keygen",
		summary: "create the Ed25519 key pair that signs erasure records",
		run:     runKeygen,
	})
}

func runKeygen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "directory to write "+report.PrivateKeyFile+" and "+report.PublicKeyFile+" to (required)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: kesu keygen --out DIR")
		fmt.Fprintln(stderr, "\nWrites an Ed25519 key pair: the private key (PEM PKCS #8, mode 0600) goes on the kesu")
		fmt.Fprintln(stderr, "stick and signs its erasure records; the office keeps the public key (PEM PKIX) and")
		fmt.Fprintln(stderr, "passes it to 'kesu report verify --pubkey'. Existing files are never overwritten.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if *out == "" {
		return fmt.Errorf("%w: keygen needs --out DIR", errUsage)
	}
	kf, err := report.GenerateKeyFiles(*out, nil)
	if err != nil {
		return err
	}
	fp := report.FormatFingerprint(kf.Fingerprint)
	fmt.Fprintf(stdout, "private key: %s (mode 0600) — put it on the kesu stick; keep it secret\n", kf.Private)
	fmt.Fprintf(stdout, "public key:  %s — keep it at the office to verify records\n", kf.Public)
	fmt.Fprintf(stdout, "fingerprint (SHA-256 of the public key):\n  %s\n  %s\n", fp[:39], fp[40:])
	return nil
}

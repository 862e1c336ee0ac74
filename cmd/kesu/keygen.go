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
		usage:   []string{"keygen --out DIR"},
		details: `Writes an Ed25519 key pair: the private key (PEM PKCS #8, mode 0600) goes on the kesu
stick and signs its erasure records; the office keeps the public key (PEM PKIX) and
passes it to 'kesu report verify --pubkey'. Existing files are never overwritten.
`,
		run: runKeygen,
	})
}

func runKeygen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	out := fs.String("out", "", "the `DIR` to write "+report.PrivateKeyFile+" and "+report.PublicKeyFile+" into (required)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(fs, pos); err != nil {
		return err
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

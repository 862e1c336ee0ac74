package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/kesu-erase/kesu/console"
	"github.com/kesu-erase/kesu/report"
)

func init() {
	register(command{
		name:    "keygen",
		summary: "create the Ed25519 key pair that signs erasure records, or seal its private key under a passphrase",
		usage: []string{
			"keygen --out DIR",
			"keygen --seal KEYFILE --sealed-out FILE [--passphrase-file F]",
		},
		details: `--out writes an Ed25519 key pair: the private key (PEM PKCS #8, mode 0600) goes on the
kesu stick and signs its erasure records; the office keeps the public key (PEM PKIX) and
passes it to 'kesu report verify --pubkey'.

--seal seals an existing private key (e.g. the stick's kesu.key) under a passphrase into
--sealed-out (PEM "KESU SEALED PRIVATE KEY": scrypt N=2^16 r=8 p=1, AES-256-GCM; mode 0600).
A sealed key may be served on a boot network in the clear: only its passphrase, typed at
the machine's console, opens it (see "What an auditor can trust" in docs/record.md for what
that does and does not protect against). The passphrase is the first line of
--passphrase-file, or is asked twice on the terminal without echo; it must be at least 12
characters. The sealed file shows the key's fingerprint in its header; keygen prints it.

Existing files are never overwritten.
`,
		run: runKeygen,
	})
}

func runKeygen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	out := fs.String("out", "", "the `DIR` to write "+report.PrivateKeyFile+" and "+report.PublicKeyFile+" into")
	seal := fs.String("seal", "", "the private key `KEYFILE` to seal under a passphrase")
	sealedOut := fs.String("sealed-out", "", "the `FILE` to write the sealed key to (with --seal)")
	passFile := fs.String("passphrase-file", "", "read the passphrase from the first line of `F` (with --seal; default: ask on the terminal)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(fs, pos); err != nil {
		return err
	}
	switch {
	case *out != "" && (*seal != "" || *sealedOut != "" || *passFile != ""):
		return fmt.Errorf("%w: keygen takes either --out DIR or --seal KEYFILE --sealed-out FILE", errUsage)
	case *out != "":
		return keygenPair(*out, stdout)
	case *seal != "" && *sealedOut != "":
		return keygenSeal(ctx, *seal, *sealedOut, *passFile, stdout, stderr)
	case *seal != "" || *sealedOut != "" || *passFile != "":
		return fmt.Errorf("%w: keygen --seal KEYFILE needs --sealed-out FILE (and --sealed-out needs --seal)", errUsage)
	}
	return fmt.Errorf("%w: keygen needs --out DIR (or --seal KEYFILE --sealed-out FILE)", errUsage)
}

func keygenPair(dir string, stdout io.Writer) error {
	kf, err := report.GenerateKeyFiles(dir, nil)
	if err != nil {
		return err
	}
	fp := report.FormatFingerprint(kf.Fingerprint)
	fmt.Fprintf(stdout, "private key: %s (mode 0600) — put it on the kesu stick; keep it secret\n", kf.Private)
	fmt.Fprintf(stdout, "public key:  %s — keep it at the office to verify records\n", kf.Public)
	fmt.Fprintf(stdout, "fingerprint (SHA-256 of the public key):\n  %s\n  %s\n", fp[:39], fp[40:])
	return nil
}

func keygenSeal(ctx context.Context, keyPath, outPath, passFile string, stdout, stderr io.Writer) error {
	var pass []byte
	switch {
	case passFile != "":
		data, err := os.ReadFile(passFile)
		if err != nil {
			return fmt.Errorf("passphrase file: %w", err)
		}
		line, _, _ := bytes.Cut(data, []byte("\n"))
		pass = bytes.Clone(bytes.TrimSuffix(line, []byte("\r")))
		clear(data)
	case isTerminal(os.Stdin):
		var err error
		if pass, err = askNewPassphrase(ctx, os.Stdin, stderr); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%w: keygen --seal needs --passphrase-file F when stdin is not a terminal", errUsage)
	}
	defer clear(pass)
	fp, err := report.SealKeyFile(keyPath, outPath, pass)
	if err != nil {
		return err
	}
	g := report.FormatFingerprint(fp)
	fmt.Fprintf(stdout, "sealed key: %s (mode 0600) — it may be served on the boot network; the passphrase opens it at the console\n", outPath)
	fmt.Fprintf(stdout, "fingerprint (SHA-256 of the public key):\n  %s\n  %s\n", g[:39], g[40:])
	return nil
}

// askNewPassphrase asks for a passphrase twice on the terminal in, without
// echo, and returns it when both agree and it is long enough.
func askNewPassphrase(ctx context.Context, in *os.File, prompt io.Writer) ([]byte, error) {
	ask := func(text string) ([]byte, error) {
		b, err := console.ReadSecret(ctx, []*os.File{in}, func() { fmt.Fprint(prompt, text) })
		switch {
		case errors.Is(err, console.ErrNoEcho):
			return nil, fmt.Errorf("kesu %w; give --passphrase-file", err)
		case err != nil && ctx.Err() == nil:
			return nil, fmt.Errorf("reading the passphrase: %w", err)
		}
		return b, err
	}
	first, err := ask(fmt.Sprintf("passphrase for the sealed key (at least %d characters): ", report.MinPassphrase))
	if err != nil {
		return nil, err
	}
	if len(first) == 0 {
		return nil, errors.New("no passphrase typed; nothing sealed")
	}
	if err := report.CheckPassphrase(first); err != nil {
		clear(first)
		return nil, fmt.Errorf("%w; nothing sealed", err)
	}
	second, err := ask("the same passphrase again: ")
	defer clear(second)
	if err != nil {
		clear(first)
		return nil, err
	}
	if !bytes.Equal(first, second) {
		clear(first)
		return nil, errors.New("the two passphrases differ; nothing sealed")
	}
	return first, nil
}

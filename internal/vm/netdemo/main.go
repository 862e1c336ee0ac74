// Command netdemo is `make netdemo`'s VM part (scripts/netdemo.sh runs
// it): a record store (versitygw) on the host's loopback, a network boot
// tree with a stick-less site policy naming that store and the office's
// sealed signing key, and a machine with no stick that boots it under UEFI
// PXE with Secure Boot enforced. The demo types the key's passphrase on the
// machine's keyboard, pulls its network cable while it erases (unless
// -cut=false) and plugs it back after the appliance said its record is not
// safe; the appliance uploads the record and only then powers off. Then
// `kesu report verify` reads the record from the bucket.
//
//	go run ./internal/vm/netdemo -dir out/netdemo -kesu out/kesu -sealed-key K -pubkey P -passphrase-file F
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/kesu-erase/kesu/appliance"
	"github.com/kesu-erase/kesu/image"
	"github.com/kesu-erase/kesu/internal/s3test"
	"github.com/kesu-erase/kesu/internal/vm"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "netdemo:", err)
		os.Exit(1)
	}
}

// policy is the demo's site kesu.toml; the store's keys follow.
const policy = `# The network demo's policy: Clear (MIC category 3) with a full read-back,
# no one at the keyboard but for the key's passphrase; no stick: the record
# goes to the store.
version = 1
language = "en"

[policy]
mic_category = 3
verify = "full"

[run]
unattended = true
countdown = 5
after = "poweroff"
after_delay = 0

[signing]
key = "kesu.key.sealed"

[record]
operator = "kesu network demo"
organization = "kesu"
location = "QEMU"
`

func run(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("netdemo", flag.ContinueOnError)
	dir := fs.String("dir", "out/netdemo", "work directory: boot tree, bucket, target disks, console log")
	kesu := fs.String("kesu", "out/kesu", "the kesu binary, for `kesu report verify`")
	sealed := fs.String("sealed-key", "", "the office's sealed signing key (kesu keygen --seal)")
	pubkey := fs.String("pubkey", "", "the office's public key, to verify the record")
	passFile := fs.String("passphrase-file", "", "the sealed key's passphrase (typed on the machine's keyboard)")
	cache := fs.String("cache", "", "kesu-mkimage's cache directory")
	sizeMiB := fs.Int64("disk-size", 64, "size of each target disk in MiB")
	cut := fs.Bool("cut", true, "pull the network cable while the machine erases, and plug it back later")
	timeout := fs.Duration("timeout", 15*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *sealed == "" || *pubkey == "" || *passFile == "" {
		return fmt.Errorf("-sealed-key, -pubkey and -passphrase-file are required")
	}
	pass, err := os.ReadFile(*passFile)
	if err != nil {
		return err
	}
	passphrase := strings.TrimRight(string(pass), "\r\n")

	bucketDir := filepath.Join(*dir, "store")
	os.RemoveAll(bucketDir)
	if err := os.MkdirAll(filepath.Join(bucketDir, "records"), 0o755); err != nil {
		return err
	}
	srv, err := s3test.StartDir(bucketDir, filepath.Join(*dir, "versitygw.log"))
	if err != nil {
		return err
	}
	defer srv.Stop()
	_, port, err := net.SplitHostPort(strings.TrimPrefix(srv.Endpoint, "http://"))
	if err != nil {
		return err
	}
	const location = "s3://records/fleet"
	toml := policy + fmt.Sprintf("store = %q\nstore_endpoint = \"http://10.0.2.2:%s\"\nstore_access_key = %q\nstore_secret_key = %q\n",
		location, port, srv.AccessKey, srv.SecretKey)
	cfg := filepath.Join(*dir, "kesu.toml")
	if err := os.WriteFile(cfg, []byte(toml), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "netdemo: record store %s (versitygw %s, bucket in %s), reached by the machine as 10.0.2.2:%s\n", srv.Endpoint, s3test.Version, bucketDir, port)

	tree := filepath.Join(*dir, "tftp")
	mk := []string{"run", "./cmd/kesu-mkimage", "-netboot", tree, "-config", cfg, "-key", *sealed, "-grub-timeout", "0"}
	if *cache != "" {
		mk = append(mk, "-cache", *cache)
	}
	cmd := exec.CommandContext(ctx, "go", mk...)
	cmd.Stdout, cmd.Stderr = out, errOut
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("kesu-mkimage -netboot: %w", err)
	}

	targets := []vm.Disk{
		{Kind: vm.NVMe, Serial: "NETDEMO-NVME-1"},
		{Kind: vm.AHCI, Serial: "NETDEMO-SATA-1", Model: "KESU NETDEMO SATA"},
	}
	disks, err := vm.MarkedDisks(*dir, targets, *sizeMiB<<20)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "netdemo: %d target disks of %d MiB filled with markers, no stick; booting over UEFI PXE with Secure Boot under QEMU TCG\n", len(disks), *sizeMiB)

	m := vm.Machine{
		Dir:     filepath.Join(*dir, "vm"),
		Disks:   disks,
		Timeout: *timeout,
		Watch:   []string{"Fetching Netboot Image", appliance.MarkerStart, appliance.MarkerStoreReady, appliance.MarkerErased, appliance.MarkerSafe},
		Until:   []string{appliance.MarkerWaiting, "Failed to boot both default and fallback entries"},
		Args: []string{"-netdev", "user,id=n0,tftp=" + tree + ",bootfile=" + image.NetShim,
			"-device", "virtio-net-pci,netdev=n0,romfile=,bootindex=0"},
		Acts: []vm.Act{{After: appliance.MarkerPassphrase, Delay: 2 * time.Second, Do: func(c *vm.Control) error { return c.Type(passphrase) }}},
	}
	if *cut {
		m.Acts = append(m.Acts,
			vm.Act{After: appliance.MarkerStoreReady, Delay: time.Second, Do: func(c *vm.Control) error { return c.SetLink("n0", false) }},
			vm.Act{After: appliance.MarkerNotSafe, Delay: 20 * time.Second, Do: func(c *vm.Control) error { return c.SetLink("n0", true) }})
	}
	res, err := m.Run(ctx, vm.Boot{Firmware: true, SecureBoot: true})
	if res != nil {
		fmt.Fprintf(out, "\n--- appliance console (full log: %s) ---\n", filepath.Join(m.Dir, "serial.log"))
		for _, l := range res.LinesFrom(appliance.Prefix) {
			fmt.Fprintln(out, l)
		}
		fmt.Fprintln(out, "---")
		if *cut && len(res.Acted) == 3 {
			fmt.Fprintf(out, "network cable pulled at %v, plugged back at %v\n", round(res.Acted[1]), round(res.Acted[2]))
		}
		fmt.Fprintf(out, "PXE to GRUB %v, to kesu %v, store reachable %v, erase finished %v, record safe %v, VM total %v\n",
			round(res.Seen["Fetching Netboot Image"]), round(res.Seen[appliance.MarkerStart]), round(res.Seen[appliance.MarkerStoreReady]),
			round(res.Seen[appliance.MarkerErased]), round(res.Seen[appliance.MarkerSafe]), round(res.Duration))
	}
	if err != nil {
		return err
	}
	if res.ActErr != nil {
		return res.ActErr
	}
	if _, ok := res.Seen[appliance.MarkerSafe]; !ok {
		return fmt.Errorf("the appliance did not say its record is safe in the store")
	}

	fmt.Fprintln(out, "\n--- per disk ---")
	survived := false
	for _, d := range disks {
		n, first, err := vm.CountMarkers(d.Path)
		if err != nil {
			return err
		}
		s := fmt.Sprintf("markers left %d of %d sectors", n, *sizeMiB<<20/512)
		if n > 0 {
			survived = true
			s += fmt.Sprintf(" (first at sector %d)", first)
		}
		fmt.Fprintf(out, "%-16s %-6s %s\n", d.Serial, d.Kind, s)
	}

	fmt.Fprintf(out, "\nnetdemo: kesu report verify %s --pubkey %s --endpoint %s\n", location, *pubkey, srv.Endpoint)
	v := exec.CommandContext(ctx, *kesu, "report", "verify", location, "--pubkey", *pubkey, "--endpoint", srv.Endpoint)
	v.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+srv.AccessKey, "AWS_SECRET_ACCESS_KEY="+srv.SecretKey)
	v.Stdout, v.Stderr = out, errOut
	verr := v.Run()
	if survived {
		return fmt.Errorf("markers survived on at least one disk")
	}
	if verr != nil {
		return fmt.Errorf("kesu report verify: %w", verr)
	}
	return nil
}

func round(d time.Duration) time.Duration { return d.Round(100 * time.Millisecond) }

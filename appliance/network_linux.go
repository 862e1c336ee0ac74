package appliance

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/u-root/u-root/pkg/dhclient"
	"github.com/vishvananda/netlink"
)

// Network brings up the loopback and every wired interface, asks DHCP
// (IPv4) on each at once, configures the leases that come back and says
// which interface got which address. It fails when no interface got one.
func Network(ctx context.Context) ([]string, error) {
	if lo, err := netlink.LinkByName("lo"); err == nil {
		netlink.LinkSetUp(lo)
	}
	links, err := dhclient.Interfaces("^(eth|en)")
	if err != nil || len(links) == 0 {
		return nil, fmt.Errorf("network: no wired interface: the machine has none, or its driver is not in the image (%v)", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	var got []string
	var errs []error
	for r := range dhclient.SendRequests(ctx, links, true, false, dhclient.Config{Timeout: 5 * time.Second, Retries: 3}, 15*time.Second) {
		name := r.Interface.Attrs().Name
		if r.Err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, r.Err))
			continue
		}
		if err := r.Lease.Configure(); err != nil {
			errs = append(errs, fmt.Errorf("%s: configuring %s: %w", name, r.Lease, err))
			continue
		}
		got = append(got, fmt.Sprintf("%s: %s", name, r.Lease))
	}
	if len(got) == 0 {
		errs = append([]error{errors.New("network: no interface got an address by DHCP")}, errs...)
		return nil, errors.Join(errs...)
	}
	return got, nil
}

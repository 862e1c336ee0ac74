package target

import (
	"context"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/erase/plan"
	"github.com/kesu-erase/kesu/erase/policy"
	"github.com/kesu-erase/kesu/erase/worker"
	"github.com/kesu-erase/kesu/report"
)

// ownedSED is a drive that only probes: a self-encrypting SSD with an
// owner and locking enabled, no range locked.
type ownedSED struct{ worker.Drive }

func (ownedSED) Name() string { return "sdz" }

func (ownedSED) Probe(context.Context) (*worker.Probe, error) {
	return &worker.Probe{
		Identity: report.Identity{Path: "/dev/sdz", Model: "SED", Serial: "OWNED1", CapacityBytes: 1 << 30, LogicalSectorSize: 512},
		Class:    report.ClassSSD,
		Caps:     plan.Capabilities{TCG: &plan.TCG{SSC: "Opal 2", MediaEncryption: true, LockingEnabled: true, Owned: plan.Yes}},
	}, nil
}

// A method asked for on the command line does not lift the block a
// self-encrypting drive's owner puts on it: the drive cannot be erased.
func TestPrepareMethodKeepsTCGBlock(t *testing.T) {
	pol, err := policy.Parse([]byte("version = 1\n[policy]\nlevel = 'clear'\n"), "kesu.toml")
	if err != nil {
		t.Fatal(err)
	}
	disk := discover.Disk{Name: "sdz", Path: "/dev/sdz"}
	prep, err := PrepareMethod(context.Background(), pol, nil, disk, report.MethodOverwrite,
		func(discover.Disk) (worker.Drive, error) { return ownedSED{}, nil })
	if err != nil {
		t.Fatal(err)
	}
	tg := prep.Targets[0]
	if tg.Plan.Blocked == "" || len(tg.Plan.Chosen()) != 0 || !strings.Contains(tg.Unerasable(), "not erased") {
		t.Fatalf("plan %+v, unerasable %q; want the owner's block kept and nothing chosen", tg.Plan, tg.Unerasable())
	}
}

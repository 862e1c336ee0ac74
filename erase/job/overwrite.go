package job

import (
	"context"

	"github.com/kesu-erase/kesu/erase/worker"
)

// overwriteOnly is a drive whose plan is the host overwrite alone (kesu
// erase A B: what kesu erase A does, to each): its probe keeps everything
// it read — identity, class, health, hidden areas, TCG state, so that a
// drive a TCG lock blocks is still reported as blocked — but none of the
// firmware erase capabilities (ATA, SCSI, NVMe), so no firmware method is
// planned. It keeps its group: namespaces of one NVMe controller are
// still erased one after another.
type overwriteOnly struct{ worker.Drive }

// overwriteOnlyNote is recorded with every drive of such a run.
const overwriteOnlyNote = "named on the command line (kesu erase DEVICE DEVICE ...): the host overwrite of the given pattern and its read-back run, as for one device; no firmware erase method is planned"

// Probe probes the drive and drops its firmware erase capabilities.
func (o overwriteOnly) Probe(ctx context.Context) (*worker.Probe, error) {
	pr, err := o.Drive.Probe(ctx)
	if err != nil || pr == nil {
		return pr, err
	}
	pr.Caps.ATA, pr.Caps.SCSI, pr.Caps.NVMe = nil, nil, nil
	pr.Notes = append(pr.Notes, overwriteOnlyNote)
	return pr, nil
}

// Group is the wrapped drive's hardware group ("" when it has none).
func (o overwriteOnly) Group() string {
	if g, ok := o.Drive.(worker.Grouper); ok {
		return g.Group()
	}
	return ""
}

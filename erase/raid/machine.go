package raid

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/kesu-erase/kesu/ciss"
	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/mfi"
)

// OpenLinux opens the management interface of a controller of this
// machine: the MegaRAID ioctl node for megaraid_sas hosts, a SCSI generic
// node of the host for hpsa and smartpqi. Other drivers: ErrNoPassthrough.
func OpenLinux(h discover.Host, disks []discover.Disk) (Backend, error) {
	switch h.Driver {
	case discover.DriverMegaRAID:
		n, err := mfi.OpenNode()
		if err != nil {
			return nil, err
		}
		return &MFI{C: &mfi.Controller{T: n, Host: uint16(h.Number)}, Node: n.Path(), nodeCloser: nodeCloser{n}}, nil
	case discover.DriverHPSA, discover.DriverSmartPQI:
		node, err := cissNode(sysRoot, h.Number, disks)
		if err != nil {
			return nil, err
		}
		n, err := ciss.Open(node)
		if err != nil {
			return nil, err
		}
		return &CISS{C: &ciss.Controller{T: n}, Node: node, nodeCloser: nodeCloser{n}}, nil
	}
	return nil, fmt.Errorf("%s: %w", h.Driver, ErrNoPassthrough)
}

var sysRoot = os.DirFS("/")

// cissNode finds a device node of host to send CISS commands through: a
// SCSI generic node of the host (hpsa and smartpqi expose the controller
// itself as one; any node of the host reaches the driver's ioctl), else a
// disk of the host.
func cissNode(sys fs.FS, host int, disks []discover.Disk) (string, error) {
	prefix := fmt.Sprintf("%d:", host)
	var sgs []string
	ents, _ := fs.ReadDir(sys, "sys/class/scsi_generic")
	for _, e := range ents {
		// sgN links to .../hostH/targetH:C:T/H:C:T:L/scsi_generic/sgN.
		link, err := fs.ReadLink(sys, path.Join("sys/class/scsi_generic", e.Name()))
		if err != nil {
			continue
		}
		parts := strings.Split(link, "/")
		if len(parts) >= 3 && strings.HasPrefix(parts[len(parts)-3], prefix) {
			sgs = append(sgs, e.Name())
		}
	}
	sort.Slice(sgs, func(i, j int) bool {
		return len(sgs[i]) < len(sgs[j]) || len(sgs[i]) == len(sgs[j]) && sgs[i] < sgs[j]
	})
	if len(sgs) > 0 {
		return "/dev/" + sgs[0], nil
	}
	for _, d := range disks {
		if d.Host != nil && *d.Host == host {
			return d.Path, nil
		}
	}
	return "", fmt.Errorf("host%d has no SCSI generic node or disk to send CISS commands through (is the sg module loaded?)", host)
}

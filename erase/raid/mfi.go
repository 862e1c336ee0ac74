package raid

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/kesu-erase/kesu/erase/discover"
	"github.com/kesu-erase/kesu/mfi"
	"github.com/kesu-erase/kesu/scsi"
)

// MFI is the Backend of a Broadcom/LSI MegaRAID or Dell PERC controller
// (megaraid_sas): drives from the PD list and PD info DCMDs, volumes from
// the LD list and the configuration, every command to a drive as an
// MFI_CMD_PD_SCSI_IO frame through MEGASAS_IOC_FIRMWARE.
type MFI struct {
	C *mfi.Controller
	// Node is the ioctl node, for the record.
	Node string
	// nodeCloser closes the ioctl node (none in tests).
	nodeCloser
}

// Interface implements Backend.
func (b *MFI) Interface() string {
	return "MFI pass-through (MFI_CMD_PD_SCSI_IO via MEGASAS_IOC_FIRMWARE) on " + b.Node
}

// Info implements Backend. It also picks how device ids are addressed:
// QEMU's emulated controller numbers drives differently from real
// firmware (mfi.AddressQEMU).
func (b *MFI) Info(ctx context.Context) (Info, error) {
	in, err := b.C.Info(ctx)
	if err != nil {
		return Info{}, err
	}
	if strings.Contains(in.Firmware, "QEMU") || strings.Contains(in.PackageVersion, "QEMU") {
		b.C.Addressing = mfi.AddressQEMU
	}
	out := Info{Model: in.Product, Serial: in.Serial, Firmware: in.PackageVersion}
	if out.Firmware == "" {
		out.Firmware = in.Firmware
	}
	if in.JBODEnabled {
		out.Mode = "RAID with JBOD enabled"
	}
	return out, nil
}

func mfiAddress(id uint16) string { return fmt.Sprintf("device %d", id) }

// Drives implements Backend: every disk the controller lists (enclosures
// left out), with its enclosure and slot and its state.
func (b *MFI) Drives(ctx context.Context) ([]PhysicalDrive, error) {
	pds, err := b.C.PhysicalDrives(ctx)
	if err != nil {
		return nil, err
	}
	var out []PhysicalDrive
	for _, p := range pds {
		if !p.IsDisk() {
			continue
		}
		d := PhysicalDrive{Address: mfiAddress(p.DeviceID), Problem: p.InfoError}
		// The bay as storcli and PERC tools print it: EID:Slt.
		if p.EnclosureID != 0xFFFF {
			d.Bay = fmt.Sprintf("%d:%d", p.EnclosureID, p.Slot)
		} else {
			d.Bay = fmt.Sprintf("slot %d", p.Slot)
		}
		if p.Info != nil {
			d.State = p.Info.State.String()
			switch p.Info.State {
			case mfi.PDOnline:
				d.Role = RoleMember
			case mfi.PDHotSpare:
				d.Role = RoleSpare
			case mfi.PDRebuild, mfi.PDCopyback:
				d.Role = RoleWriting
			}
			d.Model = strings.TrimSpace(p.Info.Vendor() + " " + p.Info.Product())
			d.SizeBytes = p.Info.RawBytes()
			if naa := p.Info.NAA(); naa != "" {
				d.WWN = "naa." + naa
			}
		} else {
			d.State = "unknown: " + p.InfoError
		}
		out = append(out, d)
	}
	return out, nil
}

// Volumes implements Backend.
func (b *MFI) Volumes(ctx context.Context) ([]Volume, error) {
	lds, err := b.C.LogicalDrives(ctx)
	if err != nil {
		return nil, err
	}
	var out []Volume
	for _, ld := range lds {
		v := Volume{TargetID: int(ld.TargetID), RAIDLevel: ld.RAIDLevel, State: ld.State.String(), SizeBytes: ld.SizeBytes, MembersKnown: true}
		for _, m := range ld.Members {
			v.Members = append(v.Members, mfiAddress(m))
		}
		out = append(out, v)
	}
	return out, nil
}

// Reach implements Backend.
func (b *MFI) Reach(address string) (scsi.Transport, int, error) {
	n, err := strconv.ParseUint(strings.TrimPrefix(address, "device "), 10, 16)
	if err != nil || !strings.HasPrefix(address, "device ") {
		return nil, 0, fmt.Errorf("not an MFI address: %q", address)
	}
	return b.C.Passthrough(uint16(n)), mfi.MaxTransfer, nil
}

// exposedAs implements exposer: megaraid_sas puts a system PD (JBOD) with
// device id D at channel D/128, target D%128 (megaraid_sas_base.c: pd_index
// = channel * MEGASAS_MAX_DEV_PER_CHANNEL + id, channels 0-1).
// A drive the kernel does not show (QEMU's second JBOD disk, whose device
// id overflows the kernel's table) is not exposed: the pass-through is the
// only way to it.
func (b *MFI) exposedAs(host int, pd PhysicalDrive, disks []discover.Disk) (string, bool) {
	id, err := strconv.Atoi(strings.TrimPrefix(pd.Address, "device "))
	if err != nil {
		return "", false
	}
	for _, d := range disks {
		if d.Volume != nil || d.Host == nil || *d.Host != host {
			continue
		}
		var h, c, t, l int
		if _, err := fmt.Sscanf(d.HCTL, "%d:%d:%d:%d", &h, &c, &t, &l); err != nil || c > 1 {
			continue
		}
		if c*128+t == id {
			return d.Name, true
		}
	}
	return "", false
}

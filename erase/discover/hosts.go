package discover

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Host is one SCSI host (HBA or RAID controller).
type Host struct {
	Number     int    `json:"number"`                // N of hostN
	Driver     string `json:"driver"`                // proc_name: megaraid_sas, mpt3sas, hpsa, ...
	PCIAddress string `json:"pci_address,omitempty"` // the PCI function the host hangs off (for usb-storage: the USB controller)
	// Model and Firmware are what the driver's own host attributes say:
	// mpt3sas/mpt2sas board_name (else version_product) and version_fw;
	// mpi3mr version_fw; hpsa firmware_revision; smartpqi vendor+model and
	// firmware_version; aacraid vendor+model and kernel_version.
	// megaraid_sas exposes neither; other drivers are not read.
	Model    string `json:"model,omitempty"`
	Firmware string `json:"firmware,omitempty"`
	// Mode is what the host's disks show, since no driver exports its
	// controller's configured mode in sysfs: ModeRAID (only logical
	// volumes), ModeMixed (volumes and physical drives), or, when only
	// physical drives are exposed, ModeJBOD (megaraid_sas, mpi3mr,
	// aacraid: the vendors' word for pass-through drives) or ModeHBA
	// (hpsa, smartpqi "HBA mode"; mpt3sas/mpt2sas). Empty when the host
	// exposes no disk, or is a plain HBA (KindHBA) with only drives.
	Mode string `json:"mode,omitempty"`
	// Kind says what kind of controller the driver drives: KindRAID
	// (megaraid_sas, mpi3mr, hpsa, smartpqi, aacraid), KindHBAIR
	// (mpt3sas/mpt2sas: an HBA that may carry Integrated RAID volumes),
	// KindHBA (others, e.g. ahci hosts of libata, virtio_scsi,
	// usb-storage).
	Kind string `json:"kind"`
}

// Host.Kind values.
const (
	KindRAID  = "raid"
	KindHBAIR = "hba-ir"
	KindHBA   = "hba"
)

// Host.Mode values.
const (
	ModeRAID  = "RAID"
	ModeHBA   = "HBA"
	ModeJBOD  = "JBOD"
	ModeMixed = "mixed"
)

// Drivers (scsi_host proc_name) whose logical volumes kesu recognises.
const (
	DriverMegaRAID = "megaraid_sas"
	DriverMPT3SAS  = "mpt3sas"
	DriverMPT2SAS  = "mpt2sas" // SAS2 HBAs: the mpt3sas module registers them under this name
	DriverMPI3MR   = "mpi3mr"
	DriverHPSA     = "hpsa"
	DriverSmartPQI = "smartpqi"
	DriverAACRAID  = "aacraid"
)

// Volume marks a disk that is a controller's logical volume (its data lies
// on member drives). It is decided from the driver and the controller's
// own lists as sysfs shows them, never from INQUIRY data (QEMU's megasas
// forwards the member's INQUIRY through a logical drive):
//   - megaraid_sas: channels 2-3 hold logical drives, 0-1 system PDs (JBOD);
//   - mpt3sas, mpt2sas: channel 1 holds Integrated RAID volumes;
//   - mpi3mr: a device that is neither a SAS/SATA drive (SAS address, SAS
//     transport end device) nor an NVMe drive (NVMe page boundary on its
//     queue) is a virtual disk;
//   - hpsa, smartpqi: raid_level names a RAID level ("N/A" for physical
//     devices); without the attribute, today's logical-drive buses;
//   - aacraid: channel 0 holds containers, the others physical devices;
//   - any other driver: only a device the driver registered with the RAID
//     transport class (raid_devices; myrb and myrs do). Otherwise its disks
//     are drives as far as sysfs can tell.
type Volume struct {
	Driver string `json:"driver"`
	// TargetID is the volume's number as the driver maps it into H:C:T:L:
	// megaraid_sas LD target id ((C-2)*128+T), aacraid container number
	// (T), hpsa/smartpqi the LUN (L, the low 14 bits of the volume's LUN
	// address), mpi3mr the firmware's persistent id (T); mpt3sas and the
	// RAID class: the target (T) the driver numbered.
	TargetID  int    `json:"target_id"`
	RAIDLevel string `json:"raid_level,omitempty"` // as sysfs tells: hpsa/smartpqi raid_level, aacraid level, RAID class level
	Reason    string `json:"reason"`               // the rule that decided it, in plain words
}

// Hosts lists every /sys/class/scsi_host entry of sys, sorted by number.
// A tree whose sysfs has no scsi_host class (no SCSI core loaded) has no
// hosts.
func Hosts(sys fs.FS) ([]Host, error) {
	ents, err := fs.ReadDir(sys, "sys/class/scsi_host")
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := fs.Stat(sys, "sys/class"); serr == nil {
			return nil, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoSysfs, err)
	}
	disks, _ := Scan(sys) // for Mode; a tree without sys/block has no disks
	var out []Host
	for _, e := range ents {
		n, ok := hostNumber(e.Name())
		if !ok {
			continue
		}
		h := readHost(sys, n)
		h.Mode = hostMode(h, disks)
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, nil
}

func hostNumber(name string) (int, bool) {
	s, ok := strings.CutPrefix(name, "host")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}

func hostDir(n int) string { return "sys/class/scsi_host/host" + strconv.Itoa(n) }

func readHost(sys fs.FS, n int) Host {
	dir := hostDir(n)
	h := Host{Number: n, Driver: readStr(sys, dir, "proc_name")}
	h.Kind = driverKind(h.Driver)
	if p, err := realpath(sys, dir); err == nil {
		h.PCIAddress = pciBefore(p, "/host"+strconv.Itoa(n)+"/")
	}
	switch h.Driver {
	case DriverMPT3SAS, DriverMPT2SAS:
		// mpt3sas_ctl.c: board_name is Manufacturing Page 0 BoardName,
		// version_product its ChipName, version_fw "%02d.%02d.%02d.%02d".
		h.Model = firstNonEmpty(readStr(sys, dir, "board_name"), readStr(sys, dir, "version_product"))
		h.Firmware = readStr(sys, dir, "version_fw")
	case DriverMPI3MR:
		h.Firmware = readStr(sys, dir, "version_fw") // mpi3mr_app.c: "%d.%d.%d.%d.%05d-%05d"
	case DriverHPSA:
		h.Firmware = readStr(sys, dir, "firmware_revision") // hpsa.c host_show_firmware_revision
	case DriverSmartPQI:
		h.Model = joinNonEmpty(readStr(sys, dir, "vendor"), readStr(sys, dir, "model"))
		h.Firmware = readStr(sys, dir, "firmware_version")
		if h.Firmware == "" {
			// Before firmware_version, one "version" attribute held
			// "driver: X\nfirmware: Y" (man-pages smartpqi(4)).
			h.Firmware = lineValue(readStr(sys, dir, "version"), "firmware:")
		}
	case DriverAACRAID:
		// aacraid linit.c: vendor and model split the adapter type text;
		// kernel_version is the firmware ("%d.%d-%d[%d]").
		h.Model = joinNonEmpty(readStr(sys, dir, "vendor"), readStr(sys, dir, "model"))
		h.Firmware = readStr(sys, dir, "kernel_version")
	}
	return h
}

// DriverKind is the Host.Kind of a host driven by driver.
func DriverKind(driver string) string { return driverKind(driver) }

func driverKind(driver string) string {
	switch driver {
	case DriverMegaRAID, DriverMPI3MR, DriverHPSA, DriverSmartPQI, DriverAACRAID:
		return KindRAID
	case DriverMPT3SAS, DriverMPT2SAS:
		return KindHBAIR
	}
	return KindHBA
}

// hostMode derives Host.Mode from the disks sitting on h.
func hostMode(h Host, disks []Disk) string {
	var vols, drives int
	for _, d := range disks {
		if d.Host == nil || *d.Host != h.Number {
			continue
		}
		if d.Volume != nil {
			vols++
		} else {
			drives++
		}
	}
	switch {
	case vols > 0 && drives > 0:
		return ModeMixed
	case vols > 0:
		return ModeRAID
	case drives == 0:
		return ""
	}
	switch h.Driver {
	case DriverMegaRAID, DriverMPI3MR, DriverAACRAID:
		return ModeJBOD
	case DriverHPSA, DriverSmartPQI, DriverMPT3SAS, DriverMPT2SAS:
		return ModeHBA
	}
	return ""
}

// hctl is a SCSI address host:channel:target:lun.
type hctl struct{ host, channel, target, lun int }

func parseHCTL(s string) (hctl, bool) {
	f := strings.Split(s, ":")
	if len(f) != 4 {
		return hctl{}, false
	}
	var v [4]int
	for i, x := range f {
		n, err := strconv.Atoi(x)
		if err != nil || n < 0 {
			return hctl{}, false
		}
		v[i] = n
	}
	return hctl{v[0], v[1], v[2], v[3]}, true
}

// scsiTopology places a SCSI disk: its host number and driver, and
// whether it is a logical volume. addr is its H:C:T:L, sdev its SCSI
// device directory, block its block device directory.
func scsiTopology(sys fs.FS, addr, sdev, block string) (*int, string, *Volume) {
	a, ok := parseHCTL(addr)
	if !ok {
		return nil, "", nil
	}
	driver := readStr(sys, hostDir(a.host), "proc_name")
	return &a.host, driver, volumeOf(sys, driver, addr, a, sdev, block)
}

// Channel layouts, from the drivers' headers.
const (
	// megaraid_sas.h MEGASAS_MAX_PD_CHANNELS, MEGASAS_MAX_DEV_PER_CHANNEL:
	// system PDs sit on channels 0-1, logical drives on 2-3, and LD
	// target id = (channel % 2) * 128 + id (MEGASAS_DEV_INDEX;
	// megasas_add_remove_devices adds LD i*128+j at channel 2+i, id j).
	megasasMaxPDChannels    = 2
	megasasMaxDevPerChannel = 128
	// mpt3sas_scsih.c RAID_CHANNEL: IR volumes (scsi_add_device(shost,
	// RAID_CHANNEL, raid_device->id, 0)).
	mptRAIDChannel = 1
	// hpsa.h HPSA_RAID_VOLUME_BUS, HPSA_EXTERNAL_RAID_VOLUME_BUS
	// (physical devices and the controller on bus 0).
	hpsaRAIDVolumeBus         = 1
	hpsaExternalRAIDVolumeBus = 2
	// smartpqi.h PQI_RAID_VOLUME_BUS, PQI_EXTERNAL_RAID_VOLUME_BUS
	// (physical devices on 0, the controller on PQI_HBA_BUS 2).
	pqiRAIDVolumeBus         = 1
	pqiExternalRAIDVolumeBus = 3
	// aacraid.h CONTAINER_CHANNEL: containers; physical devices sit on
	// aac_phys_to_logical(bus) = bus+1.
	aacContainerChannel = 0
)

// volumeOf decides whether the SCSI device at a (addr in text) on a host
// driven by driver is a logical volume.
func volumeOf(sys fs.FS, driver, addr string, a hctl, sdev, block string) *Volume {
	vol := func(id int, level, reason string) *Volume {
		return &Volume{Driver: driver, TargetID: id, RAIDLevel: level, Reason: reason}
	}
	switch driver {
	case DriverMegaRAID:
		if a.channel >= megasasMaxPDChannels {
			return vol((a.channel-megasasMaxPDChannels)*megasasMaxDevPerChannel+a.target, "",
				fmt.Sprintf("megaraid_sas channel %d holds logical drives (channels 0-1 hold system PDs)", a.channel))
		}
		return nil
	case DriverMPT3SAS, DriverMPT2SAS:
		if a.channel == mptRAIDChannel {
			return vol(a.target, raidClassLevel(sys, sdev, addr),
				driver+" channel 1 (RAID_CHANNEL) holds Integrated RAID volumes")
		}
		return nil
	case DriverMPI3MR:
		// mpi3mr_app.c sas_address_show prints only for SAS/SATA end
		// devices; mpi3mr_os.c sets the queue's virt_boundary_mask only
		// for NVMe drives (their page size). A device with neither is a
		// virtual disk (MPI3_DEVICE_DEVFORM_VD). SAS/SATA drives sit
		// behind SAS transport end devices too (kernels without the
		// sas_address attribute). Without the queue attribute sysfs
		// cannot tell a VD from an NVMe drive: no volume is claimed.
		if readStr(sys, sdev, "sas_address") != "" {
			return nil
		}
		if p, err := realpath(sys, sdev); err == nil && strings.Contains(p, "/end_device-") {
			return nil // a SAS transport end device: a SAS/SATA drive
		}
		if mask := readStr(sys, block, "queue/virt_boundary_mask"); mask == "0" {
			return vol(a.target, "", "mpi3mr device with neither a SAS address (SAS/SATA drive) nor an NVMe page boundary (NVMe drive): a virtual disk")
		}
		return nil
	case DriverHPSA, DriverSmartPQI:
		// hpsa.c raid_level_show / smartpqi_init.c pqi_raid_level_show:
		// "N/A" for physical devices, a RAID level for logical drives.
		switch level := readStr(sys, sdev, "raid_level"); {
		case level == "N/A":
			return nil
		case level != "":
			return vol(a.lun, level, driver+" raid_level names a RAID level: the controller reports a logical drive")
		}
		// No attribute: the buses of today's drivers (older hpsa put
		// logical drives on bus 0, so this is only a fallback).
		vb, eb := hpsaRAIDVolumeBus, hpsaExternalRAIDVolumeBus
		if driver == DriverSmartPQI {
			vb, eb = pqiRAIDVolumeBus, pqiExternalRAIDVolumeBus
		}
		if a.channel == vb || a.channel == eb {
			return vol(a.lun, "", fmt.Sprintf("%s bus %d holds logical drives (no raid_level attribute)", driver, a.channel))
		}
		return nil
	case DriverAACRAID:
		if a.channel == aacContainerChannel {
			// linit.c aac_show_raid_level: the container type
			// (aachba.c container_types) on CONTAINER_CHANNEL.
			return vol(a.target, readStr(sys, sdev, "level"), "aacraid channel 0 (CONTAINER_CHANNEL) holds containers (arrays)")
		}
		return nil
	}
	// Any driver that registers its volumes with the RAID transport class
	// (raid_class.c: a raid_devices class device appears only where the
	// driver's is_raid says so; myrb and myrs do).
	if _, err := fs.Stat(sys, path.Join(sdev, "raid_devices", addr)); err == nil {
		return vol(a.target, raidClassLevel(sys, sdev, addr), driver+" registered the device with the RAID transport class (raid_devices)")
	}
	// A backstop for drivers without a rule (arcmsr, 3w-*, megaraid_mbox,
	// mptsas IR): a device whose INQUIRY product names a logical volume
	// is taken for one. The rules above never rely on it: QEMU's megasas
	// forwards a member's INQUIRY, and real controllers' product ids vary.
	if m := strings.ToUpper(readStr(sys, sdev, "model")); strings.Contains(m, "LOGICAL VOLUME") || strings.Contains(m, "LOGICAL DRIVE") {
		return vol(a.target, "", fmt.Sprintf("INQUIRY names a logical volume (%q) behind %s, a driver kesu has no volume rule for", readStr(sys, sdev, "model"), driver))
	}
	return nil
}

// raidClassLevel reads the RAID transport class level of the device (its
// class device is named after the SCSI address, under the device).
func raidClassLevel(sys fs.FS, sdev, addr string) string {
	return readStr(sys, path.Join(sdev, "raid_devices", addr), "level")
}

func joinNonEmpty(s ...string) string {
	var out []string
	for _, x := range s {
		if x != "" {
			out = append(out, x)
		}
	}
	return strings.Join(out, " ")
}

// lineValue returns the text after prefix on the first line of s that
// starts with it.
func lineValue(s, prefix string) string {
	for _, l := range strings.Split(s, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), prefix); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

package discover

// Passthrough marks a physical drive behind a RAID controller that has no
// block device of its own: kesu reaches it through the controller's
// pass-through interface (package erase/raid lists such drives). Its Disk
// has Transport RAID, a Name such as "host0-dev8" and a Path naming the
// controller interface and the address.
type Passthrough struct {
	Host   int    `json:"host"`   // SCSI host number of the controller
	Driver string `json:"driver"` // megaraid_sas, hpsa, smartpqi
	// Address is the drive's address on the controller: "device 8" (MFI),
	// "LUN 0000004000000000" (CISS).
	Address string `json:"address"`
	// State is the drive's state as the controller reports it (online,
	// hot spare, unconfigured good, JBOD, ...).
	State string `json:"state,omitempty"`
	// Volumes are the kernel names (or "LD n") of the logical volumes the
	// drive is a member of.
	Volumes []string `json:"volumes,omitempty"`
}

// RAID is the transport of a drive reached through a RAID controller's
// pass-through.
const RAID Transport = "raid-passthrough"

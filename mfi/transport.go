package mfi

import "context"

// NodePath is where OpenNode looks for, and creates, the driver's
// management device (the name smartmontools uses).
const NodePath = "/dev/megaraid_sas_ioctl_node"

// Packet is one MFI frame with its buffers, as MEGASAS_IOC_FIRMWARE takes
// it. One scatter-gather entry suffices for every command this package
// sends (the ioctl allows 16, MAX_IOCTL_SGE).
type Packet struct {
	// Host is the SCSI host number of the controller (N of
	// /sys/class/scsi_host/hostN); the driver looks the controller up by
	// it (megasas_lookup_instance).
	Host uint16
	// Frame is the MFI frame. On return the transport has written the
	// firmware's cmd_status into it; other fields, scsi_status included,
	// are written only by transports that report them (the Linux ioctl
	// does not).
	Frame [FrameSize]byte
	// Data is the one data buffer (data in or out), nil for none.
	Data []byte
	// Sense receives the sense bytes of a pass-through frame; the
	// transport fills all of it (zeros past what the drive returned).
	// Nil for none. At most 255 bytes (the frame's sense_len).
	Sense []byte
}

// Transport carries MFI frames to a controller's firmware.
type Transport interface {
	// Exec sends p and waits for the firmware to complete it. It returns
	// an error only when the frame could not be delivered (ioctl failure,
	// no such host, malformed packet); the firmware's own status is read
	// back from p.Frame by the caller.
	Exec(ctx context.Context, p *Packet) error
}

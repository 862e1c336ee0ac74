// Package nvme speaks to NVMe controllers through the Linux admin
// passthrough ioctl: Identify (controller, namespace, active namespace list),
// Get Log Page (SMART/Health, Sanitize Status), Format NVM and Sanitize with
// progress polling, and the rescan that refreshes the kernel's view after an
// erase. Builders and decoders are pure; the ioctl lives in ioctl_linux.go
// behind the Transport interface, which nvme/nvmetest also implements with a
// scripted fake and an emulated controller.
//
// Encodings follow ../shared/reference/protocols.md §5 and were checked
// against libnvme/nvme-cli, FreeBSD nvmecontrol and the Linux UAPI headers.
package nvme

import (
	"context"
	"fmt"
	"time"

	"github.com/kesu-erase/kesu/internal/clock"
)

// Admin command opcodes (NVMe Base; libnvme types.h enum nvme_admin_opcode).
const (
	OpGetLogPage uint8 = 0x02
	OpIdentify   uint8 = 0x06
	OpFormatNVM  uint8 = 0x80
	OpSanitize   uint8 = 0x84
)

// NSIDAll is the broadcast namespace ID.
const NSIDAll uint32 = 0xFFFFFFFF

// Command is one admin command as the host submits it.
type Command struct {
	Opcode uint8
	NSID   uint32
	CDW10  uint32
	CDW11  uint32
	CDW12  uint32
	CDW13  uint32
	CDW14  uint32
	CDW15  uint32
	// Data is the data buffer; its direction follows Direction().
	Data []byte
	// Timeout bounds the command in the kernel; 0 uses the kernel default
	// (60 s for admin commands, smartmontools os_linux.cpp).
	Timeout time.Duration
}

// Direction is the data transfer direction encoded in opcode bits 1:0
// (NVMe Base: 00b none, 01b host to controller, 10b controller to host,
// 11b bidirectional).
type Direction uint8

// Directions.
const (
	DirNone Direction = 0
	DirOut  Direction = 1
	DirIn   Direction = 2
	DirBidi Direction = 3
)

// Direction reports the command's data direction.
func (c *Command) Direction() Direction { return Direction(c.Opcode & 3) }

func (c *Command) String() string {
	return fmt.Sprintf("opcode=%#02x nsid=%#x cdw10=%#08x cdw11=%#08x cdw12=%#08x cdw13=%#08x cdw14=%#08x cdw15=%#08x len=%d",
		c.Opcode, c.NSID, c.CDW10, c.CDW11, c.CDW12, c.CDW13, c.CDW14, c.CDW15, len(c.Data))
}

// Completion is what the controller answered: completion dword 0 and the
// status field (0 = success).
type Completion struct {
	Result uint32
	Status Status
}

// Transport submits admin commands to one controller. Admin returns an error
// only when the command could not be submitted or completed by the host (an
// ioctl errno); a controller's non-zero status comes back in Completion.
// Implementations: Open (the Linux ioctl), nvmetest.Script (a scripted fake)
// and nvmetest.Controller (an emulated controller).
type Transport interface {
	Admin(ctx context.Context, cmd *Command) (Completion, error)
}

// Rescanner is a Transport that can make the kernel re-read the controller's
// namespaces and the namespaces' partition tables after a format or sanitize.
type Rescanner interface {
	Rescan(ctx context.Context) RescanReport
}

// NamespaceIDer is a Transport opened on a namespace, which knows its NSID.
type NamespaceIDer interface {
	NamespaceID() (uint32, error)
}

// RescanStep is one step of a rescan: an ioctl on one device node.
type RescanStep struct {
	Target string `json:"target"`
	Action string `json:"action"` // NVME_IOCTL_RESCAN, BLKFLSBUF, BLKRRPART
	Err    string `json:"error,omitempty"`
	// Tolerated marks a failure that does not make the rescan fail (EBUSY
	// from BLKRRPART while a partition is in use); Note says why.
	Tolerated bool   `json:"tolerated,omitempty"`
	Note      string `json:"note,omitempty"`
}

// RescanReport records what a rescan did.
type RescanReport struct {
	Steps []RescanStep `json:"steps"`
}

// OK reports whether every step succeeded or failed in a tolerated way.
func (r RescanReport) OK() bool {
	for _, s := range r.Steps {
		if s.Err != "" && !s.Tolerated {
			return false
		}
	}
	return true
}

// Clock is the time source for polling; tests inject a fake one so that no
// test sleeps.
type Clock = clock.Clock

// SystemClock is the real clock.
type SystemClock = clock.System

// Package tcg speaks the TCG Storage security subsystem class protocols
// (Opal family, Enterprise) to a self-encrypting drive: Level 0 Discovery,
// the ComPacket/Packet/SubPacket framing and token stream of the TCG
// Storage Architecture Core Specification, sessions, and the few methods
// kesu needs (Get of the MSID, Authenticate by StartSession, Activate,
// GenKey, Revert, RevertSP, Enterprise Erase) to decide whether a drive is
// locked or owned and to crypto-erase a drive nobody owns, or to PSID
// revert one. It is pure: everything reaches the drive through Transport,
// which the ata, scsi and nvme packages implement.
package tcg

import (
	"context"
	"errors"
	"time"
)

// Security protocols of IF-SEND / IF-RECV (SPC-5 SECURITY PROTOCOL IN,
// ACS TRUSTED RECEIVE, NVMe Security Receive).
const (
	ProtocolInfo       uint8 = 0x00 // security protocol information
	ProtocolManagement uint8 = 0x01 // TCG: Level 0 Discovery, sessions
	ProtocolComID      uint8 = 0x02 // TCG: ComID management (STACK_RESET)
)

// Transport carries IF-SEND and IF-RECV to one drive. len(buf) and
// len(data) are multiples of 512 (ATA transfers whole 512-byte blocks).
// Implementations return an error wrapping ErrNotSupported when the drive
// (or a bridge, or the kernel) refuses the command itself.
type Transport interface {
	SecurityReceive(ctx context.Context, protocol uint8, spSpecific uint16, buf []byte) error
	SecuritySend(ctx context.Context, protocol uint8, spSpecific uint16, data []byte) error
}

// TransferLimiter is implemented by a Transport that cannot move more
// than MaxTransfer bytes in one IF-SEND or IF-RECV (e.g. ATA TRUSTED
// RECEIVE through a SATL that reads only the COUNT register: 255 blocks).
// The client then refuses a transfer beyond it instead of sending it.
type TransferLimiter interface {
	MaxTransfer() int
}

// maxTransfer returns t's transfer limit in bytes, or limit when t has a
// larger one or none.
func maxTransfer(t Transport, limit int) int {
	if l, ok := t.(TransferLimiter); ok && l.MaxTransfer() > 0 {
		return min(limit, l.MaxTransfer())
	}
	return limit
}

// ErrNotSupported: the security protocol commands do not reach the drive
// (it has none, a bridge or the kernel refuses them).
var ErrNotSupported = errors.New("the security protocol commands are not supported on this path")

// Step is one thing done to a drive's TPer, for the record: a session
// opened (as which authority, on which SP), a method invoked and the
// status the TPer returned. It never holds a credential.
type Step struct {
	What   string    `json:"what"`            // "StartSession AdminSP as SID", "GenKey K_AES_256 GlobalRange"
	Status string    `json:"status"`          // the method status name: "SUCCESS", "NOT_AUTHORIZED", ...
	Error  string    `json:"error,omitempty"` // a transport or protocol error
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
}

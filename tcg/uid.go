package tcg

import "fmt"

// uid is an 8-byte TCG object or method UID (Core Spec 3.2.5.1), sent as
// an 8-byte byte-string atom.
type uid [8]byte

func (u uid) String() string { return fmt.Sprintf("%016X", u[:]) }

// mkUID builds a UID from its 64-bit value.
func mkUID(v uint64) uid {
	var u uid
	for i := 7; i >= 0; i-- {
		u[i] = byte(v)
		v >>= 8
	}
	return u
}

// value is the UID as a 64-bit number.
func (u uid) value() uint64 {
	var v uint64
	for _, b := range u {
		v = v<<8 | uint64(b)
	}
	return v
}

// Session manager, SPs and authorities (Core Spec 5.2, Opal SSC 2.01
// 4.2/4.3, Enterprise SSC 1.01 5/6, Opal Feature Set: PSID).
var (
	uidSMU        = mkUID(0x00000000000000FF) // session manager invoking UID
	uidAdminSP    = mkUID(0x0000020500000001)
	uidLockingSP  = mkUID(0x0000020500000002) // Opal family; also its row in the Admin SP's SP table
	uidELockingSP = mkUID(0x0000020500010001) // Enterprise

	uidAnybody     = mkUID(0x0000000900000001)
	uidSID         = mkUID(0x0000000900000006)
	uidPSID        = mkUID(0x000000090001FF01)
	uidAdmin1      = mkUID(0x0000000900010001) // Locking SP Admin1
	uidEraseMaster = mkUID(0x0000000900008401) // Enterprise Locking SP

	uidCPINMSID = mkUID(0x0000000B00008402)

	// LockingInfo: Opal row 1; the Enterprise SSC's single row is
	// reported at 0000080100000000 by some TPers (sedutil and
	// go-tcg-storage read it there first).
	uidLockingInfo  = mkUID(0x0000080100000001)
	uidELockingInfo = mkUID(0x0000080100000000)

	uidGlobalRange = mkUID(0x0000080200000001)
)

// Method UIDs (Core Spec 5.2.3 Table 241 for the session manager; Opal
// SSC 2.01 Table 21/Core 5.3; Enterprise SSC 1.01 for its Get and Erase).
var (
	methodProperties   = mkUID(0x000000000000FF01)
	methodStartSession = mkUID(0x000000000000FF02)
	methodSyncSession  = mkUID(0x000000000000FF03)
	methodCloseSession = mkUID(0x000000000000FF06)

	methodGet      = mkUID(0x0000000600000016)
	methodGenKey   = mkUID(0x0000000600000010)
	methodRevert   = mkUID(0x0000000600000202)
	methodActivate = mkUID(0x0000000600000203)
	methodEGet     = mkUID(0x0000000600000006)
	methodErase    = mkUID(0x0000000600000803)
)

// Column numbers (Opal) and names (Enterprise) read here.
const (
	colPIN            = 3  // C_PIN.PIN
	colLifeCycleState = 6  // SP.LifeCycleState
	colMaxRanges      = 4  // LockingInfo.MaxRanges
	colActiveKey      = 10 // Locking.ActiveKey
)

// LifeCycleState values of an SP (Opal SSC 2.01 5.2.2.3 / Core 5.3.2.4).
const (
	lifeManufacturedInactive = 0x08
	lifeManufactured         = 0x09
)

// opalRange is the Locking table row of Opal range n (n >= 1), or the
// global range for n == 0.
func opalRange(n int) uid {
	if n == 0 {
		return uidGlobalRange
	}
	return mkUID(0x0000080200030000 + uint64(n))
}

// enterpriseBand is the Locking table row of Enterprise band n (Band0 is
// the global band; Enterprise SSC 1.01 Locking table).
func enterpriseBand(n int) uid { return mkUID(0x0000080200000001 + uint64(n)) }

// rangeName names Opal range n for the record.
func rangeName(n int) string {
	if n == 0 {
		return "GlobalRange"
	}
	return fmt.Sprintf("Range %d", n)
}

// keyName names a K_AES_128 / K_AES_256 object for the record: "K_AES_256
// GlobalRange", "K_AES_128 Range 3", or its UID when it is neither.
func keyName(k uid) string {
	v := k.value()
	table, row := v>>32, v&0xFFFFFFFF
	var kind string
	switch table {
	case 0x00000805:
		kind = "K_AES_128"
	case 0x00000806:
		kind = "K_AES_256"
	default:
		return "key " + k.String()
	}
	switch {
	case row == 1:
		return kind + " GlobalRange"
	case row>>16 == 0x0003 && row&0xFFFF != 0:
		return fmt.Sprintf("%s Range %d", kind, row&0xFFFF)
	}
	return kind + " " + k.String()
}

package tcgtest

// UIDs the emulator knows (Core Spec 2.01 Table 240 and 241, Opal SSC 2.01
// section 4, Enterprise SSC 1.01 section 6, Opal Feature Set: PSID).
const (
	uidSMU    = 0x00000000000000FF
	uidThisSP = 0x0000000000000001

	uidAdminSP           = 0x0000020500000001
	uidLockingSP         = 0x0000020500000002
	uidEnterpriseLocking = 0x0000020500010001

	uidAnybody     = 0x0000000900000001
	uidSID         = 0x0000000900000006
	uidPSID        = 0x000000090001FF01
	uidAdmin1      = 0x0000000900010001 // Admin n = uidAdmin1 + n - 1
	uidUser1       = 0x0000000900030001 // User n = uidUser1 + n - 1
	uidBandMaster0 = 0x0000000900008001 // BandMaster n = uidBandMaster0 + n
	uidEraseMaster = 0x0000000900008401

	uidCPINSID         = 0x0000000B00000001
	uidCPINMSID        = 0x0000000B00008402
	uidCPINPSID        = 0x0000000B0001FF01
	uidCPINAdmin1      = 0x0000000B00010001
	uidCPINUser1       = 0x0000000B00030001
	uidCPINBandMaster0 = 0x0000000B00008001
	uidCPINEraseMaster = 0x0000000B00008401

	uidLockingInfo      = 0x0000080100000001
	uidLockingInfoTable = 0x0000080100000000 // Enterprise hosts Get this
	uidLockingTable     = 0x0000080200000000
	uidGlobalRange      = 0x0000080200000001 // Enterprise Band0
	uidRange1           = 0x0000080200030001 // Opal Range n = uidRange1 + n - 1
	uidKAES256Global    = 0x0000080600000001
	uidKAES256Range1    = 0x0000080600030001
	uidKAES128Global    = 0x0000080500000001
	uidKAES128Range1    = 0x0000080500030001
	uidMBRControl       = 0x0000080300000001
	uidMBRTable         = 0x0000080400000000
	uidTableMBR         = 0x0000000100000804 // the Table table's row of MBR
)

// Method UIDs (Core Spec 2.01 Table 241, Enterprise SSC 1.01 Table 7).
const (
	mProperties   = 0x000000000000FF01
	mStartSession = 0x000000000000FF02
	mSyncSession  = 0x000000000000FF03
	mCloseSession = 0x000000000000FF06

	mGet           = 0x0000000600000016
	mSet           = 0x0000000600000017
	mNext          = 0x0000000600000008
	mAuthenticate  = 0x000000060000001C
	mGenKey        = 0x0000000600000010
	mRevertSP      = 0x0000000600000011
	mRevert        = 0x0000000600000202
	mActivate      = 0x0000000600000203
	mRandom        = 0x0000000600000601
	mEGet          = 0x0000000600000006
	mESet          = 0x0000000600000007
	mEAuthenticate = 0x000000060000000C
	mErase         = 0x0000000600000803
)

// Method status codes (Core Spec 2.01 5.1.5).
const (
	stSuccess            = 0x00
	stNotAuthorized      = 0x01
	stSPBusy             = 0x03
	stSPFailed           = 0x04
	stNoSessions         = 0x07
	stInvalidParameter   = 0x0C
	stTPerMalfunction    = 0x0F
	stAuthorityLockedOut = 0x12
	stFail               = 0x3F
)

// Life cycle states of an SP (the SP table's LifeCycleState column, Core
// Spec 2.01 5.3.2.1; Opal SSC 2.01 4.2.7).
const (
	lifeManufacturedInactive = 0x08
	lifeManufactured         = 0x09
)

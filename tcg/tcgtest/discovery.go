package tcgtest

import "encoding/binary"

// Level 0 Discovery (Core Spec 2.01 3.3.6): a 48-byte header (the length
// of the data after its first 4 bytes, revision 1) and the feature
// descriptors, each a 4-byte header (code, version in the upper nibble of
// byte 2, length of the rest in byte 3) and its data.

// Feature codes.
const (
	featTPer        = 0x0001
	featLocking     = 0x0002
	featGeometry    = 0x0003
	featEnterprise  = 0x0100
	featOpal1       = 0x0200
	featSingleUser  = 0x0201
	featDataStore   = 0x0202
	featOpal2       = 0x0203
	featOpalite     = 0x0301
	featPyrite1     = 0x0302
	featPyrite2     = 0x0303
	featRuby        = 0x0304
	featBlockSID    = 0x0402
	featDataRemoval = 0x0404
)

func feature(b []byte, code uint16, version uint8, data []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, code)
	b = append(b, version<<4, byte(len(data)))
	return append(b, data...)
}

func bit(cond bool, mask byte) byte {
	if cond {
		return mask
	}
	return 0
}

// discovery builds the Level 0 Discovery response from the state.
func (t *TPer) discovery() []byte {
	b := make([]byte, 48)
	binary.BigEndian.PutUint16(b[4:], 0) // major
	binary.BigEndian.PutUint16(b[6:], 1) // minor: revision 1 (Core 3.3.6.3)

	// TPer feature (Core 3.3.6.4): byte 4 bit 0 Sync.
	b = feature(b, featTPer, 1, []byte{0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})

	// Locking feature (Core 3.3.6.5): bit 0 Supported, 1 Enabled, 2
	// Locked, 3 MediaEncryption, 4 MBREnabled, 5 MBRDone.
	enabled := t.cfg.Kind == Enterprise || t.lockingLife == lifeManufactured
	locked := false
	for _, r := range t.ranges {
		locked = locked || r.rle && r.rl || r.wle && r.wl
	}
	lf := 0x01 | bit(enabled, 0x02) | bit(enabled && locked, 0x04) | bit(!t.cfg.NoMediaEncryption, 0x08)
	if t.cfg.Kind.opalFamily() && enabled {
		lf |= bit(t.mbrEnable, 0x10) | bit(t.mbrDone, 0x20)
	}
	b = feature(b, featLocking, 1, append([]byte{lf}, make([]byte, 11)...))

	// Geometry Reporting (Opal SSC 2.01 3.1.1.4): Align, reserved, logical
	// block size, alignment granularity, lowest aligned LBA.
	if t.cfg.Kind != Enterprise {
		g := make([]byte, 28)
		binary.BigEndian.PutUint32(g[8:], uint32(t.cfg.BlockSize))
		binary.BigEndian.PutUint64(g[12:], 1)
		b = feature(b, featGeometry, 1, g)
	}

	b = t.sscFeature(b)

	if t.cfg.Kind == Opal2 || t.cfg.Kind == Ruby {
		// Single User Mode (Opal Feature Set: Single User Mode 4.2.1):
		// number of locking objects, then no range is in single user mode.
		s := make([]byte, 12)
		binary.BigEndian.PutUint32(s, uint32(t.cfg.Ranges+1))
		b = feature(b, featSingleUser, 1, s)
		// DataStore (Opal Feature Set: Additional DataStore 4.1.1):
		// reserved, max tables, max total size, alignment.
		d := make([]byte, 12)
		binary.BigEndian.PutUint16(d[2:], 1)
		binary.BigEndian.PutUint32(d[4:], 10<<20)
		binary.BigEndian.PutUint32(d[8:], 1)
		b = feature(b, featDataStore, 1, d)
	}
	if t.cfg.BlockSID {
		// Block SID Authentication (Feature Set: Block SID 4.1.1): byte 4
		// bit 0 SID Value State (C_PIN_SID PIN differs from MSID), bit 1
		// SID Authentication Blocked; byte 5 bit 0 Hardware Reset.
		s := make([]byte, 12)
		s[0] = bit(string(t.sidPIN) != t.cfg.MSID, 0x01) | bit(t.sidBlocked, 0x02)
		s[1] = bit(t.sidBlockedHW, 0x01)
		b = feature(b, featBlockSID, 1, s)
	}
	// Supported Data Removal Mechanism (Opal SSC 2.02 3.1.1.6): reserved,
	// processing/interrupted, the mechanisms (bit 2 cryptographic erase,
	// bit 0 overwrite), the time format and times.
	mech := byte(0x04)
	if t.cfg.NoMediaEncryption {
		mech = 0x01
	}
	r := make([]byte, 32)
	r[2] = mech
	b = feature(b, featDataRemoval, 1, r)

	binary.BigEndian.PutUint32(b[0:], uint32(len(b)-4))
	return b
}

// sscFeature appends the feature of the TPer's SSC.
func (t *TPer) sscFeature(b []byte) []byte {
	d := make([]byte, 16)
	binary.BigEndian.PutUint16(d[0:], t.cfg.BaseComID)
	binary.BigEndian.PutUint16(d[2:], 1) // number of ComIDs
	admins, users := uint16(4), uint16(t.users())
	switch t.cfg.Kind {
	case Enterprise:
		// Enterprise SSC 1.01 3.6.2.7: ComIDs, Range Crossing (byte 4).
		return feature(b, featEnterprise, 1, d)
	case Opal1:
		// Opal SSC 1.00 3.2.1: ComIDs, Range Crossing.
		return feature(b, featOpal1, 1, d)
	case Opal2, Ruby:
		// Opal SSC 2.01 3.1.1.5 / Ruby 3.1.1.5: ComIDs, flags, admins,
		// users, initial and reverted C_PIN_SID indicators (00h: MSID).
		binary.BigEndian.PutUint16(d[5:], admins)
		binary.BigEndian.PutUint16(d[7:], users)
		code := uint16(featOpal2)
		if t.cfg.Kind == Ruby {
			code = featRuby
		}
		return feature(b, code, 1, d)
	case Opalite, Pyrite1, Pyrite2:
		// Opalite 3.1.1.5, Pyrite 3.1.1.5: ComIDs, reserved, the C_PIN_SID
		// indicators at bytes 9-10 of the data.
		code := map[Kind]uint16{Opalite: featOpalite, Pyrite1: featPyrite1, Pyrite2: featPyrite2}[t.cfg.Kind]
		return feature(b, code, 1, d)
	}
	return b
}

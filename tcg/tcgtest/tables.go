package tcgtest

import "fmt"

// A row of a table an SP exposes to Get and Set: its columns, who may
// read and write each, and how a Set is committed.
type row struct {
	cols []col
	// commit, if set, validates and applies the staged Set values after
	// every column setter ran; it returns a status.
	commit func() uint8
}

type col struct {
	num   uint64
	name  string // the column's name (Enterprise hosts use names)
	get   func() val
	read  func(*session) bool // nil: nobody reads it
	set   func(val) uint8     // nil: not settable
	write func(*session) bool
}

func anybody(*session) bool { return true }

func (t *TPer) admins(s *session) bool {
	return s.as(uidAdmin1, uidAdmin1+1, uidAdmin1+2, uidAdmin1+3)
}

func setBool(dst *bool) func(val) uint8 {
	return func(v val) uint8 {
		if v.k != kUint || v.u > 1 {
			return stInvalidParameter
		}
		*dst = v.u == 1
		return stSuccess
	}
}

func setUint(dst *uint64) func(val) uint8 {
	return func(v val) uint8 {
		if v.k != kUint {
			return stInvalidParameter
		}
		*dst = v.u
		return stSuccess
	}
}

func constant(v val) func() val { return func() val { return v } }

func uidCol(uid uint64) col {
	return col{num: 0, name: "UID", get: constant(vuid(uid)), read: anybody}
}

func nameCol(name string) col {
	return col{num: 1, name: "Name", get: constant(vs(name)), read: anybody}
}

// row returns the row uid of the session's SP, or false.
func (t *TPer) row(s *session, uid uint64) (*row, bool) {
	switch s.sp {
	case uidAdminSP:
		return t.adminRow(uid)
	case uidLockingSP:
		return t.lockingRow(uid)
	case uidEnterpriseLocking:
		return t.enterpriseRow(uid)
	}
	return nil, false
}

// adminRow: the Admin SP's C_PIN and SP tables (Opal SSC 2.01 4.2;
// Enterprise SSC 1.01 6.2).
func (t *TPer) adminRow(uid uint64) (*row, bool) {
	sidOnly := func(s *session) bool { return s.as(uidSID) }
	switch uid {
	case uidCPINSID:
		return t.cpinRow(uid, "C_PIN_SID", uidSID, nil, sidOnly, &t.sidPIN), true
	case uidCPINMSID:
		msid := []byte(t.cfg.MSID)
		return t.cpinRow(uid, "C_PIN_MSID", 0, anybody, nil, &msid), true
	case uidCPINPSID:
		if t.cfg.NoPSID {
			return nil, false
		}
		psid := []byte(t.cfg.PSID)
		return t.cpinRow(uid, "C_PIN_PSID", uidPSID, nil, nil, &psid), true
	case uidAdminSP, uidLockingSP, uidEnterpriseLocking:
		life, name := uint64(lifeManufactured), "Admin"
		switch {
		case uid == uidAdminSP:
		case uid == uidLockingSP && t.cfg.Kind.opalFamily():
			life, name = uint64(t.lockingLife), "Locking"
		case uid == uidEnterpriseLocking && t.cfg.Kind == Enterprise:
			name = "Locking"
		default:
			return nil, false
		}
		return &row{cols: []col{uidCol(uid), nameCol(name),
			{num: 6, name: "LifeCycleState", get: constant(vu(life)), read: anybody},
			{num: 7, name: "Frozen", get: constant(vu(0)), read: anybody},
		}}, true
	}
	return nil, false
}

// cpinRow is a C_PIN row: the PIN readable by read (nil: nobody) and
// settable by write, with the try limit and count of authority.
func (t *TPer) cpinRow(uid uint64, name string, authority uint64, read, write func(*session) bool, pin *[]byte) *row {
	c := col{num: 3, name: "PIN", get: func() val { return vb(*pin) }, read: read}
	if write != nil {
		c.write = write
		c.set = func(v val) uint8 {
			if v.k != kBytes {
				return stInvalidParameter
			}
			*pin = append([]byte(nil), v.b...)
			return stSuccess
		}
	}
	return &row{cols: []col{uidCol(uid), nameCol(name), c,
		{num: 5, name: "TryLimit", get: constant(vu(uint64(t.cfg.SIDTryLimit))), read: anybody},
		{num: 6, name: "Tries", get: func() val { return vu(uint64(t.tries[authority])) }, read: anybody},
	}}
}

// rangeCols are the Locking table columns (Opal SSC 2.01 4.3.5.2,
// Enterprise SSC 1.01 6.3.4), read and written by who, on a copy of the
// range that commit checks and stores.
func (t *TPer) rangeRow(uid uint64, n int, name string, key uint64, who func(*session) bool) *row {
	r := t.ranges[n]
	global := n == 0
	cols := []col{uidCol(uid), nameCol(name),
		{num: 2, name: "CommonName", get: constant(vs("")), read: anybody},
		{num: 3, name: "RangeStart", get: func() val { return vu(r.start) }, read: who},
		{num: 4, name: "RangeLength", get: func() val { return vu(r.length) }, read: who},
		{num: 5, name: "ReadLockEnabled", get: func() val { return vbool(r.rle) }, read: who, set: setBool(&r.rle), write: who},
		{num: 6, name: "WriteLockEnabled", get: func() val { return vbool(r.wle) }, read: who, set: setBool(&r.wle), write: who},
		{num: 7, name: "ReadLocked", get: func() val { return vbool(r.rl) }, read: who, set: setBool(&r.rl), write: who},
		{num: 8, name: "WriteLocked", get: func() val { return vbool(r.wl) }, read: who, set: setBool(&r.wl), write: who},
		{num: 9, name: "LockOnReset", get: func() val {
			if r.lockOnReset {
				return vl(vu(0))
			}
			return vl()
		}, read: who, write: who, set: func(v val) uint8 {
			if v.k != kList {
				return stInvalidParameter
			}
			r.lockOnReset = false
			for _, x := range v.list {
				if x.k != kUint || x.u > 3 {
					return stInvalidParameter
				}
				if x.u == 0 {
					r.lockOnReset = true
				}
			}
			return stSuccess
		}},
		{num: 10, name: "ActiveKey", get: constant(vuid(key)), read: who},
	}
	if !global {
		cols[3].set, cols[3].write = setUint(&r.start), who
		cols[4].set, cols[4].write = setUint(&r.length), who
	}
	return &row{cols: cols, commit: func() uint8 {
		if r.start > 1<<48 || r.length > 1<<48 {
			return stInvalidParameter
		}
		if !global && r.length > 0 {
			if t.capacity > 0 && (r.start+r.length)*uint64(t.cfg.BlockSize) > uint64(t.capacity) {
				return stInvalidParameter
			}
			for i, o := range t.ranges {
				if i != 0 && i != n && o.length > 0 && r.start < o.start+o.length && o.start < r.start+r.length {
					return stInvalidParameter
				}
			}
		}
		t.ranges[n] = r
		return stSuccess
	}}
}

// lockingRow: the Opal Locking SP's tables (Opal SSC 2.01 4.3).
func (t *TPer) lockingRow(uid uint64) (*row, bool) {
	admins := t.admins
	switch {
	case uid == uidLockingInfo:
		enc := uint64(1)
		if t.cfg.NoMediaEncryption {
			enc = 0
		}
		return &row{cols: []col{uidCol(uid), nameCol("LockingInfo"),
			{num: 2, name: "Version", get: constant(vu(1)), read: anybody},
			{num: 3, name: "EncryptSupport", get: constant(vu(enc)), read: anybody},
			{num: 4, name: "MaxRanges", get: constant(vu(uint64(t.cfg.Ranges))), read: anybody},
			{num: 5, name: "MaxReEncryptions", get: constant(vu(0)), read: anybody},
			{num: 6, name: "KeysAvailableCfg", get: constant(vu(0)), read: anybody},
			{num: 7, name: "AlignmentRequired", get: constant(vu(0)), read: anybody},
			{num: 8, name: "LogicalBlockSize", get: constant(vu(uint64(t.cfg.BlockSize))), read: anybody},
			{num: 9, name: "AlignmentGranularity", get: constant(vu(1)), read: anybody},
			{num: 10, name: "LowestAlignedLBA", get: constant(vu(0)), read: anybody},
		}}, true
	case uid == uidGlobalRange:
		return t.rangeRow(uid, 0, "GlobalRange", t.keyUID(0), admins), true
	case uid >= uidRange1 && uid < uidRange1+uint64(t.cfg.Ranges):
		n := int(uid-uidRange1) + 1
		return t.rangeRow(uid, n, fmt.Sprintf("Range%d", n), t.keyUID(n), admins), true
	case uid == uidMBRControl:
		return &row{cols: []col{uidCol(uid),
			{num: 1, name: "Enable", get: func() val { return vbool(t.mbrEnable) }, read: anybody, set: setBool(&t.mbrEnable), write: admins},
			{num: 2, name: "Done", get: func() val { return vbool(t.mbrDone) }, read: anybody, set: setBool(&t.mbrDone), write: admins},
			{num: 3, name: "MBRDoneOnReset", get: constant(vl(vu(0))), read: anybody},
		}}, true
	case uid == uidTableMBR:
		return &row{cols: []col{uidCol(uid), nameCol("MBR"),
			{num: 4, name: "Kind", get: constant(vu(2)), read: anybody},
			{num: 7, name: "Rows", get: constant(vu(uint64(t.cfg.MBRSize))), read: anybody},
			{num: 13, name: "MandatoryWriteGranularity", get: constant(vu(1)), read: anybody},
			{num: 14, name: "RecommendedAccessGranularity", get: constant(vu(1)), read: anybody},
		}}, true
	}
	if n, ok := t.keyRange(uid); ok {
		return &row{cols: []col{uidCol(uid)}}, n >= 0
	}
	for a := range t.pins {
		if uid == a {
			return t.authorityRow(a), true
		}
		if uid == a+(uidCPINAdmin1-uidAdmin1) {
			self := func(s *session) bool { return s.as(a) || t.admins(s) }
			p := t.pins[a]
			r := t.cpinRow(uid, "C_PIN", a, nil, self, &p)
			r.commit = func() uint8 { t.pins[a] = p; return stSuccess }
			return r, true
		}
	}
	return nil, false
}

// authorityRow is a Locking SP Authority table row with its Enabled
// column (5), which Admins set (Opal SSC 2.01 4.3.1.7).
func (t *TPer) authorityRow(a uint64) *row {
	en := t.enabled[a]
	return &row{cols: []col{uidCol(a),
		{num: 5, name: "Enabled", get: func() val { return vbool(en) }, read: anybody, set: setBool(&en), write: t.admins},
	}, commit: func() uint8 { t.enabled[a] = en; return stSuccess }}
}

// keyUID is the K_AES_256 object of range n, the range's ActiveKey.
func (t *TPer) keyUID(n int) uint64 {
	if n == 0 {
		return uidKAES256Global
	}
	return uidKAES256Range1 + uint64(n-1)
}

// keyRange returns the range whose K_AES_256 or K_AES_128 object uid is.
func (t *TPer) keyRange(uid uint64) (int, bool) {
	if t.cfg.NoMediaEncryption {
		return 0, false
	}
	for _, base := range [][2]uint64{{uidKAES256Global, uidKAES256Range1}, {uidKAES128Global, uidKAES128Range1}} {
		if uid == base[0] {
			return 0, true
		}
		if uid >= base[1] && uid < base[1]+uint64(t.cfg.Ranges) {
			return int(uid-base[1]) + 1, true
		}
	}
	return 0, false
}

// enterpriseRow: the Enterprise Locking SP's tables (Enterprise SSC 1.01
// 6.3): bands read and written by their BandMaster, BandMaster and
// EraseMaster C_PIN rows written by their owner.
func (t *TPer) enterpriseRow(uid uint64) (*row, bool) {
	switch {
	case uid == uidLockingInfo || uid == uidLockingInfoTable:
		return &row{cols: []col{uidCol(uid), nameCol("LockingInfo"),
			{num: 2, name: "Version", get: constant(vu(1)), read: anybody},
			{num: 3, name: "EncryptSupport", get: constant(vu(1)), read: anybody},
			{num: 4, name: "MaxRanges", get: constant(vu(uint64(t.cfg.Ranges))), read: anybody},
		}}, true
	case uid >= uidGlobalRange && uid <= uidGlobalRange+uint64(t.cfg.Ranges):
		n := int(uid - uidGlobalRange)
		bm := uidBandMaster0 + uint64(n)
		return t.rangeRow(uid, n, fmt.Sprintf("Band%d", n), uidKAES256Global+uint64(n),
			func(s *session) bool { return s.as(bm) }), true
	}
	for a := range t.pins {
		if uid == a+(uidCPINBandMaster0-uidBandMaster0) {
			p := t.pins[a]
			r := t.cpinRow(uid, "C_PIN", a, nil, func(s *session) bool { return s.as(a) }, &p)
			r.commit = func() uint8 { t.pins[a] = p; return stSuccess }
			return r, true
		}
	}
	return nil, false
}

package tcgtest

import (
	"encoding/binary"
	"sort"
)

// sessionCall answers a method call in the open session.
func (t *TPer) sessionCall(s *session, payload []byte) []byte {
	c, err := parseCall(payload)
	if err != nil {
		return methodResponse(nil, stInvalidParameter)
	}
	results, st := t.invoke(s, c)
	return methodResponse(results, st)
}

// modifying methods need a Write session.
func (t *TPer) invoke(s *session, c *call) ([]val, uint8) {
	ent := t.cfg.Kind == Enterprise
	// PSID may do nothing but Revert the Admin SP (Opal Feature Set:
	// PSID 3.2.1).
	psidOnly := s.auth[uidPSID] && len(s.auth) == 1
	switch {
	case c.iid == uidThisSP && (c.mid == mAuthenticate || ent && c.mid == mEAuthenticate):
		return t.authenticateMethod(s, c)
	case c.iid == uidThisSP && c.mid == mRandom:
		return t.random(c)
	case psidOnly && !(c.iid == uidAdminSP && c.mid == mRevert):
		return nil, stNotAuthorized
	case !ent && c.mid == mGet, ent && c.mid == mEGet:
		return t.get(s, c)
	case c.iid == uidLockingTable && c.mid == mNext && s.sp != uidAdminSP:
		return t.next(s)
	}
	if !s.write {
		switch c.mid {
		case mSet, mESet, mGenKey, mRevertSP, mRevert, mActivate, mErase:
			return nil, stNotAuthorized
		}
	}
	if t.failNow(c.mid) {
		return nil, t.cfg.FailStatus
	}
	switch {
	case !ent && c.mid == mSet:
		return t.set(s, c)
	case ent && c.mid == mESet:
		return t.eset(s, c)
	case s.sp == uidAdminSP && c.mid == mActivate && c.iid == uidLockingSP && !ent:
		return t.activate(s, c)
	case s.sp == uidAdminSP && c.mid == mRevert && c.iid == uidAdminSP:
		return t.revertTPer(s, c)
	case s.sp == uidAdminSP && c.mid == mRevert && c.iid == uidLockingSP && !ent:
		if !s.as(uidSID) {
			return nil, stNotAuthorized
		}
		if len(c.args) != 0 {
			return nil, stInvalidParameter
		}
		if t.lockingLife == lifeManufactured {
			t.revertLockingSP(false)
		}
		return nil, stSuccess
	case s.sp == uidLockingSP && c.mid == mRevertSP && c.iid == uidThisSP:
		return t.revertSP(s, c)
	case s.sp == uidLockingSP && c.mid == mGenKey:
		return t.genKey(s, c)
	case s.sp == uidEnterpriseLocking && c.mid == mErase:
		return t.erase(s, c)
	}
	return nil, stInvalidParameter
}

// failNow reports whether a call of method mid is the one Config's
// FailMethod makes fail, and counts the calls of it.
func (t *TPer) failNow(mid uint64) bool {
	names := map[uint64]string{mActivate: "Activate", mGenKey: "GenKey", mRevert: "Revert",
		mRevertSP: "RevertSP", mErase: "Erase", mSet: "Set", mESet: "Set"}
	name, ok := names[mid]
	if !ok || t.cfg.FailMethod != name {
		return false
	}
	t.failCalls++
	return t.failCalls > t.cfg.FailAfter
}

// authenticateMethod: Authenticate[Authority, Proof (optional 0;
// "Challenge" in the Enterprise SSC)] => [Success] (Core 5.3.4.1.14).
func (t *TPer) authenticateMethod(s *session, c *call) ([]val, uint8) {
	p := splitParams(c.args)
	if len(p.pos) != 1 || !p.only("0", "Challenge", "Proof") {
		return nil, stInvalidParameter
	}
	a, ok := p.pos[0].uid()
	if !ok {
		return nil, stInvalidParameter
	}
	proof, _ := p.opt(0, "Challenge")
	if v, ok := p.named["Proof"]; ok {
		proof = v
	}
	if proof.k != kBytes && proof.b != nil {
		return nil, stInvalidParameter
	}
	switch st := t.authenticate(s, a, proof.b); st {
	case stSuccess:
		return []val{vbool(true)}, stSuccess
	case stNotAuthorized:
		return []val{vbool(false)}, stSuccess
	default:
		return nil, st
	}
}

// random: Random[Count] => [bytes] (Core 5.3.4.1.17); at most 32 bytes.
func (t *TPer) random(c *call) ([]val, uint8) {
	p := splitParams(c.args)
	if len(p.pos) != 1 || p.pos[0].k != kUint || p.pos[0].u > 32 {
		return nil, stInvalidParameter
	}
	b := make([]byte, p.pos[0].u)
	t.fill(b)
	return []val{vb(b)}, stSuccess
}

// next: Next on the Locking table lists its rows => [[uid...]] (Core
// 5.3.3.11).
func (t *TPer) next(s *session) ([]val, uint8) {
	var uids []val
	for n := range t.ranges {
		uid := uidGlobalRange + uint64(n)
		if n > 0 && s.sp == uidLockingSP {
			uid = uidRange1 + uint64(n-1)
		}
		uids = append(uids, vuid(uid))
	}
	return []val{vl(uids...)}, stSuccess
}

// cellBlock reads a Get's Cellblock: the column range (startColumn 3 and
// endColumn 4, or by name) and the row range (startRow 1, endRow 2) for
// byte tables. Column bounds named by their column name resolve through
// r; byName tells the host used names.
type cellBlock struct {
	startCol, endCol uint64
	startRow, endRow *uint64
	byName           bool
}

func parseCellBlock(args []val, r *row) (cellBlock, bool) {
	cb := cellBlock{endCol: ^uint64(0)}
	if len(args) != 1 || args[0].k != kList {
		return cb, false
	}
	p := splitParams(args[0].list)
	if len(p.pos) != 0 || !p.only("1", "2", "3", "4", "startRow", "endRow", "startColumn", "endColumn") {
		return cb, false
	}
	colOf := func(v val) (uint64, bool) {
		switch v.k {
		case kUint:
			return v.u, true
		case kBytes:
			cb.byName = true
			if r != nil {
				for _, c := range r.cols {
					if c.name == string(v.b) {
						return c.num, true
					}
				}
			}
		}
		return 0, false
	}
	var ok bool
	if v, has := p.opt(3, "startColumn"); has {
		if cb.startCol, ok = colOf(v); !ok {
			return cb, false
		}
	}
	if v, has := p.opt(4, "endColumn"); has {
		if cb.endCol, ok = colOf(v); !ok {
			return cb, false
		}
	}
	for i, name := range []string{"startRow", "endRow"} {
		if v, has := p.opt(uint64(i+1), name); has {
			if v.k != kUint {
				return cb, false
			}
			u := v.u
			if i == 0 {
				cb.startRow = &u
			} else {
				cb.endRow = &u
			}
		}
	}
	if _, has := p.named["startColumn"]; has {
		cb.byName = true
	}
	return cb, cb.startCol <= cb.endCol
}

// get: Get[Cellblock] => [[column values]] for objects, [bytes] for the
// MBR byte table (Core 5.3.3.6); Enterprise Get wraps the values in one
// more list (as go-tcg-storage and sedutil read it). Columns the session
// may not read are left out; a Get that can read none is NOT_AUTHORIZED.
func (t *TPer) get(s *session, c *call) ([]val, uint8) {
	if c.iid == uidMBRTable && s.sp == uidLockingSP {
		return t.getMBR(c)
	}
	r, ok := t.row(s, c.iid)
	if !ok {
		return nil, stInvalidParameter
	}
	cb, ok := parseCellBlock(c.args, r)
	if !ok || cb.startRow != nil || cb.endRow != nil {
		return nil, stInvalidParameter
	}
	var out []val
	inRange, denied := 0, 0
	for _, col := range r.cols {
		if col.num < cb.startCol || col.num > cb.endCol {
			continue
		}
		inRange++
		if col.read == nil || !col.read(s) {
			denied++
			continue
		}
		name := vu(col.num)
		if cb.byName || t.cfg.Kind == Enterprise {
			name = vs(col.name)
		}
		out = append(out, vn(name, col.get()))
	}
	if inRange > 0 && denied == inRange {
		return nil, stNotAuthorized
	}
	if t.cfg.Kind == Enterprise {
		return []val{vl(vl(out...))}, stSuccess
	}
	return []val{vl(out...)}, stSuccess
}

// getMBR reads bytes startRow..endRow of the MBR table (Anybody may).
func (t *TPer) getMBR(c *call) ([]val, uint8) {
	cb, ok := parseCellBlock(c.args, nil)
	if !ok || cb.startRow == nil || cb.endRow == nil || *cb.endRow < *cb.startRow ||
		*cb.endRow >= uint64(t.cfg.MBRSize) || *cb.endRow-*cb.startRow >= 65000 {
		return nil, stInvalidParameter
	}
	b := make([]byte, *cb.endRow-*cb.startRow+1)
	t.mbr.read(b, int64(*cb.startRow))
	return []val{vb(b)}, stSuccess
}

// set: Set[Where (optional 0), Values (optional 1)] (Core 5.3.3.7): for
// objects Values is a list of column values, for the MBR byte table Where
// is the offset and Values the bytes (Admins only).
func (t *TPer) set(s *session, c *call) ([]val, uint8) {
	p := splitParams(c.args)
	if len(p.pos) != 0 || !p.only("0", "1") {
		return nil, stInvalidParameter
	}
	values, ok := p.opt(1, "")
	if !ok {
		return nil, stInvalidParameter
	}
	if c.iid == uidMBRTable && s.sp == uidLockingSP {
		where, ok := p.opt(0, "")
		if !ok || where.k != kUint || values.k != kBytes || where.u+uint64(len(values.b)) > uint64(t.cfg.MBRSize) {
			return nil, stInvalidParameter
		}
		if !t.admins(s) {
			return nil, stNotAuthorized
		}
		t.mbr.write(values.b, int64(where.u))
		return nil, stSuccess
	}
	if _, hasWhere := p.opt(0, ""); hasWhere || values.k != kList {
		return nil, stInvalidParameter
	}
	return t.setColumns(s, c.iid, values.list)
}

// eset: the Enterprise Set[Where, Values] with Where an empty list for
// objects and Values a list holding the list of named column values.
func (t *TPer) eset(s *session, c *call) ([]val, uint8) {
	if len(c.args) != 2 || c.args[0].k != kList || len(c.args[0].list) != 0 ||
		c.args[1].k != kList || len(c.args[1].list) != 1 || c.args[1].list[0].k != kList {
		return nil, stInvalidParameter
	}
	return t.setColumns(s, c.iid, c.args[1].list[0].list)
}

// setColumns sets named column values of row uid: all or nothing.
func (t *TPer) setColumns(s *session, uid uint64, values []val) ([]val, uint8) {
	r, ok := t.row(s, uid)
	if !ok {
		return nil, stInvalidParameter
	}
	type change struct {
		c *col
		v val
	}
	var changes []change
	for _, nv := range values {
		if nv.k != kName {
			return nil, stInvalidParameter
		}
		var found *col
		for i := range r.cols {
			c := &r.cols[i]
			n := nv.list[0]
			if n.k == kUint && n.u == c.num || n.k == kBytes && string(n.b) == c.name {
				found = c
			}
		}
		if found == nil || found.set == nil {
			return nil, stInvalidParameter
		}
		if !found.write(s) {
			return nil, stNotAuthorized
		}
		changes = append(changes, change{found, nv.list[1]})
	}
	for _, ch := range changes {
		if st := ch.c.set(ch.v); st != stSuccess {
			return nil, st
		}
	}
	if r.commit != nil {
		if st := r.commit(); st != stSuccess {
			return nil, st
		}
	}
	return nil, stSuccess
}

// activate: Activate on the Locking SP object as SID (Opal SSC 2.01
// 5.1.1): Manufactured-Inactive → Manufactured, Admin1's PIN = SID's.
// Activating an active SP does nothing.
func (t *TPer) activate(s *session, c *call) ([]val, uint8) {
	if !s.as(uidSID) {
		return nil, stNotAuthorized
	}
	if len(c.args) != 0 {
		return nil, stInvalidParameter
	}
	if t.lockingLife == lifeManufacturedInactive {
		t.resetLockingSP()
		t.pins[uidAdmin1] = append([]byte(nil), t.sidPIN...)
		t.lockingLife = lifeManufactured
	}
	return nil, stSuccess
}

// revertTPer: Revert on the Admin SP object as SID or PSID (Opal SSC 2.01
// 5.1.2.2, Opal Feature Set: PSID): the TPer goes back to Original
// Factory State; an active Locking SP's user data is erased (new keys).
// The session is aborted once the response is read.
func (t *TPer) revertTPer(s *session, c *call) ([]val, uint8) {
	if !s.as(uidSID, uidPSID) {
		return nil, stNotAuthorized
	}
	if len(c.args) != 0 {
		return nil, stInvalidParameter
	}
	if t.cfg.Kind == Enterprise || t.lockingLife == lifeManufactured {
		t.revertLockingSP(false)
	}
	t.sidPIN = []byte(t.cfg.MSID)
	clear(t.tries)
	t.reverts++
	t.abort = true
	return nil, stSuccess
}

// revertLockingSP returns the Locking SP to its original state: every
// range's key is regenerated (but the global range's if keepGlobal),
// scrambling its data, and (Opal) the SP is Manufactured-Inactive.
func (t *TPer) revertLockingSP(keepGlobal bool) {
	for n := range t.ranges {
		if n == 0 && keepGlobal {
			continue
		}
		t.newKey(n)
	}
	t.resetLockingSP()
	if t.cfg.Kind != Enterprise {
		t.lockingLife = lifeManufacturedInactive
	}
}

// revertSP: RevertSP[KeepGlobalRangeKey (optional 060000h)] on ThisSP in
// a Locking SP session as an Admin (Opal SSC 2.01 5.2.2). Keeping the
// global range key of a locked global range FAILs. The session is aborted
// once the response is read.
func (t *TPer) revertSP(s *session, c *call) ([]val, uint8) {
	if !t.admins(s) {
		return nil, stNotAuthorized
	}
	p := splitParams(c.args)
	if len(p.pos) != 0 || !p.only("393216", "KeepGlobalRangeKey") {
		return nil, stInvalidParameter
	}
	keep := false
	if v, ok := p.opt(0x060000, "KeepGlobalRangeKey"); ok {
		if v.k != kUint || v.u > 1 {
			return nil, stInvalidParameter
		}
		keep = v.u == 1
	}
	g := t.ranges[0]
	if keep && (g.rle && g.rl || g.wle && g.wl) {
		return nil, stFail
	}
	t.revertLockingSP(keep)
	t.reverts++
	t.abort = true
	return nil, stSuccess
}

// genKey: GenKey on a K_AES object as an Admin (Core 5.3.3.16, Opal SSC
// 2.01 4.3.6): a new media key for that range.
func (t *TPer) genKey(s *session, c *call) ([]val, uint8) {
	n, ok := t.keyRange(c.iid)
	if !ok {
		return nil, stInvalidParameter
	}
	if !t.admins(s) {
		return nil, stNotAuthorized
	}
	if len(c.args) != 0 {
		p := splitParams(c.args)
		if len(p.pos) != 0 || !p.only("0", "1") {
			return nil, stInvalidParameter
		}
	}
	t.newKey(n)
	return nil, stSuccess
}

// erase: Erase on a band as EraseMaster (Enterprise SSC 1.01 6.3.4.1.1): a
// new key, the band unlocked and not lockable, its BandMaster's PIN the
// MSID.
func (t *TPer) erase(s *session, c *call) ([]val, uint8) {
	if c.iid < uidGlobalRange || c.iid > uidGlobalRange+uint64(t.cfg.Ranges) || len(c.args) != 0 {
		return nil, stInvalidParameter
	}
	if !s.as(uidEraseMaster) {
		return nil, stNotAuthorized
	}
	n := int(c.iid - uidGlobalRange)
	t.newKey(n)
	r := &t.ranges[n]
	r.rle, r.wle, r.rl, r.wl, r.lockOnReset = false, false, false, false, false
	bm := uidBandMaster0 + uint64(n)
	t.pins[bm] = []byte(t.cfg.MSID)
	t.tries[bm] = 0
	return nil, stSuccess
}

// fill fills b with pseudo-random bytes.
func (t *TPer) fill(b []byte) {
	for i := 0; i < len(b); i += 8 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], t.rng.Uint64())
		copy(b[i:], w[:])
	}
}

// sortedRanges returns the indexes of the non-global ranges with a
// length, by start.
func (t *TPer) sortedRanges() []int {
	var idx []int
	for i := 1; i < len(t.ranges); i++ {
		if t.ranges[i].length > 0 {
			idx = append(idx, i)
		}
	}
	sort.Slice(idx, func(a, b int) bool { return t.ranges[idx[a]].start < t.ranges[idx[b]].start })
	return idx
}

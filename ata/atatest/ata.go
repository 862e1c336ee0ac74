package atatest

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/scsi/scsitest"
)

// taskfile is a decoded ATA PASS-THROUGH CDB.
type taskfile struct {
	proto          byte
	extend, ckCond bool
	tDir           bool
	tLength        byte
	feature, count uint16
	lba            uint64
	device, cmd    byte
}

// blocks is the number of 512-byte blocks the command moves: COUNT, except
// for TRUSTED RECEIVE/SEND, whose 16-bit TRANSFER LENGTH continues in
// LBA 7:0 (ACS-3 7.57.3).
func (tf taskfile) blocks() int {
	if !tf.extend && (tf.cmd == 0x5C || tf.cmd == 0x5E) {
		return int(tf.count&0xFF) | int(tf.lba&0xFF)<<8
	}
	return int(tf.count)
}

func decodeCDB(cdb []byte) (taskfile, bool) {
	var tf taskfile
	switch {
	case len(cdb) == 16 && cdb[0] == scsi.OpATAPassThru16:
		tf.extend = cdb[1]&0x01 != 0
		tf.feature = uint16(cdb[4])
		tf.count = uint16(cdb[6])
		tf.lba = uint64(cdb[8]) | uint64(cdb[10])<<8 | uint64(cdb[12])<<16
		if tf.extend {
			tf.feature |= uint16(cdb[3]) << 8
			tf.count |= uint16(cdb[5]) << 8
			tf.lba |= uint64(cdb[7])<<24 | uint64(cdb[9])<<32 | uint64(cdb[11])<<40
		}
		tf.device, tf.cmd = cdb[13], cdb[14]
	case len(cdb) == 12 && cdb[0] == scsi.OpATAPassThru12:
		tf.feature, tf.count = uint16(cdb[3]), uint16(cdb[4])
		tf.lba = uint64(cdb[5]) | uint64(cdb[6])<<8 | uint64(cdb[7])<<16
		tf.device, tf.cmd = cdb[8], cdb[9]
	default:
		return tf, false
	}
	tf.proto = (cdb[1] >> 1) & 0x0f
	tf.ckCond = cdb[2]&0x20 != 0
	tf.tDir = cdb[2]&0x08 != 0
	tf.tLength = cdb[2] & 0x03
	if !tf.extend {
		// 28-bit commands carry LBA(27:24) in DEVICE(3:0).
		tf.lba |= uint64(tf.device&0x0f) << 24
	}
	return tf, true
}

// commandName names the ATA command for logs and Faults.
func commandName(tf taskfile) string {
	switch tf.cmd {
	case 0xEC:
		return OpIdentify
	case 0xF1:
		return OpSetPassword
	case 0xF2:
		return OpUnlock
	case 0xF3:
		return OpErasePrepare
	case 0xF4:
		return OpEraseUnit
	case 0xF5:
		return OpFreezeLock
	case 0xF6:
		return OpDisablePassword
	case 0x5C:
		return OpTrustedReceive
	case 0x5E:
		return OpTrustedSend
	case 0xB4:
		switch tf.feature {
		case 0x0000:
			return OpSanitizeStatus
		case 0x0011:
			return OpCryptoScramble
		case 0x0012:
			return OpBlockErase
		case 0x0014:
			return OpOverwrite
		case 0x0020:
			return OpSanitizeFreeze
		case 0x0040:
			return OpSanitizeAntifrz
		}
	case 0x27:
		return OpReadNativeMaxExt
	case 0xF8:
		return OpReadNativeMax
	case 0x37:
		return OpSetMaxExt
	case 0xF9:
		return OpSetMax
	case 0x78:
		switch tf.feature {
		case 0x0000:
			return OpGetNativeMax
		case 0x0001:
			return OpSetAccessibleMax
		case 0x0002:
			return OpFreezeAccessible
		}
	case 0xB1:
		switch tf.feature & 0xff {
		case 0xC0:
			return OpDCORestore
		case 0xC1:
			return OpDCOFreeze
		case 0xC2:
			return OpDCOIdentify
		case 0xC3:
			return OpDCOSet
		}
	case 0xB0:
		switch tf.feature & 0xff {
		case 0xD0:
			return OpSMARTReadData
		case 0xD1:
			return OpSMARTThresholds
		case 0xDA:
			return OpSMARTReturnStatus
		case 0xD8:
			return "SMART ENABLE OPERATIONS"
		case 0xD9:
			return "SMART DISABLE OPERATIONS"
		}
	}
	return fmt.Sprintf("ATA command %02Xh/%04Xh", tf.cmd, tf.feature)
}

// out is a command's outcome: the output registers, data-in, and whether
// it failed or timed out.
type out struct {
	status, error byte
	count         uint16
	lba           uint64
	device        byte
	data          []byte
	timeout       bool
}

func ok() out { return out{status: 0x50, device: 0x40} }

// abort is ERR with ABRT; reason goes in LBA(7:0) (sanitize).
func abort(reason byte) out { return out{status: 0x51, error: 0x04, device: 0x40, lba: uint64(reason)} }

// idnf is ERR with IDNF|ABRT (address beyond the native max).
func idnf() out { return out{status: 0x51, error: 0x14, device: 0x40} }

// senseFor maps ATA STATUS/ERROR to a sense key the way libata does
// (ata_to_sense_error: the error table first, needing all of an entry's
// bits, then the status table, needing any; ABRT alone is not in the error
// table, so a plain abort reads ILLEGAL REQUEST 21h/04h from DRDY).
func senseFor(status, errReg byte) (key, asc, ascq byte) {
	errTable := [][4]byte{
		{0xd1, scsi.KeyAbortedCommand, 0x00, 0x00},
		{0xd0, scsi.KeyAbortedCommand, 0x00, 0x00},
		{0x61, scsi.KeyHardwareError, 0x00, 0x00},
		{0x84, scsi.KeyAbortedCommand, 0x47, 0x00},
		{0x37, scsi.KeyNotReady, 0x04, 0x00},
		{0x09, scsi.KeyNotReady, 0x04, 0x00},
		{0x01, scsi.KeyMediumError, 0x13, 0x00},
		{0x02, scsi.KeyHardwareError, 0x00, 0x00},
		{0x08, scsi.KeyNotReady, 0x04, 0x00},
		{0x10, scsi.KeyIllegalRequest, 0x21, 0x00},
		{0x20, scsi.KeyUnitAttention, 0x28, 0x00},
		{0x40, scsi.KeyMediumError, 0x11, 0x04},
		{0x80, scsi.KeyMediumError, 0x11, 0x04},
	}
	statTable := [][4]byte{
		{0x80, scsi.KeyAbortedCommand, 0x47, 0x00},
		{0x40, scsi.KeyIllegalRequest, 0x21, 0x04},
		{0x20, scsi.KeyHardwareError, 0x44, 0x00},
		{0x08, scsi.KeyAbortedCommand, 0x47, 0x00},
		{0x04, scsi.KeyRecoveredError, 0x11, 0x00},
	}
	if status&0x80 != 0 {
		errReg = 0
	}
	if errReg != 0 {
		for _, t := range errTable {
			if t[0]&errReg == t[0] {
				return t[1], t[2], t[3]
			}
		}
	}
	for _, t := range statTable {
		if t[0]&status != 0 {
			return t[1], t[2], t[3]
		}
	}
	return scsi.KeyAbortedCommand, 0, 0
}

func (d *Drive) passThrough(cmd *scsi.Command, e *Entry) *scsi.Response {
	e.Name = "ATA PASS-THROUGH"
	if d.Faults.RejectPassThrough {
		e.Result = "ILLEGAL REQUEST 24/00 (pass-through rejected)"
		return checkFixed(scsi.KeyIllegalRequest, 0x24, 0x00)
	}
	tf, valid := decodeCDB(cmd.CDB)
	// libata (ata_scsi_pass_thru) rejects protocols it cannot map and a
	// data phase without T_LENGTH; we implement non-data and PIO only.
	dataProto := tf.proto == 4 || tf.proto == 5
	switch {
	case !valid, tf.proto != 3 && !dataProto,
		tf.tLength == 0 && cmd.Dir != scsi.DirNone,
		tf.proto == 3 && cmd.Dir != scsi.DirNone,
		tf.proto == 4 && (cmd.Dir != scsi.DirFromDevice || !tf.tDir),
		tf.proto == 5 && (cmd.Dir != scsi.DirToDevice || tf.tDir),
		dataProto && len(cmd.Data) != tf.blocks()*512:
		e.Result = "ILLEGAL REQUEST 24/00"
		return checkFixed(scsi.KeyIllegalRequest, 0x24, 0x00)
	case d.cfg.FilterTPM && tf.cmd >= 0x5C && tf.cmd <= 0x5F:
		e.Name = commandName(tf)
		e.Result = "ILLEGAL REQUEST 24/00 (libata.allow_tpm=0)"
		return tpmFiltered(cmd.CDB)
	}
	e.Name = commandName(tf)
	wasReadNative, wasPrepared := d.lastReadNative, d.prepared
	d.lastReadNative, d.prepared = false, false

	if d.Faults.FreezeOn[e.Name] {
		d.frozen = true
	}
	var o out
	switch {
	case d.Faults.Abort[e.Name]:
		o = abort(0)
	case d.san == sd2InProgress && !allowedDuringSanitize(e.Name):
		o = abort(0)
	default:
		o = d.execATA(tf, e.Name, cmd, wasReadNative, wasPrepared)
	}
	if o.timeout {
		e.Result = "timed out"
		return &scsi.Response{HostStatus: scsi.HostTimeOut}
	}
	regs := scsi.ATARegisters{Extend: tf.extend, Error: o.error, Status: o.status, Device: o.device,
		Count: o.count, LBA: o.lba}
	if o.status&0x01 != 0 {
		key, asc, ascq := senseFor(o.status, o.error)
		e.Result = fmt.Sprintf("ATA error status=%02x error=%02x lba=%x", o.status, o.error, o.lba)
		return &scsi.Response{Status: scsi.StatusCheckCondition, DriverStatus: 0x08,
			Sense: scsitest.ATASense(d.cfg.ErrorLayout, key, asc, ascq, regs)}
	}
	n := 0
	if o.data != nil {
		n = fill(cmd, o.data)
	}
	resid := 0
	if cmd.Dir == scsi.DirFromDevice {
		resid = len(cmd.Data) - n
	}
	if tf.ckCond {
		return &scsi.Response{Status: scsi.StatusCheckCondition, DriverStatus: 0x08, Resid: resid,
			Sense: scsitest.ATASense(d.cfg.SuccessLayout, scsi.KeyRecoveredError, 0x00, 0x1D, regs)}
	}
	return &scsi.Response{Status: scsi.StatusGood, Resid: resid}
}

// allowedDuringSanitize lists the commands ACS-3 lets through while a
// sanitize operation runs (the subset we emulate).
func allowedDuringSanitize(name string) bool {
	switch name {
	case OpIdentify, OpSanitizeStatus, OpSMARTReturnStatus, OpSMARTReadData, OpSMARTThresholds:
		return true
	}
	return false
}

func (d *Drive) execATA(tf taskfile, name string, cmd *scsi.Command, wasReadNative, wasPrepared bool) out {
	c := &d.cfg
	switch tf.cmd {
	case 0xEC:
		o := ok()
		o.data = d.identify()
		return o
	case 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6:
		if !c.Security {
			return abort(0)
		}
		return d.security(tf, name, cmd, wasPrepared)
	case 0xB4:
		if !tf.extend {
			return abort(0)
		}
		return d.sanitize(tf, name)
	case 0x27, 0xF8, 0x37, 0xF9:
		if !c.HPA || c.AMA || (tf.cmd == 0x27 || tf.cmd == 0x37) && (c.No48Bit || !tf.extend) {
			return abort(0)
		}
		if d.locked {
			return abort(0)
		}
		return d.hpa(tf, name, wasReadNative)
	case 0x78:
		if !c.AMA || !tf.extend || d.locked {
			return abort(0)
		}
		return d.ama(tf, name)
	case 0xB1:
		if !c.DCO || d.locked {
			return abort(0)
		}
		return d.dco(tf, name, cmd)
	case 0xB0:
		return d.smart(tf)
	case 0x5C, 0x5E:
		// TRUSTED RECEIVE / SEND (ACS-3 7.57, 7.59): FEATURE 7:0 the
		// security protocol, LBA 23:8 the SP specific field.
		if (tf.cmd == 0x5C && tf.proto != 4) || (tf.cmd == 0x5E && tf.proto != 5) {
			return abort(0)
		}
		return d.trusted(tf.cmd == 0x5E, uint8(tf.feature), uint16(tf.lba>>8), cmd.Data)
	}
	return abort(0)
}

func (d *Drive) checkPassword(block []byte) (master bool, match bool) {
	master = block[0]&0x01 != 0
	pw := block[2:34]
	if master {
		return true, d.masterPW != nil && bytes.Equal(pw, d.masterPW)
	}
	return false, d.userPW != nil && bytes.Equal(pw, d.userPW)
}

// wrongPassword counts a failed password attempt; after five the count
// expires until power-on (ACS-3 4.18.11 attempt limit).
func (d *Drive) wrongPassword() out {
	if d.attempts > 0 {
		d.attempts--
	}
	if d.attempts == 0 {
		d.expired = true
	}
	return abort(0)
}

// security implements the Security feature set state machine (ACS-3
// 4.18, table 13 "Security mode command actions").
func (d *Drive) security(tf taskfile, name string, cmd *scsi.Command, wasPrepared bool) out {
	block := cmd.Data
	switch tf.cmd {
	case 0xF1: // SET PASSWORD: SEC1, SEC5 only
		if d.frozen || d.locked {
			return abort(0)
		}
		master := block[0]&0x01 != 0
		pw := append([]byte(nil), block[2:34]...)
		if master {
			d.masterPW = pw
			d.masterMax = block[1]&0x01 != 0
			if id := binary.LittleEndian.Uint16(block[34:36]); id != 0 && id != 0xFFFF {
				d.masterID = id
			}
			return ok()
		}
		d.userPW = pw
		d.masterMax = block[1]&0x01 != 0
		d.enabled = true
		return ok()
	case 0xF2: // UNLOCK
		if d.frozen || !d.enabled {
			return abort(0)
		}
		if d.expired {
			return abort(0)
		}
		master, match := d.checkPassword(block)
		if !match || master && d.masterMax {
			return d.wrongPassword()
		}
		d.locked = false
		return ok()
	case 0xF3: // ERASE PREPARE
		if d.frozen {
			return abort(0)
		}
		d.prepared = true
		return ok()
	case 0xF4: // ERASE UNIT
		if !wasPrepared || d.frozen || !d.enabled {
			return abort(0)
		}
		if d.expired {
			return abort(0)
		}
		if _, match := d.checkPassword(block); !match {
			return d.wrongPassword()
		}
		enhanced := block[0]&0x02 != 0
		if enhanced && !d.cfg.EnhancedErase {
			return abort(0)
		}
		pattern := byte(0)
		if enhanced {
			pattern = d.cfg.EnhancedPattern
		}
		size := int64(d.factoryMax+1) * int64(d.lss)
		if t := d.Faults.EraseUnitTime; t > 0 && cmd.Timeout < t {
			d.fillBytes(0, size/2, pattern)
			return out{timeout: true}
		}
		if f := d.Faults.EraseFailAt; f > 0 && f < 1 {
			d.fillBytes(0, int64(float64(size)*f)/int64(d.lss)*int64(d.lss), pattern)
			return abort(0)
		}
		if !d.Faults.FakeSuccess[name] {
			d.fillBytes(0, size, pattern)
		}
		// A successful erase leaves security disabled (SEC1).
		d.userPW = nil
		d.enabled, d.locked = false, false
		return ok()
	case 0xF5: // FREEZE LOCK
		if d.locked {
			return abort(0)
		}
		d.frozen = true
		return ok()
	case 0xF6: // DISABLE PASSWORD
		if d.frozen || d.locked || !d.enabled {
			return abort(0)
		}
		master, match := d.checkPassword(block)
		if !match || master && d.masterMax {
			return d.wrongPassword()
		}
		d.userPW = nil
		d.enabled = false
		return ok()
	}
	return abort(0)
}

// sanitize implements SANITIZE DEVICE (ACS-3 7.41) with states SD0/SD2/
// SD3/SD4, frozen and antifreeze.
func (d *Drive) sanitize(tf taskfile, name string) out {
	c := &d.cfg
	if !(c.SanitizeCrypto || c.SanitizeBlockErase || c.SanitizeOverwrite) {
		return abort(2)
	}
	switch tf.feature {
	case 0x0000: // STATUS
		if d.san == sd3Failed {
			if tf.count&0x0001 != 0 && d.failExit {
				d.san = sd0Idle
			} else {
				return abort(1)
			}
		}
		if d.san == sd2InProgress {
			d.advanceSanitize()
			if d.san == sd3Failed {
				return abort(1)
			}
		}
		o := ok()
		if d.sanOK {
			o.count |= 0x8000
		}
		if d.san == sd2InProgress {
			o.count |= 0x4000
			o.lba = uint64(d.sanProgress())
		} else {
			o.lba = 0xFFFF
		}
		if d.sanFrozen {
			o.count |= 0x2000
		}
		if d.antifreeze {
			o.count |= 0x1000
		}
		return o
	case 0x0020: // FREEZE LOCK
		if d.antifreeze {
			return abort(4)
		}
		if tf.lba&0xFFFFFFFF != 0x46724C6B {
			return abort(0)
		}
		d.sanFrozen = true
		return ok()
	case 0x0040: // ANTIFREEZE LOCK
		if !c.SanitizeAntifreeze {
			return abort(2)
		}
		if tf.lba&0xFFFFFFFF != 0x416E7469 {
			return abort(0)
		}
		d.antifreeze = true
		return ok()
	}
	op := sanOp{name: name, feature: tf.feature, failureMode: tf.count&0x0010 != 0, fake: d.Faults.FakeSuccess[name]}
	switch tf.feature {
	case 0x0011:
		if !c.SanitizeCrypto {
			return abort(2)
		}
		if tf.lba&0xFFFFFFFF != 0x43727970 {
			return abort(0)
		}
	case 0x0012:
		if !c.SanitizeBlockErase {
			return abort(2)
		}
		if tf.lba&0xFFFFFFFF != 0x426B4572 {
			return abort(0)
		}
	case 0x0014:
		if !c.SanitizeOverwrite {
			return abort(2)
		}
		if tf.lba>>32 != 0x4F57 {
			return abort(0)
		}
		op.pattern = uint32(tf.lba)
		op.passes = int(tf.count & 0x0F)
		if op.passes == 0 {
			op.passes = 16
		}
		op.invert = tf.count&0x0080 != 0
	default:
		return abort(2)
	}
	switch {
	case d.sanFrozen:
		return abort(3)
	case d.san == sd2InProgress, d.locked:
		return abort(0)
	}
	d.san, d.sanOp, d.sanPolls, d.sanOK = sd2InProgress, op, 0, false
	return ok()
}

func (d *Drive) sanitizeSteps() int {
	if d.Faults.SanitizePolls > 0 {
		return d.Faults.SanitizePolls
	}
	return 3
}

func (d *Drive) sanProgress() uint16 {
	return uint16(uint64(d.sanPolls) * 0xFFFF / uint64(d.sanitizeSteps()+1))
}

// advanceSanitize moves a running sanitize one poll further; it completes
// (or fails, with Faults.SanitizeFailAt) by the configured poll count.
func (d *Drive) advanceSanitize() {
	d.sanPolls++
	steps := d.sanitizeSteps()
	frac := float64(d.sanPolls) / float64(steps)
	size := int64(d.factoryMax+1) * int64(d.lss)
	if f := d.Faults.SanitizeFailAt; f > 0 && f < 1 && frac >= f {
		if !d.sanOp.fake {
			d.applySanitize(int64(float64(size)*f) / int64(d.lss) * int64(d.lss))
		}
		d.san, d.failExit = sd3Failed, d.sanOp.failureMode
		return
	}
	if d.sanPolls >= steps {
		if !d.sanOp.fake {
			d.applySanitize(size)
		}
		d.san, d.sanOK = sd4Succeeded, true
	}
}

// applySanitize changes the first n bytes of the medium as the running
// operation would: random for crypto scramble, the block-erase pattern, or
// the overwrite pattern (32 bits, little-endian, inverted between passes).
func (d *Drive) applySanitize(n int64) {
	switch d.sanOp.feature {
	case 0x0011:
		d.fillFunc(0, n, func(b []byte) {
			for i := range b {
				b[i] = byte(d.rng.Uint32())
			}
		})
	case 0x0012:
		d.fillBytes(0, n, d.cfg.BlockErasePattern)
	case 0x0014:
		pat := d.sanOp.pattern
		if d.sanOp.invert && d.sanOp.passes%2 == 0 {
			pat = ^pat
		}
		var p [4]byte
		binary.LittleEndian.PutUint32(p[:], pat)
		d.fillFunc(0, n, func(b []byte) {
			for i := range b {
				b[i] = p[i%4]
			}
		})
	}
}

// hpa implements READ NATIVE MAX ADDRESS (EXT) and SET MAX ADDRESS (EXT)
// (ACS-2 7.30, 7.51): SET MAX must directly follow READ NATIVE MAX.
func (d *Drive) hpa(tf taskfile, name string, wasReadNative bool) out {
	switch tf.cmd {
	case 0x27, 0xF8:
		o := ok()
		if tf.cmd == 0x27 {
			o.lba = d.dcoMax
		} else {
			m := min(d.dcoMax, 0x0FFFFFFF)
			o.lba = m & 0x00FFFFFF
			o.device = 0x40 | byte(m>>24)&0x0f
		}
		d.lastReadNative = true
		return o
	}
	if !wasReadNative {
		return abort(0)
	}
	v := tf.lba
	if v > d.dcoMax {
		return idnf()
	}
	if d.Faults.FakeSuccess[name] {
		return ok()
	}
	d.curMax = v
	if tf.count&0x01 != 0 {
		d.nvMax = v
	}
	return ok()
}

// ama implements ACCESSIBLE MAX ADDRESS CONFIGURATION (ACS-3 7.5).
func (d *Drive) ama(tf taskfile, name string) out {
	switch tf.feature {
	case 0x0000:
		o := ok()
		o.lba = d.dcoMax
		return o
	case 0x0001:
		if d.amaFrozen {
			return abort(0)
		}
		if tf.lba > d.dcoMax {
			return idnf()
		}
		if !d.Faults.FakeSuccess[name] {
			d.curMax, d.nvMax = tf.lba, tf.lba
		}
		return ok()
	case 0x0002:
		d.amaFrozen = true
		return ok()
	}
	return abort(0)
}

// dco implements DEVICE CONFIGURATION OVERLAY (ACS-2 7.9): RESTORE is
// refused while an HPA is set or the overlay is frozen.
func (d *Drive) dco(tf taskfile, name string, cmd *scsi.Command) out {
	switch tf.feature & 0xff {
	case 0xC2:
		if cmd.Dir != scsi.DirFromDevice {
			return abort(0)
		}
		o := ok()
		o.data = d.dcoIdentify()
		return o
	case 0xC0:
		if d.dcoFrozen || d.curMax < d.dcoMax {
			return abort(0)
		}
		if !d.Faults.FakeSuccess[name] {
			d.dcoMax, d.curMax, d.nvMax = d.factoryMax, d.factoryMax, d.factoryMax
		}
		return ok()
	case 0xC1:
		d.dcoFrozen = true
		return ok()
	case 0xC3:
		if cmd.Dir != scsi.DirToDevice || d.dcoFrozen || d.curMax < d.dcoMax {
			return abort(0)
		}
		m := binary.LittleEndian.Uint64(cmd.Data[6:14])
		if m > d.factoryMax {
			return abort(0)
		}
		d.dcoMax, d.curMax, d.nvMax = m, m, m
		return ok()
	}
	return abort(0)
}

// smart implements the SMART commands used (ACS-3 7.48); the LBA must
// carry the C24Fh signature.
func (d *Drive) smart(tf taskfile) out {
	if !d.cfg.SMART || (tf.lba>>8)&0xFFFF != 0xC24F {
		return abort(0)
	}
	switch tf.feature & 0xff {
	case 0xD8:
		d.smartEnabled = true
		return ok()
	case 0xD9:
		d.smartEnabled = false
		return ok()
	}
	if !d.smartEnabled {
		return abort(0)
	}
	o := ok()
	switch tf.feature & 0xff {
	case 0xD0:
		o.data = d.smartData()
	case 0xD1:
		o.data = d.smartThresholds()
	case 0xDA:
		o.lba = 0xC24F00
		if d.thresholdExceeded() {
			o.lba = 0x2CF400
		}
	default:
		return abort(0)
	}
	return o
}

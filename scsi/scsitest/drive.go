package scsitest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"os"
	"sync"

	"github.com/kesu-erase/kesu/internal/filemedia"
	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/tcg/tcgtest"
)

// DriveConfig describes an emulated SAS/SCSI disk.
type DriveConfig struct {
	Vendor, Product, Revision, Serial string
	NAA                               uint64 // logical unit NAA designator (0: none)
	Blocks                            uint64 // logical blocks
	BlockSize                         int    // 512 (default) or 4096
	PhysicalBlockSize                 int    // defaults to BlockSize
	RotationRate                      uint16 // VPD B1h: 1 = SSD, e.g. 10000 = HDD

	// SANITIZE service actions supported.
	SanitizeOverwrite, SanitizeBlockErase, SanitizeCrypto bool
	// BlockErasePattern is what a block erase leaves (default 0x00).
	BlockErasePattern byte
	CryptoSeed        uint64
	// NoFormat rejects FORMAT UNIT.
	NoFormat bool
	// NoRSOC rejects REPORT SUPPORTED OPERATION CODES.
	NoRSOC bool
	// RecommendedTimeout is reported by RSOC for SANITIZE (seconds).
	RecommendedTimeout uint32
	// DescriptorSense makes the drive return descriptor-format sense
	// (the D_SENSE control-mode bit).
	DescriptorSense bool

	// Health, reported by LOG SENSE.
	TemperatureC      byte
	PowerOnMinutes    uint32
	StartStopCycles   uint32
	UncorrectedErrors uint64
	PercentUsed       byte // SSD endurance indicator (page 11h); 0 and not SSD: absent
	// FailurePrediction sets the informational exceptions ASC/ASCQ
	// (5Dh/xx: failure prediction threshold exceeded).
	FailurePredictionASC, FailurePredictionASCQ byte

	// TPer makes the disk a self-encrypting one: SECURITY PROTOCOL IN/OUT
	// reach it, and host reads and writes obey its locking ranges (DATA
	// PROTECT, ACCESS DENIED - NO ACCESS RIGHTS) and MBR shadow. It is
	// given the medium when the disk is built. Without it those commands
	// are an invalid operation code.
	TPer tcgtest.Device
}

// DriveFaults make the emulated disk misbehave.
type DriveFaults struct {
	// Reject makes commands ("SANITIZE", "FORMAT UNIT", "LOG SENSE", ...)
	// fail with ILLEGAL REQUEST, invalid operation code.
	Reject map[string]bool
	// FakeSuccess makes SANITIZE or FORMAT UNIT report success without
	// touching the medium (QEMU's virtio-scsi FORMAT UNIT does this).
	FakeSuccess map[string]bool
	// SanitizeFailAt (0 < f < 1) fails a sanitize once it reaches f.
	SanitizeFailAt float64
	// Polls is how many REQUEST SENSE / TEST UNIT READY polls an IMMED
	// operation takes (default 3).
	Polls int
}

// DriveEntry is one command the emulated disk received.
type DriveEntry struct {
	Name   string
	CDB    []byte
	Result string
}

type longOp struct {
	kind   string // "SANITIZE" or "FORMAT UNIT"
	sa     scsi.SanitizeAction
	ause   bool
	params []byte
	polls  int
	fake   bool
}

// Drive is an emulated SAS disk: it answers native SCSI commands (INQUIRY
// with VPD 00h/80h/83h/B1h, READ CAPACITY(16), TEST UNIT READY, REQUEST
// SENSE, SANITIZE with IMMED and progress, FORMAT UNIT, LOG SENSE, REPORT
// SUPPORTED OPERATION CODES, SECURITY PROTOCOL IN/OUT to its TPer) over a
// backing file it really changes.
type Drive struct {
	mu     sync.Mutex
	cfg    DriveConfig
	Faults DriveFaults
	f      *os.File
	op     *longOp
	failed bool // sanitize failure state
	exitOK bool // the failed sanitize had AUSE
	rng    *rand.Rand
	log    []DriveEntry
}

// NewDrive creates an emulated disk over a new file at path.
func NewDrive(path string, cfg DriveConfig) (*Drive, error) {
	if cfg.Blocks == 0 {
		return nil, errors.New("scsitest: Blocks must be set")
	}
	if cfg.BlockSize == 0 {
		cfg.BlockSize = 512
	}
	if cfg.PhysicalBlockSize == 0 {
		cfg.PhysicalBlockSize = cfg.BlockSize
	}
	if cfg.Vendor == "" {
		cfg.Vendor = "KESU"
	}
	if cfg.Product == "" {
		cfg.Product = "EMULATED SAS"
	}
	if cfg.Revision == "" {
		cfg.Revision = "0001"
	}
	if cfg.Serial == "" {
		cfg.Serial = "SAS0000001"
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	if err := f.Truncate(int64(cfg.Blocks) * int64(cfg.BlockSize)); err != nil {
		f.Close()
		return nil, err
	}
	if cfg.TPer != nil {
		cfg.TPer.Attach(f, int64(cfg.Blocks)*int64(cfg.BlockSize))
	}
	return &Drive{cfg: cfg, f: f, rng: rand.New(rand.NewPCG(cfg.CryptoSeed, 0x736173))}, nil
}

// Close closes the backing file.
func (d *Drive) Close() error { return d.f.Close() }

// Log returns the commands received.
func (d *Drive) Log() []DriveEntry {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]DriveEntry(nil), d.log...)
}

// ReadRaw / WriteRaw access the backing file directly.
func (d *Drive) ReadRaw(p []byte, off int64) (int, error)  { return d.f.ReadAt(p, off) }
func (d *Drive) WriteRaw(p []byte, off int64) (int, error) { return d.f.WriteAt(p, off) }

func (d *Drive) sense(key, asc, ascq byte, progress int) []byte {
	if d.cfg.DescriptorSense {
		if progress >= 0 {
			return DescriptorSense(key, asc, ascq, ProgressSKSDescriptor(uint16(progress)))
		}
		return DescriptorSense(key, asc, ascq)
	}
	if progress >= 0 {
		return FixedSenseProgress(key, asc, ascq, uint16(progress))
	}
	return FixedSense(key, asc, ascq)
}

func (d *Drive) check(key, asc, ascq byte) *scsi.Response {
	return &scsi.Response{Status: scsi.StatusCheckCondition, DriverStatus: 0x08, Sense: d.sense(key, asc, ascq, -1)}
}

// Exec implements scsi.Transport.
func (d *Drive) Exec(ctx context.Context, cmd *scsi.Command) (*scsi.Response, error) {
	if err := cmd.Validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	e := DriveEntry{Name: scsiName(cmd.CDB), CDB: append([]byte(nil), cmd.CDB...)}
	var r *scsi.Response
	if d.Faults.Reject[e.Name] {
		r = d.check(scsi.KeyIllegalRequest, 0x20, 0x00)
	} else {
		r = d.dispatch(cmd)
	}
	e.Result = "GOOD"
	if r.Status == scsi.StatusCheckCondition {
		s, _ := scsi.ParseSense(r.Sense)
		e.Result = s.String()
	}
	d.log = append(d.log, e)
	return r, nil
}

func scsiName(cdb []byte) string {
	switch cdb[0] {
	case scsi.OpTestUnitReady:
		return "TEST UNIT READY"
	case scsi.OpRequestSense:
		return "REQUEST SENSE"
	case scsi.OpFormatUnit:
		return "FORMAT UNIT"
	case scsi.OpInquiry:
		return "INQUIRY"
	case scsi.OpSanitize:
		return "SANITIZE"
	case scsi.OpLogSense:
		return "LOG SENSE"
	case scsi.OpServiceIn16:
		return "READ CAPACITY(16)"
	case scsi.OpMaintenanceIn:
		return "REPORT SUPPORTED OPERATION CODES"
	case scsi.OpATAPassThru16, scsi.OpATAPassThru12:
		return "ATA PASS-THROUGH"
	case scsi.OpRead16:
		return "READ(16)"
	case scsi.OpWrite16:
		return "WRITE(16)"
	case scsi.OpSynchronizeCache10:
		return "SYNCHRONIZE CACHE(10)"
	case scsi.OpSecurityProtocolIn:
		return "SECURITY PROTOCOL IN"
	case scsi.OpSecurityProtocolOut:
		return "SECURITY PROTOCOL OUT"
	}
	return fmt.Sprintf("opcode %02Xh", cdb[0])
}

func (d *Drive) steps() int {
	if d.Faults.Polls > 0 {
		return d.Faults.Polls
	}
	return 3
}

func (d *Drive) progress() int { return d.op.polls * 0x10000 / (d.steps() + 1) }

func fillIn(cmd *scsi.Command, b []byte) *scsi.Response {
	n := 0
	if cmd.Dir == scsi.DirFromDevice {
		n = copy(cmd.Data, b)
	}
	return &scsi.Response{Status: scsi.StatusGood, Resid: len(cmd.Data) - n}
}

// advance moves a running IMMED operation one poll further.
func (d *Drive) advance() {
	if d.op == nil {
		return
	}
	d.op.polls++
	size := int64(d.cfg.Blocks) * int64(d.cfg.BlockSize)
	frac := float64(d.op.polls) / float64(d.steps())
	if f := d.Faults.SanitizeFailAt; d.op.kind == "SANITIZE" && f > 0 && f < 1 && frac >= f {
		if !d.op.fake {
			d.apply(d.op, int64(float64(size)*f)/int64(d.cfg.BlockSize)*int64(d.cfg.BlockSize))
		}
		d.failed, d.exitOK, d.op = true, d.op.ause, nil
		return
	}
	if d.op.polls >= d.steps() {
		if !d.op.fake {
			d.apply(d.op, size)
		}
		if d.op.kind == "SANITIZE" {
			d.failed = false
		}
		d.op = nil
	}
}

func (d *Drive) dispatch(cmd *scsi.Command) *scsi.Response {
	cdb := cmd.CDB
	if r, ok := d.blockCommand(cmd); ok {
		return r
	}
	switch cdb[0] {
	case scsi.OpInquiry:
		return d.inquiry(cmd)
	case scsi.OpTestUnitReady:
		return d.ready()
	case scsi.OpRequestSense:
		if d.op != nil {
			d.advance()
		}
		var s []byte
		switch {
		case d.op != nil && d.op.kind == "SANITIZE":
			s = d.sense(scsi.KeyNotReady, 0x04, 0x1B, d.progress())
		case d.op != nil:
			s = d.sense(scsi.KeyNotReady, 0x04, 0x04, d.progress())
		case d.failed:
			s = d.sense(scsi.KeyMediumError, 0x31, 0x03, -1)
		default:
			s = d.sense(scsi.KeyNoSense, 0, 0, -1)
		}
		return fillIn(cmd, s)
	case scsi.OpServiceIn16:
		if cdb[1]&0x1f != 0x10 {
			break
		}
		if r := d.ready(); r.Status != scsi.StatusGood {
			return r
		}
		b := make([]byte, 32)
		binary.BigEndian.PutUint64(b[0:8], d.cfg.Blocks-1)
		binary.BigEndian.PutUint32(b[8:12], uint32(d.cfg.BlockSize))
		b[13] = byte(bits.TrailingZeros(uint(d.cfg.PhysicalBlockSize / d.cfg.BlockSize)))
		return fillIn(cmd, b)
	case scsi.OpSanitize:
		return d.sanitize(cmd)
	case scsi.OpFormatUnit:
		return d.format(cmd)
	case scsi.OpLogSense:
		return d.logSense(cmd)
	case scsi.OpMaintenanceIn:
		if cdb[1]&0x1f == 0x0C && !d.cfg.NoRSOC {
			return d.rsoc(cmd)
		}
	case scsi.OpSecurityProtocolIn, scsi.OpSecurityProtocolOut:
		if d.cfg.TPer != nil {
			return d.securityProtocol(cmd)
		}
	}
	return d.check(scsi.KeyIllegalRequest, 0x20, 0x00)
}

// securityProtocol passes SECURITY PROTOCOL IN/OUT (SPC-5 6.40, 6.41) to
// the TPer: byte 1 the protocol, bytes 2–3 the SP specific field, byte 4
// bit 7 INC_512 (the length counts 512-byte blocks), bytes 6–9 the length,
// which must match the data buffer. A protocol the TPer does not support
// is INVALID FIELD IN CDB; another TPer failure HARDWARE ERROR 44h/00h
// (internal target failure).
func (d *Drive) securityProtocol(cmd *scsi.Command) *scsi.Response {
	cdb := cmd.CDB
	if len(cdb) != 12 {
		return d.check(scsi.KeyIllegalRequest, 0x24, 0x00)
	}
	n := int64(binary.BigEndian.Uint32(cdb[6:10]))
	if cdb[4]&0x80 != 0 {
		n *= 512
	}
	send := cdb[0] == scsi.OpSecurityProtocolOut
	dir := scsi.DirFromDevice
	if send {
		dir = scsi.DirToDevice
	}
	if n == 0 || cmd.Dir != dir || int64(len(cmd.Data)) != n {
		return d.check(scsi.KeyIllegalRequest, 0x24, 0x00)
	}
	protocol, sp := cdb[1], binary.BigEndian.Uint16(cdb[2:4])
	var err error
	if send {
		err = d.cfg.TPer.SecuritySend(protocol, sp, append([]byte(nil), cmd.Data...))
	} else {
		err = d.cfg.TPer.SecurityReceive(protocol, sp, cmd.Data)
	}
	switch {
	case err == nil:
		return &scsi.Response{Status: scsi.StatusGood}
	case errors.Is(err, tcgtest.ErrUnsupported):
		return d.check(scsi.KeyIllegalRequest, 0x24, 0x00)
	}
	return d.check(scsi.KeyHardwareError, 0x44, 0x00)
}

// blockCommand carries out READ(16), WRITE(16) and SYNCHRONIZE CACHE(10)
// on the medium: NOT READY during a sanitize or format and MEDIUM ERROR in
// the sanitize failure state (as TEST UNIT READY reports them), ILLEGAL
// REQUEST 21h/00h (LBA out of range) past the last block, DATA PROTECT
// 20h/02h (ACCESS DENIED - NO ACCESS RIGHTS; sg3_utils sg_lib_data.c) in a
// locked TCG range.
func (d *Drive) blockCommand(cmd *scsi.Command) (*scsi.Response, bool) {
	err := d.Media().Region.BlockCommand(cmd, d.cfg.BlockSize)
	switch {
	case errors.Is(err, filemedia.ErrNotBlockCommand):
		return nil, false
	case err == nil:
		return &scsi.Response{Status: scsi.StatusGood}, true
	case errors.Is(err, ErrBusy), errors.Is(err, ErrFailed):
		return d.ready(), true
	case errors.Is(err, ErrRange):
		return d.check(scsi.KeyIllegalRequest, 0x21, 0x00), true
	case errors.Is(err, tcgtest.ErrLocked):
		return d.check(scsi.KeyDataProtect, 0x20, 0x02), true
	}
	return d.check(scsi.KeyMediumError, 0x11, 0x00), true
}

// ready reports NOT READY with progress during an operation, MEDIUM ERROR
// 31h/03h in the sanitize failure state (SBC-4 4.11.3).
func (d *Drive) ready() *scsi.Response {
	switch {
	case d.op != nil && d.op.kind == "SANITIZE":
		return &scsi.Response{Status: scsi.StatusCheckCondition, DriverStatus: 0x08, Sense: d.sense(scsi.KeyNotReady, 0x04, 0x1B, d.progress())}
	case d.op != nil:
		return &scsi.Response{Status: scsi.StatusCheckCondition, DriverStatus: 0x08, Sense: d.sense(scsi.KeyNotReady, 0x04, 0x04, d.progress())}
	case d.failed:
		return d.check(scsi.KeyMediumError, 0x31, 0x03)
	}
	return &scsi.Response{Status: scsi.StatusGood}
}

func (d *Drive) inquiry(cmd *scsi.Command) *scsi.Response {
	cdb := cmd.CDB
	alloc := int(binary.BigEndian.Uint16(cdb[3:5]))
	var b []byte
	pad := func(s string, n int) []byte {
		out := []byte(s)
		for len(out) < n {
			out = append(out, ' ')
		}
		return out[:n]
	}
	if cdb[1]&0x01 == 0 {
		b = make([]byte, 36)
		b[2], b[3], b[4] = 0x06, 0x02, 31
		copy(b[8:], pad(d.cfg.Vendor, 8))
		copy(b[16:], pad(d.cfg.Product, 16))
		copy(b[32:], pad(d.cfg.Revision, 4))
	} else {
		switch cdb[2] {
		case 0x00:
			b = []byte{0, 0, 0, 4, 0x00, 0x80, 0x83, 0xB1}
		case 0x80:
			b = append([]byte{0, 0x80, 0, byte(len(d.cfg.Serial))}, d.cfg.Serial...)
		case 0x83:
			b = []byte{0, 0x83, 0, 0}
			if d.cfg.NAA != 0 {
				b = append(b, 0x01, 0x03, 0x00, 0x08)
				b = binary.BigEndian.AppendUint64(b, d.cfg.NAA)
			}
			b = append(b, 0x02, 0x01, 0x00, byte(8+len(d.cfg.Product)+len(d.cfg.Serial)))
			b = append(b, pad(d.cfg.Vendor, 8)...)
			b = append(b, d.cfg.Product...)
			b = append(b, d.cfg.Serial...)
			binary.BigEndian.PutUint16(b[2:4], uint16(len(b)-4))
		case 0xB1:
			b = make([]byte, 64)
			b[1], b[3] = 0xB1, 0x3C
			binary.BigEndian.PutUint16(b[4:6], d.cfg.RotationRate)
		default:
			return d.check(scsi.KeyIllegalRequest, 0x24, 0x00)
		}
	}
	if alloc < len(b) {
		b = b[:alloc]
	}
	return fillIn(cmd, b)
}

func (d *Drive) saSupported(sa scsi.SanitizeAction) bool {
	switch sa {
	case scsi.SanitizeOverwrite:
		return d.cfg.SanitizeOverwrite
	case scsi.SanitizeBlockErase:
		return d.cfg.SanitizeBlockErase
	case scsi.SanitizeCryptoErase:
		return d.cfg.SanitizeCrypto
	case scsi.SanitizeExitFailureMode:
		return d.cfg.SanitizeOverwrite || d.cfg.SanitizeBlockErase || d.cfg.SanitizeCrypto
	}
	return false
}

// rsoc answers REPORT SUPPORTED OPERATION CODES for one command.
func (d *Drive) rsoc(cmd *scsi.Command) *scsi.Response {
	cdb := cmd.CDB
	opts, rctd := cdb[2]&0x07, cdb[2]&0x80 != 0
	op, sa := cdb[3], binary.BigEndian.Uint16(cdb[4:6])
	supported := false
	cdbLen := 0
	switch {
	case opts == 2 && op == scsi.OpSanitize:
		supported, cdbLen = d.saSupported(scsi.SanitizeAction(sa)), 10
	case opts == 1 && op == scsi.OpFormatUnit:
		supported, cdbLen = !d.cfg.NoFormat, 6
	case opts == 1 || opts == 2:
	default:
		return d.check(scsi.KeyIllegalRequest, 0x24, 0x00)
	}
	if !supported {
		return fillIn(cmd, []byte{0, 0x01})
	}
	b := []byte{0, 0x03, 0, byte(cdbLen)}
	b = append(b, make([]byte, cdbLen)...)
	b[4] = op
	if rctd {
		b[1] |= 0x80
		t := make([]byte, 12)
		t[1] = 0x0A
		binary.BigEndian.PutUint32(t[4:8], d.cfg.RecommendedTimeout/2)
		binary.BigEndian.PutUint32(t[8:12], d.cfg.RecommendedTimeout)
		b = append(b, t...)
	}
	return fillIn(cmd, b)
}

// sanitize implements SANITIZE (SBC-4 5.30, 4.11).
func (d *Drive) sanitize(cmd *scsi.Command) *scsi.Response {
	cdb := cmd.CDB
	if len(cdb) != 10 {
		return d.check(scsi.KeyIllegalRequest, 0x24, 0x00)
	}
	sa := scsi.SanitizeAction(cdb[1] & 0x1f)
	immed, ause := cdb[1]&0x80 != 0, cdb[1]&0x20 != 0
	plen := int(binary.BigEndian.Uint16(cdb[7:9]))
	if !d.saSupported(sa) {
		return d.check(scsi.KeyIllegalRequest, 0x24, 0x00)
	}
	if d.op != nil {
		return d.ready()
	}
	// SBC-5 5.30.1: after a failed sanitize in the restricted completion
	// mode (AUSE=0), EXIT FAILURE MODE and any SANITIZE with AUSE=1 are
	// refused with INVALID FIELD IN CDB.
	if d.failed && !d.exitOK && (sa == scsi.SanitizeExitFailureMode || ause) {
		return d.check(scsi.KeyIllegalRequest, 0x24, 0x00)
	}
	if sa == scsi.SanitizeExitFailureMode {
		// 5.30.2.5: completes as if the failed operation had succeeded, and
		// without error when the last one did succeed.
		d.failed = false
		return &scsi.Response{Status: scsi.StatusGood}
	}
	op := &longOp{kind: "SANITIZE", sa: sa, ause: ause, fake: d.Faults.FakeSuccess["SANITIZE"]}
	if sa == scsi.SanitizeOverwrite {
		if cmd.Dir != scsi.DirToDevice || plen < 5 || len(cmd.Data) != plen {
			return d.check(scsi.KeyIllegalRequest, 0x1A, 0x00)
		}
		p := cmd.Data
		n := int(binary.BigEndian.Uint16(p[2:4]))
		if p[0]&0x1f == 0 || n == 0 || 4+n != plen {
			return d.check(scsi.KeyIllegalRequest, 0x26, 0x00)
		}
		op.params = append([]byte(nil), p...)
	} else if plen != 0 {
		return d.check(scsi.KeyIllegalRequest, 0x24, 0x00)
	}
	d.op = op
	if !immed {
		for d.op != nil {
			d.advance()
		}
		if d.failed {
			return d.check(scsi.KeyMediumError, 0x31, 0x03)
		}
	}
	return &scsi.Response{Status: scsi.StatusGood}
}

// format implements FORMAT UNIT with the short parameter header: it writes
// zeros (unless faked) and supports IMMED polling.
func (d *Drive) format(cmd *scsi.Command) *scsi.Response {
	if d.cfg.NoFormat {
		return d.check(scsi.KeyIllegalRequest, 0x20, 0x00)
	}
	if d.op != nil {
		return d.ready()
	}
	immed := false
	if cmd.CDB[1]&0x10 != 0 {
		if cmd.Dir != scsi.DirToDevice || len(cmd.Data) < 4 {
			return d.check(scsi.KeyIllegalRequest, 0x1A, 0x00)
		}
		immed = cmd.Data[1]&0x02 != 0
	}
	d.op = &longOp{kind: "FORMAT UNIT", fake: d.Faults.FakeSuccess["FORMAT UNIT"]}
	if !immed {
		for d.op != nil {
			d.advance()
		}
	}
	return &scsi.Response{Status: scsi.StatusGood}
}

// apply changes the first n bytes as op would.
func (d *Drive) apply(op *longOp, n int64) {
	var gen func([]byte, int64)
	switch {
	case op.kind == "FORMAT UNIT" || op.sa == scsi.SanitizeBlockErase:
		v := byte(0)
		if op.kind == "SANITIZE" {
			v = d.cfg.BlockErasePattern
		}
		gen = func(b []byte, _ int64) {
			for i := range b {
				b[i] = v
			}
		}
	case op.sa == scsi.SanitizeCryptoErase:
		gen = func(b []byte, _ int64) {
			for i := range b {
				b[i] = byte(d.rng.Uint32())
			}
		}
	case op.sa == scsi.SanitizeOverwrite:
		// SBC-5 5.30.2.2: with INVERT the first pass is inverted for an
		// even count, so the last pass always writes the pattern itself,
		// repeated from the first byte of each logical block.
		pat := append([]byte(nil), op.params[4:]...)
		bs := int64(d.cfg.BlockSize)
		gen = func(b []byte, off int64) {
			for i := range b {
				b[i] = pat[int((off+int64(i))%bs)%len(pat)]
			}
		}
	default:
		return
	}
	buf := make([]byte, 1<<20)
	for off := int64(0); off < n; off += int64(len(buf)) {
		k := min(int64(len(buf)), n-off)
		gen(buf[:k], off)
		if _, err := d.f.WriteAt(buf[:k], off); err != nil {
			panic(fmt.Sprintf("scsitest: writing the backing file: %v", err))
		}
	}
}

// logSense answers the log pages smart/scsi.go reads (SPC-4 7.3, SBC-4):
// 00h supported pages, 0Dh temperature, 0Eh start-stop cycle counter, 11h
// solid state media, 15h background scan (power-on minutes), 03h read
// error counters, 2Fh informational exceptions.
func (d *Drive) logSense(cmd *scsi.Command) *scsi.Response {
	page := cmd.CDB[2] & 0x3f
	alloc := int(binary.BigEndian.Uint16(cmd.CDB[7:9]))
	param := func(code uint16, ctl byte, v []byte) []byte {
		return append([]byte{byte(code >> 8), byte(code), ctl, byte(len(v))}, v...)
	}
	ssd := d.cfg.RotationRate == 1
	var body []byte
	switch page {
	case 0x00:
		body = []byte{0x00, 0x03, 0x0D, 0x0E}
		if ssd {
			body = append(body, 0x11)
		}
		body = append(body, 0x15, 0x2F)
	case 0x0D:
		body = append(param(0x0000, 0x03, []byte{0, d.cfg.TemperatureC}), param(0x0001, 0x03, []byte{0, 60})...)
	case 0x0E:
		body = append(param(0x0003, 0x03, binary.BigEndian.AppendUint32(nil, 50000)),
			param(0x0004, 0x03, binary.BigEndian.AppendUint32(nil, d.cfg.StartStopCycles))...)
	case 0x11:
		if !ssd {
			return d.check(scsi.KeyIllegalRequest, 0x24, 0x00)
		}
		body = param(0x0001, 0x03, []byte{0, 0, 0, d.cfg.PercentUsed})
	case 0x15:
		v := binary.BigEndian.AppendUint32(nil, d.cfg.PowerOnMinutes)
		v = append(v, 0, 0, 0, 0, 0, 0, 0, 0)
		body = param(0x0000, 0x03, v)
	case 0x03:
		body = param(0x0006, 0x02, binary.BigEndian.AppendUint64(nil, d.cfg.UncorrectedErrors))
	case 0x2F:
		body = param(0x0000, 0x03, []byte{d.cfg.FailurePredictionASC, d.cfg.FailurePredictionASCQ, d.cfg.TemperatureC})
	default:
		return d.check(scsi.KeyIllegalRequest, 0x24, 0x00)
	}
	b := append([]byte{page, 0, 0, 0}, body...)
	binary.BigEndian.PutUint16(b[2:4], uint16(len(body)))
	if alloc < len(b) {
		b = b[:alloc]
	}
	return fillIn(cmd, b)
}

// Errors the media returns.
var (
	ErrBusy   = errors.New("scsitest: sanitize or format in progress")
	ErrFailed = errors.New("scsitest: drive is in the sanitize failure state")
	ErrRange  = errors.New("scsitest: access beyond the last block")
)

// Media is the disk's user data with the erase.Target method set. Where
// the TPer's locking ranges are locked it fails with an error wrapping
// tcgtest.ErrLocked; reads come through the TPer's MBR shadow.
type Media struct {
	d *Drive
	filemedia.Region
}

// Media returns the disk's user data.
func (d *Drive) Media() *Media {
	m := &Media{d: d, Region: filemedia.Region{Mu: &d.mu, F: d.f, ErrRange: ErrRange,
		Gate: func() error {
			switch {
			case d.op != nil:
				return ErrBusy
			case d.failed:
				return ErrFailed
			}
			return nil
		},
		Size: func() int64 { return int64(d.cfg.Blocks) * int64(d.cfg.BlockSize) },
	}}
	if t := d.cfg.TPer; t != nil {
		m.Access, m.Overlay = t.Access, t.Shadow
	}
	return m
}

// Size is the capacity in bytes.
func (m *Media) Size() int64 { return m.Limit() }

// LogicalBlockSize is the logical block length.
func (m *Media) LogicalBlockSize() int { return m.d.cfg.BlockSize }

// PhysicalBlockSize is the physical block length.
func (m *Media) PhysicalBlockSize() int { return m.d.cfg.PhysicalBlockSize }

// Sync flushes the backing file.
func (m *Media) Sync() error { return m.d.f.Sync() }

// Close does nothing; the Drive owns the file.
func (m *Media) Close() error { return nil }

// Name names the disk.
func (m *Media) Name() string { return m.d.cfg.Vendor + " " + m.d.cfg.Product + " " + m.d.cfg.Serial }

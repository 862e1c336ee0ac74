// Package nvmetest holds test doubles for package nvme behind its Transport
// interface: Controller, an emulated NVMe controller with file-backed
// namespaces whose Format and Sanitize really change the files; Script, a
// scripted fake that asserts an exact command sequence; and FakeClock.
package nvmetest

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/kesu-erase/kesu/internal/clock"
	"github.com/kesu-erase/kesu/nvme"
	"github.com/kesu-erase/kesu/tcg/tcgtest"
)

// OACS and FNA bits for configuring the emulator (NVMe Base; see nvme.OACS
// and nvme.FNA).
const (
	OACSSecurity      uint16 = 1 << 0
	OACSFormat        uint16 = 1 << 1
	FNAFormatAll      uint8  = 1 << 0
	FNASecureEraseAll uint8  = 1 << 1
	FNACrypto         uint8  = 1 << 2
	FNANoBroadcast    uint8  = 1 << 3
	SANICAPCrypto     uint32 = 1 << 0
	SANICAPBlock      uint32 = 1 << 1
	SANICAPOverwrite  uint32 = 1 << 2
	SANICAPNDI        uint32 = 1 << 29
)

// NamespaceConfig describes one emulated namespace.
type NamespaceConfig struct {
	// Path of the backing file; it is created if missing and sized to Size
	// when Size > 0.
	Path string
	Size int64
	// LBAFormats offered; default one format of 512-byte blocks.
	LBAFormats  []nvme.LBAFormat
	FormatIndex int
	// DLFEAT bits 2:0 declare what deallocated (block-erased) blocks read
	// as: 0 not reported (the emulator leaves pseudo-random bytes), 1 zeros,
	// 2 ones.
	DLFEAT            uint8
	PhysicalBlockSize int // default: the logical block size
}

// SMART is the content of the emulated SMART/Health log.
type SMART struct {
	CriticalWarning  uint8
	TemperatureK     uint16
	AvailableSpare   uint8
	SpareThreshold   uint8
	PercentageUsed   uint8
	DataUnitsRead    uint64
	DataUnitsWritten uint64
	PowerCycles      uint64
	PowerOnHours     uint64
	UnsafeShutdowns  uint64
	MediaErrors      uint64
	ErrorLogEntries  uint64
}

// Estimates are the Sanitize Status log's time estimates in seconds
// (nvme.NoEstimate: not reported).
type Estimates struct {
	ETO, ETBE, ETCE, ETOND, ETBEND, ETCEND uint32
}

// Misbehaviour switches on ways real (or emulated) controllers deviate.
type Misbehaviour struct {
	// RefuseOpcodes are answered with Invalid Command Opcode.
	RefuseOpcodes []uint8
	// AcceptCryptoFormatWithoutFNA accepts Format SES=2 although FNA bit 2
	// is clear, as QEMU 7.2 does.
	AcceptCryptoFormatWithoutFNA bool
	// FormatZeroes makes every Format zero the namespace whatever SES says
	// (QEMU 7.2).
	FormatZeroes bool
	// FakeFormat and FakeSanitize report success without touching the data.
	FakeFormat   bool
	FakeSanitize bool
	// DropWrites makes every namespace acknowledge host writes without
	// storing them (a failing flash, a cache that lies).
	DropWrites bool
	// FailSanitizeAtStep > 0 makes a sanitize fail at that progress step,
	// after erasing the first half of every namespace: the controller enters
	// sanitize failure mode (restricted if AUSE was 0).
	FailSanitizeAtStep int
}

// Config describes an emulated controller.
type Config struct {
	VID, SSVID              uint16
	Serial, Model, Firmware string
	Version                 uint32 // VER, e.g. 0x00010400 for 1.4.0
	OACS                    uint16
	FNA                     uint8
	SANICAP                 uint32
	ONCS                    uint16
	// NN is the number of namespaces reported; default len(Namespaces).
	// NSIDs beyond len(Namespaces) are inactive.
	NN         uint32
	Namespaces []NamespaceConfig
	SMART      SMART
	Estimates  Estimates
	// SanitizeSteps is how many reads of the Sanitize Status log a
	// sanitize takes to finish (default 4); Advance moves it on too.
	SanitizeSteps int
	// SanitizeTime, when > 0, makes a sanitize last this long on Clock
	// instead of SanitizeSteps log reads (realtime.go).
	SanitizeTime time.Duration
	// Clock times a SanitizeTime sanitize; nil: the system clock.
	Clock clock.Clock
	// Rand supplies crypto-erase and unspecified block-erase content;
	// default a ChaCha8 stream seeded from Serial.
	Rand      io.Reader
	Misbehave Misbehaviour
	// TPer makes namespace 1 self-encrypting: OACS bit 0 is reported,
	// Security Send/Receive reach the TPer, and namespace 1's reads and
	// writes obey its locking ranges (Access Denied) and MBR shadow. It is
	// given namespace 1's file when the controller is built. Without it
	// those commands are an invalid opcode.
	TPer tcgtest.Device
}

// QEMU72 is the behaviour of QEMU 7.2's emulated NVMe controller: FNA=0,
// SANICAP=0 (Sanitize is an invalid opcode), Format succeeds for SES 0/1/2
// and zeroes the namespace (design.md). VID/SSVID, VER, OACS, ONCS and NN
// are as QEMU 7.2.22 reported them (nvme/testdata/qemu72-idctrl.txt).
// QEMU has no model property: its MN is always "QEMU NVMe Ctrl"; model is
// the caller's choice here so tests can tell emulators apart.
func QEMU72(serial, model string, ns ...NamespaceConfig) Config {
	return Config{
		VID: 0x1b36, SSVID: 0x1af4, Serial: serial, Model: model, Firmware: "7.2.22",
		Version: 0x00010400, OACS: 0x010a, ONCS: 0x015d, NN: 256, Namespaces: ns,
		Misbehave: Misbehaviour{AcceptCryptoFormatWithoutFNA: true, FormatZeroes: true},
	}
}

// Controller is an emulated NVMe controller. It implements nvme.Transport
// and nvme.Rescanner; all methods are safe for concurrent use.
type Controller struct {
	mu   sync.Mutex
	cfg  Config
	name string
	ns   []*Namespace
	rand io.Reader

	// sanitize state
	active      bool
	step, total int
	opCDW10     uint32
	opCDW11     uint32
	sstat       uint16
	scdw10      uint32
	failureMode bool
	restricted  bool
	started     time.Time // when a SanitizeTime sanitize began

	commands []nvme.Command
	rescans  int
}

// New builds an emulated controller; Close releases its files.
func New(cfg Config) (*Controller, error) {
	c := &Controller{cfg: cfg, name: "nvmetest:" + cfg.Serial}
	if c.cfg.SanitizeSteps <= 0 {
		c.cfg.SanitizeSteps = 4
	}
	c.rand = cfg.Rand
	if c.rand == nil {
		seed := sha256.Sum256([]byte(cfg.Serial))
		c.rand = rand.NewChaCha8(seed)
	}
	for i, nc := range cfg.Namespaces {
		n, err := openNamespace(c, uint32(i+1), nc)
		if err != nil {
			c.Close()
			return nil, err
		}
		c.ns = append(c.ns, n)
	}
	if c.cfg.NN == 0 {
		c.cfg.NN = uint32(len(c.ns))
	}
	if t := c.cfg.TPer; t != nil {
		if len(c.ns) == 0 {
			c.Close()
			return nil, fmt.Errorf("nvmetest: a TPer needs namespace 1")
		}
		t.Attach(c.ns[0].f, c.ns[0].fileSize)
	}
	return c, nil
}

// Name is the emulator's device name for messages.
func (c *Controller) Name() string { return c.name }

// Close closes the backing files.
func (c *Controller) Close() error {
	var first error
	for _, n := range c.ns {
		if err := n.f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Namespace returns the data view of namespace nsid (1-based), or nil.
func (c *Controller) Namespace(nsid uint32) *Namespace {
	if nsid == 0 || int(nsid) > len(c.ns) {
		return nil
	}
	return c.ns[nsid-1]
}

// OnNamespace returns a Transport view of the controller opened on
// namespace nsid, as /dev/nvme0n1 is: it also implements
// nvme.NamespaceIDer and nvme.Rescanner.
func (c *Controller) OnNamespace(nsid uint32) *NamespaceTransport {
	return &NamespaceTransport{c: c, nsid: nsid}
}

// NamespaceTransport is a Controller opened on one namespace.
type NamespaceTransport struct {
	c    *Controller
	nsid uint32
}

// Admin forwards to the controller.
func (t *NamespaceTransport) Admin(ctx context.Context, cmd *nvme.Command) (nvme.Completion, error) {
	return t.c.Admin(ctx, cmd)
}

// NamespaceID is the namespace the view was opened on.
func (t *NamespaceTransport) NamespaceID() (uint32, error) { return t.nsid, nil }

// Rescan forwards to the controller.
func (t *NamespaceTransport) Rescan(ctx context.Context) nvme.RescanReport { return t.c.Rescan(ctx) }

// Commands returns copies of the admin commands received so far (without
// data buffers).
func (c *Controller) Commands() []nvme.Command {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]nvme.Command(nil), c.commands...)
}

// Rescans counts Rescan calls.
func (c *Controller) Rescans() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rescans
}

// Rescan records the call; the emulator's "kernel view" is always current.
func (c *Controller) Rescan(ctx context.Context) nvme.RescanReport {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rescans++
	return nvme.RescanReport{Steps: []nvme.RescanStep{{Target: c.name, Action: "emulated rescan"}}}
}

// SanitizeRunning reports whether a sanitize is in progress.
func (c *Controller) SanitizeRunning() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.active
}

// FailureMode reports whether the controller is in sanitize failure mode.
func (c *Controller) FailureMode() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failureMode
}

// SetMisbehaviour replaces the misbehaviours (e.g. to let a retry succeed
// after an injected failure).
func (c *Controller) SetMisbehaviour(m Misbehaviour) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cfg.Misbehave = m
}

// Advance moves a running sanitize on by steps (the emulator's clock).
func (c *Controller) Advance(steps int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for range steps {
		if !c.active {
			break
		}
		if err := c.stepSanitize(); err != nil {
			return err
		}
	}
	return nil
}

// Status codes the emulator answers with.
var (
	stOK               = nvme.Status(0)
	stInvalidOpcode    = nvme.NewStatus(0, 0x01, true)
	stInvalidField     = nvme.NewStatus(0, 0x02, true)
	stInvalidNamespace = nvme.NewStatus(0, 0x0b, true)
	stSanitizeFailed   = nvme.NewStatus(0, 0x1c, true)
	stSanitizeBusy     = nvme.NewStatus(0, 0x1d, false)
	stLBARange         = nvme.NewStatus(0, 0x80, true)
	stAccessDenied     = nvme.NewStatus(2, 0x86, true)
	stInvalidFormat    = nvme.NewStatus(1, 0x0a, true)
	stInternal         = nvme.NewStatus(0, 0x06, false)
)

// Admin executes one admin command.
func (c *Controller) Admin(ctx context.Context, cmd *nvme.Command) (nvme.Completion, error) {
	if err := ctx.Err(); err != nil {
		return nvme.Completion{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	rec := *cmd
	rec.Data = nil
	c.commands = append(c.commands, rec)
	for _, op := range c.cfg.Misbehave.RefuseOpcodes {
		if op == cmd.Opcode {
			return nvme.Completion{Status: stInvalidOpcode}, nil
		}
	}
	var st nvme.Status
	var err error
	switch cmd.Opcode {
	case nvme.OpIdentify:
		st = c.identify(cmd)
	case nvme.OpGetLogPage:
		st, err = c.getLogPage(cmd)
	case nvme.OpFormatNVM:
		st, err = c.format(cmd)
	case nvme.OpSanitize:
		st, err = c.sanitize(cmd)
	case nvme.OpSecuritySend, nvme.OpSecurityReceive:
		st = c.security(cmd)
	default:
		st = stInvalidOpcode
	}
	if err != nil {
		// A backing-file failure: the emulator reports an internal error,
		// as a controller with a media fault would.
		return nvme.Completion{Status: stInternal}, nil
	}
	return nvme.Completion{Status: st}, nil
}

func (c *Controller) identify(cmd *nvme.Command) nvme.Status {
	if len(cmd.Data) < nvme.IdentifySize {
		return stInvalidField
	}
	b := cmd.Data[:nvme.IdentifySize]
	clear(b)
	switch uint8(cmd.CDW10) {
	case nvme.CNSController:
		c.identifyController(b)
	case nvme.CNSNamespace:
		if cmd.NSID == 0 || cmd.NSID > c.cfg.NN {
			return stInvalidNamespace
		}
		if n := c.Namespace(cmd.NSID); n != nil {
			n.identify(b)
		}
	case nvme.CNSActiveNamespace:
		if cmd.NSID >= 0xFFFFFFFE {
			return stInvalidNamespace
		}
		i := 0
		for _, n := range c.ns {
			if n.id > cmd.NSID && i < 1024 {
				binary.LittleEndian.PutUint32(b[4*i:], n.id)
				i++
			}
		}
	default:
		return stInvalidField
	}
	return stOK
}

func putASCII(b []byte, s string) {
	for i := range b {
		b[i] = ' '
	}
	copy(b, s)
}

func (c *Controller) identifyController(b []byte) {
	le16, le32, le64 := binary.LittleEndian.PutUint16, binary.LittleEndian.PutUint32, binary.LittleEndian.PutUint64
	le16(b[0:], c.cfg.VID)
	le16(b[2:], c.cfg.SSVID)
	putASCII(b[4:24], c.cfg.Serial)
	putASCII(b[24:64], c.cfg.Model)
	putASCII(b[64:72], c.cfg.Firmware)
	le16(b[78:], 1) // CNTLID
	le32(b[80:], c.cfg.Version)
	oacs := c.cfg.OACS
	if c.cfg.TPer != nil {
		oacs |= OACSSecurity
	}
	le16(b[256:], oacs)
	var total uint64
	for _, n := range c.ns {
		total += uint64(n.fileSize)
	}
	le64(b[280:], total) // TNVMCAP
	le32(b[328:], c.cfg.SANICAP)
	le32(b[516:], c.cfg.NN)
	le16(b[520:], c.cfg.ONCS)
	b[524] = c.cfg.FNA
	copy(b[768:], "nqn.2024-01.io.kesu:nvmetest:"+c.cfg.Serial)
}

// security passes Security Send/Receive to the TPer (CDW10 31:24 SECP,
// 23:8 SPSP, 7:0 NSSF; CDW11 the length, which must match the buffer;
// libnvme nvme-cmds-base.h), for NSID 0, FFFFFFFFh or an active
// namespace. A protocol the TPer does not support is Invalid Field in
// Command; another TPer failure an Internal Error.
func (c *Controller) security(cmd *nvme.Command) nvme.Status {
	t := c.cfg.TPer
	switch {
	case t == nil:
		return stInvalidOpcode
	case cmd.NSID != 0 && cmd.NSID != nvme.NSIDAll && c.Namespace(cmd.NSID) == nil:
		return stInvalidNamespace
	case cmd.CDW11 == 0 || int(cmd.CDW11) != len(cmd.Data):
		return stInvalidField
	}
	protocol, sp := uint8(cmd.CDW10>>24), uint16(cmd.CDW10>>8)
	var err error
	if cmd.Opcode == nvme.OpSecuritySend {
		err = t.SecuritySend(protocol, sp, append([]byte(nil), cmd.Data...))
	} else {
		err = t.SecurityReceive(protocol, sp, cmd.Data)
	}
	switch {
	case err == nil:
		return stOK
	case errors.Is(err, tcgtest.ErrUnsupported):
		return stInvalidField
	}
	return stInternal
}

func (c *Controller) getLogPage(cmd *nvme.Command) (nvme.Status, error) {
	numd := (cmd.CDW10>>16 | cmd.CDW11<<16) + 1
	if int(numd)*4 != len(cmd.Data) || cmd.CDW12 != 0 || cmd.CDW13 != 0 {
		return stInvalidField, nil
	}
	b := make([]byte, nvme.LogPageSize)
	switch uint8(cmd.CDW10) {
	case nvme.LogSMART:
		c.smartLog(b)
	case nvme.LogSanitize:
		if c.cfg.SANICAP&7 == 0 {
			return stInvalidField, nil // as QEMU 7.2 answers unknown log pages
		}
		if c.active {
			if err := c.advanceSanitize(); err != nil {
				return 0, err
			}
		}
		c.sanitizeLog(b)
	default:
		return stInvalidField, nil
	}
	clear(cmd.Data)
	copy(cmd.Data, b)
	return stOK, nil
}

func (c *Controller) smartLog(b []byte) {
	s := c.cfg.SMART
	b[0] = s.CriticalWarning
	binary.LittleEndian.PutUint16(b[1:], s.TemperatureK)
	b[3], b[4], b[5] = s.AvailableSpare, s.SpareThreshold, s.PercentageUsed
	for off, v := range map[int]uint64{32: s.DataUnitsRead, 48: s.DataUnitsWritten, 112: s.PowerCycles,
		128: s.PowerOnHours, 144: s.UnsafeShutdowns, 160: s.MediaErrors, 176: s.ErrorLogEntries} {
		binary.LittleEndian.PutUint64(b[off:], v)
	}
}

func (c *Controller) sanitizeLog(b []byte) {
	le16, le32 := binary.LittleEndian.PutUint16, binary.LittleEndian.PutUint32
	sprog := uint16(0xFFFF)
	if c.active {
		sprog = c.sanitizeProgress()
	}
	le16(b[0:], sprog)
	le16(b[2:], c.sstat)
	le32(b[4:], c.scdw10)
	e := c.cfg.Estimates
	for i, v := range []uint32{e.ETO, e.ETBE, e.ETCE, e.ETOND, e.ETBEND, e.ETCEND, nvme.NoEstimate} {
		le32(b[8+4*i:], v)
	}
}

func (c *Controller) format(cmd *nvme.Command) (nvme.Status, error) {
	if c.cfg.OACS&OACSFormat == 0 {
		return stInvalidOpcode, nil
	}
	if c.active {
		return stSanitizeBusy, nil
	}
	if c.failureMode {
		return stSanitizeFailed, nil
	}
	lbaf := int(cmd.CDW10&0xf) | int(cmd.CDW10>>12&3)<<4
	pi := cmd.CDW10 >> 5 & 7
	ses := cmd.CDW10 >> 9 & 7
	if ses > 2 {
		return stInvalidField, nil
	}
	if ses == 2 && c.cfg.FNA&FNACrypto == 0 && !c.cfg.Misbehave.AcceptCryptoFormatWithoutFNA {
		return stInvalidField, nil
	}
	var targets []*Namespace
	switch {
	case cmd.NSID == nvme.NSIDAll:
		if c.cfg.FNA&FNANoBroadcast != 0 {
			return stInvalidNamespace, nil
		}
		targets = c.ns
	case cmd.NSID == 0 || c.Namespace(cmd.NSID) == nil:
		return stInvalidNamespace, nil
	case c.cfg.FNA&FNAFormatAll != 0, ses != 0 && c.cfg.FNA&FNASecureEraseAll != 0:
		targets = c.ns
	default:
		targets = []*Namespace{c.Namespace(cmd.NSID)}
	}
	for _, n := range targets {
		if lbaf >= len(n.formats) || pi != 0 || cmd.CDW10&(1<<4) != 0 {
			return stInvalidFormat, nil // the emulator supports neither PI nor metadata
		}
	}
	for _, n := range targets {
		n.fmtIndex = lbaf
		if c.cfg.Misbehave.FakeFormat {
			continue
		}
		var err error
		switch {
		case c.cfg.Misbehave.FormatZeroes:
			err = n.fill(0, n.fileSize, constant(0))
		case ses == 1:
			fill := constant(0)
			if n.dlfeat&7 == nvme.ReadOnes {
				fill = constant(0xff)
			}
			err = n.fill(0, n.fileSize, fill)
		case ses == 2:
			err = n.fill(0, n.fileSize, c.random)
		}
		if err != nil {
			return 0, err
		}
	}
	return stOK, nil
}

func (c *Controller) sanitize(cmd *nvme.Command) (nvme.Status, error) {
	if c.cfg.SANICAP&7 == 0 {
		return stInvalidOpcode, nil // QEMU 7.2: Sanitize is not implemented
	}
	if c.active {
		return stSanitizeBusy, nil
	}
	action := nvme.SanitizeAction(cmd.CDW10 & 7)
	switch action {
	case nvme.SanitizeExitFailureMode:
		if c.failureMode && c.restricted {
			return stSanitizeFailed, nil
		}
		c.failureMode = false
		return stOK, nil
	case nvme.SanitizeBlockErase, nvme.SanitizeCryptoErase, nvme.SanitizeOverwrite:
		if !nvme.SANICAP(c.cfg.SANICAP).Supports(action) {
			return stInvalidField, nil
		}
	default:
		return stInvalidField, nil
	}
	c.active, c.step, c.total = true, 0, c.cfg.SanitizeSteps
	c.opCDW10, c.opCDW11 = cmd.CDW10, cmd.CDW11
	c.scdw10 = cmd.CDW10
	c.sstat = uint16(nvme.SanitizeInProgress)
	c.started = c.now()
	return stOK, nil
}

// stepSanitize advances the running sanitize by one step; it finishes or
// fails it when due.
func (c *Controller) stepSanitize() error {
	c.step++
	if f := c.cfg.Misbehave.FailSanitizeAtStep; f > 0 && c.step >= f {
		return c.finishSanitize(false)
	}
	if c.step >= c.total {
		return c.finishSanitize(true)
	}
	return nil
}

func (c *Controller) finishSanitize(ok bool) error {
	c.active = false
	action := nvme.SanitizeAction(c.opCDW10 & 7)
	passes := int(c.opCDW10>>4) & 0xf
	if passes == 0 {
		passes = 16
	}
	if !c.cfg.Misbehave.FakeSanitize {
		for _, n := range c.ns {
			end := n.fileSize
			if !ok {
				end = n.fileSize / 2
			}
			if err := n.fill(0, end, c.sanitizeContent(n, action, passes)); err != nil {
				return err
			}
		}
	}
	if !ok {
		c.sstat = uint16(nvme.SanitizeFailed)
		c.failureMode = true
		c.restricted = c.opCDW10&(1<<3) == 0
		return nil
	}
	state := nvme.SanitizeCompleted
	if c.opCDW10&(1<<9) != 0 && c.cfg.SANICAP&SANICAPNDI != 0 {
		state = nvme.SanitizeCompletedDeallocated
	}
	c.sstat = uint16(state) | 1<<8 // Global Data Erased
	if action == nvme.SanitizeOverwrite {
		c.sstat |= uint16(passes) << 3
	}
	c.failureMode = false
	return nil
}

func (c *Controller) sanitizeContent(n *Namespace, a nvme.SanitizeAction, passes int) func([]byte) {
	switch a {
	case nvme.SanitizeBlockErase:
		switch n.dlfeat & 7 {
		case nvme.ReadZeros:
			return constant(0)
		case nvme.ReadOnes:
			return constant(0xff)
		}
		return c.random
	case nvme.SanitizeOverwrite:
		pat := c.opCDW11
		if c.opCDW10&(1<<8) != 0 && passes%2 == 0 {
			pat = ^pat // OIPBP: passes alternate pattern/inverse, so an even-numbered last pass is inverted
		}
		return pattern(pat)
	}
	return c.random
}

func (c *Controller) random(p []byte) {
	if _, err := io.ReadFull(c.rand, p); err != nil {
		panic(fmt.Sprintf("nvmetest: random source failed: %v", err))
	}
}

func constant(v byte) func([]byte) {
	return func(p []byte) {
		for i := range p {
			p[i] = v
		}
	}
}

func pattern(v uint32) func([]byte) {
	return func(p []byte) {
		var w [4]byte
		binary.LittleEndian.PutUint32(w[:], v)
		for i := range p {
			p[i] = w[i%4]
		}
	}
}

// ioState returns the status an I/O command gets now (0: allowed).
func (c *Controller) ioState() nvme.Status {
	switch {
	case c.active:
		return stSanitizeBusy
	case c.failureMode:
		return stSanitizeFailed
	}
	return 0
}

func openNamespace(c *Controller, id uint32, nc NamespaceConfig) (*Namespace, error) {
	if nc.Path == "" {
		return nil, fmt.Errorf("nvmetest: namespace %d has no backing file path", id)
	}
	f, err := os.OpenFile(nc.Path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if nc.Size > 0 {
		if err := f.Truncate(nc.Size); err != nil {
			f.Close()
			return nil, err
		}
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	formats := nc.LBAFormats
	if len(formats) == 0 {
		formats = []nvme.LBAFormat{{LBADS: 9}}
	}
	if nc.FormatIndex < 0 || nc.FormatIndex >= len(formats) {
		f.Close()
		return nil, fmt.Errorf("nvmetest: namespace %d format index %d out of range", id, nc.FormatIndex)
	}
	return &Namespace{c: c, id: id, f: f, path: nc.Path, fileSize: fi.Size(), formats: formats,
		fmtIndex: nc.FormatIndex, dlfeat: nc.DLFEAT, pbs: nc.PhysicalBlockSize}, nil
}

package scsi

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ShortTimeout bounds commands that return at once (INQUIRY, READ
// CAPACITY, REQUEST SENSE, LOG SENSE, SANITIZE with IMMED).
const ShortTimeout = 30 * time.Second

// Device issues SCSI commands to one device through a Transport.
type Device struct {
	T     Transport
	Name  string // device path or name, for messages
	Clock Clock  // nil means SystemClock
}

// NewDevice returns a Device for t named name.
func NewDevice(t Transport, name string) *Device { return &Device{T: t, Name: name} }

func (d *Device) clock() Clock {
	if d.Clock == nil {
		return SystemClock{}
	}
	return d.Clock
}

// Do executes cmd and classifies the outcome: on success it returns the
// response; otherwise a *CommandError naming op.
func (d *Device) Do(ctx context.Context, op string, cmd *Command) (*Response, error) {
	resp, err := d.T.Exec(ctx, cmd)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, &CommandError{Op: op, Dev: d.Name, Err: err}
		}
		return nil, &CommandError{Op: op, Dev: d.Name, Err: fmt.Errorf("%w: %w", ErrTransport, err)}
	}
	if cerr := Classify(resp); cerr != nil {
		return resp, &CommandError{Op: op, Dev: d.Name, Status: StatusOf(resp), Err: cerr}
	}
	return resp, nil
}

func (d *Device) dataIn(ctx context.Context, op string, cdb []byte, n int) ([]byte, error) {
	buf := make([]byte, n)
	resp, err := d.Do(ctx, op, &Command{CDB: cdb, Dir: DirFromDevice, Data: buf, Timeout: ShortTimeout})
	if err != nil {
		return nil, err
	}
	got := n - resp.Resid
	if got < 0 || got > n {
		got = n
	}
	return buf[:got], nil
}

// Inquiry reads standard INQUIRY data.
func (d *Device) Inquiry(ctx context.Context) (*Inquiry, error) {
	b, err := d.dataIn(ctx, "INQUIRY", InquiryCDB(false, 0, 96), 96)
	if err != nil {
		return nil, err
	}
	return DecodeInquiry(b)
}

// VPD reads one VPD page (up to alloc bytes).
func (d *Device) VPD(ctx context.Context, page byte, alloc int) ([]byte, error) {
	return d.dataIn(ctx, fmt.Sprintf("INQUIRY VPD %02Xh", page), InquiryCDB(true, page, uint16(alloc)), alloc)
}

// SupportedVPDPages reads VPD page 00h.
func (d *Device) SupportedVPDPages(ctx context.Context) ([]byte, error) {
	b, err := d.VPD(ctx, 0x00, 255)
	if err != nil {
		return nil, err
	}
	return DecodeSupportedPages(b)
}

// UnitSerial reads VPD page 80h.
func (d *Device) UnitSerial(ctx context.Context) (string, error) {
	b, err := d.VPD(ctx, 0x80, 255)
	if err != nil {
		return "", err
	}
	return DecodeUnitSerial(b)
}

// DeviceIdentification reads VPD page 83h.
func (d *Device) DeviceIdentification(ctx context.Context) ([]Designator, error) {
	b, err := d.VPD(ctx, 0x83, 1024)
	if err != nil {
		return nil, err
	}
	return DecodeDeviceIdentification(b)
}

// ATAInformation reads VPD page 89h.
func (d *Device) ATAInformation(ctx context.Context) (*ATAInformation, error) {
	b, err := d.VPD(ctx, 0x89, 572)
	if err != nil {
		return nil, err
	}
	return DecodeATAInformation(b)
}

// BlockCharacteristics reads VPD page B1h.
func (d *Device) BlockCharacteristics(ctx context.Context) (*BlockCharacteristics, error) {
	b, err := d.VPD(ctx, 0xB1, 64)
	if err != nil {
		return nil, err
	}
	return DecodeBlockCharacteristics(b)
}

// ReadCapacity16 reads READ CAPACITY(16).
func (d *Device) ReadCapacity16(ctx context.Context) (*Capacity, error) {
	b, err := d.dataIn(ctx, "READ CAPACITY(16)", ReadCapacity16CDB(32), 32)
	if err != nil {
		return nil, err
	}
	return DecodeCapacity16(b)
}

// TestUnitReady sends TEST UNIT READY; a not-ready device returns a
// *CommandError wrapping ErrNotReady, ErrSanitizeInProgress, ...
func (d *Device) TestUnitReady(ctx context.Context) error {
	_, err := d.Do(ctx, "TEST UNIT READY", &Command{CDB: TestUnitReadyCDB(), Timeout: ShortTimeout})
	return err
}

// RequestSense returns the device's current sense data (fixed format). A
// device that is busy sanitizing or formatting reports NOT READY with a
// progress indication here; REQUEST SENSE itself completes with GOOD.
func (d *Device) RequestSense(ctx context.Context) (*Sense, error) {
	b, err := d.dataIn(ctx, "REQUEST SENSE", RequestSenseCDB(false, 252), 252)
	if err != nil {
		return nil, err
	}
	return ParseSense(b)
}

// ReportOpcode asks whether the device supports opcode (with service action
// sa when withSA), and for its command timeouts.
func (d *Device) ReportOpcode(ctx context.Context, opcode byte, sa uint16, withSA bool) (*OpcodeSupport, error) {
	op := fmt.Sprintf("REPORT SUPPORTED OPERATION CODES %02Xh", opcode)
	if withSA {
		op += fmt.Sprintf("/%02Xh", sa)
	}
	b, err := d.dataIn(ctx, op, ReportOpcodeCDB(opcode, sa, withSA, true, 64), 64)
	if err != nil {
		// Some devices reject RCTD: retry without it.
		var ce *CommandError
		if errors.As(err, &ce) && errors.Is(err, ErrUnsupported) {
			b, err = d.dataIn(ctx, op, ReportOpcodeCDB(opcode, sa, withSA, false, 64), 64)
		}
		if err != nil {
			return nil, err
		}
	}
	return DecodeOpcodeSupport(b)
}

// LogSense reads one log page (cumulative values).
func (d *Device) LogSense(ctx context.Context, page, subpage byte) (*LogPage, error) {
	const alloc = 4096
	b, err := d.dataIn(ctx, fmt.Sprintf("LOG SENSE %02Xh", page), LogSenseCDB(page, subpage, alloc), alloc)
	if err != nil {
		return nil, err
	}
	return DecodeLogPage(b)
}

// SupportedLogPages reads log page 00h.
func (d *Device) SupportedLogPages(ctx context.Context) ([]byte, error) {
	b, err := d.dataIn(ctx, "LOG SENSE 00h", LogSenseCDB(0x00, 0, 255), 255)
	if err != nil {
		return nil, err
	}
	return DecodeSupportedLogPages(b)
}

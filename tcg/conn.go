package tcg

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrTimeout: the TPer kept answering "no response yet" for longer than
// the receive timeout.
var ErrTimeout = errors.New("the TPer did not answer in time")

// Polling of IF-RECV while the TPer has no response ready (Core Spec
// 3.3.10.2.1: an empty ComPacket with OutstandingData 1, or Length 0).
const (
	pollFirst      = 2 * time.Millisecond
	pollMax        = 50 * time.Millisecond
	receiveTimeout = 2 * time.Minute // a Revert or GenKey can take a while
	// recvLimit bounds the receive buffer a MinTransfer can ask for.
	recvLimit = 1 << 20
)

// Communication properties assumed before Properties (Core Spec 5.2.2.4.1
// Table 168) and what we tell the TPer we accept (HostProperties).
const (
	initialMaxComPacket = 1024
	initialMaxPacket    = 1004
	initialMaxIndToken  = 968
	hostMaxComPacket    = 16384
)

// conn talks to one TPer on one ComID: it frames token streams, sends
// them with IF-SEND, polls IF-RECV for the answer, and records a Step for
// everything done.
type conn struct {
	t          Transport
	comID      uint16
	enterprise bool // optional parameter and column names are byte strings

	// The TPer's limits (from Properties).
	maxComPacket, maxPacket, maxIndToken uint64

	recvSize int
	// xferMax bounds recvSize and what is sent: recvLimit, or the
	// Transport's smaller MaxTransfer.
	xferMax int
	timeout time.Duration
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error

	nextHSN uint32
	steps   []Step
}

// newConn returns a conn on the SSC feature's base ComID.
func newConn(t Transport, f *SSCFeature) (*conn, error) {
	if f == nil || f.BaseComID == 0 {
		return nil, errors.New("the drive reports no ComID for its security subsystem class")
	}
	return &conn{
		t: t, comID: f.BaseComID, enterprise: f.Code == featEnterprise,
		maxComPacket: initialMaxComPacket, maxPacket: initialMaxPacket, maxIndToken: initialMaxIndToken,
		recvSize: min(hostMaxComPacket, maxTransfer(t, recvLimit)),
		xferMax:  maxTransfer(t, recvLimit),
		timeout:  receiveTimeout,
		now:      time.Now,
		sleep:    sleepCtx,
		nextHSN:  1,
	}, nil
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

// send frames payload for session tsn/hsn and sends it (IF-SEND protocol
// 01h on the ComID), within the TPer's MaxComPacketSize, MaxPacketSize
// and MaxIndTokenSize.
func (c *conn) send(ctx context.Context, tsn, hsn uint32, payload []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	padded := uint64((len(payload) + 3) &^ 3)
	switch {
	case framingOverhead+padded > c.maxComPacket:
		return fmt.Errorf("a %d-byte ComPacket exceeds the TPer's MaxComPacketSize %d", framingOverhead+padded, c.maxComPacket)
	case packetHeaderLen+subPacketHeaderLen+padded > c.maxPacket:
		return fmt.Errorf("a %d-byte Packet exceeds the TPer's MaxPacketSize %d", packetHeaderLen+subPacketHeaderLen+padded, c.maxPacket)
	}
	data := frame(c.comID, tsn, hsn, payload)
	if len(data) > c.xferMax {
		return fmt.Errorf("a %d-byte IF-SEND is more than this security protocol path moves (%d bytes)", len(data), c.xferMax)
	}
	return c.t.SecuritySend(ctx, ProtocolManagement, c.comID, data)
}

// receive polls IF-RECV on the ComID until the TPer answers session
// tsn/hsn with data, and returns the data SubPackets' payload.
func (c *conn) receive(ctx context.Context, tsn, hsn uint32) ([]byte, error) {
	deadline := c.now().Add(c.timeout)
	wait := pollFirst
	var data []byte
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		buf := make([]byte, c.recvSize)
		if err := c.t.SecurityReceive(ctx, ProtocolManagement, c.comID, buf); err != nil {
			return nil, err
		}
		cp, err := parseComPacket(buf)
		if err != nil {
			return nil, err
		}
		if cp.comID != c.comID {
			return nil, fmt.Errorf("%w: answer on ComID %04Xh, not %04Xh", ErrMalformed, cp.comID, c.comID)
		}
		if cp.length == 0 {
			// Core 3.3.10.2.1: a buffer too small for the response is
			// answered with MinTransfer, one not ready with
			// OutstandingData 1; poll again either way.
			if cp.minTransfer > uint32(c.recvSize) {
				switch {
				case cp.minTransfer > recvLimit:
					return nil, fmt.Errorf("%w: the TPer asks for a %d-byte transfer", ErrMalformed, cp.minTransfer)
				case cp.minTransfer > uint32(c.xferMax):
					return nil, fmt.Errorf("the TPer asks for a %d-byte transfer; this security protocol path moves at most %d bytes", cp.minTransfer, c.xferMax)
				}
				c.recvSize = roundUp512(int(cp.minTransfer))
				continue
			}
			if len(data) > 0 && cp.outstandingData == 0 {
				return data, nil
			}
			if !c.now().Before(deadline) {
				return nil, ErrTimeout
			}
			if err := c.sleep(ctx, wait); err != nil {
				return nil, err
			}
			wait = min(wait*2, pollMax)
			continue
		}
		// An answer for the session manager (0/0) may be the TPer's
		// CloseSession of our session (Core Spec 5.2.3.4).
		if (cp.tsn != tsn || cp.hsn != hsn) && (cp.tsn != 0 || cp.hsn != 0) {
			return nil, fmt.Errorf("%w: answer for session TSN %d HSN %d, not TSN %d HSN %d", ErrMalformed, cp.tsn, cp.hsn, tsn, hsn)
		}
		data = append(data, cp.data...)
		if cp.outstandingData == 0 {
			if len(data) == 0 {
				return nil, fmt.Errorf("%w: a Packet with no data", ErrMalformed)
			}
			return data, nil
		}
	}
}

// exchange sends payload and returns the decoded answer.
func (c *conn) exchange(ctx context.Context, tsn, hsn uint32, payload []byte) (list, error) {
	if err := c.send(ctx, tsn, hsn, payload); err != nil {
		return nil, err
	}
	resp, err := c.receive(ctx, tsn, hsn)
	if err != nil {
		return nil, err
	}
	return decodeTokens(resp)
}

// record appends a Step for what, started at start: SUCCESS when err is
// nil, the status name of a *MethodError, else the error in Step.Error.
func (c *conn) record(what string, start time.Time, err error) {
	s := Step{What: what, Start: start, End: c.now()}
	var me *MethodError
	switch {
	case err == nil:
		s.Status = StatusName(StatusSuccess)
	case errors.As(err, &me):
		s.Status = StatusName(me.Status)
	default:
		s.Error = err.Error()
	}
	c.steps = append(c.steps, s)
}

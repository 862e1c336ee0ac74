// Package scsitest holds test doubles behind scsi.Transport: Script, a
// scripted fake that asserts an exact command sequence, and Drive, an
// emulated file-backed SAS/SCSI disk. It also builds sense data in the
// layouts real devices and SATLs return.
package scsitest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kesu-erase/kesu/scsi"
)

// TB is the part of testing.TB a Script needs.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Cleanup(func())
}

// Step is one expected command and the reply to give.
type Step struct {
	// CDB is the exact CDB expected.
	CDB []byte
	// DataOut, if non-nil, is the exact data-out expected.
	DataOut []byte
	// Timeout, if non-zero, is the exact timeout expected.
	Timeout time.Duration
	// Reply is what the fake device returns.
	Reply Reply
}

// Reply is a scripted response.
type Reply struct {
	Status     byte
	HostStatus uint16
	Sense      []byte
	DataIn     []byte // copied into the data-in buffer
	Err        error  // returned as a transport error instead of a response
}

// Good is a GOOD reply with optional data-in.
func Good(data []byte) Reply { return Reply{Status: scsi.StatusGood, DataIn: data} }

// Check is a CHECK CONDITION reply with sense.
func Check(sense []byte) Reply { return Reply{Status: scsi.StatusCheckCondition, Sense: sense} }

// Script is a Transport that expects exactly the scripted commands, in
// order, and fails the test on any difference. A mismatching command gets a
// transport error so the code under test stops. At test cleanup it reports
// unused steps.
type Script struct {
	t     TB
	mu    sync.Mutex
	steps []Step
	pos   int
	// Sent records every command received (CDB, data-out, timeout).
	Sent []scsi.Command
}

// NewScript returns a Script for steps and registers the end-of-test check.
func NewScript(t TB, steps ...Step) *Script {
	t.Helper()
	s := &Script{t: t, steps: steps}
	t.Cleanup(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.pos < len(s.steps) {
			t.Errorf("scsitest.Script: %d of %d steps not sent; next expected CDB % x", len(s.steps)-s.pos, len(s.steps), s.steps[s.pos].CDB)
		}
	})
	return s
}

// Exec checks cmd against the next step and returns its reply.
func (s *Script) Exec(ctx context.Context, cmd *scsi.Command) (*scsi.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := scsi.Command{CDB: append([]byte(nil), cmd.CDB...), Dir: cmd.Dir, Timeout: cmd.Timeout}
	if cmd.Dir == scsi.DirToDevice {
		rec.Data = append([]byte(nil), cmd.Data...)
	}
	s.Sent = append(s.Sent, rec)
	if err := cmd.Validate(); err != nil {
		s.t.Errorf("scsitest.Script: command %d (CDB % x) invalid: %v", len(s.Sent), cmd.CDB, err)
		return nil, err
	}
	if s.pos >= len(s.steps) {
		s.t.Errorf("scsitest.Script: unexpected command %d: CDB % x (script has %d steps)", len(s.Sent), cmd.CDB, len(s.steps))
		return nil, fmt.Errorf("scsitest: unexpected command")
	}
	st := s.steps[s.pos]
	s.pos++
	if !bytes.Equal(cmd.CDB, st.CDB) {
		s.t.Errorf("scsitest.Script: step %d: CDB = % x; want % x", s.pos, cmd.CDB, st.CDB)
		return nil, fmt.Errorf("scsitest: CDB mismatch at step %d", s.pos)
	}
	if st.DataOut != nil && (cmd.Dir != scsi.DirToDevice || !bytes.Equal(cmd.Data, st.DataOut)) {
		s.t.Errorf("scsitest.Script: step %d: data-out = % x; want % x", s.pos, cmd.Data, st.DataOut)
		return nil, fmt.Errorf("scsitest: data-out mismatch at step %d", s.pos)
	}
	if st.Timeout != 0 && cmd.Timeout != st.Timeout {
		s.t.Errorf("scsitest.Script: step %d (CDB % x): timeout = %v; want %v", s.pos, cmd.CDB, cmd.Timeout, st.Timeout)
	}
	if st.Reply.Err != nil {
		return nil, st.Reply.Err
	}
	resp := &scsi.Response{Status: st.Reply.Status, HostStatus: st.Reply.HostStatus, Sense: append([]byte(nil), st.Reply.Sense...)}
	if st.Reply.Status == scsi.StatusCheckCondition {
		resp.DriverStatus = 0x08 // DRIVER_SENSE, as the kernel reports it
	}
	if cmd.Dir == scsi.DirFromDevice {
		n := copy(cmd.Data, st.Reply.DataIn)
		resp.Resid = len(cmd.Data) - n
	}
	return resp, nil
}

// Remaining returns how many steps were not used yet.
func (s *Script) Remaining() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.steps) - s.pos
}

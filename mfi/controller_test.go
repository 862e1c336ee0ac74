package mfi_test

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kesu-erase/kesu/mfi"
	"github.com/kesu-erase/kesu/scsi"
)

// fake is a Transport that records each packet and answers with reply.
type fake struct {
	got   []mfi.Packet
	reply func(p *mfi.Packet) error
}

func (f *fake) Exec(ctx context.Context, p *mfi.Packet) error {
	f.got = append(f.got, mfi.Packet{Host: p.Host, Frame: p.Frame, Data: append([]byte(nil), p.Data...),
		Sense: append([]byte(nil), p.Sense...)})
	return f.reply(p)
}

func opcode(p *mfi.Packet) uint32 { return binary.LittleEndian.Uint32(p.Frame[0x18:]) }

// TestReadSizedRereads: a PD list larger than the first 1024-byte read is
// read again with the size the firmware announced (smartmontools'
// megasas_pd_add_list, mfiutil's mfi_config_read).
func TestReadSizedRereads(t *testing.T) {
	const n = 50 // 8 + 50*24 = 1208 bytes
	f := &fake{reply: func(p *mfi.Packet) error {
		switch opcode(p) {
		case 0x02010000:
			binary.LittleEndian.PutUint32(p.Data[0:], 8+n*24)
			if len(p.Data) >= 8+n*24 {
				binary.LittleEndian.PutUint32(p.Data[4:], n)
				for i := range n {
					binary.LittleEndian.PutUint16(p.Data[8+24*i:], uint16(i))
				}
			}
			p.Frame[2] = 0
		case 0x02020000:
			p.Frame[2] = 0x0C
		}
		return nil
	}}
	c := &mfi.Controller{T: f, Host: 7}
	pds, err := c.PhysicalDrives(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(pds) != n || pds[49].DeviceID != 49 {
		t.Fatalf("PhysicalDrives = %d drives; want %d", len(pds), n)
	}
	if len(f.got) < 2 || len(f.got[0].Data) != 1024 || len(f.got[1].Data) != 8+n*24 {
		t.Fatalf("reads of %d and %d bytes; want 1024 then %d", len(f.got[0].Data), len(f.got[1].Data), 8+n*24)
	}
	for _, p := range f.got {
		if p.Host != 7 {
			t.Errorf("packet for host %d; want 7", p.Host)
		}
	}
	// Every PD_GET_INFO failed: the entries stay, with the reason.
	if pds[3].Info != nil || !strings.Contains(pds[3].InfoError, "DEVICE_NOT_FOUND") {
		t.Errorf("pds[3] = %+v; want no info and a DEVICE_NOT_FOUND error", pds[3])
	}
	// The mailbox of the PD_GET_INFO for device 3 holds 3 (mbox.s[0]).
	if p := f.got[2+3]; opcode(&p) != 0x02020000 || binary.LittleEndian.Uint16(p.Frame[0x1C:]) != 3 {
		t.Errorf("PD_GET_INFO frame % x; want opcode 0x02020000, mbox 3", p.Frame[:0x30])
	}
}

func TestDCMDStatus(t *testing.T) {
	f := &fake{reply: func(p *mfi.Packet) error { p.Frame[2] = 0x02; return nil }}
	c := &mfi.Controller{T: f}
	_, err := c.Info(t.Context())
	if !errors.Is(err, mfi.ErrUnsupported) || !strings.Contains(err.Error(), "CTRL_GET_INFO") {
		t.Errorf("Info error = %v; want ErrUnsupported naming CTRL_GET_INFO", err)
	}
	if len(f.got) != 1 || len(f.got[0].Data) != 0x800 {
		t.Errorf("CTRL_GET_INFO read %d bytes; want 0x800", len(f.got[0].Data))
	}
	f.reply = func(p *mfi.Packet) error { return errors.New("ENODEV") }
	if _, err := c.LogicalDrives(t.Context()); err == nil || !strings.Contains(err.Error(), "LD_GET_LIST: ENODEV") {
		t.Errorf("LogicalDrives error = %v; want the transport's error", err)
	}
	f.reply = func(p *mfi.Packet) error { return nil } // cmd_status left at 0xFF
	if _, err := c.Config(t.Context()); !errors.Is(err, mfi.ErrNoStatus) {
		t.Errorf("Config error = %v; want ErrNoStatus", err)
	}
}

func TestPassthroughOutcomes(t *testing.T) {
	checkSense := make([]byte, 18)
	copy(checkSense, []byte{0x70, 0, 0x05, 0, 0, 0, 0, 0x0A, 0, 0, 0, 0, 0x20, 0x00})
	tests := []struct {
		name     string
		status   byte
		scsi     byte
		sense    []byte
		ioErr    error
		want     *scsi.Response
		wantErrs []error
	}{
		{name: "OK", status: 0x00, want: &scsi.Response{Status: scsi.StatusGood}},
		{name: "CHECK CONDITION inferred from sense", status: 0x2D, sense: checkSense,
			want: &scsi.Response{Status: scsi.StatusCheckCondition, Sense: checkSense}},
		{name: "SCSI status reported", status: 0x2D, scsi: scsi.StatusBusy,
			want: &scsi.Response{Status: scsi.StatusBusy}},
		{name: "no status, no sense", status: 0x2D, wantErrs: []error{mfi.ErrNoStatus}},
		{name: "reservation conflict", status: 0x2F, want: &scsi.Response{Status: scsi.StatusReservation}},
		{name: "device not found", status: 0x0C, wantErrs: []error{mfi.ErrDeviceNotFound}},
		{name: "refused", status: 0x01, wantErrs: []error{mfi.ErrRefused}},
		{name: "wrong state", status: 0x32, wantErrs: []error{mfi.ErrRefused}},
		{name: "not completed", status: 0xFF, wantErrs: []error{mfi.ErrNoStatus}},
		{name: "I/O failed", status: 0x2E, wantErrs: nil},
		{name: "ioctl failed", ioErr: errors.New("EIO"), wantErrs: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &fake{reply: func(p *mfi.Packet) error {
				if tc.ioErr != nil {
					return tc.ioErr
				}
				p.Frame[2], p.Frame[3] = tc.status, tc.scsi
				copy(p.Sense, tc.sense)
				return nil
			}}
			c := &mfi.Controller{T: f, Host: 1}
			resp, err := c.Passthrough(8).Exec(t.Context(), &scsi.Command{
				CDB: []byte{0x12, 0, 0, 0, 0x60, 0}, Dir: scsi.DirFromDevice, Data: make([]byte, 96), Timeout: 10 * time.Second})
			if tc.want != nil {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, resp); diff != "" {
					t.Errorf("response mismatch (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil {
				t.Fatalf("Exec = %+v; want an error", resp)
			}
			for _, s := range tc.wantErrs {
				if !errors.Is(err, s) {
					t.Errorf("error %v; want errors.Is(%v)", err, s)
				}
			}
			if tc.ioErr != nil && !errors.Is(err, tc.ioErr) {
				t.Errorf("error %v; want the transport's error", err)
			}
		})
	}
}

// TestPassthroughFrame checks what one command becomes: the frame
// fields, the sense buffer, the data buffer passed through.
func TestPassthroughFrame(t *testing.T) {
	f := &fake{reply: func(p *mfi.Packet) error { p.Frame[2] = 0; return nil }}
	data := make([]byte, 512)
	c := &mfi.Controller{T: f, Host: 2}
	cdb := []byte{0x28, 0, 0, 0, 0, 9, 0, 0, 1, 0}
	if _, err := c.Passthrough(200).Exec(t.Context(), &scsi.Command{CDB: cdb, Dir: scsi.DirFromDevice, Data: data, Timeout: 90 * time.Second}); err != nil {
		t.Fatal(err)
	}
	p := f.got[0]
	le := binary.LittleEndian
	checks := []struct {
		name      string
		got, want uint32
	}{
		{"cmd", uint32(p.Frame[0]), 0x04},
		{"sense_len", uint32(p.Frame[1]), 96},
		{"target_id", uint32(p.Frame[4]), 200},
		{"lun", uint32(p.Frame[5]), 0},
		{"cdb_len", uint32(p.Frame[6]), 10},
		{"sge_count", uint32(p.Frame[7]), 1},
		{"flags", uint32(le.Uint16(p.Frame[0x10:])), 0x10},
		{"timeout", uint32(le.Uint16(p.Frame[0x12:])), 90},
		{"data_xfer_len", le.Uint32(p.Frame[0x14:]), 512},
		{"sense buffer", uint32(len(p.Sense)), 96},
		{"data buffer", uint32(len(p.Data)), 512},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %d; want %d", ch.name, ch.got, ch.want)
		}
	}
	if !cmp.Equal(p.Frame[0x20:0x2A], cdb) {
		t.Errorf("cdb = % x; want % x", p.Frame[0x20:0x2A], cdb)
	}

	// QEMU addressing: device id (scsi-id<<8)|lun becomes target and lun;
	// a command without data carries one unused 512-byte data-in SGE
	// (QEMU refuses sge_count 0).
	q := &mfi.Controller{T: f, Addressing: mfi.AddressQEMU}
	if _, err := q.Passthrough(0x0302).Exec(t.Context(), &scsi.Command{CDB: make([]byte, 6), Timeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	if p := f.got[1]; p.Frame[4] != 3 || p.Frame[5] != 2 || p.Frame[7] != 1 || le.Uint16(p.Frame[0x10:]) != 0x10 ||
		le.Uint32(p.Frame[0x14:]) != 512 || len(p.Data) != 512 {
		t.Errorf("QEMU frame target %d lun %d sge_count %d flags %#x data_xfer_len %d, %d data bytes; want 3, 2, 1, 0x10, 512, 512",
			p.Frame[4], p.Frame[5], p.Frame[7], le.Uint16(p.Frame[0x10:]), le.Uint32(p.Frame[0x14:]), len(p.Data))
	}
}

func TestPassthroughRejects(t *testing.T) {
	f := &fake{reply: func(p *mfi.Packet) error { t.Error("command sent"); return nil }}
	c := &mfi.Controller{T: f}
	tests := []struct {
		name string
		id   uint16
		cmd  scsi.Command
	}{
		{"over MaxTransfer", 8, scsi.Command{CDB: make([]byte, 16), Dir: scsi.DirToDevice,
			Data: make([]byte, mfi.MaxTransfer+1), Timeout: time.Second}},
		{"32-byte CDB", 8, scsi.Command{CDB: make([]byte, 32), Timeout: time.Second}},
		{"device id over 255", 256, scsi.Command{CDB: make([]byte, 6), Timeout: time.Second}},
		{"no timeout", 8, scsi.Command{CDB: make([]byte, 6)}},
	}
	for _, tc := range tests {
		if _, err := c.Passthrough(tc.id).Exec(t.Context(), &tc.cmd); !errors.Is(err, scsi.ErrBadCommand) {
			t.Errorf("%s: error = %v; want scsi.ErrBadCommand", tc.name, err)
		}
	}
	// MaxTransfer itself is allowed.
	f.reply = func(p *mfi.Packet) error { p.Frame[2] = 0; return nil }
	if _, err := c.Passthrough(8).Exec(t.Context(), &scsi.Command{CDB: make([]byte, 16), Dir: scsi.DirToDevice,
		Data: make([]byte, mfi.MaxTransfer), Timeout: time.Second}); err != nil {
		t.Errorf("MaxTransfer bytes: %v", err)
	}
}

package nvme_test

import (
	"bytes"
	"context"
	"errors"
	"syscall"
	"testing"

	"github.com/kesu-erase/kesu/nvme"
	"github.com/kesu-erase/kesu/nvme/nvmetest"
	"github.com/kesu-erase/kesu/tcg"
)

// TestSecurityCommandEncoding checks Security Send/Receive against
// commands written by hand from libnvme's own test
// (libnvme/tests/ioctl/misc.c: nssf 1, spsp 0101h, secp E9h expect
// cdw10 = nssf | spsp<<8 | secp<<24, cdw11 = the length) and Linux's
// nvme_sec_submit (core.c: NSID 0, cdw10 = secp<<24 | spsp<<8, cdw11 =
// len), with the opcodes of libnvme's nvme_admin_security_send/recv.
func TestSecurityCommandEncoding(t *testing.T) {
	buf := make([]byte, 512)
	for _, tc := range []struct {
		name string
		got  *nvme.Command
		op   uint8
		nsid uint32
		cdw  [2]uint32
		dir  nvme.Direction
	}{
		{"libnvme test send", nvme.SecuritySendCmd(1, 0xE9, 0x0101, 0x01, make([]byte, 0xFFFF)), 0x81, 1, [2]uint32{0xE9010101, 0xFFFF}, nvme.DirOut},
		{"libnvme test receive", nvme.SecurityReceiveCmd(1, 0xE9, 0x0101, 0x01, make([]byte, 0xFFFF)), 0x82, 1, [2]uint32{0xE9010101, 0xFFFF}, nvme.DirIn},
		{"Level 0 Discovery", nvme.SecurityReceiveCmd(0, 0x01, 0x0001, 0, buf), 0x82, 0, [2]uint32{0x01000100, 512}, nvme.DirIn},
		{"protocol list", nvme.SecurityReceiveCmd(0, 0x00, 0x0000, 0, buf), 0x82, 0, [2]uint32{0x00000000, 512}, nvme.DirIn},
		{"IF-SEND on ComID 07FEh", nvme.SecuritySendCmd(0, 0x01, 0x07FE, 0, buf), 0x81, 0, [2]uint32{0x0107FE00, 512}, nvme.DirOut},
	} {
		c := tc.got
		if c.Opcode != tc.op || c.NSID != tc.nsid || c.CDW10 != tc.cdw[0] || c.CDW11 != tc.cdw[1] || c.Direction() != tc.dir {
			t.Errorf("%s: opcode %02Xh nsid %d cdw10 %08X cdw11 %X dir %d; want %02Xh %d %08X %X %d",
				tc.name, c.Opcode, c.NSID, c.CDW10, c.CDW11, c.Direction(), tc.op, tc.nsid, tc.cdw[0], tc.cdw[1], tc.dir)
		}
		if c.CDW12|c.CDW13|c.CDW14|c.CDW15 != 0 {
			t.Errorf("%s: CDW12-15 set: %s", tc.name, c)
		}
	}
}

// TestSecurityRefusals checks which completions mean the security protocol
// commands do not reach a TPer: Invalid Command Opcode (no Security
// Send/Receive) and Invalid Field in Command (protocol not supported).
func TestSecurityRefusals(t *testing.T) {
	recv := nvme.Command{Opcode: 0x82, CDW10: 0x01000100, CDW11: 512, Data: make([]byte, 512)}
	for _, tc := range []struct {
		name        string
		step        nvmetest.Step
		unsupported bool
		is          error
	}{
		{"invalid opcode", nvmetest.Step{Want: recv, Reply: nvme.Completion{Status: 0x4001}}, true, nvme.ErrUnsupported},
		{"invalid field", nvmetest.Step{Want: recv, Reply: nvme.Completion{Status: 0x4002}}, true, nvme.ErrInvalidField},
		{"internal error", nvmetest.Step{Want: recv, Reply: nvme.Completion{Status: 0x0006}}, false, nvme.ErrCommandFailed},
		{"access denied", nvmetest.Step{Want: recv, Reply: nvme.Completion{Status: 0x4286}}, false, nvme.ErrMedia},
		{"ioctl failure", nvmetest.Step{Want: recv, Err: syscall.EIO}, false, syscall.EIO},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := nvmetest.NewScript(t, tc.step)
			err := nvme.TCG(s, 0).SecurityReceive(context.Background(), 0x01, 0x0001, make([]byte, 512))
			if errors.Is(err, tcg.ErrNotSupported) != tc.unsupported || !errors.Is(err, tc.is) {
				t.Errorf("SecurityReceive = %v; want ErrNotSupported %v and %v", err, tc.unsupported, tc.is)
			}
			var ce *nvme.CommandError
			if !errors.As(err, &ce) || ce.Op != "security receive" {
				t.Errorf("SecurityReceive = %#v; want a *nvme.CommandError for security receive", err)
			}
		})
	}
}

func TestSecurityData(t *testing.T) {
	reply := bytes.Repeat([]byte{0x7E}, 300)
	s := nvmetest.NewScript(t,
		nvmetest.Step{Want: nvme.Command{Opcode: 0x82, NSID: 1, CDW10: 0x0107FE00, CDW11: 1024, Data: make([]byte, 1024)}, Data: reply},
		nvmetest.Step{Want: nvme.Command{Opcode: 0x81, NSID: 1, CDW10: 0x0107FE00, CDW11: 512, Data: make([]byte, 512)}},
	)
	p := nvme.TCG(s, 1)
	buf := bytes.Repeat([]byte{0xFF}, 1024)
	if err := p.SecurityReceive(context.Background(), 0x01, 0x07FE, buf); err != nil {
		t.Fatalf("SecurityReceive = %v", err)
	}
	if want := append(append([]byte(nil), reply...), make([]byte, 724)...); !bytes.Equal(buf, want) {
		t.Errorf("SecurityReceive left % x ... % x; want the controller's 300 bytes, then zeros", buf[:4], buf[296:304])
	}
	if err := p.SecuritySend(context.Background(), 0x01, 0x07FE, make([]byte, 512)); err != nil {
		t.Errorf("SecuritySend = %v", err)
	}
	if err := p.SecuritySend(context.Background(), 0x01, 0x07FE, nil); err == nil {
		t.Errorf("SecuritySend of nothing = nil; want an error, nothing sent")
	}
}

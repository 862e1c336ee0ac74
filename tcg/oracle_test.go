package tcg

import (
	"bytes"
	"testing"

	"github.com/open-source-firmware/go-tcg-storage/pkg/core"
	"github.com/open-source-firmware/go-tcg-storage/pkg/drive"
)

// go-tcg-storage v0.8.21 encodes integers of 64..255 in two bytes and
// above 65535 in four; the values here are ones where every minimal
// encoding agrees (HSN 0x0101, small columns).

func TestStartSessionOracle(t *testing.T) {
	for _, enterprise := range []bool{false, true} {
		var flags core.MethodFlag
		if enterprise {
			flags = core.MethodFlagOptionalAsName
		}
		sp := uidAdminSP
		mc := core.NewMethodCall(core.InvokeIDSMU, core.MethodIDSMStartSession, flags)
		mc.UInt(0x0101)
		mc.Bytes(sp[:])
		mc.Bool(true)
		mc.StartOptionalParameter(0, "HostChallenge")
		mc.Bytes([]byte("0123456789abcdef0123456789abcdef"))
		mc.EndOptionalParameter()
		mc.StartOptionalParameter(3, "HostSigningAuthority")
		mc.Bytes(core.AuthorityPSID[:])
		mc.EndOptionalParameter()
		want, err := mc.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		got := encodeCall(uidSMU, methodStartSession,
			startSessionParams(enterprise, 0x0101, sp, uidPSID, []byte("0123456789abcdef0123456789abcdef")))
		if !bytes.Equal(got, want) {
			t.Errorf("enterprise=%v StartSession\n got % X\nwant % X", enterprise, got, want)
		}
	}
}

func TestGetOracle(t *testing.T) {
	// Opal: Get [ [ 3 = col, 4 = col ] ] on C_PIN_MSID.
	msid := uidCPINMSID
	mc := core.NewMethodCall(core.InvokingID(msid), core.MethodID(methodGet), 0)
	mc.StartList()
	mc.StartOptionalParameter(3, "startColumn")
	mc.UInt(3)
	mc.EndOptionalParameter()
	mc.StartOptionalParameter(4, "endColumn")
	mc.UInt(3)
	mc.EndOptionalParameter()
	mc.EndList()
	want, _ := mc.MarshalBinary()
	if got := encodeCall(uidCPINMSID, methodGet, getParams(false, colPIN, "PIN")); !bytes.Equal(got, want) {
		t.Errorf("Opal Get\n got % X\nwant % X", got, want)
	}
	// Enterprise: Get [ [ "startColumn" = "PIN", "endColumn" = "PIN" ] ]
	// as go-tcg-storage's table.GetCell sends it.
	mc = core.NewMethodCall(core.InvokingID(msid), core.MethodID(methodEGet), core.MethodFlagOptionalAsName)
	mc.StartList()
	mc.StartOptionalParameter(3, "startColumn")
	mc.Bytes([]byte("PIN"))
	mc.EndOptionalParameter()
	mc.StartOptionalParameter(4, "endColumn")
	mc.Bytes([]byte("PIN"))
	mc.EndOptionalParameter()
	mc.EndList()
	want, _ = mc.MarshalBinary()
	if got := encodeCall(uidCPINMSID, methodEGet, getParams(true, colPIN, "PIN")); !bytes.Equal(got, want) {
		t.Errorf("Enterprise Get\n got % X\nwant % X", got, want)
	}
}

// oracleDrive captures what go-tcg-storage's plain communication sends.
type oracleDrive struct{ sent []byte }

func (d *oracleDrive) IFRecv(drive.SecurityProtocol, uint16, *[]byte) error { return nil }
func (d *oracleDrive) IFSend(_ drive.SecurityProtocol, _ uint16, b []byte) error {
	d.sent = append([]byte{}, b...)
	return nil
}

func TestFrameOracle(t *testing.T) {
	for _, n := range []int{1, 4, 61, 300} {
		payload := bytes.Repeat([]byte{0xA5}, n)
		d := &oracleDrive{}
		c := core.NewPlainCommunication(d, core.InitialHostProperties, core.InitialTPerProperties)
		if err := c.Send(drive.SecurityProtocolTCGManagement, &core.Session{ComID: 0x07FE, TSN: 0x1001, HSN: 7}, payload); err != nil {
			t.Fatal(err)
		}
		if got := frame(0x07FE, 0x1001, 7, payload); !bytes.Equal(got, d.sent) {
			t.Errorf("%d-byte payload: frame\n got % X\nwant % X", n, head(got), head(d.sent))
		}
	}
}

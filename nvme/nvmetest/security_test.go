package nvmetest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kesu-erase/kesu/internal/filemedia/sedtest"
	"github.com/kesu-erase/kesu/nvme"
	"github.com/kesu-erase/kesu/tcg"
	"github.com/kesu-erase/kesu/tcg/tcgtest"
)

func newSED(t *testing.T, f tcgtest.Device) *Controller {
	t.Helper()
	dir := t.TempDir()
	c, err := New(Config{Serial: "SED1", OACS: OACSFormat, TPer: f, Namespaces: []NamespaceConfig{
		{Path: filepath.Join(dir, "n1"), Size: 64 * 512},
		{Path: filepath.Join(dir, "n2"), Size: 64 * 512},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestSecuritySendReceive: OACS bit 0 is reported with a TPer; Security
// Send/Receive reach it with the protocol, SP specific field and length of
// CDW10/CDW11; refusals are typed; without a TPer the opcodes are invalid.
func TestSecuritySendReceive(t *testing.T) {
	ctx := context.Background()
	f := &sedtest.Fake{Answers: map[uint8][]byte{0x01: []byte("discovery")}}
	c := newSED(t, f)
	medium, capacity, times := f.Attached()
	if file, ok := medium.(*os.File); !ok || file != c.Namespace(1).f || capacity != 64*512 || times != 1 {
		t.Errorf("Attach(%v, %d) × %d; want namespace 1's file, %d, once", medium, capacity, times, 64*512)
	}
	dev := nvme.NewDevice(c, c.Name())
	id, err := dev.IdentifyController(ctx)
	if err != nil || !id.OACS.SecuritySendReceive() || !id.OACS.FormatNVM() {
		t.Errorf("OACS with a TPer = %v, %v; want Security Send/Receive and Format NVM", id.OACS, err)
	}
	p := nvme.TCG(c, 0)
	buf := make([]byte, 1024)
	if err := p.SecurityReceive(ctx, 0x01, 0x0001, buf); err != nil || string(buf[:9]) != "discovery" {
		t.Fatalf("Security Receive = %v, %q; want the TPer's answer", err, buf[:9])
	}
	if k := f.Last(t); k.Send || k.Protocol != 0x01 || k.SPSpecific != 0x0001 || k.Len != 1024 {
		t.Errorf("TPer got %+v; want IF-RECV 01h, 0001h, 1024 bytes", k)
	}
	data := bytes.Repeat([]byte{0x24}, 512)
	if err := nvme.TCG(c, 1).SecuritySend(ctx, 0x01, 0x07FE, data); err != nil {
		t.Fatalf("Security Send on NSID 1 = %v", err)
	}
	if k := f.Last(t); !k.Send || k.Protocol != 0x01 || k.SPSpecific != 0x07FE || !bytes.Equal(k.Data, data) {
		t.Errorf("TPer got %+v; want IF-SEND 01h, 07FEh, the 512 bytes", k)
	}
	if r, _ := c.Admin(ctx, &nvme.Command{Opcode: 0x82, CDW10: 0x01000100, CDW11: 512, Data: buf}); r.Status.SC() != 0x02 {
		t.Errorf("Security Receive with AL 512 and a 1024-byte buffer: status %v; want Invalid Field", r.Status)
	}
	if err := nvme.TCG(c, 7).SecurityReceive(ctx, 0x01, 0x0001, buf); !errors.Is(err, nvme.ErrInvalidNamespace) {
		t.Errorf("Security Receive on inactive NSID 7 = %v; want Invalid Namespace", err)
	}
	if err := p.SecurityReceive(ctx, 0x02, 0x0000, buf); !errors.Is(err, tcg.ErrNotSupported) || !errors.Is(err, nvme.ErrInvalidField) {
		t.Errorf("Security Receive of an unsupported protocol = %v; want Invalid Field, ErrNotSupported", err)
	}
	f.Fail = errors.New("TPer broke")
	if err := p.SecurityReceive(ctx, 0x01, 0x0001, buf); errors.Is(err, tcg.ErrNotSupported) || !errors.Is(err, nvme.ErrCommandFailed) {
		t.Errorf("Security Receive the TPer fails = %v; want Internal Error, not ErrNotSupported", err)
	}

	plain, err := New(Config{Serial: "PLAIN", Namespaces: []NamespaceConfig{{Path: filepath.Join(t.TempDir(), "n1"), Size: 4096}}})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if id, err := nvme.NewDevice(plain, "plain").IdentifyController(ctx); err != nil || id.OACS.SecuritySendReceive() {
		t.Errorf("OACS without a TPer = %v, %v; want no Security Send/Receive", id.OACS, err)
	}
	if err := nvme.TCG(plain, 0).SecurityReceive(ctx, 0x00, 0x0000, buf); !errors.Is(err, tcg.ErrNotSupported) || !errors.Is(err, nvme.ErrUnsupported) {
		t.Errorf("Security Receive without a TPer = %v; want Invalid Command Opcode, ErrNotSupported", err)
	}
	if _, err := New(Config{Serial: "NONS", TPer: &sedtest.Fake{}}); err == nil {
		t.Errorf("New with a TPer and no namespace = nil error; want one")
	}
}

// TestNamespaceLockedRangeAndShadow: on namespace 1 a locked range refuses
// reads and writes with Access Denied (SCT 2h, SC 86h; libnvme
// NVME_SC_ACCESS_DENIED in the media and data integrity errors) wrapping
// tcgtest.ErrLocked, and the MBR shadow serves reads; namespace 2 is not
// the TPer's.
func TestNamespaceLockedRangeAndShadow(t *testing.T) {
	f := &sedtest.Fake{Locked: []sedtest.Range{{Start: 8 * 512, End: 16 * 512}}, MBR: bytes.Repeat([]byte{'N'}, 512)}
	c := newSED(t, f)
	n1, n2 := c.Namespace(1), c.Namespace(2)
	medium := bytes.Repeat([]byte{0x93}, 64*512)
	n1.f.WriteAt(medium, 0)
	n2.f.WriteAt(medium, 0)

	buf := make([]byte, 1024)
	if _, err := n1.ReadAt(buf, 0); err != nil || !bytes.Equal(buf[:512], f.MBR) || !bytes.Equal(buf[512:], medium[512:1024]) {
		t.Errorf("namespace 1 read of LBA 0-1 = %v; want the shadow, then the medium", err)
	}
	if _, err := n2.ReadAt(buf, 0); err != nil || !bytes.Equal(buf, medium[:1024]) {
		t.Errorf("namespace 2 read of LBA 0-1 = %v; want the medium", err)
	}
	for _, write := range []bool{false, true} {
		var err error
		if write {
			_, err = n1.WriteAt(buf, 15*512)
		} else {
			_, err = n1.ReadAt(buf, 7*512)
		}
		var ce *nvme.CommandError
		if !errors.Is(err, tcgtest.ErrLocked) || !errors.As(err, &ce) || ce.SCT() != 2 || ce.SC() != 0x86 {
			t.Errorf("namespace 1 write=%v into the locked range = %v; want Access Denied (SCT 2, SC 86h) wrapping ErrLocked", write, err)
		}
	}
	if _, err := n2.WriteAt(buf, 8*512); err != nil {
		t.Errorf("namespace 2 write at the same offset = %v; want success", err)
	}
	raw := make([]byte, 64*512)
	n1.f.ReadAt(raw, 0)
	if !bytes.Equal(raw, medium) {
		t.Errorf("namespace 1's medium changed under a refused write")
	}
	if _, err := n1.WriteAt(buf, 16*512); err != nil {
		t.Errorf("namespace 1 write after the locked range = %v", err)
	}
}

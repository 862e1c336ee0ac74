package nvmetest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/kesu-erase/kesu/nvme"
)

// recTB records what a Script reports instead of failing the real test.
type recTB struct {
	testing.TB
	errs     []string
	cleanups []func()
}

func (r *recTB) Helper()                      {}
func (r *recTB) Errorf(f string, args ...any) { r.errs = append(r.errs, fmt.Sprintf(f, args...)) }
func (r *recTB) Cleanup(f func())             { r.cleanups = append(r.cleanups, f) }
func (r *recTB) runCleanups() {
	for _, f := range r.cleanups {
		f()
	}
}

func TestScriptMismatch(t *testing.T) {
	rt := &recTB{TB: t}
	s := NewScript(rt,
		Step{Want: nvme.Command{Opcode: 0x06, CDW10: 1, Data: make([]byte, 4096)}, Data: []byte{0x86, 0x80}},
		Step{Rescan: true},
		Step{Want: nvme.Command{Opcode: 0x84, CDW10: 2}},
	)
	buf := make([]byte, 4096)
	if _, err := s.Admin(context.Background(), &nvme.Command{Opcode: 0x06, CDW10: 1, Data: buf}); err != nil || buf[0] != 0x86 || buf[1] != 0x80 {
		t.Fatalf("matching step: err %v data % x; want nil, 86 80", err, buf[:2])
	}
	if _, err := s.Admin(context.Background(), &nvme.Command{Opcode: 0x84, CDW10: 2}); !errors.Is(err, ErrScript) || len(rt.errs) != 1 {
		t.Errorf("Admin instead of Rescan: err %v, %d reports; want ErrScript, 1 report", err, len(rt.errs))
	}
	s.Rescan(context.Background())
	if _, err := s.Admin(context.Background(), &nvme.Command{Opcode: 0x84, CDW10: 4}); !errors.Is(err, ErrScript) || len(rt.errs) != 2 {
		t.Errorf("wrong CDW10: err %v, %d reports; want ErrScript, 2 reports", err, len(rt.errs))
	}
	rt.runCleanups()
	if len(rt.errs) != 3 || s.Done() {
		t.Errorf("cleanup reports %v, done %v; want the unconsumed step reported", rt.errs, s.Done())
	}
}

// TestIdentifyEncoding reads the emulator's Identify data at the spec
// offsets by hand (protocols.md §5.3/5.4), not through package nvme.
func TestIdentifyEncoding(t *testing.T) {
	dir := t.TempDir()
	c, err := New(Config{VID: 0x1b36, SSVID: 0x1af4, Serial: "SN1", Model: "MODEL X", Firmware: "FW1", Version: 0x00010400,
		OACS: OACSFormat, FNA: FNAFormatAll | FNACrypto, SANICAP: SANICAPCrypto | SANICAPBlock | SANICAPNDI, NN: 3,
		Namespaces: []NamespaceConfig{{Path: filepath.Join(dir, "a"), Size: 1 << 20, DLFEAT: 0x09, FormatIndex: 1,
			LBAFormats: []nvme.LBAFormat{{LBADS: 9}, {LBADS: 12, MetadataSize: 0}}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b := make([]byte, 4096)
	admin := func(cmd *nvme.Command) nvme.Status {
		r, err := c.Admin(context.Background(), cmd)
		if err != nil {
			t.Fatal(err)
		}
		return r.Status
	}
	admin(&nvme.Command{Opcode: 0x06, CDW10: 1, Data: b})
	le16, le32 := binary.LittleEndian.Uint16, binary.LittleEndian.Uint32
	if le16(b[0:]) != 0x1b36 || le16(b[2:]) != 0x1af4 || string(b[4:24]) != "SN1                 " || string(b[24:31]) != "MODEL X" || string(b[64:72]) != "FW1     " {
		t.Errorf("identity bytes % x; want VID/SSVID/SN/MN/FR as configured, space padded", b[:72])
	}
	if le32(b[80:]) != 0x10400 || le16(b[256:]) != 2 || le32(b[328:]) != 0x20000003 || le32(b[516:]) != 3 || b[524] != 0x05 || binary.LittleEndian.Uint64(b[280:]) != 1<<20 {
		t.Errorf("VER %#x OACS %#x SANICAP %#x NN %d FNA %#x TNVMCAP %d; want 0x10400 2 0x20000003 3 5 1048576",
			le32(b[80:]), le16(b[256:]), le32(b[328:]), le32(b[516:]), b[524], binary.LittleEndian.Uint64(b[280:]))
	}
	admin(&nvme.Command{Opcode: 0x06, NSID: 1, CDW10: 0, Data: b})
	if binary.LittleEndian.Uint64(b[0:]) != 256 || b[25] != 1 || b[26] != 1 || b[33] != 0x09 || b[128+4+2] != 12 {
		t.Errorf("namespace bytes: NSZE %d NLBAF %d FLBAS %d DLFEAT %#x LBADS[1] %d; want 256 1 1 0x9 12",
			binary.LittleEndian.Uint64(b[0:]), b[25], b[26], b[33], b[128+4+2])
	}
	if st := admin(&nvme.Command{Opcode: 0x06, NSID: 2, CDW10: 0, Data: b}); st != 0 || binary.LittleEndian.Uint64(b[0:]) != 0 {
		t.Errorf("inactive NSID 2: status %v NSZE %d; want success, all zero", st, binary.LittleEndian.Uint64(b[0:]))
	}
	if st := admin(&nvme.Command{Opcode: 0x06, NSID: 4, CDW10: 0, Data: b}); st.SC() != 0x0b {
		t.Errorf("NSID 4 > NN: status %v; want Invalid Namespace or Format", st)
	}
	if st := admin(&nvme.Command{Opcode: 0x02, NSID: 0xFFFFFFFF, CDW10: 0x007F0002, Data: make([]byte, 256)}); st.SC() != 0x02 {
		t.Errorf("Get Log Page with NUMD not matching the buffer: status %v; want Invalid Field", st)
	}
	if st := admin(&nvme.Command{Opcode: 0x11}); st.SC() != 0x01 {
		t.Errorf("unknown opcode: status %v; want Invalid Command Opcode", st)
	}
	// Format to LBA format 0 changes the block size and NSZE.
	if st := admin(&nvme.Command{Opcode: 0x80, NSID: 1, CDW10: 0x000}); st != 0 {
		t.Fatalf("format to LBAF 0: status %v", st)
	}
	if ns := c.Namespace(1); ns.LogicalBlockSize() != 512 || ns.Size() != 1<<20 {
		t.Errorf("after format to LBAF 0: block %d size %d; want 512, 1 MiB", ns.LogicalBlockSize(), ns.Size())
	}
	if st := admin(&nvme.Command{Opcode: 0x80, NSID: 1, CDW10: 0x002}); st.SCT() != 1 || st.SC() != 0x0a {
		t.Errorf("format to LBAF 2 of 2: status %v; want Invalid Format", st)
	}
}

// Package sedtest is a fake of the TPer side of a self-encrypting drive
// (tcgtest.Device) for the emulated drives' own tests: it records the
// IF-SEND and IF-RECV calls it gets, answers IF-RECV with set bytes,
// refuses the protocols it is not given, locks byte ranges and shadows the
// start of the medium. It speaks no TCG protocol; tcg/tcgtest's TPer does.
package sedtest

import (
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/kesu-erase/kesu/tcg/tcgtest"
)

// Call is one IF-SEND or IF-RECV the fake received.
type Call struct {
	Send       bool
	Protocol   uint8
	SPSpecific uint16
	Len        int
	Data       []byte // the IF-SEND payload
}

// Range is the bytes [Start, End) of the medium.
type Range struct{ Start, End int64 }

// Fake is a tcgtest.Device. Set its fields before the drive is built;
// its methods are safe for concurrent use.
type Fake struct {
	// Answers holds the IF-RECV reply of each supported protocol (padded
	// with zeros, cut to the buffer). IF-SEND and IF-RECV of a protocol
	// not in Answers fail with tcgtest.ErrUnsupported.
	Answers map[uint8][]byte
	// Fail, if set, is what IF-SEND and IF-RECV of a supported protocol
	// return: a device error.
	Fail error
	// Locked lists the byte ranges Access refuses, for reads and writes.
	Locked []Range
	// MBR is what reads of its first len(MBR) bytes return instead of the
	// medium (an active MBR shadow); nil means none.
	MBR []byte

	mu       sync.Mutex
	calls    []Call
	medium   io.WriterAt
	capacity int64
	attaches int
}

var _ tcgtest.Device = (*Fake)(nil)

func (f *Fake) record(c Call) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
	if _, ok := f.Answers[c.Protocol]; !ok {
		return fmt.Errorf("%w: protocol %02Xh", tcgtest.ErrUnsupported, c.Protocol)
	}
	return f.Fail
}

// SecurityReceive answers IF-RECV.
func (f *Fake) SecurityReceive(protocol uint8, spSpecific uint16, buf []byte) error {
	if err := f.record(Call{Protocol: protocol, SPSpecific: spSpecific, Len: len(buf)}); err != nil {
		return err
	}
	clear(buf)
	copy(buf, f.Answers[protocol])
	return nil
}

// SecuritySend takes IF-SEND.
func (f *Fake) SecuritySend(protocol uint8, spSpecific uint16, data []byte) error {
	return f.record(Call{Send: true, Protocol: protocol, SPSpecific: spSpecific, Len: len(data),
		Data: append([]byte(nil), data...)})
}

// Access refuses an access that touches a locked range.
func (f *Fake) Access(off int64, n int, write bool) error {
	for _, r := range f.Locked {
		if off < r.End && off+int64(n) > r.Start {
			what := "read"
			if write {
				what = "write"
			}
			return fmt.Errorf("%w: %s of %d bytes at %d meets bytes %d-%d", tcgtest.ErrLocked, what, n, off, r.Start, r.End-1)
		}
	}
	return nil
}

// Shadow puts MBR over the bytes of p that lie inside it.
func (f *Fake) Shadow(p []byte, off int64) {
	for i := range p {
		if pos := off + int64(i); pos >= 0 && pos < int64(len(f.MBR)) {
			p[i] = f.MBR[pos]
		}
	}
}

// Attach records the medium it was given.
func (f *Fake) Attach(medium io.WriterAt, capacity int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.medium, f.capacity = medium, capacity
	f.attaches++
}

// Calls returns the IF-SEND and IF-RECV calls received so far.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

// Last returns the latest call; it fails t when there was none.
func (f *Fake) Last(t testing.TB) Call {
	t.Helper()
	c := f.Calls()
	if len(c) == 0 {
		t.Fatal("sedtest: the TPer received nothing")
	}
	return c[len(c)-1]
}

// Attached returns the medium and capacity of the last Attach and how many
// times Attach was called.
func (f *Fake) Attached() (medium io.WriterAt, capacity int64, times int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.medium, f.capacity, f.attaches
}

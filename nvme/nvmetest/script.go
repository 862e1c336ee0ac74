package nvmetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kesu-erase/kesu/nvme"
)

// Step is one expected call on a Script: an admin command (Want) and the
// reply to give, or a Rescan.
type Step struct {
	// Want is the command expected: Opcode, NSID, CDW10-15 and the data
	// length are compared (not the data, nor the timeout).
	Want nvme.Command
	// Data is copied into the command's buffer (controller-to-host data).
	Data []byte
	// Reply is the completion to return.
	Reply nvme.Completion
	// Err is a transport error to return instead of a completion.
	Err error
	// Rescan marks a step that expects a Rescan call.
	Rescan bool
}

// ErrScript is returned when a call does not match the script.
var ErrScript = errors.New("nvmetest: call does not match the script")

// Script is a Transport that expects an exact sequence of calls. Deviations
// are reported with t.Errorf; at the end of the test, steps never called are
// reported too.
type Script struct {
	t     testing.TB
	mu    sync.Mutex
	steps []Step
	next  int
	// NSID is returned by NamespaceID (0: not opened on a namespace, an
	// error is returned).
	NSID uint32
}

// NewScript returns a script expecting steps in order.
func NewScript(t testing.TB, steps ...Step) *Script {
	s := &Script{t: t, steps: steps}
	t.Cleanup(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.next < len(s.steps) {
			t.Errorf("script: %d of %d steps never called; next expected: %s", len(s.steps)-s.next, len(s.steps), describe(s.steps[s.next]))
		}
	})
	return s
}

type wire struct {
	Opcode                                   uint8
	NSID                                     uint32
	CDW10, CDW11, CDW12, CDW13, CDW14, CDW15 uint32
	DataLen                                  int
}

func wireOf(c *nvme.Command) wire {
	return wire{c.Opcode, c.NSID, c.CDW10, c.CDW11, c.CDW12, c.CDW13, c.CDW14, c.CDW15, len(c.Data)}
}

func describe(s Step) string {
	if s.Rescan {
		return "Rescan()"
	}
	return "Admin(" + s.Want.String() + ")"
}

// Admin checks cmd against the next step and plays its reply.
func (s *Script) Admin(ctx context.Context, cmd *nvme.Command) (nvme.Completion, error) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next >= len(s.steps) {
		s.t.Errorf("script: Admin(%s) = unexpected call; want no more calls", cmd)
		return nvme.Completion{}, ErrScript
	}
	st := s.steps[s.next]
	if st.Rescan {
		s.t.Errorf("script step %d: Admin(%s) = unexpected call; want Rescan()", s.next, cmd)
		return nvme.Completion{}, ErrScript
	}
	want := st.Want
	want.Data = make([]byte, len(st.Want.Data))
	if d := cmp.Diff(wireOf(&want), wireOf(cmd)); d != "" {
		s.t.Errorf("script step %d: Admin(%s) = unexpected command; want %s (-want +got):\n%s", s.next, cmd, want.String(), d)
		return nvme.Completion{}, ErrScript
	}
	s.next++
	if st.Err != nil {
		return nvme.Completion{}, st.Err
	}
	if len(st.Data) > len(cmd.Data) {
		return nvme.Completion{}, fmt.Errorf("nvmetest: script data %d bytes > buffer %d", len(st.Data), len(cmd.Data))
	}
	copy(cmd.Data, st.Data)
	return st.Reply, nil
}

// Rescan checks that a Rescan step is next.
func (s *Script) Rescan(ctx context.Context) nvme.RescanReport {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next >= len(s.steps) || !s.steps[s.next].Rescan {
		want := "no more calls"
		if s.next < len(s.steps) {
			want = describe(s.steps[s.next])
		}
		s.t.Errorf("script: Rescan() = unexpected call; want %s", want)
		return nvme.RescanReport{Steps: []nvme.RescanStep{{Action: "rescan", Err: ErrScript.Error()}}}
	}
	s.next++
	return nvme.RescanReport{Steps: []nvme.RescanStep{{Target: "script", Action: "rescan"}}}
}

// NamespaceID returns the configured NSID.
func (s *Script) NamespaceID() (uint32, error) {
	if s.NSID == 0 {
		return 0, errors.New("nvmetest: script not opened on a namespace")
	}
	return s.NSID, nil
}

// Done reports whether every step was called.
func (s *Script) Done() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.next == len(s.steps)
}

package erase

import (
	"errors"
	"fmt"
	"sync"
)

// memTarget is an in-memory Target whose writes and reads can be made to fail
// in given LBA ranges, to vanish, or to call back (for cancellation tests).
type memTarget struct {
	mu        sync.Mutex
	data      []byte
	lbs, pbs  int
	badWrite  []LBARange // writes touching these blocks fail with errIO
	dropWrite []LBARange // writes touching these blocks are acknowledged and not stored
	badRead   []LBARange
	syncErr   error
	gone      bool
	onWrite   func(off int64, n int) // called before each write
	writes    int
	readCalls int
}

var errIO = errors.New("input/output error (injected)")

func newMem(size int64, lbs int) *memTarget {
	return &memTarget{data: make([]byte, size), lbs: lbs, pbs: lbs}
}

func (m *memTarget) hits(rs []LBARange, off int64, n int) bool {
	first := off / int64(m.lbs)
	end := (off + int64(n) + int64(m.lbs) - 1) / int64(m.lbs)
	for _, r := range rs {
		if first < r.End() && r.LBA < end {
			return true
		}
	}
	return false
}

func (m *memTarget) WriteAt(p []byte, off int64) (int, error) {
	if m.onWrite != nil {
		m.onWrite(off, len(p))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.writes++
	if m.gone {
		return 0, fmt.Errorf("write: %w", errVanishedInjected)
	}
	if off+int64(len(p)) > int64(len(m.data)) {
		return 0, errors.New("write beyond end")
	}
	if m.hits(m.badWrite, off, len(p)) {
		return 0, errIO
	}
	if m.hits(m.dropWrite, off, len(p)) {
		return len(p), nil
	}
	copy(m.data[off:], p)
	return len(p), nil
}

func (m *memTarget) ReadAt(p []byte, off int64) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.readCalls++
	if m.gone {
		return 0, errVanishedInjected
	}
	if off+int64(len(p)) > int64(len(m.data)) {
		return 0, errors.New("read beyond end")
	}
	if m.hits(m.badRead, off, len(p)) {
		return 0, errIO
	}
	copy(p, m.data[off:])
	return len(p), nil
}

var errVanishedInjected = errors.New("no such device (injected)")

func (m *memTarget) Present() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return !m.gone
}

func (m *memTarget) Size() int64            { return int64(len(m.data)) }
func (m *memTarget) LogicalBlockSize() int  { return m.lbs }
func (m *memTarget) PhysicalBlockSize() int { return m.pbs }
func (m *memTarget) Sync() error            { return m.syncErr }
func (m *memTarget) Close() error           { return nil }
func (m *memTarget) Name() string           { return "mem" }

package vm

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"time"
)

// qmpSocket is the QEMU Machine Protocol socket in Machine.Dir, present
// when Machine.ScreenEvery is set.
const qmpSocket = "qmp.sock"

// actSocket is the QMP socket Machine.Acts use.
const actSocket = "act.sock"

// QMPError is an error QEMU answered a QMP command with.
type QMPError struct {
	Command string
	Class   string
	Desc    string
}

func (e *QMPError) Error() string {
	return fmt.Sprintf("vm: qmp %s: %s: %s", e.Command, e.Class, e.Desc)
}

// qmp is a connection to QEMU's QMP socket after capabilities negotiation.
type qmp struct {
	conn net.Conn
	r    *bufio.Reader
}

// dialQMP connects to the socket (retrying while QEMU creates it, up to
// wait) and negotiates capabilities.
func dialQMP(path string, wait time.Duration) (*qmp, error) {
	deadline := time.Now().Add(wait)
	var conn net.Conn
	var err error
	for {
		conn, err = net.Dial("unix", path)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		return nil, fmt.Errorf("vm: qmp: %w", err)
	}
	q := &qmp{conn: conn, r: bufio.NewReader(conn)}
	if _, err := q.read(); err != nil { // the greeting
		conn.Close()
		return nil, err
	}
	if err := q.execute("qmp_capabilities", nil); err != nil {
		conn.Close()
		return nil, err
	}
	return q, nil
}

// read returns the next message that is not an asynchronous event.
func (q *qmp) read() (map[string]json.RawMessage, error) {
	for {
		q.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		line, err := q.r.ReadBytes('\n')
		if err != nil {
			return nil, fmt.Errorf("vm: qmp: %w", err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(line, &m); err != nil {
			return nil, fmt.Errorf("vm: qmp: %q: %w", line, err)
		}
		if _, ok := m["event"]; !ok {
			return m, nil
		}
	}
}

// execute runs one command and waits for its answer.
func (q *qmp) execute(cmd string, args any) error {
	req := map[string]any{"execute": cmd}
	if args != nil {
		req["arguments"] = args
	}
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	q.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := q.conn.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("vm: qmp %s: %w", cmd, err)
	}
	m, err := q.read()
	if err != nil {
		return err
	}
	if raw, ok := m["error"]; ok {
		var e struct {
			Class string `json:"class"`
			Desc  string `json:"desc"`
		}
		json.Unmarshal(raw, &e)
		return &QMPError{Command: cmd, Class: e.Class, Desc: e.Desc}
	}
	if _, ok := m["return"]; !ok {
		return fmt.Errorf("vm: qmp %s: unexpected answer %v", cmd, m)
	}
	return nil
}

// screendump saves the display as a PPM image at path.
func (q *qmp) screendump(path string) error {
	return q.execute("screendump", map[string]string{"filename": path})
}

func (q *qmp) Close() error { return q.conn.Close() }

// Control acts on a running machine through QMP (Machine.Acts).
type Control struct{ q *qmp }

// SetLink connects (up) or disconnects a network device's link, by the
// id of its -netdev (QMP set_link): the guest sees its cable pulled.
func (c *Control) SetLink(netdev string, up bool) error {
	return c.q.execute("set_link", map[string]any{"name": netdev, "up": up})
}

// Type types text on the machine's keyboard (QMP send-key, one key at a
// time) and presses Enter: lower-case letters, digits, space, '-' and '.'
// only, which need no shift and map the same on every layout QEMU knows.
func (c *Control) Type(text string) error {
	for _, r := range text {
		var code string
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			code = string(r)
		case r == ' ':
			code = "spc"
		case r == '-':
			code = "minus"
		case r == '.':
			code = "dot"
		default:
			return fmt.Errorf("vm: type: %q cannot be typed", r)
		}
		if err := c.key(code); err != nil {
			return err
		}
	}
	return c.key("ret")
}

func (c *Control) key(code string) error {
	return c.q.execute("send-key", map[string]any{"keys": []map[string]string{{"type": "qcode", "data": code}}})
}

// Act is done once, Delay after its marker first appears on the console
// (Machine.Acts).
type Act struct {
	After string
	Delay time.Duration
	Do    func(c *Control) error
}

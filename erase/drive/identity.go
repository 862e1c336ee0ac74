package drive

import (
	"fmt"
	"strings"

	"github.com/kesu-erase/kesu/erase"
	"github.com/kesu-erase/kesu/erase/worker"
)

// identityTimeout bounds the fresh identify command sent when a drive is
// reopened.
const identityTimeout = 30e9 // 30 s

// sameNode checks that a block target opened just now is the kernel device
// the adapter's transport has held open since probing. While the transport
// holds it, the kernel cannot give its device number to another disk, so a
// different number means a different device now sits at the path. Emulated
// targets and transports carry no device number; the check is then left to
// the identify comparison.
func sameNode(transport any, t erase.Target) error {
	tr, ok1 := transport.(erase.DeviceNumberer)
	bt, ok2 := t.(erase.DeviceNumberer)
	if !ok1 || !ok2 {
		return nil
	}
	held, err := tr.DeviceNumber()
	if err != nil {
		return fmt.Errorf("%s: %w: the probed device's number cannot be read: %v", t.Name(), worker.ErrIdentityUnconfirmed, err)
	}
	now, err := bt.DeviceNumber()
	if err != nil {
		return fmt.Errorf("%s: %w: %v", t.Name(), worker.ErrDifferentDrive, err)
	}
	if now != held {
		return fmt.Errorf("%s: %w: device %s, probed %s", t.Name(), worker.ErrDifferentDrive, devString(now), devString(held))
	}
	return nil
}

func devString(d uint64) string {
	// Linux's new_encode_dev layout, as glibc's gnu_dev_major/minor.
	major := (d>>8)&0xfff | (d>>32)&^0xfff
	minor := d&0xff | (d>>12)&^0xff
	return fmt.Sprintf("%d:%d", major, minor)
}

// idPair is what identifies a drive: its serial and world-wide name (WWN,
// EUI-64 or NGUID).
type idPair struct {
	what   string // "serial", "WWN", ...
	probed string
	now    string
}

// compareIdentity fails, wrapping ErrDifferentDrive, when any identifier
// read now (by source, e.g. "IDENTIFY DEVICE") differs from the one read at
// probe time.
func compareIdentity(path, source string, pairs ...idPair) error {
	var diff []string
	for _, p := range pairs {
		a, b := strings.TrimSpace(p.probed), strings.TrimSpace(p.now)
		if !strings.EqualFold(a, b) {
			diff = append(diff, fmt.Sprintf("%s %q (probed %q)", p.what, b, a))
		}
	}
	if len(diff) > 0 {
		return fmt.Errorf("%s: %w: %s now reports %s", path, worker.ErrDifferentDrive, source, strings.Join(diff, ", "))
	}
	return nil
}

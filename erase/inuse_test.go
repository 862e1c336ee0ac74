package erase

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

func sysTree(extra map[string]string) fstest.MapFS {
	m := fstest.MapFS{
		"sys/class/block/sda/dev":            {Data: []byte("8:0\n")},
		"sys/class/block/sda/sda1/dev":       {Data: []byte("8:1\n")},
		"sys/class/block/sda/sda2/dev":       {Data: []byte("8:2\n")},
		"sys/class/block/sdb/dev":            {Data: []byte("8:16\n")},
		"sys/class/block/sdb/sdb1/dev":       {Data: []byte("8:17\n")},
		"sys/class/block/sdb/sdb1/holders/x": {},
		"sys/class/block/dm-0/dev":           {Data: []byte("253:0\n")},
		"sys/class/block/sdc/dev":            {Data: []byte("8:32\n")},
		"proc/swaps":                         {Data: []byte("Filename Type Size Used Priority\n")},
		"proc/self/mountinfo": {Data: []byte(
			"22 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw\n" +
				"30 22 0:5 / /proc rw - proc proc rw\n" +
				"40 22 253:0 / /srv/data\\040here rw - xfs /dev/mapper/vg-data rw\n")},
	}
	for k, v := range extra {
		m[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return m
}

func TestCheckNotInUse(t *testing.T) {
	tree := sysTree(nil)
	// sdb1 is held by dm-0, which is mounted.
	tree["sys/class/block/sdb/sdb1/holders/dm-0"] = &fstest.MapFile{}
	delete(tree, "sys/class/block/sdb/sdb1/holders/x")
	tests := []struct {
		name string
		want []string // substrings of the reasons, in order
	}{
		{"sda", []string{"sda2 backs the running root filesystem"}},
		{"sdb", []string{"sdb1 is held by dm-0", "dm-0 is mounted at /srv/data here"}},
		{"sdc", nil},
	}
	for _, tc := range tests {
		err := CheckNotInUse(tree, tc.name)
		if tc.want == nil {
			if err != nil {
				t.Errorf("CheckNotInUse(%s) = %v; want nil", tc.name, err)
			}
			continue
		}
		var iu *InUseError
		if !errors.As(err, &iu) || !errors.Is(err, ErrInUse) {
			t.Fatalf("CheckNotInUse(%s) = %v; want *InUseError", tc.name, err)
		}
		if len(iu.Reasons) != len(tc.want) {
			t.Fatalf("CheckNotInUse(%s) reasons = %q; want %q", tc.name, iu.Reasons, tc.want)
		}
		for i, w := range tc.want {
			if !strings.Contains(iu.Reasons[i], w) {
				t.Errorf("CheckNotInUse(%s) reason %d = %q; want it to contain %q", tc.name, i, iu.Reasons[i], w)
			}
		}
	}
}

func TestCheckNotInUseSwapAndUnknown(t *testing.T) {
	tree := sysTree(map[string]string{"proc/swaps": "Filename Type Size Used Priority\n/dev/sdc partition 100 0 -2\n"})
	if err := CheckNotInUse(tree, "sdc"); err == nil || !strings.Contains(err.Error(), "sdc is active swap") {
		t.Errorf("CheckNotInUse(sdc as swap) = %v; want active swap", err)
	}
	if err := CheckNotInUse(tree, "sdz"); err == nil {
		t.Error("CheckNotInUse(unknown device) = nil; want an error")
	}
}

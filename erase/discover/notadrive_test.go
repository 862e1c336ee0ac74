package discover

import (
	"strings"
	"testing"
)

// A RAID controller's logical volume is refused as a drive of its own by
// every path that names one (kesu erase DEVICE, --method, several
// devices): overwriting it proves nothing about any physical drive.
func TestNotADrive(t *testing.T) {
	if why := (Disk{Name: "sda"}).NotADrive(); why != "" {
		t.Errorf("a plain disk: %q; want it allowed", why)
	}
	why := (Disk{Name: "sdb", Volume: &Volume{Driver: "megaraid_sas", TargetID: 0}}).NotADrive()
	if !strings.Contains(why, "logical volume, not a drive") || !strings.Contains(why, "kesu erase --all") {
		t.Errorf("a logical volume: %q; want it refused, with the way to erase its drives", why)
	}
}

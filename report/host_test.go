package report_test

import (
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/kesu-erase/kesu/report"
)

func TestReadHost(t *testing.T) {
	fsys := fstest.MapFS{
		"sys_vendor":     {Data: []byte("QEMU\n")},
		"product_name":   {Data: []byte("Standard PC (Q35 + ICH9, 2009)\n")},
		"product_uuid":   {Data: []byte("  8c9a2f57-41e3-4b8c-9d57-5c1f0a3b7e21\n")},
		"chassis_serial": {Data: []byte("To Be Filled By O.E.M.\n")},
		// product_serial absent (not root): stays empty.
	}
	want := report.Host{
		SysVendor: "QEMU", ProductName: "Standard PC (Q35 + ICH9, 2009)",
		ProductUUID: "8c9a2f57-41e3-4b8c-9d57-5c1f0a3b7e21", ChassisSerial: "To Be Filled By O.E.M.",
	}
	if diff := cmp.Diff(want, report.ReadHost(fsys)); diff != "" {
		t.Errorf("ReadHost (-want +got):\n%s", diff)
	}
}

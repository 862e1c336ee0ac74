package appliance_test

import (
	"testing"

	"github.com/kesu-erase/kesu/report/reporttest"
)

// TestMain checks every journal record the tests write against
// docs/record.schema.json (reporttest.Main).
func TestMain(m *testing.M) { reporttest.Main(m) }

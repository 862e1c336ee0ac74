package cert_test

import (
	"testing"

	"github.com/kesu-erase/kesu/report/reporttest"
)

// Every journal the tests write is checked against docs/record.schema.json.
func TestMain(m *testing.M) { reporttest.Main(m) }

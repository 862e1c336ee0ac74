package destruction

import (
	"testing"

	"github.com/kesu-erase/kesu/report/reporttest"
)

// Every journal and addendum the tests write is checked against its
// schema (docs/record.schema.json, docs/destruction.schema.json).
func TestMain(m *testing.M) { reporttest.Main(m) }

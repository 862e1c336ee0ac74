package appliance_test

import (
	"testing"

	"github.com/kesu-erase/kesu/appliance"
	"github.com/kesu-erase/kesu/image"
)

// The site archive kesu-mkimage writes unpacks where the appliance looks.
func TestSiteDirAgrees(t *testing.T) {
	if image.SiteDir != appliance.SiteDir {
		t.Errorf("image.SiteDir %q, appliance.SiteDir %q: the network boot's site files would not be found", image.SiteDir, appliance.SiteDir)
	}
}

// Command printversion prints version.Get() as JSON: the stamp test builds
// it with Stamp.LinkerFlags and reads back what the package saw.
package main

import (
	"encoding/json"
	"os"

	"github.com/kesu-erase/kesu/internal/version"
)

func main() {
	json.NewEncoder(os.Stdout).Encode(version.Get())
}

//go:build tools

// Package tools pins modules that kesu's build uses only as programs or
// that later packages import, so `go mod tidy` keeps them in go.mod.
package tools

import (
	_ "github.com/BurntSushi/toml"
	_ "github.com/diskfs/go-diskfs"
	_ "github.com/go-pdf/fpdf"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/skip2/go-qrcode"
	_ "github.com/u-root/u-root"
	_ "golang.org/x/sys/unix"
)

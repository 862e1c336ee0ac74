//go:build tools

package image

// The initramfs is built from u-root's init (cmds/core/init), which the kesu
// module never imports. Importing its library here (under the tools tag,
// never compiled) keeps `go mod tidy` from dropping the go.mod and go.sum
// entries the u-root build needs (klauspost/pgzip, vishvananda/netlink).
import _ "github.com/u-root/u-root/pkg/libinit"

// Package configs holds kesu's default files: the documented default policy
// (kesu.toml), the kernel module list and the GRUB configuration template
// used to build the stick.
package configs

import _ "embed"

// DefaultPolicy is configs/kesu.toml: the default policy, every key
// documented in comments.
//
//go:embed kesu.toml
var DefaultPolicy []byte

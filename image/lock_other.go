//go:build !unix

package image

import "context"

// lockFile is a no-op where flock does not exist; the cache is then not
// safe for concurrent builders.
func lockFile(ctx context.Context, path string) (func(), error) { return func() {}, nil }

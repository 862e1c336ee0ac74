package erase

// AlignedBuffer returns a buffer as kesu's own I/O uses (page-aligned for
// O_DIRECT, outside the Go heap, on transparent huge pages where it is a
// huge page or more) and the function releasing it: for programs that
// must do their I/O as kesu does, such as the bench's floors.
func AlignedBuffer(n int) ([]byte, func(), error) { return alignedBuffer(n) }

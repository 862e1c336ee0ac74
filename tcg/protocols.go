package tcg

import (
	"context"
	"encoding/binary"
	"fmt"
)

// SupportedProtocols reads the security protocol list (IF-RECV protocol
// 00h, SP specific 0000h; SPC-5 7.7.1): bytes 6-7 are the list's length,
// the list of protocol numbers starts at byte 8.
func SupportedProtocols(ctx context.Context, t Transport) ([]uint8, error) {
	buf := make([]byte, 512)
	if err := t.SecurityReceive(ctx, ProtocolInfo, 0x0000, buf); err != nil {
		return nil, fmt.Errorf("security protocol list: %w", err)
	}
	n := int(binary.BigEndian.Uint16(buf[6:8]))
	if 8+n > len(buf) {
		return nil, fmt.Errorf("%w: security protocol list length %d past the end of %d bytes", ErrMalformed, n, len(buf))
	}
	return append([]uint8(nil), buf[8:8+n]...), nil
}

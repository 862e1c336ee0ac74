package tcgtest

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ComPacket framing (Core Spec 3.2.3): a 20-byte ComPacket header, one
// 24-byte Packet header, one 12-byte data SubPacket header and its
// payload padded to a multiple of 4 bytes.

const (
	comPacketHeaderLen = 20
	packetHeaderLen    = 24
	subPacketHeaderLen = 12
	// transferUnit is what IF-SEND and IF-RECV transfers are padded to.
	transferUnit = 512
)

// errFraming is a ComPacket the TPer cannot take apart.
var errFraming = errors.New("tcgtest: malformed ComPacket")

// comPacket is the content of a received ComPacket that the TPer uses.
type comPacket struct {
	comID, comIDExt uint16
	tsn, hsn        uint32
	payload         []byte // the data SubPacket's payload, without pad
}

// parseComPacket takes apart an IF-SEND payload. The TPer handles one
// Packet with one data SubPacket (MaxPackets = MaxSubpackets = 1).
func parseComPacket(b []byte) (*comPacket, error) {
	if len(b) < comPacketHeaderLen {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the ComPacket header", errFraming, len(b))
	}
	p := &comPacket{
		comID:    binary.BigEndian.Uint16(b[4:6]),
		comIDExt: binary.BigEndian.Uint16(b[6:8]),
	}
	cpLen := uint64(binary.BigEndian.Uint32(b[16:20]))
	body := b[comPacketHeaderLen:]
	if cpLen > uint64(len(body)) {
		return nil, fmt.Errorf("%w: ComPacket length %d past the %d bytes sent", errFraming, cpLen, len(body))
	}
	body = body[:cpLen]
	if len(body) < packetHeaderLen {
		return nil, fmt.Errorf("%w: no Packet header", errFraming)
	}
	p.tsn = binary.BigEndian.Uint32(body[0:4])
	p.hsn = binary.BigEndian.Uint32(body[4:8])
	pLen := uint64(binary.BigEndian.Uint32(body[20:24]))
	body = body[packetHeaderLen:]
	if pLen > uint64(len(body)) {
		return nil, fmt.Errorf("%w: Packet length %d past the ComPacket", errFraming, pLen)
	}
	body = body[:pLen]
	if len(body) < subPacketHeaderLen {
		return nil, fmt.Errorf("%w: no SubPacket header", errFraming)
	}
	if k := binary.BigEndian.Uint16(body[6:8]); k != 0 {
		return nil, fmt.Errorf("%w: SubPacket kind %04Xh is not data", errFraming, k)
	}
	sLen := uint64(binary.BigEndian.Uint32(body[8:12]))
	body = body[subPacketHeaderLen:]
	if sLen > uint64(len(body)) {
		return nil, fmt.Errorf("%w: SubPacket length %d past the Packet", errFraming, sLen)
	}
	p.payload = body[:sLen]
	return p, nil
}

// buildComPacket frames payload for the host on comID in the session
// tsn/hsn. An empty payload makes an empty ComPacket (Length 0) with
// outstanding in OutstandingData and minTransfer in MinTransfer.
func buildComPacket(comID uint16, tsn, hsn uint32, payload []byte, outstanding, minTransfer uint32) []byte {
	var b []byte
	b = binary.BigEndian.AppendUint32(b, 0)
	b = binary.BigEndian.AppendUint16(b, comID)
	b = binary.BigEndian.AppendUint16(b, 0)
	b = binary.BigEndian.AppendUint32(b, outstanding)
	b = binary.BigEndian.AppendUint32(b, minTransfer)
	if len(payload) == 0 {
		return binary.BigEndian.AppendUint32(b, 0)
	}
	pad := (4 - len(payload)%4) % 4
	subLen := subPacketHeaderLen + len(payload) + pad
	b = binary.BigEndian.AppendUint32(b, uint32(packetHeaderLen+subLen))
	b = binary.BigEndian.AppendUint32(b, tsn)
	b = binary.BigEndian.AppendUint32(b, hsn)
	b = binary.BigEndian.AppendUint32(b, 0) // SeqNumber
	b = append(b, 0, 0)                     // reserved
	b = binary.BigEndian.AppendUint16(b, 0) // AckType
	b = binary.BigEndian.AppendUint32(b, 0) // Acknowledgement
	b = binary.BigEndian.AppendUint32(b, uint32(subLen))
	b = append(b, 0, 0, 0, 0, 0, 0)         // reserved
	b = binary.BigEndian.AppendUint16(b, 0) // Kind: data
	b = binary.BigEndian.AppendUint32(b, uint32(len(payload)))
	b = append(b, payload...)
	return append(b, make([]byte, pad)...)
}

package tcg

import (
	"encoding/binary"
	"fmt"
)

// Header sizes of the ComPacket, Packet and SubPacket (Core Spec 3.2.3).
const (
	comPacketHeaderLen = 20
	packetHeaderLen    = 24
	subPacketHeaderLen = 12
	framingOverhead    = comPacketHeaderLen + packetHeaderLen + subPacketHeaderLen
)

// frame wraps a token stream in one SubPacket (Kind 0, data) in one Packet
// of session tsn/hsn in one ComPacket for comID (Core Spec 3.2.3.1-3):
//
//	ComPacket: reserved 4, ComID 2, ComID extension 2, OutstandingData 4,
//	           MinTransfer 4, Length 4
//	Packet:    TSN 4, HSN 4, SeqNumber 4, reserved 2, AckType 2,
//	           Acknowledgement 4, Length 4
//	SubPacket: reserved 6, Kind 2, Length 4, then the payload padded to a
//	           multiple of 4 (Length excludes the pad)
//
// The result is padded with zeros to a multiple of 512 bytes.
func frame(comID uint16, tsn, hsn uint32, payload []byte) []byte {
	padded := (len(payload) + 3) &^ 3
	n := framingOverhead + padded
	b := make([]byte, roundUp512(n))
	be := binary.BigEndian
	be.PutUint16(b[4:], comID)
	be.PutUint32(b[16:], uint32(packetHeaderLen+subPacketHeaderLen+padded))
	p := b[comPacketHeaderLen:]
	be.PutUint32(p[0:], tsn)
	be.PutUint32(p[4:], hsn)
	be.PutUint32(p[20:], uint32(subPacketHeaderLen+padded))
	s := p[packetHeaderLen:]
	be.PutUint32(s[8:], uint32(len(payload)))
	copy(s[subPacketHeaderLen:], payload)
	return b
}

// comPacket is a received ComPacket's header and its first Packet.
type comPacket struct {
	comID           uint16
	outstandingData uint32
	minTransfer     uint32
	length          uint32
	tsn, hsn        uint32
	// data is the concatenated payload of the data SubPackets (Kind 0).
	data []byte
}

// parseComPacket decodes a received ComPacket. A ComPacket of Length 0 has
// no Packet.
func parseComPacket(b []byte) (*comPacket, error) {
	if len(b) < comPacketHeaderLen {
		return nil, fmt.Errorf("%w: ComPacket of %d bytes", ErrMalformed, len(b))
	}
	be := binary.BigEndian
	c := &comPacket{
		comID:           be.Uint16(b[4:]),
		outstandingData: be.Uint32(b[8:]),
		minTransfer:     be.Uint32(b[12:]),
		length:          be.Uint32(b[16:]),
	}
	if c.length == 0 {
		return c, nil
	}
	if uint64(c.length) > uint64(len(b)-comPacketHeaderLen) {
		return nil, fmt.Errorf("%w: ComPacket Length %d past the %d bytes received", ErrMalformed, c.length, len(b))
	}
	body := b[comPacketHeaderLen : comPacketHeaderLen+int(c.length)]
	if len(body) < packetHeaderLen {
		return nil, fmt.Errorf("%w: ComPacket Length %d shorter than a Packet header", ErrMalformed, c.length)
	}
	c.tsn, c.hsn = be.Uint32(body[0:]), be.Uint32(body[4:])
	plen := be.Uint32(body[20:])
	if uint64(plen) > uint64(len(body)-packetHeaderLen) {
		return nil, fmt.Errorf("%w: Packet Length %d past the ComPacket's end", ErrMalformed, plen)
	}
	sub := body[packetHeaderLen : packetHeaderLen+int(plen)]
	for len(sub) > 0 {
		if len(sub) < subPacketHeaderLen {
			// Trailing bytes shorter than a SubPacket header are padding.
			break
		}
		kind := be.Uint16(sub[6:])
		slen := be.Uint32(sub[8:])
		if uint64(slen) > uint64(len(sub)-subPacketHeaderLen) {
			return nil, fmt.Errorf("%w: SubPacket Length %d past the Packet's end", ErrMalformed, slen)
		}
		if kind == 0 {
			c.data = append(c.data, sub[subPacketHeaderLen:subPacketHeaderLen+int(slen)]...)
		}
		next := subPacketHeaderLen + (int(slen)+3)&^3
		if next > len(sub) {
			break
		}
		sub = sub[next:]
	}
	return c, nil
}

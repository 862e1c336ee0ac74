package scsi

import (
	"encoding/binary"
	"fmt"
)

// LogPage is a decoded LOG SENSE page (SPC-4 7.3.2): a list of parameters.
type LogPage struct {
	Page, Subpage byte
	Params        []LogParam
}

// LogParam is one log parameter: code, control byte and value bytes.
type LogParam struct {
	Code    uint16
	Control byte
	Value   []byte
}

// DecodeLogPage decodes a log page: byte 0 bits 5:0 page code, byte 1
// subpage, bytes 2–3 page length, then parameters of [code BE16, control,
// length, value].
func DecodeLogPage(b []byte) (*LogPage, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("scsi: log page too short: %d bytes", len(b))
	}
	lp := &LogPage{Page: b[0] & 0x3f, Subpage: b[1]}
	end := 4 + int(binary.BigEndian.Uint16(b[2:4]))
	if end > len(b) {
		end = len(b)
	}
	for p := 4; p+4 <= end; {
		n := int(b[p+3])
		if p+4+n > end {
			return lp, fmt.Errorf("scsi: log page %#02x parameter %#04x overruns the page", lp.Page, binary.BigEndian.Uint16(b[p:p+2]))
		}
		lp.Params = append(lp.Params, LogParam{
			Code:    binary.BigEndian.Uint16(b[p : p+2]),
			Control: b[p+2],
			Value:   append([]byte(nil), b[p+4:p+4+n]...),
		})
		p += 4 + n
	}
	return lp, nil
}

// Param returns the parameter with the given code.
func (lp *LogPage) Param(code uint16) (LogParam, bool) {
	for _, p := range lp.Params {
		if p.Code == code {
			return p, true
		}
	}
	return LogParam{}, false
}

// Uint returns the value as a big-endian unsigned integer (up to 8 bytes).
func (p LogParam) Uint() (uint64, bool) {
	if len(p.Value) == 0 || len(p.Value) > 8 {
		return 0, false
	}
	var v uint64
	for _, c := range p.Value {
		v = v<<8 | uint64(c)
	}
	return v, true
}

// DecodeSupportedLogPages decodes log page 00h, whose payload is a plain
// list of page codes (SPC-4 7.3.18).
func DecodeSupportedLogPages(b []byte) ([]byte, error) {
	if len(b) < 4 || b[0]&0x3f != 0 {
		return nil, fmt.Errorf("scsi: not a supported log pages page")
	}
	end := 4 + int(binary.BigEndian.Uint16(b[2:4]))
	if end > len(b) {
		end = len(b)
	}
	out := make([]byte, 0, end-4)
	for _, c := range b[4:end] {
		out = append(out, c&0x3f)
	}
	return out, nil
}

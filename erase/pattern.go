package erase

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kesu-erase/kesu/internal/aesctr"
)

// PatternKind names what an overwrite writes.
type PatternKind string

// Pattern kinds.
const (
	PatternZero   PatternKind = "zero"   // every byte 0x00
	PatternOne    PatternKind = "one"    // every byte 0xFF
	PatternByte   PatternKind = "byte"   // every byte a fixed value
	PatternRandom PatternKind = "random" // AES-256-CTR keystream, seekable
)

// ErrBadPattern is returned for a pattern string kesu does not understand.
var ErrBadPattern = errors.New("bad pattern")

// Pattern is the content an overwrite writes and a verification expects.
//
// The random pattern is the AES-256-CTR keystream of a per-run key: the byte
// at device offset o is byte o mod 16 of AES-256_K(be128(floor(o/16))). Any
// range can therefore be regenerated from the key and its offset alone, which
// lets writers run in parallel and verification check any sample. The key is
// never recorded; KeyID identifies it without revealing it.
type Pattern struct {
	kind     PatternKind
	b        byte
	stream   *aesctr.Stream
	keyID    string
	inverted bool // random only: every byte of the stream inverted
}

// Zero, One and Byte return the constant patterns.
func Zero() Pattern { return Pattern{kind: PatternZero, b: 0x00} }

// One returns the all-ones (0xFF) pattern.
func One() Pattern { return Pattern{kind: PatternOne, b: 0xFF} }

// Byte returns the pattern repeating b.
func Byte(b byte) Pattern {
	switch b {
	case 0x00:
		return Zero()
	case 0xFF:
		return One()
	}
	return Pattern{kind: PatternByte, b: b}
}

// NewRandom returns a random pattern with a fresh 256-bit key from the
// operating system's CSPRNG.
func NewRandom() (Pattern, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return Pattern{}, fmt.Errorf("random pattern key: %w", err)
	}
	return RandomFromKey(key)
}

// RandomFromKey returns the random pattern for a 32-byte key.
func RandomFromKey(key []byte) (Pattern, error) {
	if len(key) != 32 {
		return Pattern{}, fmt.Errorf("%w: random pattern key must be 32 bytes, got %d", ErrBadPattern, len(key))
	}
	stream, err := aesctr.New(key)
	if err != nil {
		return Pattern{}, err
	}
	sum := sha256.Sum256(append([]byte("kesu pattern key id\x00"), key...))
	return Pattern{kind: PatternRandom, stream: stream, keyID: hex.EncodeToString(sum[:8])}, nil
}

// ParsePattern parses "zero", "one", "random" (fresh key) or a byte "0xNN".
func ParsePattern(s string) (Pattern, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "zero", "zeros", "0x00":
		return Zero(), nil
	case "one", "ones", "0xff":
		return One(), nil
	case "random":
		return NewRandom()
	}
	b, err := parseByte(s)
	if err != nil {
		return Pattern{}, err
	}
	return Byte(b), nil
}

// ParseConstant parses "zero", "one" or "0xNN": the patterns a verify-only
// run can expect without a key.
func ParseConstant(s string) (Pattern, error) {
	if strings.EqualFold(strings.TrimSpace(s), "random") {
		return Pattern{}, fmt.Errorf("%w: a random pattern cannot be verified without its key (which kesu never records)", ErrBadPattern)
	}
	return ParsePattern(s)
}

func parseByte(s string) (byte, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if !strings.HasPrefix(t, "0x") || len(t) < 3 || len(t) > 4 {
		return 0, fmt.Errorf("%w %q: want zero, one, random or 0xNN", ErrBadPattern, s)
	}
	v, err := strconv.ParseUint(t[2:], 16, 8)
	if err != nil {
		return 0, fmt.Errorf("%w %q: want zero, one, random or 0xNN", ErrBadPattern, s)
	}
	return byte(v), nil
}

// Kind returns the pattern's kind.
func (p Pattern) Kind() PatternKind { return p.kind }

// IsZero reports whether p is the unset Pattern value.
func (p Pattern) IsZero() bool { return p.kind == "" }

// Constant returns the repeated byte of a constant pattern.
func (p Pattern) Constant() (byte, bool) {
	if p.kind == PatternRandom || p.kind == "" {
		return 0, false
	}
	return p.b, true
}

// KeyID identifies a random pattern's key (a truncated SHA-256 of it) without
// revealing it; "" for constant patterns.
func (p Pattern) KeyID() string { return p.keyID }

// String names the pattern as the CLI and the record show it.
func (p Pattern) String() string {
	switch p.kind {
	case PatternRandom:
		if p.inverted {
			return "random (inverted)"
		}
		return string(p.kind)
	case PatternZero, PatternOne:
		return string(p.kind)
	case PatternByte:
		return fmt.Sprintf("0x%02x", p.b)
	}
	return "none"
}

// Fill writes the pattern's content for device offset off into buf.
func (p Pattern) Fill(buf []byte, off int64) {
	if p.kind != PatternRandom {
		fillByte(buf, p.b)
		return
	}
	first := uint64(off) / aesctr.BlockSize
	if skip := int(uint64(off) % aesctr.BlockSize); skip != 0 {
		var head [aesctr.BlockSize]byte
		p.stream.Fill(head[:], first, p.inverted)
		buf = buf[copy(buf, head[skip:]):]
		first++
	}
	p.stream.Fill(buf, first, p.inverted)
}

func fillByte(buf []byte, b byte) {
	if b == 0 {
		clear(buf)
		return
	}
	if len(buf) == 0 {
		return
	}
	buf[0] = b
	for n := 1; n < len(buf); n *= 2 {
		copy(buf[n:], buf[:n])
	}
}

// Complement returns the pattern whose every bit is the inverse of p's: the
// second pass of a two-pass overwrite (NIST SP 800-88 Rev.1 asks removable
// flash media for a pattern and its complement).
func (p Pattern) Complement() Pattern {
	if b, ok := p.Constant(); ok {
		return Byte(^b)
	}
	q := p
	q.inverted = !p.inverted
	return q
}

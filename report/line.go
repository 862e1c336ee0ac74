package report

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ZeroHash is the prev of the first record: 64 zeros.
var ZeroHash = strings.Repeat("0", 64)

// recordSigDomain prefixes every signed message, so a kesu record signature
// can never be mistaken for a signature over anything else.
const recordSigDomain = "kesu-journal-record-v1\n"

// sigSuffix frames a record's signature at the end of its line:
// `,"sig":"<128 lower-case hex digits>"}`.
const (
	sigOpen      = `,"sig":"`
	sigClose     = `"}`
	sigHexLen    = 2 * ed25519.SignatureSize
	sigSuffixLen = len(sigOpen) + sigHexLen + len(sigClose)
)

// envelope is a record line without its signature, in the field order of
// the line: {"seq","time","kind","prev","body"}.
type envelope struct {
	Seq  int64           `json:"seq"`
	Time time.Time       `json:"time"`
	Kind Kind            `json:"kind"`
	Prev string          `json:"prev"`
	Body json.RawMessage `json:"body"`
}

// hashLine returns the SHA-256 (hex) of a line's bytes, newline excluded.
func hashLine(line []byte) string {
	sum := sha256.Sum256(line)
	return hex.EncodeToString(sum[:])
}

// encodeLine returns the record's line (without the newline). With a
// signer, the line is the unsigned form U with `,"sig":"…"` inserted
// before its final brace, where the signature is over recordSigDomain‖U.
func encodeLine(env envelope, s *Signer) ([]byte, error) {
	u, err := json.Marshal(env)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return u, nil
	}
	sig := ed25519.Sign(s.priv, signedMessage(u))
	line := make([]byte, 0, len(u)+sigSuffixLen)
	line = append(line, u[:len(u)-1]...)
	line = append(line, sigOpen...)
	line = hex.AppendEncode(line, sig)
	line = append(line, sigClose...)
	return line, nil
}

func signedMessage(u []byte) []byte {
	m := make([]byte, 0, len(recordSigDomain)+len(u))
	m = append(m, recordSigDomain...)
	return append(m, u...)
}

// parsedLine is one line taken apart.
type parsedLine struct {
	env      envelope
	unsigned []byte // U: the bytes the signature covers (without the domain)
	sig      []byte // nil when the line carries no signature
}

// parseLine splits a line into its envelope and signature. It accepts only
// the exact framing encodeLine writes; the envelope must have exactly the
// fields seq, time, kind, prev and body.
func parseLine(line []byte) (*parsedLine, error) {
	p := &parsedLine{unsigned: line}
	if n := len(line); n > sigSuffixLen && bytes.HasSuffix(line, []byte(sigClose)) &&
		bytes.Equal(line[n-sigSuffixLen:n-sigSuffixLen+len(sigOpen)], []byte(sigOpen)) {
		h := line[n-sigHexLen-len(sigClose) : n-len(sigClose)]
		if !isLowerHex(h) {
			return nil, errors.New("signature is not lower-case hex")
		}
		p.sig = make([]byte, ed25519.SignatureSize)
		hex.Decode(p.sig, h)
		u := make([]byte, 0, n-sigSuffixLen+1)
		u = append(u, line[:n-sigSuffixLen]...)
		p.unsigned = append(u, '}')
	}
	var raw struct {
		Seq  *int64          `json:"seq"`
		Time *time.Time      `json:"time"`
		Kind *Kind           `json:"kind"`
		Prev *string         `json:"prev"`
		Body json.RawMessage `json:"body"`
	}
	dec := json.NewDecoder(bytes.NewReader(p.unsigned))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the record")
	}
	switch {
	case raw.Seq == nil:
		return nil, errors.New("no seq")
	case raw.Time == nil:
		return nil, errors.New("no time")
	case raw.Kind == nil:
		return nil, errors.New("no kind")
	case raw.Prev == nil:
		return nil, errors.New("no prev")
	case raw.Body == nil:
		return nil, errors.New("no body")
	}
	if len(*raw.Prev) != 64 || !isLowerHex([]byte(*raw.Prev)) {
		return nil, fmt.Errorf("prev %q is not a SHA-256 in lower-case hex", *raw.Prev)
	}
	p.env = envelope{Seq: *raw.Seq, Time: *raw.Time, Kind: *raw.Kind, Prev: *raw.Prev, Body: raw.Body}
	return p, nil
}

func isLowerHex(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// EndsSealed reports whether data (journal lines) ends with a complete
// seal record: the last line decodes as a record of kind seal and is
// followed by its newline. It checks the form only; Verify checks the rest.
func EndsSealed(data []byte) bool {
	if !bytes.HasSuffix(data, []byte("\n")) {
		return false
	}
	rest := bytes.TrimSuffix(data, []byte("\n"))
	last := rest[bytes.LastIndexByte(rest, '\n')+1:]
	var env struct {
		Kind Kind `json:"kind"`
	}
	return json.Unmarshal(last, &env) == nil && env.Kind == KindSeal
}

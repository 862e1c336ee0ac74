package report

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"time"
)

// The journal's line format (line.go) serves other signed records too: a
// chain of records, each line signed and linked to the one before by its
// hash, closed by a seal record. A destruction addendum is one. ChainRecord,
// EncodeChain and VerifyChain write and check such a file without a run.

// ChainRecord is one record to write in a chain.
type ChainRecord struct {
	Time time.Time
	Kind Kind
	Body any
}

// EncodeChain returns records as lines (each ending with a newline), the
// first linked to ZeroHash, followed by a seal record (kind "seal") signed
// like the rest; s nil writes them unsigned. It also returns the hash of
// the seal's line.
func EncodeChain(records []ChainRecord, s *Signer, sealTime time.Time) ([]byte, string, error) {
	var out []byte
	prev := ZeroHash
	add := func(seq int64, t time.Time, kind Kind, body any) error {
		raw, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s body: %w", kind, err)
		}
		line, err := encodeLine(envelope{Seq: seq, Time: t.UTC(), Kind: kind, Prev: prev, Body: raw}, s)
		if err != nil {
			return err
		}
		out = append(append(out, line...), '\n')
		prev = hashLine(line)
		return nil
	}
	for i, r := range records {
		if r.Kind == KindSeal {
			return nil, "", fmt.Errorf("record %d: the seal is written by EncodeChain", i)
		}
		if err := add(int64(i), r.Time, r.Kind, r.Body); err != nil {
			return nil, "", err
		}
	}
	seal := Seal{Records: int64(len(records)), Head: prev, Alg: "none"}
	if s != nil {
		seal.Alg, seal.Fingerprint = "Ed25519", s.Fingerprint()
	}
	if err := add(int64(len(records)), sealTime, KindSeal, &seal); err != nil {
		return nil, "", err
	}
	return out, prev, nil
}

// ChainLine is one intact record of a chain.
type ChainLine struct {
	Seq  int64
	Time time.Time
	Kind Kind
	Body json.RawMessage
	// Hash is the SHA-256 (hex) of the record's line.
	Hash string
}

// Chain is what VerifyChain found in a chain file.
type Chain struct {
	// Lines is the intact prefix, the seal included when it is intact.
	Lines []ChainLine
	// Key is the key the first record declares (nil: unsigned).
	Key *KeyInfo
	// Sealed is set when the chain ends with an intact seal.
	Sealed bool
	// Problem is the first thing wrong (nil when every line is intact and
	// the chain is sealed); its kind says how bad (ProblemKind).
	Problem *Problem
}

// VerifyChain checks a chain file: each line's framing, its place and link
// in the chain, its signature under the key the first record declares
// (keyOf reads it from the first record's body, which must be of kind
// first), and the seal. It stops at the first bad line. Whether the key is
// trusted is the caller's matter.
func VerifyChain(j *RawJournal, first Kind, keyOf func(body json.RawMessage) (*KeyInfo, error)) *Chain {
	c := &Chain{}
	var key ed25519.PublicKey
	prev := ZeroHash
	fail := func(kind ProblemKind, line int, seq int64, format string, args ...any) *Chain {
		c.Problem = &Problem{Kind: kind, Line: line, Seq: seq, Detail: fmt.Sprintf(format, args...)}
		return c
	}
	for i, line := range j.Lines {
		lineNo := i + 1
		if c.Sealed {
			return fail(ProblemAfterSeal, lineNo, -1, "data after the seal record")
		}
		p, err := parseLine(line)
		if err != nil {
			return fail(ProblemAltered, lineNo, -1, "not a valid record (%v)", err)
		}
		seq := p.env.Seq
		if i == 0 {
			if p.env.Kind != first {
				return fail(ProblemRemoved, lineNo, seq, "first record is %q, not %q", p.env.Kind, first)
			}
			k, err := keyOf(p.env.Body)
			if err != nil {
				return fail(ProblemAltered, lineNo, seq, "%s body: %v", first, err)
			}
			if k != nil {
				if key, err = k.publicKey(); err != nil {
					return fail(ProblemAltered, lineNo, seq, "%s key: %v", first, err)
				}
				kc := *k
				c.Key = &kc
			}
		}
		if kind, why := p.signatureProblem(key, "the file", "the first record"); why != "" {
			return fail(kind, lineNo, seq, "%s", why)
		}
		if i > 0 && p.env.Kind == first {
			// One start per chain, as a journal has one run-start: a
			// second could name another key, journal or drive.
			return fail(ProblemMalformed, lineNo, seq, "a second %q record", first)
		}
		if seq != int64(i) {
			return fail(ProblemReordered, lineNo, seq, "record %d is at line %d", seq, lineNo)
		}
		if p.env.Prev != prev {
			return fail(ProblemAltered, lineNo, seq, "prev %s… does not match the hash of line %d (%s…): a record was changed, removed or spliced in", short(p.env.Prev), i, short(prev))
		}
		hash := hashLine(line)
		if p.env.Kind == KindSeal {
			var s Seal
			dec := json.NewDecoder(bytes.NewReader(p.env.Body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&s); err != nil {
				return fail(ProblemMalformed, lineNo, seq, "seal body: %v", err)
			}
			if why := s.mismatch(seq, prev, c.Key, "the first record"); why != "" {
				return fail(ProblemMalformed, lineNo, seq, "%s", why)
			}
			c.Sealed = true
		}
		c.Lines = append(c.Lines, ChainLine{Seq: seq, Time: p.env.Time, Kind: p.env.Kind, Body: p.env.Body, Hash: hash})
		prev = hash
	}
	switch {
	case len(j.Partial) > 0 && c.Sealed:
		return fail(ProblemAfterSeal, len(j.Lines)+1, -1, "%d bytes after the seal record", len(j.Partial))
	case len(j.Partial) > 0:
		return fail(ProblemTruncated, len(j.Lines)+1, -1, "the last line is cut short (%d bytes, no newline)", len(j.Partial))
	case len(j.Lines) == 0:
		return fail(ProblemEmpty, 0, -1, "no complete record")
	case !c.Sealed:
		return fail(ProblemUnsealed, 0, -1, "%d records and no seal: the file was cut off", len(c.Lines))
	}
	return c
}

// Status is the integrity verdict on the chain given the trusted keys.
func (c *Chain) Status(trusted KeyRing) VerifyStatus {
	if c.Problem != nil {
		return c.Problem.Kind.status()
	}
	if !c.Trusted(trusted) {
		return Untrusted
	}
	return Intact
}

// Trusted reports whether the chain is signed by a key of the ring.
func (c *Chain) Trusted(trusted KeyRing) bool {
	if c.Key == nil {
		return false
	}
	pub, err := c.Key.publicKey()
	tk, ok := trusted[c.Key.Fingerprint]
	return err == nil && ok && bytes.Equal(tk, pub)
}

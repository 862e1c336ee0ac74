package nvme

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
)

// ContentKind names what a block must contain after an erase.
type ContentKind string

// Content kinds. Changed means vendor-defined or random-looking content
// that can only be checked against samples taken before the erase (or
// planted data): it must differ from them.
const (
	ContentZeros   ContentKind = "zeros"
	ContentOnes    ContentKind = "ones"
	ContentPattern ContentKind = "pattern" // Pattern repeated, little-endian
	ContentChanged ContentKind = "changed"
)

// Content is one acceptable block content.
type Content struct {
	Kind    ContentKind `json:"kind"`
	Pattern uint32      `json:"pattern,omitempty"`
}

func (c Content) String() string {
	if c.Kind == ContentPattern {
		return fmt.Sprintf("pattern %#08x", c.Pattern)
	}
	return string(c.Kind)
}

// Matches reports whether after (read back) is this content; before is the
// same range read before the erase (used by ContentChanged only).
func (c Content) Matches(before, after []byte) bool {
	switch c.Kind {
	case ContentZeros:
		return allByte(after, 0)
	case ContentOnes:
		return allByte(after, 0xff)
	case ContentPattern:
		var w [4]byte
		binary.LittleEndian.PutUint32(w[:], c.Pattern)
		for i, b := range after {
			if b != w[i%4] {
				return false
			}
		}
		return true
	case ContentChanged:
		return len(before) == len(after) && !bytes.Equal(before, after)
	}
	return false
}

func allByte(p []byte, v byte) bool {
	for _, b := range p {
		if b != v {
			return false
		}
	}
	return true
}

// Expectation is what read-back must find after an erase: any one of AnyOf.
// An empty AnyOf means the method promises nothing (Format SES=0).
type Expectation struct {
	AnyOf []Content `json:"any_of"`
	Why   string    `json:"why"`
}

// Matches reports whether after satisfies one of the acceptable contents.
func (e Expectation) Matches(before, after []byte) bool {
	for _, c := range e.AnyOf {
		if c.Matches(before, after) {
			return true
		}
	}
	return false
}

func (e Expectation) String() string {
	var s []string
	for _, c := range e.AnyOf {
		s = append(s, c.String())
	}
	return strings.Join(s, " or ")
}

// deallocated is what DLFEAT says deallocated blocks read as.
func deallocated(d DLFEAT) (Content, bool) {
	switch d.ReadBehavior() {
	case ReadZeros:
		return Content{Kind: ContentZeros}, true
	case ReadOnes:
		return Content{Kind: ContentOnes}, true
	}
	return Content{}, false
}

// OverwriteFinal is the pattern the last overwrite pass leaves: with OIPBP
// the passes alternate pattern and inverse, so an even pass count ends
// inverted.
func OverwriteFinal(pattern uint32, passes int, invert bool) uint32 {
	if invert && passes%2 == 0 {
		return ^pattern
	}
	return pattern
}

// ExpectAfterSanitize derives the expected content after a successful
// sanitize from the request and the namespace's DLFEAT. Unless
// no-deallocate was requested (and not inhibited by SANICAP NDI), the
// controller deallocates the blocks when the sanitize completes, so they
// read as DLFEAT declares — if it declares anything.
func ExpectAfterSanitize(req SanitizeRequest, d DLFEAT, cap SANICAP) Expectation {
	dealloc := !req.NoDeallocate || cap.NoDeallocateInhibited()
	dc, declared := deallocated(d)
	var e Expectation
	switch req.Action {
	case SanitizeBlockErase:
		if dealloc && declared {
			e = Expectation{AnyOf: []Content{dc}, Why: "block erase deallocates; DLFEAT declares deallocated blocks read as " + d.ReadBehaviorString()}
		} else {
			e = Expectation{AnyOf: []Content{{Kind: ContentChanged}}, Why: "block erase leaves vendor-defined content (DLFEAT: " + d.ReadBehaviorString() + ")"}
		}
	case SanitizeCryptoErase:
		e = Expectation{AnyOf: []Content{{Kind: ContentChanged}}, Why: "crypto erase leaves data unreadable under the old key"}
		if dealloc && declared {
			e.AnyOf = append(e.AnyOf, dc)
			e.Why += "; deallocated blocks may read as DLFEAT declares"
		}
	case SanitizeOverwrite:
		p := OverwriteFinal(req.Pattern, max(req.OverwritePasses, 1), req.InvertPattern)
		e = Expectation{AnyOf: []Content{{Kind: ContentPattern, Pattern: p}}, Why: "overwrite leaves the last pass's pattern"}
		if dealloc {
			if declared {
				e.AnyOf = append(e.AnyOf, dc)
			} else {
				e.AnyOf = append(e.AnyOf, Content{Kind: ContentChanged})
			}
			e.Why += " unless the controller deallocates afterwards (request no-deallocate to verify the pattern)"
		}
	default:
		e = Expectation{Why: req.Action.String() + " erases nothing"}
	}
	return e
}

// ExpectAfterFormat derives the expected content after a successful Format
// NVM. SES=0 promises nothing.
func ExpectAfterFormat(ses SES, d DLFEAT) Expectation {
	dc, declared := deallocated(d)
	switch ses {
	case SESUserData, SESCrypto:
		e := Expectation{AnyOf: []Content{{Kind: ContentChanged}}, Why: ses.String() + " leaves indeterminate content"}
		if declared {
			e.AnyOf = append([]Content{dc}, e.AnyOf...)
			e.Why += "; deallocated blocks read as DLFEAT declares"
		}
		return e
	}
	return Expectation{Why: "Format NVM without secure erase does not erase user data"}
}

package report

import (
	"encoding/json"
	"testing"
	"time"
)

// VerifyChain (shared by the destruction addendum) must refuse the first
// record's kind again later in the chain, as the journal's Verify refuses a second
// run-start (assembler.check). An addendum reader that keeps the last
// destruction-start (destruction.Read) then reads a start that is not the
// one whose key verified the chain.
func TestVerifyChainRefusesASecondStart(t *testing.T) {
	s := NewSigner(testKey)
	k := s.info
	type start struct {
		Key   *KeyInfo `json:"key"`
		Label string   `json:"label"`
	}
	t0 := time.Unix(0, 0).UTC()
	data, _, err := EncodeChain([]ChainRecord{
		{Time: t0, Kind: "x-start", Body: start{Key: &k, Label: "first"}},
		{Time: t0, Kind: "x-start", Body: start{Key: &k, Label: "second"}},
	}, s, t0)
	if err != nil {
		t.Fatal(err)
	}
	c := VerifyChain(SplitJournal(data), "x-start", func(b json.RawMessage) (*KeyInfo, error) {
		var st start
		err := json.Unmarshal(b, &st)
		return st.Key, err
	})
	if c.Problem == nil || c.Problem.Kind != ProblemMalformed || c.Status(testRing()) != Invalid {
		t.Errorf("a chain with two %q records: problem %+v, status %s; want it INVALID (malformed), as a journal with a second run-start is", "x-start", c.Problem, c.Status(testRing()))
	}
}

package erase

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// DefaultSubsections is the number of equal subsections a sampled
// verification splits the LBA space into (NIST SP 800-88 Rev.1 §4.7 asks
// for at least 1,000).
const DefaultSubsections = 1000

// maxSampleBytes caps one sampled location, so a plan has many locations
// rather than a few long ones.
const maxSampleBytes = 1 << 20

// ErrBadPlan is returned for an impossible verification request.
var ErrBadPlan = errors.New("bad verification plan")

// SamplePlan says which blocks a verification reads. It is fully determined
// by its seed and parameters, so anyone holding the record can recompute
// exactly which blocks were read:
//
//   - The LBA space [0, Blocks) is split into Subsections parts; part i
//     spans [i·Blocks/S, (i+1)·Blocks/S) (integer division).
//   - A part of L blocks must have need = ceil(Percent/100·L) blocks read
//     (at least 2). It gets k = max(2, ceil(need/MaxSampleBlocks))
//     locations of r = ceil(need/k) blocks each, one in each of k equal
//     slots of floor(L/k) blocks (the last slot takes the remainder), so
//     locations never overlap. Where that cannot hold need blocks, the
//     whole part is read.
//   - A location's offset in its slot is draw mod (slotLen − r + 1), where
//     the j-th draw of part i is the first 8 bytes (big-endian) of
//     AES-256_K(be64(i) ‖ be64(j)), K = SHA-256("kesu sample plan v1" ‖ seed).
//   - The first location of part 0 starts at LBA 0 and the last location of
//     the last part ends at the last LBA, so both ends are always read.
//
// A full plan reads every block.
type SamplePlan struct {
	Seed            string  `json:"seed,omitempty"` // hex
	Full            bool    `json:"full"`
	Percent         float64 `json:"percent_requested"`
	Blocks          int64   `json:"blocks"`
	BlockSize       int     `json:"block_size"`
	Subsections     int64   `json:"subsections"`
	MaxSampleBlocks int64   `json:"max_sample_blocks"`

	prng cipher.Block
}

// NewSeed returns a fresh 256-bit plan seed.
func NewSeed() ([]byte, error) {
	s := make([]byte, 32)
	if _, err := rand.Read(s); err != nil {
		return nil, fmt.Errorf("plan seed: %w", err)
	}
	return s, nil
}

// FullPlan returns a plan that reads every block.
func FullPlan(blocks int64, blockSize int) *SamplePlan {
	return &SamplePlan{Full: true, Percent: 100, Blocks: blocks, BlockSize: blockSize, Subsections: 1}
}

// NewSamplePlan returns a sampled plan over blocks blocks of blockSize bytes
// reading at least percent % of them. Percent 100 gives a full plan.
func NewSamplePlan(seed []byte, blocks int64, blockSize int, percent float64) (*SamplePlan, error) {
	if blocks <= 0 || blockSize <= 0 {
		return nil, fmt.Errorf("%w: %d blocks of %d bytes", ErrBadPlan, blocks, blockSize)
	}
	if !(percent > 0 && percent <= 100) {
		return nil, fmt.Errorf("%w: percent %v not in (0, 100]", ErrBadPlan, percent)
	}
	if percent == 100 {
		return FullPlan(blocks, blockSize), nil
	}
	if len(seed) < 16 {
		return nil, fmt.Errorf("%w: seed of %d bytes, want at least 16", ErrBadPlan, len(seed))
	}
	p := &SamplePlan{
		Seed: hex.EncodeToString(seed), Percent: percent, Blocks: blocks, BlockSize: blockSize,
		Subsections: DefaultSubsections, MaxSampleBlocks: max(1, int64(maxSampleBytes/blockSize)),
	}
	if blocks < 2*DefaultSubsections {
		// Too small for 1,000 parts of two blocks each.
		p.Subsections = max(1, blocks/2)
	}
	if err := p.init(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *SamplePlan) init() error {
	if p.Full {
		return nil
	}
	seed, err := hex.DecodeString(p.Seed)
	if err != nil {
		return fmt.Errorf("%w: seed: %v", ErrBadPlan, err)
	}
	k := sha256.Sum256(append([]byte("kesu sample plan v1"), seed...))
	blk, err := aes.NewCipher(k[:])
	if err != nil {
		return err
	}
	p.prng = blk
	return nil
}

// Subsection returns part i's first LBA and length in blocks.
func (p *SamplePlan) Subsection(i int64) (start, length int64) {
	s := p.Subsections
	start = mulDiv(i, p.Blocks, s)
	end := mulDiv(i+1, p.Blocks, s)
	return start, end - start
}

// mulDiv returns a*b/c without overflow for a ≤ c.
func mulDiv(a, b, c int64) int64 {
	q, r := b/c, b%c
	return a*q + a*r/c
}

// shape returns the number of locations and blocks per location for a part
// of length l, or (1, l) when the whole part is read.
func (p *SamplePlan) shape(l int64) (k, r int64) {
	if p.Full {
		return 1, l
	}
	need := int64(math.Ceil(p.Percent / 100 * float64(l)))
	need = max(need, 2)
	if need >= l {
		return 1, l
	}
	k = max(2, (need+p.MaxSampleBlocks-1)/p.MaxSampleBlocks)
	r = (need + k - 1) / k
	if k > l || r > l/k {
		return 1, l
	}
	return k, r
}

// Extents appends part i's locations, in LBA order, to dst.
func (p *SamplePlan) Extents(i int64, dst []LBARange) []LBARange {
	start, l := p.Subsection(i)
	if l == 0 {
		return dst
	}
	k, r := p.shape(l)
	if k == 1 {
		return append(dst, LBARange{LBA: start, Count: l})
	}
	slot := l / k
	var in, out [16]byte
	binary.BigEndian.PutUint64(in[:8], uint64(i))
	for j := int64(0); j < k; j++ {
		slotStart := j * slot
		slotLen := slot
		if j == k-1 {
			slotLen = l - slotStart
		}
		binary.BigEndian.PutUint64(in[8:], uint64(j))
		p.prng.Encrypt(out[:], in[:])
		off := int64(binary.BigEndian.Uint64(out[:8]) % uint64(slotLen-r+1))
		switch {
		case i == 0 && j == 0:
			off = 0
		case i == p.Subsections-1 && j == k-1:
			off = slotLen - r
		}
		dst = append(dst, LBARange{LBA: start + slotStart + off, Count: r})
	}
	return dst
}

// Each calls fn for every location of the plan in LBA order.
func (p *SamplePlan) Each(fn func(LBARange) error) error {
	var buf []LBARange
	for i := int64(0); i < p.Subsections; i++ {
		buf = p.Extents(i, buf[:0])
		for _, e := range buf {
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// PlannedBlocks returns how many blocks the plan reads, and in how many
// locations.
func (p *SamplePlan) PlannedBlocks() (blocks, locations int64) {
	if p.Full {
		return p.Blocks, 1
	}
	// All parts have one of two lengths: floor(B/S) or that plus one.
	for i := int64(0); i < p.Subsections; i++ {
		_, l := p.Subsection(i)
		k, r := p.shape(l)
		if k == 1 {
			r = l
		}
		blocks += k * r
		locations += k
	}
	return blocks, locations
}

// Method names the plan for the record: "full" or "sampled".
func (p *SamplePlan) Method() string {
	if p.Full {
		return "full"
	}
	return "sampled"
}

// ParseVerify parses a verification setting: "none", "full", or "N%" /
// "N" (percent, 0 < N ≤ 100). It returns percent 0 for none.
func ParseVerify(s string) (percent float64, err error) {
	t := strings.ToLower(strings.TrimSpace(s))
	switch t {
	case "none", "off", "no":
		return 0, nil
	case "full", "all":
		return 100, nil
	}
	v, perr := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 64)
	if perr != nil || !(v > 0 && v <= 100) || math.IsNaN(v) {
		return 0, fmt.Errorf("%w: verification %q: want none, full or a percentage in (0, 100]", ErrBadPlan, s)
	}
	return v, nil
}

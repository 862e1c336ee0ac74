package nvme

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestContentMatches(t *testing.T) {
	before := bytes.Repeat([]byte{1, 2, 3, 4}, 4)
	zeros, ones := make([]byte, 16), bytes.Repeat([]byte{0xff}, 16)
	pat := bytes.Repeat([]byte{0xef, 0xbe, 0xad, 0xde}, 4) // DEADBEEFh little-endian
	for _, c := range []struct {
		c     Content
		after []byte
		want  bool
	}{
		{Content{Kind: ContentZeros}, zeros, true},
		{Content{Kind: ContentZeros}, ones, false},
		{Content{Kind: ContentOnes}, ones, true},
		{Content{Kind: ContentPattern, Pattern: 0xDEADBEEF}, pat, true},
		{Content{Kind: ContentPattern, Pattern: 0xDEADBEEF}, zeros, false},
		{Content{Kind: ContentChanged}, zeros, true},
		{Content{Kind: ContentChanged}, before, false},
	} {
		if got := c.c.Matches(before, c.after); got != c.want {
			t.Errorf("%v.Matches(before, % x) = %v; want %v", c.c, c.after[:4], got, c.want)
		}
	}
}

func TestOverwriteFinal(t *testing.T) {
	for _, c := range []struct {
		passes int
		invert bool
		want   uint32
	}{{1, false, 0x12345678}, {2, false, 0x12345678}, {1, true, 0x12345678}, {2, true, 0xEDCBA987}, {3, true, 0x12345678}, {16, true, 0xEDCBA987}} {
		if got := OverwriteFinal(0x12345678, c.passes, c.invert); got != c.want {
			t.Errorf("OverwriteFinal(0x12345678, %d, %v) = %#x; want %#x", c.passes, c.invert, got, c.want)
		}
	}
}

func TestExpectations(t *testing.T) {
	z, o, ch := Content{Kind: ContentZeros}, Content{Kind: ContentOnes}, Content{Kind: ContentChanged}
	p := func(v uint32) Content { return Content{Kind: ContentPattern, Pattern: v} }
	for _, c := range []struct {
		name string
		got  Expectation
		want []Content
	}{
		{"block, DLFEAT zeros", ExpectAfterSanitize(SanitizeRequest{Action: SanitizeBlockErase}, 0x01, 0), []Content{z}},
		{"block, DLFEAT ones", ExpectAfterSanitize(SanitizeRequest{Action: SanitizeBlockErase}, 0x02, 0), []Content{o}},
		{"block, not reported", ExpectAfterSanitize(SanitizeRequest{Action: SanitizeBlockErase}, 0x00, 0), []Content{ch}},
		{"block, no-dealloc", ExpectAfterSanitize(SanitizeRequest{Action: SanitizeBlockErase, NoDeallocate: true}, 0x01, 0), []Content{ch}},
		{"block, no-dealloc inhibited", ExpectAfterSanitize(SanitizeRequest{Action: SanitizeBlockErase, NoDeallocate: true}, 0x01, 1<<29), []Content{z}},
		{"crypto, zeros", ExpectAfterSanitize(SanitizeRequest{Action: SanitizeCryptoErase}, 0x01, 0), []Content{ch, z}},
		{"crypto, not reported", ExpectAfterSanitize(SanitizeRequest{Action: SanitizeCryptoErase}, 0x00, 0), []Content{ch}},
		{"overwrite no-dealloc", ExpectAfterSanitize(SanitizeRequest{Action: SanitizeOverwrite, NoDeallocate: true, Pattern: 7, OverwritePasses: 2, InvertPattern: true}, 0x01, 0), []Content{p(^uint32(7))}},
		{"overwrite dealloc", ExpectAfterSanitize(SanitizeRequest{Action: SanitizeOverwrite, Pattern: 7}, 0x02, 0), []Content{p(7), o}},
		{"overwrite dealloc unknown", ExpectAfterSanitize(SanitizeRequest{Action: SanitizeOverwrite, Pattern: 7}, 0x00, 0), []Content{p(7), ch}},
		{"format SES=1 zeros", ExpectAfterFormat(SESUserData, 0x01), []Content{z, ch}},
		{"format SES=2 unknown", ExpectAfterFormat(SESCrypto, 0x00), []Content{ch}},
		{"format SES=0", ExpectAfterFormat(SESNone, 0x01), nil},
	} {
		if d := cmp.Diff(c.want, c.got.AnyOf); d != "" {
			t.Errorf("%s: AnyOf = %v; want %v (-want +got):\n%s", c.name, c.got.AnyOf, c.want, d)
		}
	}
}

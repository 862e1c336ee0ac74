package vm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// Font is a console bitmap font of 256 glyphs as the kernel's framebuffer
// console draws them: glyph c is Height rows of (Width+7)/8 bytes, most
// significant bit leftmost, a set bit drawn in the foreground colour.
type Font struct {
	Width, Height int
	Data          []byte // 256 glyphs
}

// glyphBytes is the size of one glyph.
func (f *Font) glyphBytes() int { return f.Height * ((f.Width + 7) / 8) }

// Pixel reports whether glyph c sets pixel (x, y).
func (f *Font) Pixel(c byte, x, y int) bool {
	bpr := (f.Width + 7) / 8
	b := f.Data[int(c)*f.glyphBytes()+y*bpr+x/8]
	return b&(0x80>>(x%8)) != 0
}

// ErrNoFont is returned when a kernel image holds no font of the size asked.
var ErrNoFont = errors.New("vm: no such built-in font in the kernel")

// FindFont finds a built-in font of width×height in an uncompressed kernel
// image. Linux keeps each font (lib/fonts/font_*.c) as a struct font_data:
// four 32-bit words {0, 0, size in bytes, 0} and then the 256 glyphs. Other
// data can follow such words too, so a candidate counts as the font only
// when it looks like one: the space blank, every other printable ASCII
// glyph drawn and unlike the others, '_' only in the lower half and '\”
// only in the upper half.
func FindFont(kernel []byte, width, height int) (*Font, error) {
	f := &Font{Width: width, Height: height}
	size := 256 * f.glyphBytes()
	hdr := make([]byte, 16)
	binary.LittleEndian.PutUint32(hdr[8:], uint32(size))
	blank := make([]byte, f.glyphBytes())
	for off := 0; ; {
		i := bytes.Index(kernel[off:], hdr)
		if i < 0 {
			return nil, fmt.Errorf("%w: %dx%d", ErrNoFont, width, height)
		}
		start := off + i + len(hdr)
		off += i + 1
		if start+size > len(kernel) {
			continue
		}
		f.Data = kernel[start : start+size]
		if f.plausible(blank) {
			f.Data = bytes.Clone(f.Data)
			return f, nil
		}
	}
}

// plausible reports whether f.Data looks like a font (see FindFont).
func (f *Font) plausible(blank []byte) bool {
	n := f.glyphBytes()
	g := func(c byte) []byte { return f.Data[int(c)*n:][:n] }
	if !bytes.Equal(g(' '), blank) {
		return false
	}
	seen := map[string]bool{}
	for c := byte(0x21); c < 0x7f; c++ {
		if bytes.Equal(g(c), blank) || seen[string(g(c))] {
			return false
		}
		seen[string(g(c))] = true
	}
	half := n / 2
	return bytes.Equal(g('_')[:half], blank[:half]) && bytes.Equal(g('\'')[half:], blank[half:])
}

// KernelFont reads a built-in font of width×height from a bzImage kernel
// (vmlinuz) compressed with xz, as Debian's are: the payload is unpacked
// with the xz command (the kernel's stream uses the x86 BCJ filter).
func KernelFont(vmlinuz string, width, height int) (*Font, error) {
	img, err := os.ReadFile(vmlinuz)
	if err != nil {
		return nil, err
	}
	i := bytes.Index(img, []byte("\xfd7zXZ\x00"))
	if i < 0 {
		return nil, fmt.Errorf("vm: %s: no xz payload", vmlinuz)
	}
	cmd := exec.Command("xz", "-dc", "--single-stream")
	cmd.Stdin = bytes.NewReader(img[i:])
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	kernel, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("vm: %s: xz: %v: %s", vmlinuz, err, stderr.String())
	}
	return FindFont(kernel, width, height)
}

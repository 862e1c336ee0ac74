package vm

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Image is a decoded display image: Width×Height pixels, each 0xRRGGBB.
type Image struct {
	Width, Height int
	Pix           []uint32
}

// At returns pixel (x, y).
func (m *Image) At(x, y int) uint32 { return m.Pix[y*m.Width+x] }

// ErrPPM is returned for an image that is not a binary PPM (P6, maxval 255).
var ErrPPM = errors.New("vm: not a P6 PPM image")

// ReadPPM decodes a binary PPM (P6) image, as QEMU's screendump writes.
func ReadPPM(path string) (*Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var magic string
	var w, h, maxval int
	if _, err := fmt.Fscan(r, &magic, &w, &h, &maxval); err != nil || magic != "P6" || maxval != 255 || w <= 0 || h <= 0 {
		return nil, fmt.Errorf("%w: %s (%q %dx%d max %d, %v)", ErrPPM, path, magic, w, h, maxval, err)
	}
	if _, err := r.ReadByte(); err != nil { // the one whitespace after maxval
		return nil, fmt.Errorf("%w: %s: %v", ErrPPM, path, err)
	}
	raw := make([]byte, 3*w*h)
	if _, err := io.ReadFull(r, raw); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrPPM, path, err)
	}
	m := &Image{Width: w, Height: h, Pix: make([]uint32, w*h)}
	for i := range m.Pix {
		m.Pix[i] = uint32(raw[3*i])<<16 | uint32(raw[3*i+1])<<8 | uint32(raw[3*i+2])
	}
	return m, nil
}

// Unknown stands in Text for a character cell that matches no glyph of the
// font (the cursor, or a cell in more than two colours).
const Unknown = '\uFFFD'

// Text reads the text a framebuffer console drew with font f: the image is
// cut into cells of the font's size from the top left, and each cell is
// matched exactly against every glyph, in either colour (so reverse video
// reads too). A cell of one colour reads as a space (a full block looks the
// same as a space in reverse video); glyphs are read as the
// characters of code page 437, the kernel's default font layout. Rows keep
// their trailing spaces. It returns how many cells read as Unknown: cells
// that match no glyph, or a glyph of the control range.
func (f *Font) Text(m *Image) (rows []string, unknown int) {
	cols, lines := m.Width/f.Width, m.Height/f.Height
	glyphs := map[string]byte{}
	// A bitmap shared by several glyphs (blank: 0x00, 0x20, 0xFF) reads as
	// the first of: printable ASCII, the upper half, the control range.
	var order []int
	for c := 0x20; c < 0x7f; c++ {
		order = append(order, c)
	}
	for c := 0x7f; c < 0x100; c++ {
		order = append(order, c)
	}
	for c := 0; c < 0x20; c++ {
		order = append(order, c)
	}
	for _, c := range order {
		k := string(f.bitmap(byte(c), nil))
		if _, ok := glyphs[k]; !ok {
			glyphs[k] = byte(c)
		}
	}
	bg := dominant(m)
	cell := make([]uint32, f.Width*f.Height)
	bits := make([]byte, f.Width*f.Height)
	for row := 0; row < lines; row++ {
		var b strings.Builder
		for col := 0; col < cols; col++ {
			for y := 0; y < f.Height; y++ {
				copy(cell[y*f.Width:(y+1)*f.Width], m.Pix[(row*f.Height+y)*m.Width+col*f.Width:])
			}
			r := f.readCell(cell, bits, glyphs, bg)
			if r == Unknown {
				unknown++
			}
			b.WriteRune(r)
		}
		rows = append(rows, b.String())
	}
	return rows, unknown
}

// readCell matches one cell: its pixels in one or two colours, the set
// pixels of a glyph in one and the rest in the other. When both readings
// match (a glyph and its complement, like the upper and lower half
// blocks), the one whose background is the screen's dominant colour wins.
func (f *Font) readCell(cell []uint32, bits []byte, glyphs map[string]byte, bg uint32) rune {
	c1 := cell[0]
	c2, two := uint32(0), false
	for _, p := range cell {
		if p == c1 {
			continue
		}
		if two && p != c2 {
			return Unknown
		}
		c2, two = p, true
	}
	if !two {
		return ' '
	}
	try := func(on uint32) (byte, bool) {
		for i, p := range cell {
			bits[i] = 0
			if p == on {
				bits[i] = 1
			}
		}
		g, ok := glyphs[string(bits)]
		return g, ok
	}
	g1, ok1 := try(c1) // c1 the foreground, c2 the background
	g2, ok2 := try(c2)
	switch {
	case ok1 && ok2:
		if c1 == bg {
			return cp437(g2)
		}
		return cp437(g1)
	case ok1:
		return cp437(g1)
	case ok2:
		return cp437(g2)
	}
	return Unknown
}

// bitmap returns glyph c as one byte (0 or 1) per pixel, row by row.
func (f *Font) bitmap(c byte, buf []byte) []byte {
	buf = buf[:0]
	for y := 0; y < f.Height; y++ {
		for x := 0; x < f.Width; x++ {
			v := byte(0)
			if f.Pixel(c, x, y) {
				v = 1
			}
			buf = append(buf, v)
		}
	}
	return buf
}

// dominant returns the image's most frequent colour.
func dominant(m *Image) uint32 {
	n := map[uint32]int{}
	best, most := uint32(0), 0
	for _, p := range m.Pix {
		n[p]++
		if n[p] > most {
			best, most = p, n[p]
		}
	}
	return best
}

// cp437High is code page 437 from 0x80 to 0xFF.
const cp437High = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»" +
	"░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀" +
	"αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0"

var cp437Runes = []rune(cp437High)

// cp437 returns the character glyph c shows in code page 437; the control
// range (whose glyphs are symbols) reads as Unknown.
func cp437(c byte) rune {
	switch {
	case c >= 0x80:
		return cp437Runes[c-0x80]
	case c >= 0x20 && c < 0x7f:
		return rune(c)
	case c == 0x7f:
		return '⌂'
	}
	return Unknown
}

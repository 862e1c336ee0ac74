package vm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// testFont is an 8x16 font whose glyphs are distinct: glyph c has its code
// in rows 2 and 3 and its complement in rows 5 and 6; glyph 0, the space
// and 0xFF are blank, 0xDB is the full block, 0xDC and 0xDF the lower and
// upper halves (each other's complement); '_' is drawn in the lower half and
// '\” in the upper half only, as in any real font.
func testFont() *Font {
	f := &Font{Width: 8, Height: 16, Data: make([]byte, 256*16)}
	for c := 1; c < 256; c++ {
		g := f.Data[c*16 : c*16+16]
		switch c {
		case ' ', 0xFF:
		case '_':
			g[14], g[15] = 0xFF, 0xFF
		case '\'':
			g[2], g[3] = 0x18, 0x18
		case 0xDB:
			for i := range g {
				g[i] = 0xFF
			}
		case 0xDC:
			for i := 8; i < 16; i++ {
				g[i] = 0xFF
			}
		case 0xDF:
			for i := 0; i < 8; i++ {
				g[i] = 0xFF
			}
		default:
			g[2], g[3], g[5], g[6] = byte(c), byte(c), ^byte(c), 0x81
		}
	}
	return f
}

// render draws rows of glyph codes as fbcon would: fg on bg, or bg on fg
// for the rows in reverse.
func render(f *Font, rows [][]byte, fg, bg uint32, reverse map[int]bool) *Image {
	m := &Image{Width: len(rows[0]) * f.Width, Height: len(rows) * f.Height}
	m.Pix = make([]uint32, m.Width*m.Height)
	for r, row := range rows {
		on, off := fg, bg
		if reverse[r] {
			on, off = bg, fg
		}
		for col, c := range row {
			for y := 0; y < f.Height; y++ {
				for x := 0; x < f.Width; x++ {
					p := off
					if f.Pixel(c, x, y) {
						p = on
					}
					m.Pix[(r*f.Height+y)*m.Width+col*f.Width+x] = p
				}
			}
		}
	}
	return m
}

func TestFontText(t *testing.T) {
	f := testFont()
	rows := [][]byte{
		[]byte("kesu disk erasure  "),
		[]byte("ata1   PASS  1/2   "),
		{0xDB, 0xDC, 0xDF, 0xB3, 0xC4, 'x', 0x00, 0xFF, ' ', 0x01, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'},
	}
	m := render(f, rows, 0xAAAAAA, 0x000000, map[int]bool{1: true})
	// One cell of a third colour (a cursor) reads as Unknown.
	m.Pix[(2*16+15)*m.Width+18*8] = 0xFF0000
	got, unknown := f.Text(m)
	want := []string{
		"kesu disk erasure  ",
		"ata1   PASS  1/2   ",
		" ▄▀│─x   \uFFFDabcdefgh\uFFFD", // the full block is one colour: a space
	}
	if len(got) != len(want) {
		t.Fatalf("Text = %d rows; want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Text row %d = %q; want %q", i, got[i], want[i])
		}
	}
	if unknown != 2 {
		t.Errorf("Text unknown = %d; want 2 (the control glyph 0x01 and the cell with a third colour)", unknown)
	}
}

func TestCP437(t *testing.T) {
	if n := utf8.RuneCountInString(cp437High); n != 128 {
		t.Fatalf("cp437High has %d runes; want 128", n)
	}
	for c, want := range map[byte]rune{0x41: 'A', 0x80: 'Ç', 0xB0: '░', 0xB3: '│', 0xC4: '─', 0xDB: '█', 0xE0: 'α', 0xFE: '■', 0x05: Unknown} {
		if got := cp437(c); got != want {
			t.Errorf("cp437(%#x) = %q; want %q", c, got, want)
		}
	}
}

func TestFindFont(t *testing.T) {
	f := testFont()
	hdr := make([]byte, 16)
	binary.LittleEndian.PutUint32(hdr[8:], 4096)
	decoy := append(bytes.Clone(hdr), make([]byte, 4096)...) // the header, then no glyphs ('A' blank)
	kernel := append(append(append([]byte("\x7fELF...."), decoy...), hdr...), f.Data...)
	got, err := FindFont(kernel, 8, 16)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Data, f.Data) {
		t.Errorf("FindFont found other data than the font")
	}
	if _, err := FindFont(kernel, 16, 32); !errors.Is(err, ErrNoFont) {
		t.Errorf("FindFont(16x32) = %v; want ErrNoFont", err)
	}
}

func TestReadPPM(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.ppm")
	data := fmt.Sprintf("P6\n%d %d\n255\n", 2, 1) + "\x01\x02\x03\xff\x00\x80"
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := ReadPPM(p)
	if err != nil {
		t.Fatal(err)
	}
	if m.Width != 2 || m.Height != 1 || m.At(0, 0) != 0x010203 || m.At(1, 0) != 0xff0080 {
		t.Errorf("ReadPPM = %dx%d %06x; want 2x1 [010203 ff0080]", m.Width, m.Height, m.Pix)
	}
	os.WriteFile(p, []byte("P3\n1 1\n255\n0 0 0\n"), 0o644)
	if _, err := ReadPPM(p); !errors.Is(err, ErrPPM) {
		t.Errorf("ReadPPM(P3) = %v; want ErrPPM", err)
	}
}

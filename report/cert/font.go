package cert

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// FontPaths are the places FindFont looks for a Japanese TrueType font,
// in order. IPAexGothic (Debian package fonts-ipaexfont-gothic) is under
// the IPA Font License v1.0, which allows embedding the font in documents
// and redistributing it; kesu embeds only the glyphs a certificate uses.
var FontPaths = []string{
	"/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf", // Debian 12 fonts-ipaexfont-gothic
	"/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf",
	"/usr/share/fonts/ipaexfont-gothic/ipaexg.ttf",
	"/usr/share/fonts/OTF/ipaexg.ttf",
}

// ErrNoFont means no usable font was found.
var ErrNoFont = errors.New("no Japanese TrueType font found")

// FindFont returns the font file to embed: path when given (it must
// exist), else the first of FontPaths that exists.
func FindFont(path string) (string, error) {
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return "", fmt.Errorf("font: %w", err)
		}
		return path, nil
	}
	for _, p := range FontPaths {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w (looked in %s): install the Debian package fonts-ipaexfont-gothic (scripts/deps.sh does) or pass --font FILE with a TrueType font whose licence allows embedding",
		ErrNoFont, strings.Join(FontPaths, ", "))
}

package size

import "testing"

// The expected strings are worked out by hand: 4000787030016 / 1024^4 =
// 3.638 (TiB), / 1000^4 = 4.0008 (TB).
func TestFormats(t *testing.T) {
	for _, tc := range []struct {
		n             int64
		iec, si, capa string
	}{
		{0, "0 B", "0 B", "0 bytes"},
		{512, "512 B", "512 B", "512 bytes"},
		{1023, "1023 B", "1.02 kB", "1023 bytes"},
		{1024, "1.0 KiB", "1.02 kB", "1.0 KiB (1.02 kB, 1024 bytes)"},
		{4 << 20, "4.0 MiB", "4.19 MB", "4.0 MiB (4.19 MB, 4194304 bytes)"},
		{960197124096, "894.3 GiB", "960 GB", "894.3 GiB (960 GB, 960197124096 bytes)"},
		{4000787030016, "3.6 TiB", "4.00 TB", "3.6 TiB (4.00 TB, 4000787030016 bytes)"},
		{16 << 30, "16.0 GiB", "17.2 GB", "16.0 GiB (17.2 GB, 17179869184 bytes)"},
		{-1, "-", "-", "-1 bytes"},
	} {
		if got := IEC(tc.n); got != tc.iec {
			t.Errorf("IEC(%d) = %q; want %q", tc.n, got, tc.iec)
		}
		if got := SI(tc.n); got != tc.si {
			t.Errorf("SI(%d) = %q; want %q", tc.n, got, tc.si)
		}
		if got := Capacity(tc.n); got != tc.capa {
			t.Errorf("Capacity(%d) = %q; want %q", tc.n, got, tc.capa)
		}
	}
}

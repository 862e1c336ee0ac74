package nvmetest_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/nvme"
	"github.com/kesu-erase/kesu/nvme/nvmetest"
)

// A timed sanitize lasts SanitizeTime on the controller's clock whatever
// the number of log reads, reports progress by elapsed time, and completes
// at the first read once the time has passed.
func TestTimedSanitize(t *testing.T) {
	clk := nvmetest.NewFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	c, err := nvmetest.New(nvmetest.Config{Serial: "TIMED", Model: "TIMED", SANICAP: 0b010,
		Namespaces:   []nvmetest.NamespaceConfig{{Path: filepath.Join(t.TempDir(), "ns1"), Size: 64 << 10}},
		Estimates:    nvmetest.Estimates{ETBE: 10, ETO: nvme.NoEstimate, ETCE: nvme.NoEstimate, ETOND: nvme.NoEstimate, ETBEND: nvme.NoEstimate, ETCEND: nvme.NoEstimate},
		SanitizeTime: 10 * time.Second, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d := &nvme.Device{T: c.OnNamespace(1), Name: "timed", Clock: clk}
	var fractions []float64
	res, err := d.Sanitize(context.Background(), nvme.SanitizeRequest{Action: nvme.SanitizeBlockErase, PollInterval: 3 * time.Second},
		func(p nvme.SanitizeProgress) { fractions = append(fractions, p.Fraction) })
	if err != nil {
		t.Fatalf("Sanitize: %v", err)
	}
	// Polls at 0, 3, 6 and 9 s find it running; the one at 12 s finds it done.
	if res.Polls != 5 {
		t.Errorf("polls = %d; want 5", res.Polls)
	}
	if res.Duration != 12*time.Second {
		t.Errorf("duration = %v; want 12s", res.Duration)
	}
	want := []float64{0, 0.3, 0.6, 0.9}
	for i, w := range want {
		if i >= len(fractions) || fractions[i] < w-0.001 || fractions[i] > w+0.001 {
			t.Errorf("progress = %v; want %v then done", fractions, want)
			break
		}
	}
	if c.SanitizeRunning() {
		t.Error("sanitize still running after completion was reported")
	}
}

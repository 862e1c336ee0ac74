package main

import (
	"fmt"
	"slices"
	"time"
)

// median of the walls; 0 for none. An even count takes the mean of the two
// middle values.
func median(s []Sample) time.Duration {
	if len(s) == 0 {
		return 0
	}
	d := make([]time.Duration, len(s))
	for i, x := range s {
		d[i] = x.Wall
	}
	slices.Sort(d)
	if len(d)%2 == 1 {
		return d[len(d)/2]
	}
	return (d[len(d)/2-1] + d[len(d)/2]) / 2
}

func peakRSSKiB(s []Sample) int64 {
	var m int64
	for _, x := range s {
		m = max(m, x.MaxRSSKiB)
	}
	return m
}

func seconds(s []Sample) []float64 {
	out := make([]float64, len(s))
	for i, x := range s {
		out[i] = x.Wall.Seconds()
	}
	return out
}

// Comparisons a goal is met by.
const (
	AtMost  = "<="
	AtLeast = ">="
)

// met reports whether v meets goal by cmp.
func met(v, goal float64, cmp string) bool {
	if cmp == AtLeast {
		return v >= goal
	}
	return v <= goal
}

// Key is one figure of results.json, on one device.
type Key struct {
	// Value is null when it could not be measured (Error says why).
	Value      *float64 `json:"value"`
	Unit       string   `json:"unit"` // ratio, s or MiB
	Goal       float64  `json:"goal"`
	Comparison string   `json:"comparison"` // value <= goal or value >= goal
	Met        bool     `json:"met"`
	N          int      `json:"n"`
	Device     string   `json:"device"`
	Formula    string   `json:"formula"`
	// From holds the series the value came from, with their medians.
	From           []Operand `json:"from,omitempty"`
	Method         string    `json:"method,omitempty"`
	ParallelDrives int       `json:"parallel_drives,omitempty"`
	PeakRSSMiB     *float64  `json:"peak_rss_mib,omitempty"`
	// Limit is the same ratio for a floor: this program doing kesu's I/O
	// for the key and nothing else (Limit.Method says how).
	Limit *Limit `json:"limit,omitempty"`
	Error string `json:"error,omitempty"`
}

// Limit is a floor measured beside a key: the same value computed with
// the floor's series in place of kesu's.
type Limit struct {
	Value   *float64  `json:"value"`
	Formula string    `json:"formula"`
	From    []Operand `json:"from,omitempty"`
	Method  string    `json:"method"`
	// Says is what the limit is, in a few words, for the table.
	Says  string `json:"says"`
	Error string `json:"error,omitempty"`
}

// Operand is a series a key was computed from.
type Operand struct {
	Series  string    `json:"series"`
	Command string    `json:"command"`
	MedianS float64   `json:"median_s"`
	Seconds []float64 `json:"seconds"`
}

func operand(s *Series) Operand {
	return Operand{Series: seriesID(s.Device.Kind, s.Name), Command: s.Command, MedianS: median(s.Samples).Seconds(), Seconds: seconds(s.Samples)}
}

// describe names a device for a key.
func describe(d *Device) string {
	return fmt.Sprintf("%s: %s over %s (%s, %d MiB)", d.Kind, d.Path, d.Backing, d.FS, d.Size>>20)
}

// setValue fills Value and Met.
func (k *Key) setValue(v float64) {
	k.Value = &v
	k.Met = met(v, k.Goal, k.Comparison)
}

// ratioKey is median(num) / median(den) against goal.
func ratioKey(num, den *Series, goal float64, cmp string) *Key {
	k := &Key{Unit: "ratio", Goal: goal, Comparison: cmp,
		Formula: fmt.Sprintf("median(%s) / median(%s)", num.Name, den.Name)}
	k.Device = describe(num.Device)
	k.From = []Operand{operand(num), operand(den)}
	k.N = min(len(num.Samples), len(den.Samples))
	switch {
	case num.Err != nil:
		k.Error = num.Err.Error()
	case den.Err != nil:
		k.Error = den.Err.Error()
	case k.N == 0 || median(den.Samples) == 0:
		k.Error = "no samples"
	default:
		k.setValue(median(num.Samples).Seconds() / median(den.Samples).Seconds())
	}
	return k
}

// rssKey is the highest peak RSS of the given kesu series, in MiB.
func rssKey(goal float64, ss ...*Series) *Key {
	k := &Key{Unit: "MiB", Goal: goal, Comparison: AtMost, Formula: "max(ru_maxrss) over every run of the series in from"}
	var peak int64
	for _, s := range ss {
		k.Device = describe(s.Device)
		k.From = append(k.From, operand(s))
		k.N += len(s.Samples)
		peak = max(peak, peakRSSKiB(s.Samples))
	}
	if k.N == 0 {
		k.Error = "no samples"
		return k
	}
	k.setValue(float64(peak) / 1024)
	return k
}

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// Schema names results.json's layout.
const Schema = "kesu-bench/1"

// Results is results.json: every key on every device it was measured on
// (keys[name][device]), the series behind them, and the machine.
type Results struct {
	Schema   string   `json:"schema"`
	Machine  Machine  `json:"machine"`
	Settings Settings `json:"settings"`
	// Publishable is false when the settings are below what the goals are
	// stated for (Caveats says which).
	Publishable bool                       `json:"publishable"`
	Caveats     []string                   `json:"caveats"`
	Devices     []*Device                  `json:"devices"`
	Keys        map[string]map[string]*Key `json:"keys"`
	// NWipe is nwipe's column (nwipe[row][device]); null when nwipe is not
	// installed.
	NWipe      map[string]map[string]*Key `json:"nwipe"`
	NWipePath  string                     `json:"nwipe_path,omitempty"`
	Series     []SeriesSummary            `json:"series"`
	AllMet     bool                       `json:"all_met"`
	Unmeasured []string                   `json:"unmeasured"`
}

// Settings are the bench's parameters.
type Settings struct {
	Kesu            string  `json:"kesu"`
	SizeMiB         int64   `json:"size_mib"`
	Runs            int     `json:"runs"`
	Interleaving    string  `json:"interleaving"`
	ParallelDrives  int     `json:"parallel_drives"`
	ParallelSizeMiB int64   `json:"parallel_size_mib"`
	OverheadSizeMiB int64   `json:"overhead_size_mib"`
	FirmwareSeconds float64 `json:"firmware_sanitize_seconds"`
	FirmwareSizeMiB int64   `json:"firmware_size_mib"`
	DDWrite         string  `json:"dd_write"`
	DDRead          string  `json:"dd_read"`
}

// SeriesSummary is one series in results.json.
type SeriesSummary struct {
	ID        string    `json:"id"`
	Tool      string    `json:"tool"`
	Device    string    `json:"device"`
	Command   string    `json:"command"`
	N         int       `json:"n"`
	MedianS   float64   `json:"median_s"`
	MinS      float64   `json:"min_s"`
	MaxS      float64   `json:"max_s"`
	Seconds   []float64 `json:"seconds"`
	PeakRSSMB float64   `json:"peak_rss_mib"`
	Error     string    `json:"error,omitempty"`
}

func summarize(s *Series) SeriesSummary {
	sec := seconds(s.Samples)
	out := SeriesSummary{ID: seriesID(s.Device.Kind, s.Name), Tool: s.Tool, Device: s.Device.Path, Command: s.Command,
		N: len(s.Samples), MedianS: median(s.Samples).Seconds(), Seconds: sec, PeakRSSMB: float64(peakRSSKiB(s.Samples)) / 1024}
	if len(sec) > 0 {
		out.MinS, out.MaxS = slices.Min(sec), slices.Max(sec)
	}
	if s.Err != nil {
		out.Error = s.Err.Error()
	}
	return out
}

// setKey files k under name and device.
func (r *Results) setKey(name, device string, k *Key) {
	if r.Keys == nil {
		r.Keys = map[string]map[string]*Key{}
	}
	if r.Keys[name] == nil {
		r.Keys[name] = map[string]*Key{}
	}
	r.Keys[name][device] = k
}

// setNWipe files an nwipe column figure.
func (r *Results) setNWipe(row, device string, k *Key) {
	if r.NWipe == nil {
		r.NWipe = map[string]map[string]*Key{}
	}
	if r.NWipe[row] == nil {
		r.NWipe[row] = map[string]*Key{}
	}
	r.NWipe[row][device] = k
}

// finish sets AllMet and Unmeasured from the keys.
func (r *Results) finish() {
	r.AllMet = len(r.Keys) > 0
	r.Unmeasured = []string{}
	for _, name := range keyOrder(r.Keys) {
		for _, dev := range deviceOrder(r.Keys[name]) {
			k := r.Keys[name][dev]
			if k.Value == nil {
				r.Unmeasured = append(r.Unmeasured, name+"."+dev+": "+k.Error)
			}
			r.AllMet = r.AllMet && k.Met
		}
	}
}

// write stores r as indented JSON at path, creating its directory.
func (r *Results) write(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}

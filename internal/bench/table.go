package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// keysInOrder is the order of the table's rows (issue 16, point 2).
var keysInOrder = []string{"zero_vs_dd", "random_vs_dd", "zero_verify10_vs_dd", "verify_full_vs_dd_read",
	"verify10_vs_verify_full", "fixed_overhead_s", "rss_mib_one_drive", "parallel_vs_dd_parallel",
	"firmware_erase_wall_vs_device", "random_vs_nwipe"}

// nwipeRow is the nwipe column's figure on a key's row.
var nwipeRow = map[string]string{"zero_vs_dd": "zero_vs_dd", "random_vs_dd": "random_vs_dd", "verify_full_vs_dd_read": "verify_full_vs_dd_read"}

func keyOrder[V any](m map[string]V) []string {
	var out []string
	for _, k := range keysInOrder {
		if _, ok := m[k]; ok {
			out = append(out, k)
		}
	}
	var rest []string
	for k := range m {
		if !slices.Contains(keysInOrder, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

func deviceOrder(m map[string]*Key) []string {
	var out []string
	for _, d := range []string{string(RAM), string(Disk)} {
		if _, ok := m[d]; ok {
			out = append(out, d)
		}
	}
	var rest []string
	for d := range m {
		if d != string(RAM) && d != string(Disk) {
			rest = append(rest, d)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

func formatValue(k *Key) string {
	if k == nil || k.Value == nil {
		return "—"
	}
	switch k.Unit {
	case "MiB":
		return fmt.Sprintf("%.1f MiB", *k.Value)
	case "s":
		return fmt.Sprintf("%.3f s", *k.Value)
	}
	return fmt.Sprintf("%.3f", *k.Value)
}

func verdict(k *Key) string {
	switch {
	case k.Value == nil:
		return "NOT MEASURED"
	case k.Met:
		return "met"
	}
	return "NOT MET"
}

// fromText is the medians a key came from, briefly.
func fromText(k *Key) string {
	var parts []string
	for _, o := range k.From {
		_, name, _ := strings.Cut(o.Series, "/")
		parts = append(parts, fmt.Sprintf("%s %.3fs", name, o.MedianS))
	}
	s := strings.Join(parts, ", ")
	if k.PeakRSSMiB != nil {
		s += fmt.Sprintf("; %d drives, peak RSS %.1f MiB", k.ParallelDrives, *k.PeakRSSMiB)
	}
	if k.Error != "" {
		s = k.Error
	}
	return s
}

// printTable writes the results as a table: one row per key and device.
func printTable(w io.Writer, r *Results) {
	m := r.Machine
	fmt.Fprintf(w, "\nkesu bench %s — %s, %d cores, %d MiB, Linux %s, %s; kesu %s\n", m.Date, m.CPUModel, m.Cores, m.MemoryMiB, m.Kernel, m.GoVersion, m.KesuVersion)
	fmt.Fprintf(w, "n = %d interleaved rounds, %d MiB devices; load average at start %s\n", r.Settings.Runs, r.Settings.SizeMiB, m.LoadAvgStart)
	nw := r.NWipe != nil
	head := fmt.Sprintf("%-30s %-14s %10s %9s %-13s", "key", "device", "kesu", "goal", "")
	if nw {
		head += fmt.Sprintf(" %10s", "nwipe")
	}
	fmt.Fprintln(w, head+"  n  from")
	for _, name := range keyOrder(r.Keys) {
		for _, dev := range deviceOrder(r.Keys[name]) {
			k := r.Keys[name][dev]
			goal := fmt.Sprintf("%s %g", k.Comparison, k.Goal)
			row := fmt.Sprintf("%-30s %-14s %10s %9s %-13s", name, dev, formatValue(k), goal, verdict(k))
			if nw {
				var nk *Key
				if row, ok := nwipeRow[name]; ok && r.NWipe[row] != nil {
					nk = r.NWipe[row][dev]
				}
				row += fmt.Sprintf(" %10s", formatValue(nk))
			}
			fmt.Fprintf(w, "%s %2d  %s\n", row, k.N, fromText(k))
			if l := k.Limit; l != nil {
				v := "—"
				if l.Value != nil {
					v = fmt.Sprintf("%.3f", *l.Value)
				}
				fmt.Fprintf(w, "%-30s %-14s %10s  %s (%s)\n", "  limit", dev, v, l.Says, l.Formula)
			}
		}
	}
	if r.AllMet {
		fmt.Fprintln(w, "every goal met")
	} else {
		fmt.Fprintln(w, "NOT every goal met")
	}
	for _, c := range r.Caveats {
		fmt.Fprintln(w, "caveat:", c)
	}
}

package main

import (
	"context"
	"fmt"
	"io"
)

// Series is every sample of one case on one device.
type Series struct {
	Name    string
	Tool    string
	Device  *Device
	Command string
	Samples []Sample
	// Err is the case's first failure; a failed case is not run again.
	Err error
}

// seriesID names a series across devices: "ram/kesu_zero".
func seriesID(k Kind, name string) string { return string(k) + "/" + name }

// DevicePlan is the groups to run on one device, and the untimed command
// that lays zeros on it when a case needs them.
type DevicePlan struct {
	Device *Device
	Groups []Group
	Zero   Command
}

// roundOrder is the order of a group's cases in round r: as listed in even
// rounds, reversed in odd ones.
func roundOrder(g Group, r int) Group {
	if r%2 == 0 {
		return g
	}
	out := make(Group, len(g))
	for i, c := range g {
		out[len(g)-1-i] = c
	}
	return out
}

// runRounds runs n rounds; each round runs every device's groups in
// roundOrder. A case that fails records the error in its series and is
// skipped in later rounds; the device's content is then unknown, so the
// next case needing zeros gets them first. It stops only when ctx ends.
func runRounds(ctx context.Context, r Runner, plans []DevicePlan, n int, log io.Writer) (map[string]*Series, error) {
	series := map[string]*Series{}
	zeroed := map[*Device]bool{}
	for round := range n {
		fmt.Fprintf(log, "round %d/%d\n", round+1, n)
		for _, p := range plans {
			for _, g := range p.Groups {
				for _, c := range roundOrder(g, round) {
					if err := ctx.Err(); err != nil {
						return series, err
					}
					id := seriesID(p.Device.Kind, c.Name)
					s := series[id]
					if s == nil {
						s = &Series{Name: c.Name, Tool: c.Tool, Device: p.Device, Command: c.Cmd.String()}
						series[id] = s
					}
					if s.Err != nil {
						continue
					}
					if c.NeedsZero && !zeroed[p.Device] {
						if _, err := r.Run(ctx, p.Zero); err != nil {
							return series, fmt.Errorf("bench: laying zeros on %s: %w", p.Device.Path, err)
						}
						zeroed[p.Device] = true
					}
					sm, err := r.Run(ctx, c.Cmd)
					if err != nil {
						s.Err = err
						zeroed[p.Device] = false
						fmt.Fprintf(log, "  %-6s %-20s FAILED: %v\n", p.Device.Kind, c.Name, err)
						continue
					}
					zeroed[p.Device] = c.LeavesZero
					if c.Check.Name != "" {
						if _, err := r.Run(ctx, c.Check); err != nil {
							s.Err = fmt.Errorf("what it left on the device: %w", err)
							fmt.Fprintf(log, "  %-6s %-20s FAILED its check: %v\n", p.Device.Kind, c.Name, err)
							continue
						}
					}
					s.Samples = append(s.Samples, sm)
					fmt.Fprintf(log, "  %-6s %-20s %8.3fs  %6.1f MiB\n", p.Device.Kind, c.Name, sm.Wall.Seconds(), float64(sm.MaxRSSKiB)/1024)
				}
			}
		}
	}
	return series, nil
}

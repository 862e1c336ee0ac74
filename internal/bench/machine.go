package main

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Machine is what the figures were measured on.
type Machine struct {
	CPUModel     string `json:"cpu_model"`
	Cores        int    `json:"cores"`
	MemoryMiB    int64  `json:"memory_mib"`
	Kernel       string `json:"kernel"`
	Date         string `json:"date"`
	GoVersion    string `json:"go_version"`
	KesuVersion  string `json:"kesu_version"`
	LoadAvgStart string `json:"loadavg_at_start"`
}

// thisMachine reads /proc and uname; kesu's version comes from `kesu
// version`.
func thisMachine(ctx context.Context, r Runner, kesu string, now time.Time) Machine {
	m := Machine{Cores: runtime.NumCPU(), Date: now.UTC().Format(time.RFC3339), GoVersion: runtime.Version(),
		CPUModel: procField("/proc/cpuinfo", "model name"), LoadAvgStart: strings.TrimSpace(readString("/proc/loadavg"))}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		m.Kernel = unix.ByteSliceToString(u.Release[:])
	}
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) == nil {
		m.MemoryMiB = int64(si.Totalram) * int64(si.Unit) >> 20
	}
	if s, err := r.Run(ctx, Command{Name: kesu, Args: []string{"version"}}); err == nil {
		line, _, _ := strings.Cut(strings.TrimSpace(string(s.Stdout)), "\n")
		m.KesuVersion = strings.TrimPrefix(line, "kesu ")
	}
	return m
}

func readString(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// procField is the first "key : value" line's value for key.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

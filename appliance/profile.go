package appliance

import (
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
)

// CPUProfileFlag on the kernel command line makes the appliance write a
// CPU profile (runtime/pprof) of its erase run to ProfileDir on the stick,
// for developers asking where the time of a run goes (the 24-bay VM test
// sets it). A stick made by `kesu image` does not set it.
const CPUProfileFlag = "kesu.cpuprofile"

// ProfileDir is the stick's directory for CPU profiles, beside the records.
const ProfileDir = "profiles"

func cpuProfileWanted(cmdline string) bool {
	for _, w := range strings.Fields(cmdline) {
		if w == CPUProfileFlag {
			return true
		}
	}
	return false
}

// startCPUProfile starts the CPU profile the command line asks for and
// returns what stops it; a profile that cannot be written is said on the
// console and the run goes on without it.
func (a *app) startCPUProfile() (stop func()) {
	if !cpuProfileWanted(a.sys.Cmdline()) {
		return func() {}
	}
	dir := filepath.Join(a.o.StickDir, ProfileDir)
	name := filepath.Join(dir, "cpu-"+a.sys.Now().UTC().Format("20060102T150405Z")+".pprof")
	err := os.MkdirAll(dir, 0o755)
	var f *os.File
	if err == nil {
		f, err = os.Create(name)
	}
	if err == nil {
		if err = pprof.StartCPUProfile(f); err != nil {
			f.Close()
			os.Remove(name)
		}
	}
	if err != nil {
		a.printf("CPU profile: not written: %v", err)
		return func() {}
	}
	a.printf("CPU profile: writing %s", name)
	return func() {
		pprof.StopCPUProfile()
		err := f.Sync()
		if e := f.Close(); err == nil {
			err = e
		}
		if err != nil {
			a.printf("CPU profile %s: %v", name, err)
			return
		}
		a.printf("CPU profile: %s written", name)
	}
}

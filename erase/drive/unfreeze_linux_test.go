package drive

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeSys makes a fake sysfs tree for the unfreezer; never the real /sys.
func fakeSys(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// recordingFiles records every write, in order, over a fake tree.
type recordingFiles struct {
	PowerFiles
	writes []string // "file=data"
	failOn map[string]error
	// alarmReadback replaces what reading the wake alarm returns after
	// it was written (the kernel returns the armed time, not what was
	// written).
	alarmReadback *string
}

func (r *recordingFiles) WriteFile(name string, data []byte) error {
	r.writes = append(r.writes, name+"="+string(data))
	if err := r.failOn[name+"="+string(data)]; err != nil {
		return err
	}
	return r.PowerFiles.WriteFile(name, data)
}

func (r *recordingFiles) ReadFile(name string) ([]byte, error) {
	if name == wakeAlarmFile && r.alarmReadback != nil && len(r.writes) > 0 {
		return []byte(*r.alarmReadback), nil
	}
	return r.PowerFiles.ReadFile(name)
}

func TestSuspendUnfreezer(t *testing.T) {
	full := map[string]string{
		powerStateFile: "freeze mem disk\n",
		memSleepFile:   "[s2idle] deep\n",
		wakeAlarmFile:  "",
	}
	armed := "1767225600\n"
	for _, tc := range []struct {
		name      string
		files     map[string]string
		readback  *string
		failOn    map[string]error
		wantErr   string
		wantWrite []string
		wantLog   string
	}{
		{name: "deep offered, selected", files: full, readback: &armed,
			wantWrite: []string{memSleepFile + "=deep", wakeAlarmFile + "=0", wakeAlarmFile + "=+10", powerStateFile + "=mem", wakeAlarmFile + "=0"},
			wantLog:   `mem_sleep "deep" (suspend-to-RAM, S3; was "s2idle")`},
		{name: "deep already current", files: map[string]string{powerStateFile: "mem\n", memSleepFile: "s2idle [deep]\n", wakeAlarmFile: ""}, readback: &armed,
			wantWrite: []string{wakeAlarmFile + "=0", wakeAlarmFile + "=+10", powerStateFile + "=mem", wakeAlarmFile + "=0"},
			wantLog:   `mem_sleep "deep" (suspend-to-RAM, S3)`},
		{name: "only s2idle: proceeds and says so", files: map[string]string{powerStateFile: "freeze mem\n", memSleepFile: "[s2idle]\n", wakeAlarmFile: ""}, readback: &armed,
			wantWrite: []string{wakeAlarmFile + "=0", wakeAlarmFile + "=+10", powerStateFile + "=mem", wakeAlarmFile + "=0"},
			wantLog:   `"deep" is not offered`},
		{name: "no suspend-to-RAM", files: map[string]string{powerStateFile: "freeze disk\n", memSleepFile: "[s2idle]\n", wakeAlarmFile: ""},
			wantErr: "offers no suspend-to-RAM"},
		{name: "no RTC wake alarm", files: map[string]string{powerStateFile: "mem\n", memSleepFile: "[deep]\n"},
			wantErr: "no RTC wake alarm"},
		{name: "alarm does not arm", files: full, readback: new(string),
			wantErr:   "did not arm",
			wantWrite: []string{memSleepFile + "=deep", wakeAlarmFile + "=0", wakeAlarmFile + "=+10", wakeAlarmFile + "=0"}},
		{name: "suspend fails", files: full, readback: &armed, failOn: map[string]error{powerStateFile + "=mem": errors.New("device or resource busy")},
			wantErr:   "the suspend failed",
			wantWrite: []string{memSleepFile + "=deep", wakeAlarmFile + "=0", wakeAlarmFile + "=+10", powerStateFile + "=mem", wakeAlarmFile + "=0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := fakeSys(t, tc.files)
			rf := &recordingFiles{PowerFiles: DirFiles{Root: root}, failOn: tc.failOn, alarmReadback: tc.readback}
			var logs []string
			var slept []time.Duration
			u := &SuspendUnfreezer{Files: rf, Log: func(s string) { logs = append(logs, s) },
				Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }}
			err := u.Unfreeze(context.Background())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("Unfreeze error %v; want %q", err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatalf("Unfreeze: %v", err)
			}
			if diff := cmp.Diff(tc.wantWrite, rf.writes); diff != "" {
				t.Errorf("writes (-want +got):\n%s", diff)
			}
			if tc.wantErr == "" {
				if len(logs) != 1 || !strings.Contains(logs[0], tc.wantLog) || !strings.Contains(logs[0], "RTC wake alarm +10 s") {
					t.Errorf("log %q; want one entry with %q and the alarm", logs, tc.wantLog)
				}
				if len(slept) != 1 || slept[0] != 5*time.Second {
					t.Errorf("settle waits %v; want one of 5s", slept)
				}
			} else if len(logs) != 0 || len(slept) != 0 {
				t.Errorf("after an error: log %q, waits %v; want none", logs, slept)
			}
		})
	}
}

// DirFiles writes the sysfs files of a fake tree in place and never
// creates one.
func TestDirFiles(t *testing.T) {
	root := fakeSys(t, map[string]string{memSleepFile: "[s2idle] deep\n"})
	f := DirFiles{Root: root}
	if err := f.WriteFile(memSleepFile, []byte("deep")); err != nil {
		t.Fatal(err)
	}
	if b, err := f.ReadFile(memSleepFile); err != nil || string(b) != "deep" {
		t.Errorf("ReadFile = %q, %v; want \"deep\"", b, err)
	}
	if err := f.WriteFile(powerStateFile, []byte("mem")); err == nil {
		t.Error("WriteFile of a missing file succeeded; want an error")
	}
	if _, err := os.Stat(filepath.Join(root, powerStateFile)); err == nil {
		t.Error("WriteFile created a missing sysfs file")
	}
}

func TestSuspendUnfreezerWakeAfter(t *testing.T) {
	root := fakeSys(t, map[string]string{powerStateFile: "mem", wakeAlarmFile: ""})
	rf := &recordingFiles{PowerFiles: DirFiles{Root: root}}
	u := &SuspendUnfreezer{Files: rf, WakeAfter: 1500 * time.Millisecond, Settle: time.Second,
		Sleep: func(context.Context, time.Duration) error { return nil }}
	if err := u.Unfreeze(context.Background()); err != nil {
		t.Fatal(err)
	}
	// 1.5 s rounds up to 2 whole seconds; no mem_sleep file: nothing
	// written there.
	want := []string{wakeAlarmFile + "=0", wakeAlarmFile + "=+2", powerStateFile + "=mem", wakeAlarmFile + "=0"}
	if diff := cmp.Diff(want, rf.writes); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
}

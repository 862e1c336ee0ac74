package appliance

import (
	"context"
	"errors"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// depFS is a release directory: the list and modules.dep as the image
// builder (and depmod) write them.
func depFS(list, dep string) fstest.MapFS {
	return fstest.MapFS{
		ModuleListFile: {Data: []byte(list)},
		ModulesDepFile: {Data: []byte(dep)},
	}
}

const testDep = "kernel/drivers/nvme/host/nvme.ko: kernel/drivers/nvme/host/nvme-core.ko kernel/block/t10-pi.ko\n" +
	"kernel/drivers/nvme/host/nvme-core.ko: kernel/block/t10-pi.ko\n" +
	"kernel/block/t10-pi.ko:\n" +
	"kernel/fs/nls/nls_iso8859-1.ko: \n" + // a space after the colon: tolerated
	"kernel/fs/fat/vfat.ko:  kernel/fs/fat/fat.ko\n" +
	"kernel/fs/fat/fat.ko:\n"

type fakeLoad struct {
	calls  []string
	params map[string]string // relative path -> parameters given
	fail   map[string]error
	hang   string // this module's load never returns by itself
}

func (f *fakeLoad) loader(list string) *ModuleLoader {
	var timer chan time.Time
	return &ModuleLoader{
		Dir: depFS(list, testDep),
		Load: func(ctx context.Context, rel, params string) error {
			f.calls = append(f.calls, rel)
			if params != "" {
				if f.params == nil {
					f.params = map[string]string{}
				}
				f.params[rel] = params
			}
			if rel == f.hang {
				close(timer) // the time limit runs out while we hang
				<-ctx.Done()
				return ctx.Err()
			}
			return f.fail[rel]
		},
		Present: func(name string) bool { return name == "fat" },
		after: func(time.Duration) <-chan time.Time {
			timer = make(chan time.Time)
			return timer
		},
	}
}

func TestLoadAllOrder(t *testing.T) {
	f := &fakeLoad{}
	res, err := f.loader("nvme\nvfat\nnls_iso8859-1\n").LoadAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Dependencies first, from the end of their modules.dep list; fat is
	// present already (built in or loaded), so it is not loaded again.
	want := []string{
		"kernel/block/t10-pi.ko",
		"kernel/drivers/nvme/host/nvme-core.ko",
		"kernel/drivers/nvme/host/nvme.ko",
		"kernel/fs/fat/vfat.ko",
		"kernel/fs/nls/nls_iso8859-1.ko",
	}
	if diff := cmp.Diff(want, f.calls); diff != "" {
		t.Errorf("load calls (-want +got):\n%s", diff)
	}
	got := map[string]string{}
	for _, r := range res {
		s := "loaded"
		if r.Already {
			s = "present"
		}
		if r.Err != nil {
			s = r.Err.Error()
		}
		got[r.Name] = s
	}
	wantRes := map[string]string{"t10_pi": "loaded", "nvme_core": "loaded", "nvme": "loaded", "fat": "present", "vfat": "loaded", "nls_iso8859_1": "loaded"}
	if diff := cmp.Diff(wantRes, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}

func TestLoadAllGoesOn(t *testing.T) {
	boom := errors.New("Required key not available")
	f := &fakeLoad{
		fail: map[string]error{"kernel/block/t10-pi.ko": boom},
		hang: "kernel/fs/fat/vfat.ko",
	}
	res, err := f.loader("missing_hba\nnvme\nvfat\nnls_iso8859_1\n").LoadAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]error{}
	for _, r := range res {
		byName[r.Name] = r.Err
	}
	for name, want := range map[string]error{
		"missing_hba":   ErrModuleMissing, // listed, not in modules.dep: skipped at once
		"t10_pi":        boom,             // a failing dependency is recorded...
		"nvme":          nil,              // ...and the module is still tried (the fake lets it load)
		"vfat":          ErrModuleTimeout, // a hanging load is given up on...
		"nls_iso8859_1": nil,              // ...and the next module loads
	} {
		got, ok := byName[name]
		switch {
		case !ok:
			t.Errorf("no result for %s; want %v", name, want)
		case want == nil && got != nil, want != nil && !errors.Is(got, want):
			t.Errorf("result for %s = %v; want %v", name, got, want)
		}
	}
	if n := len(f.calls); n != 5 {
		t.Errorf("%d load calls %v; want 5 (t10-pi, nvme-core, nvme, vfat, nls)", n, f.calls)
	}
}

func TestLoadAllUnreadable(t *testing.T) {
	l := &ModuleLoader{Dir: fstest.MapFS{ModuleListFile: {Data: []byte("nvme\n")}}}
	if _, err := l.LoadAll(context.Background()); err == nil {
		t.Errorf("LoadAll without modules.dep = nil error; want an error")
	}
	l = &ModuleLoader{Dir: depFS("nvme\n", "no colon here\n")}
	if _, err := l.LoadAll(context.Background()); err == nil {
		t.Errorf("LoadAll with a malformed modules.dep = nil error; want an error")
	}
}

// Module parameters on the kernel command line reach the modules kesu loads
// itself, as modprobe would pass them (the kernel applies them to built-in
// modules only): libata.allow_tpm=1 lets TCG commands through ATA
// pass-through.
func TestModuleParamsFromCmdline(t *testing.T) {
	got := ModuleParams(`console=tty0 libata.allow_tpm=1 kesu.stick=PARTUUID=ab-cd nvme-core.io_timeout=300 nvme_core.multipath=N ` +
		`usb-storage.quirks="0bda:9210:u" bare.flag .x=1 quiet`)
	want := map[string]string{"libata": "allow_tpm=1", "kesu": "stick=PARTUUID=ab-cd",
		"nvme_core": "io_timeout=300 multipath=N", "usb_storage": `quirks="0bda:9210:u"`, "bare": "flag"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ModuleParams mismatch (-want +got):\n%s", diff)
	}
	f := &fakeLoad{}
	l := f.loader("nvme\nvfat\n")
	l.Params = map[string]string{"nvme_core": "io_timeout=300", "vfat": "utf8=1"}
	res, err := l.LoadAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantParams := map[string]string{"kernel/drivers/nvme/host/nvme-core.ko": "io_timeout=300", "kernel/fs/fat/vfat.ko": "utf8=1"}
	if diff := cmp.Diff(wantParams, f.params); diff != "" {
		t.Errorf("parameters given to Load (-want +got):\n%s", diff)
	}
	for _, r := range res {
		if r.Name == "vfat" && r.Params != "utf8=1" {
			t.Errorf("vfat result Params = %q; want utf8=1", r.Params)
		}
	}
}

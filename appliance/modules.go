package appliance

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"
)

// ModuleListFile and ModulesDepFile are read from the kernel release's module
// directory (/lib/modules/<release>). The list is written by the image
// builder (image.ModuleListFile): normalized module names in load order.
const (
	ModuleListFile = "kesu.modules"
	ModulesDepFile = "modules.dep"
)

// DefaultModuleTimeout bounds one module's loading: a driver whose probe
// hangs on odd hardware must not keep the appliance from going on.
const DefaultModuleTimeout = 20 * time.Second

// ModuleResult says what happened to one module.
type ModuleResult struct {
	Name     string        // normalized module name
	Path     string        // file relative to the release directory; "" if not found
	Listed   bool          // named in the list (false: loaded as a dependency)
	Params   string        // parameters given from the kernel command line ("allow_tpm=1")
	Already  bool          // loaded or built in before we tried
	Err      error         // nil: loaded (or already there)
	Duration time.Duration // time spent in the load call
}

// ErrModuleTimeout is the error of a module whose load call did not return
// within the time limit; the load goes on in the background.
var ErrModuleTimeout = errors.New("module load timed out")

// ErrModuleMissing is the error of a listed module that is not in modules.dep.
var ErrModuleMissing = errors.New("module not in modules.dep")

// ModuleLoader loads the appliance's modules with their dependencies.
type ModuleLoader struct {
	// Dir is the release directory: kesu.modules, modules.dep and the .ko
	// paths in it are relative to Dir.
	Dir fs.FS
	// Load loads one module file (a path relative to Dir) with its
	// parameters. On Linux it is finit_module(2); tests use a fake.
	Load func(ctx context.Context, relPath, params string) error
	// Params are the modules' parameters by module name, as modprobe
	// takes them from the kernel command line (ModuleParams): the kernel
	// applies "module.param=value" words only to built-in modules.
	Params map[string]string
	// Present reports whether a module is loaded or built in already
	// (/sys/module/NAME exists). Nil means never.
	Present func(name string) bool
	// Timeout bounds each Load call; 0 means DefaultModuleTimeout.
	Timeout time.Duration
	// Log receives one line per module; nil for none.
	Log io.Writer

	after func(time.Duration) <-chan time.Time // time.After; tests substitute
}

// LoadAll loads every module of kesu.modules, in order, each after its
// dependencies (modules.dep lists a module's dependencies so that they load
// from the last to the first, as modprobe does). It never stops at a
// module that is missing, fails or times out: it records it and goes on.
// The error is non-nil only when the list or modules.dep cannot be read.
func (l *ModuleLoader) LoadAll(ctx context.Context) ([]ModuleResult, error) {
	list, err := readModuleList(l.Dir)
	if err != nil {
		return nil, err
	}
	deps, err := readModulesDep(l.Dir)
	if err != nil {
		return nil, err
	}
	var results []ModuleResult
	done := map[string]bool{}
	load := func(name, rel string, listed bool) {
		if done[name] {
			return
		}
		done[name] = true
		r := ModuleResult{Name: name, Path: rel, Listed: listed, Params: l.Params[name]}
		if l.Present != nil && l.Present(name) {
			r.Already = true
		} else {
			start := time.Now()
			r.Err = l.loadOne(ctx, rel, r.Params)
			r.Duration = time.Since(start)
		}
		l.logResult(r)
		results = append(results, r)
	}
	for _, name := range list {
		if ctx.Err() != nil {
			return results, nil
		}
		entry, ok := deps.byName[name]
		if !ok {
			if l.Present != nil && l.Present(name) {
				load(name, "", true) // built in
				continue
			}
			r := ModuleResult{Name: name, Listed: true, Err: ErrModuleMissing}
			done[name] = true
			l.logResult(r)
			results = append(results, r)
			continue
		}
		for i := len(entry.deps) - 1; i >= 0; i-- {
			d := entry.deps[i]
			load(moduleName(d), d, false)
		}
		load(name, entry.path, true)
	}
	return results, nil
}

// loadOne runs Load with the time limit. A load that times out keeps running
// in its goroutine (a finit_module call cannot be cancelled); the loader goes
// on without it.
func (l *ModuleLoader) loadOne(ctx context.Context, rel, params string) error {
	timeout := l.Timeout
	if timeout == 0 {
		timeout = DefaultModuleTimeout
	}
	after := l.after
	if after == nil {
		after = time.After
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	timer := after(timeout)
	errc := make(chan error, 1)
	go func() { errc <- l.Load(ctx, rel, params) }()
	select {
	case err := <-errc:
		return err
	case <-timer:
		return fmt.Errorf("%w after %v", ErrModuleTimeout, timeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *ModuleLoader) logResult(r ModuleResult) {
	if l.Log == nil {
		return
	}
	switch {
	case r.Already:
		fmt.Fprintf(l.Log, "module %s: already present\n", r.Name)
	case r.Err != nil:
		fmt.Fprintf(l.Log, "module %s: %v\n", r.Name, r.Err)
	}
}

// ModuleParams returns the module parameters of a kernel command line, by
// module name: every word "module.param=value" (or "module.param"), the
// module's name with '-' as '_', its parameters joined by spaces as
// finit_module(2) takes them. Double quotes group a value with spaces, as
// the kernel's own parser does.
func ModuleParams(cmdline string) map[string]string {
	out := map[string]string{}
	for _, w := range cmdlineWords(cmdline) {
		key, _, _ := strings.Cut(w, "=")
		mod, _, ok := strings.Cut(key, ".")
		if !ok || mod == "" || strings.ContainsAny(mod, "/") || len(key) == len(mod)+1 {
			continue
		}
		mod = strings.ReplaceAll(mod, "-", "_")
		param := w[len(mod)+1:]
		if out[mod] != "" {
			out[mod] += " "
		}
		out[mod] += param
	}
	return out
}

// cmdlineWords splits a kernel command line at spaces outside double
// quotes, keeping the quotes (finit_module's parser reads them too).
func cmdlineWords(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case (r == ' ' || r == '\t' || r == '\n') && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// moduleName is the kernel's name of a module file: base name without .ko
// (and compression suffix), '-' as '_'.
func moduleName(p string) string {
	b := path.Base(p)
	for _, ext := range []string{".xz", ".gz", ".zst"} {
		b = strings.TrimSuffix(b, ext)
	}
	return strings.ReplaceAll(strings.TrimSuffix(b, ".ko"), "-", "_")
}

func readModuleList(dir fs.FS) ([]string, error) {
	f, err := dir.Open(ModuleListFile)
	if err != nil {
		return nil, fmt.Errorf("module list: %w", err)
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if line = strings.TrimSpace(line); line != "" {
			names = append(names, moduleName(line))
		}
	}
	return names, sc.Err()
}

type depEntry struct {
	path string   // relative .ko path
	deps []string // relative .ko paths, modules.dep order
}

type depIndex struct{ byName map[string]depEntry }

// readModulesDep parses modules.dep ("path: dep dep"), tolerating what
// depmod and other writers vary in: a space or none after the colon,
// several spaces, blank lines.
func readModulesDep(dir fs.FS) (depIndex, error) {
	idx := depIndex{byName: map[string]depEntry{}}
	f, err := dir.Open(ModulesDepFile)
	if err != nil {
		return idx, fmt.Errorf("modules.dep: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p, rest, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(p) == "" {
			return idx, fmt.Errorf("modules.dep line %d: no \"path:\" in %q", n, line)
		}
		e := depEntry{path: strings.TrimSpace(p), deps: strings.Fields(rest)}
		idx.byName[moduleName(e.path)] = e
	}
	return idx, sc.Err()
}

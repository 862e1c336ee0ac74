package image

import (
	"bufio"
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ModuleListFile is the name, inside a kernel release's module directory, of
// the explicit list the appliance loads: one normalized module name a line,
// in load order, only modules present in the tree.
const ModuleListFile = "kesu.modules"

// ModuleName returns the kernel's name for a module given a module name or a
// module file path: the base name without .ko (and a compression suffix),
// with '-' turned into '_' as the kernel does (nls_iso8859-1.ko is module
// nls_iso8859_1).
func ModuleName(s string) string {
	s = filepath.Base(s)
	for _, ext := range []string{".xz", ".gz", ".zst"} {
		s = strings.TrimSuffix(s, ext)
	}
	s = strings.TrimSuffix(s, ".ko")
	return strings.ReplaceAll(s, "-", "_")
}

// ParseModuleList reads a module list (configs/modules.txt): one module name
// a line; '#' starts a comment; blank lines are ignored. Names are returned
// normalized (see ModuleName), in order, without duplicates.
func ParseModuleList(r io.Reader) ([]string, error) {
	var names []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.ContainsAny(line, " \t/:") {
			return nil, fmt.Errorf("module list line %d: %q is not a module name", n, line)
		}
		name := ModuleName(line)
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	return names, sc.Err()
}

// Module is one loadable kernel module file.
type Module struct {
	Name    string   // kernel module name (normalized)
	Path    string   // relative to the release directory, e.g. kernel/drivers/nvme/host/nvme.ko
	Depends []string // direct dependencies (normalized names), from .modinfo "depends="
}

// ModuleTree is the part of a kernel's modules the appliance needs: the
// listed modules and every module they depend on, transitively.
type ModuleTree struct {
	Release string             // kernel release, e.g. 6.1.0-57-amd64
	Src     string             // source release directory (lib/modules/<release>)
	Listed  []string           // listed modules present as files, in list order
	Builtin []string           // listed modules built into the kernel image
	Modules map[string]*Module // the closure, by name
}

// SelectModules picks the listed modules and their dependencies out of a
// kernel release directory (lib/modules/<release> of an unpacked kernel
// package). A listed module that is neither a file there nor built into the
// kernel (modules.builtin) is an error: the list names something this kernel
// does not have.
func SelectModules(releaseDir string, list []string) (*ModuleTree, error) {
	all := map[string]string{} // name -> relative path
	err := filepath.WalkDir(filepath.Join(releaseDir, "kernel"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.Contains(d.Name(), ".ko") {
			rel, _ := filepath.Rel(releaseDir, p)
			all[ModuleName(d.Name())] = filepath.ToSlash(rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("modules: %w", err)
	}
	builtin, err := readBuiltin(releaseDir)
	if err != nil {
		return nil, err
	}
	t := &ModuleTree{Release: filepath.Base(releaseDir), Src: releaseDir, Modules: map[string]*Module{}}
	var missing []string
	var add func(name string, from string) error
	add = func(name, from string) error {
		if _, ok := t.Modules[name]; ok {
			return nil
		}
		rel, ok := all[name]
		if ok && !strings.HasSuffix(rel, ".ko") {
			// The appliance loads modules with a plain finit_module: a
			// compressed module would fail on the stick, so refuse here.
			return fmt.Errorf("modules: %s is compressed (%s): this kesu loads only plain .ko files; build the stick from a kernel package that ships them", name, rel)
		}
		if !ok {
			if builtin[name] {
				return nil
			}
			if from != "" {
				return fmt.Errorf("modules: %s depends on %s, which is not in %s", from, name, releaseDir)
			}
			missing = append(missing, name)
			return nil
		}
		info, err := ModInfo(filepath.Join(releaseDir, rel))
		if err != nil {
			return err
		}
		m := &Module{Name: name, Path: rel}
		for _, v := range info["depends"] {
			for _, d := range strings.Split(v, ",") {
				if d = strings.TrimSpace(d); d != "" {
					m.Depends = append(m.Depends, ModuleName(d))
				}
			}
		}
		sort.Strings(m.Depends)
		t.Modules[name] = m
		for _, d := range m.Depends {
			if err := add(d, name); err != nil {
				return err
			}
		}
		return nil
	}
	for _, name := range list {
		if err := add(name, ""); err != nil {
			return nil, err
		}
		switch {
		case t.Modules[name] != nil:
			t.Listed = append(t.Listed, name)
		case builtin[name]:
			t.Builtin = append(t.Builtin, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("modules: not in kernel %s (neither a file nor built in): %s", t.Release, strings.Join(missing, ", "))
	}
	return t, nil
}

// readBuiltin reads modules.builtin (paths such as kernel/fs/ext4/ext4.ko)
// into a set of module names.
func readBuiltin(releaseDir string) (map[string]bool, error) {
	b, err := os.ReadFile(filepath.Join(releaseDir, "modules.builtin"))
	if err != nil {
		return nil, fmt.Errorf("modules: %w", err)
	}
	set := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			set[ModuleName(line)] = true
		}
	}
	return set, nil
}

// ModInfo returns the key=value strings of a module's .modinfo ELF section
// (what modinfo(8) prints), grouped by key. Signed modules carry their
// signature after the ELF data, which the section table ignores.
func ModInfo(path string) (map[string][]string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("modinfo %s: %w", path, err)
	}
	defer f.Close()
	s := f.Section(".modinfo")
	if s == nil {
		return nil, fmt.Errorf("modinfo %s: no .modinfo section", path)
	}
	data, err := s.Data()
	if err != nil {
		return nil, fmt.Errorf("modinfo %s: %w", path, err)
	}
	info := map[string][]string{}
	for _, kv := range bytes.Split(data, []byte{0}) {
		k, v, ok := strings.Cut(string(kv), "=")
		if ok && k != "" {
			info[k] = append(info[k], v)
		}
	}
	return info, nil
}

// deps returns a module's transitive dependencies in modules.dep order: a
// module appears before everything it depends on, so a loader works from
// the end of the list to the front (as modprobe does).
func (t *ModuleTree) deps(name string) []string {
	var post []string
	seen := map[string]bool{name: true}
	var visit func(string)
	visit = func(n string) {
		for _, d := range t.Modules[n].Depends {
			if seen[d] || t.Modules[d] == nil { // nil: built in
				continue
			}
			seen[d] = true
			visit(d)
			post = append(post, d)
		}
	}
	visit(name)
	for i, j := 0, len(post)-1; i < j; i, j = i+1, j-1 {
		post[i], post[j] = post[j], post[i]
	}
	return post
}

// ModulesDep renders modules.dep in depmod's format: "path: dep dep", paths
// relative to the release directory, every transitive dependency listed,
// and no trailing space after the colon of a module without dependencies
// (u-root's kmodule parser reads such a space as an empty dependency).
func (t *ModuleTree) ModulesDep() []byte {
	names := make([]string, 0, len(t.Modules))
	for n := range t.Modules {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return t.Modules[names[i]].Path < t.Modules[names[j]].Path })
	var b bytes.Buffer
	for _, n := range names {
		b.WriteString(t.Modules[n].Path)
		b.WriteByte(':')
		for _, d := range t.deps(n) {
			b.WriteByte(' ')
			b.WriteString(t.Modules[d].Path)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// Write copies the tree's module files into dst (the release directory of
// the new tree, lib/modules/<release>) and writes modules.dep, a copy of the
// kernel's modules.builtin, and the appliance's list (ModuleListFile).
func (t *ModuleTree) Write(dst string) error {
	for _, m := range t.Modules {
		if err := copyFile(filepath.Join(t.Src, m.Path), filepath.Join(dst, m.Path), 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dst, "modules.dep"), t.ModulesDep(), 0o644); err != nil {
		return err
	}
	if err := copyFile(filepath.Join(t.Src, "modules.builtin"), filepath.Join(dst, "modules.builtin"), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dst, ModuleListFile), []byte(strings.Join(t.Listed, "\n")+"\n"), 0o644)
}

func copyFile(src, dst string, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

package image

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/u-root/u-root/pkg/cpio"
)

// The network boot tree, as a TFTP server serves it: UEFI PXE
// loads shim, shim loads GRUB from beside itself (Debian's signed network
// GRUB, which reads grub/grub.cfg from the same server), and GRUB loads the
// kernel and initramfs, having shim verify the kernel. The same Debian- and
// Microsoft-signed pieces as the stick's.
const (
	NetShim      = "shimx64.efi"
	NetGrub      = "grubx64.efi" // grubnetx64.efi.signed, under the name shim loads
	NetGrubCfg   = "grub/grub.cfg"
	NetKernel    = "vmlinuz"
	NetInitramfs = "initramfs.xz"
	// NetSite is the site's second initramfs (a plain newc cpio), loaded
	// after kesu's: the policy and the sealed signing key of a stick-less
	// run, under SiteDir.
	NetSite = "site.cpio"
	// SiteDir is where a network-booted appliance finds its site files.
	SiteDir = "/etc/kesu"
)

// SiteFile is a file of the site archive: Name under SiteDir.
type SiteFile struct {
	Name string
	Data []byte
	Mode uint64 // permission bits
}

// NetbootSpec says what to write.
type NetbootSpec struct {
	Boot *Boot
	// Dir receives the tree (created if needed; files of the same names
	// are replaced).
	Dir string
	// GrubTemplate is the grub.cfg template (configs/grub.cfg).
	GrubTemplate string
	GrubTimeout  int
	// Cmdline are extra kernel command-line words.
	Cmdline []string
	// Site, when not empty, is written as NetSite and loaded by GRUB after
	// the initramfs: a stick-less run's policy and sealed key. Everything
	// in it is served in the clear.
	Site []SiteFile
}

// WriteNetboot writes the network boot tree and returns the kernel command
// line its grub.cfg gives.
func WriteNetboot(s NetbootSpec) (string, error) {
	tmplText, err := os.ReadFile(s.GrubTemplate)
	if err != nil {
		return "", fmt.Errorf("netboot: %w", err)
	}
	// GRUB loads them over TFTP from the server it came from. (Debian 12's
	// signed network GRUB was seen not to open (http,SERVER): "disk not
	// found".)
	kernel, initrd := "/"+NetKernel, "/"+NetInitramfs
	var site []byte
	if len(s.Site) > 0 {
		initrd += " /" + NetSite
		if site, err = siteArchive(s.Site); err != nil {
			return "", fmt.Errorf("netboot: %w", err)
		}
	}
	cmdline := strings.Join(append(append([]string{}, BaseCmdline...), s.Cmdline...), " ")
	tmpl, err := template.New("grub.cfg").Option("missingkey=error").Parse(string(tmplText))
	if err != nil {
		return "", fmt.Errorf("netboot: %s: %w", s.GrubTemplate, err)
	}
	var cfg bytes.Buffer
	if err := tmpl.Execute(&cfg, grubData{Timeout: s.GrubTimeout, Kernel: kernel, Initramfs: initrd, Cmdline: cmdline}); err != nil {
		return "", fmt.Errorf("netboot: %s: %w", s.GrubTemplate, err)
	}
	type treeFile struct {
		name, src string // src: a file to copy; else data
		data      []byte
	}
	files := []treeFile{
		{NetShim, s.Boot.Shim, nil},
		{NetGrub, s.Boot.GrubNet, nil},
		{NetGrubCfg, "", cfg.Bytes()},
		{NetKernel, s.Boot.Kernel, nil},
		{NetInitramfs, s.Boot.Initramfs.Path, nil},
	}
	if site != nil {
		files = append(files, treeFile{NetSite, "", site})
	} else if err := os.Remove(filepath.Join(s.Dir, NetSite)); err != nil && !os.IsNotExist(err) {
		return "", err
	}
	for _, f := range files {
		data := f.data
		if f.src != "" {
			if data, err = os.ReadFile(f.src); err != nil {
				return "", fmt.Errorf("netboot: %w", err)
			}
		}
		p := filepath.Join(s.Dir, filepath.FromSlash(f.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p+".tmp", data, 0o644); err != nil {
			return "", err
		}
		if err := os.Rename(p+".tmp", p); err != nil {
			return "", err
		}
	}
	return cmdline, nil
}

// siteArchive is the site files as a newc cpio archive under SiteDir (the
// kernel unpacks each initramfs given to it over the one before).
func siteArchive(files []SiteFile) ([]byte, error) {
	var b bytes.Buffer
	w := cpio.Newc.Writer(&b)
	recs := []cpio.Record{cpio.Directory("etc", 0o755), cpio.Directory(strings.TrimPrefix(SiteDir, "/"), 0o755)}
	for _, f := range files {
		if f.Name == "" || strings.ContainsAny(f.Name, "/\\") {
			return nil, fmt.Errorf("site file %q: a plain file name is needed", f.Name)
		}
		recs = append(recs, cpio.StaticRecord(f.Data, cpio.Info{Name: strings.TrimPrefix(SiteDir, "/") + "/" + f.Name, Mode: cpio.S_IFREG | f.Mode&0o777, NLink: 1}))
	}
	if err := cpio.WriteRecords(w, recs); err != nil {
		return nil, err
	}
	if err := cpio.WriteTrailer(w); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

package image

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"
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
)

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
	cmdline := strings.Join(append(append([]string{}, BaseCmdline...), s.Cmdline...), " ")
	tmpl, err := template.New("grub.cfg").Option("missingkey=error").Parse(string(tmplText))
	if err != nil {
		return "", fmt.Errorf("netboot: %s: %w", s.GrubTemplate, err)
	}
	var cfg bytes.Buffer
	if err := tmpl.Execute(&cfg, grubData{Timeout: s.GrubTimeout, Kernel: kernel, Initramfs: initrd, Cmdline: cmdline}); err != nil {
		return "", fmt.Errorf("netboot: %s: %w", s.GrubTemplate, err)
	}
	files := []struct {
		name, src string
		data      []byte
	}{
		{NetShim, s.Boot.Shim, nil},
		{NetGrub, s.Boot.GrubNet, nil},
		{NetGrubCfg, "", cfg.Bytes()},
		{NetKernel, s.Boot.Kernel, nil},
		{NetInitramfs, s.Boot.Initramfs.Path, nil},
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

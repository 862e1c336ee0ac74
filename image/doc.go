// Package image builds the kesu boot stick.
//
// Debian packages go in, fetched with `apt-get download` and unpacked with
// `dpkg -x` into a cache (nothing is installed on the host): the signed
// kernel of the release linux-image-amd64 points at, shim, MokManager and
// the signed GRUB. Out come a module tree with the modules of an explicit
// list (configs/modules.txt) and everything they depend on, with a generated
// modules.dep; a u-root initramfs with kesu as uinit, no shell, compressed
// with `xz --check=crc32`; and a GPT image with one FAT32 volume labelled
// KESU (go-diskfs) that boots under UEFI Secure Boot:
//
//	UEFI -> shim (/EFI/BOOT/BOOTX64.EFI, Microsoft-signed)
//	     -> GRUB (/EFI/BOOT/grubx64.efi, Debian-signed; reads /EFI/debian/grub.cfg)
//	     -> Linux (/boot/vmlinuz, Debian-signed) + /boot/initramfs.xz
//	     -> u-root init -> kesu (appliance mode)
//
// Every step is cached under a key of its inputs (the .deb checksums, the
// module list, every source file compiled into kesu), so a warm rebuild
// takes seconds. BuildBoot makes the boot chain, WriteStick the image.
package image

// Package mfi talks to the firmware of Broadcom/LSI MegaRAID and Dell PERC
// controllers through MFI, the "MegaRAID SAS Firmware Interface": 64-byte
// message frames that carry either a firmware command (DCMD: controller
// information, the physical and logical drive lists, the RAID
// configuration) or a SCSI command for one physical drive
// (MFI_CMD_PD_SCSI_IO). It is how kesu reaches the physical drives behind
// a controller that shows the host only its logical volumes.
//
// The Linux driver megaraid_sas passes frames from user space to the
// firmware with the MEGASAS_IOC_FIRMWARE ioctl (struct megasas_iocpacket,
// drivers/scsi/megaraid/megaraid_sas.h) on its management character
// device. The driver registers that device with register_chrdev (dynamic
// major, "megaraid_sas_ioctl" in /proc/devices) and creates no /dev node;
// OpenNode creates /dev/megaraid_sas_ioctl_node itself, as smartmontools
// does (os_linux.cpp, linux_megaraid_device::open).
//
// Layout: frame.go builds frames and names firmware statuses (pure),
// layout.go decodes the DCMD replies (pure), transport.go is the
// Transport interface at the ioctl boundary, ioctl_linux.go is the only
// file that issues the ioctl, controller.go is the Controller API
// including a scsi.Transport for one physical drive, and mfitest holds an
// emulated controller behind the same Transport.
//
// What is proven without hardware: the frame and reply layouts against
// the kernel header, QEMU's hw/scsi/mfi.h and the BSD mfi headers; the
// struct megasas_iocpacket layout and ioctl number against the header;
// the whole Controller API against mfitest. Booted once under QEMU's
// megasas-gen2 with Debian 12's kernel (an ad-hoc run, not a committed
// test): OpenNode made the node from /proc/devices, and Info,
// PhysicalDrives, LogicalDrives (QEMU's totals in the configuration
// header), Config and Passthrough (INQUIRY, VPD, READ CAPACITY, READ, a
// CHECK CONDITION with its sense bytes, DEVICE_NOT_FOUND, ENODEV for
// another host) all worked through the real ioctl. QEMU's own quirks:
// PD_GET_INFO reports every drive OFFLINE with empty INQUIRY data, and a
// pass-through command without data fails with HARDWARE ERROR 44h/00h
// (megasas_map_sgl wants a scatter-gather entry).
//
// What is not proven: which status real firmware returns when it refuses
// pass-through to a RAID member (ErrRefused covers the candidates), the
// size units of 4Kn drives, controllers with more than 64 logical drives
// or device ids above 255, and how real firmware reports a SCSI status
// other than CHECK CONDITION through the ioctl (the driver copies back
// only cmd_status and the sense bytes).
package mfi

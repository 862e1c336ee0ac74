package discover

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ses adds an enclosure services device (no block device of its own) at
// sdev, named by its H:C:T:L, with enclosure logical id id, and its
// /sys/class/enclosure entry.
func (t *tree) ses(sdev, id string) {
	encl := baseName(sdev)
	t.file(sdev+"/type", "13")
	edir := sdev + "/enclosure/" + encl
	t.link("sys/class/enclosure/"+encl, "../../"+edir[len("sys/"):])
	t.file(edir+"/id", id)
}

// enclosure puts the SCSI device sdev in component comp of the enclosure
// of SES device ses, as drivers/misc/enclosure.c links them:
// sdev/enclosure_device:COMP points at ses/enclosure/HCTL/COMP, which
// holds the slot number (none when slot is "").
func (t *tree) enclosure(sdev, ses, comp, slot string) {
	cdir := ses + "/enclosure/" + baseName(ses) + "/" + comp
	t.link(sdev+"/enclosure_device:"+comp, "/"+cdir)
	t.file(cdir+"/type", "array device")
	if slot != "" {
		t.file(cdir+"/slot", slot)
	}
}

func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

// nvmeNS adds namespace name of controller ctrl at PCI address pci, with
// a sysfs nsid attribute unless nsid is "".
func (t *tree) nvmeNS(name, ctrl, pci, nsid string) {
	cdir := "sys/devices/pci0000:00/0000:00:1d.0/" + pci + "/nvme/" + ctrl
	b := t.disk(name, cdir, 1<<21, 512, 512, false)
	t.link(b+"/device", "../../"+ctrl)
	if nsid != "" {
		t.file(b+"/nsid", nsid)
	}
	t.link("sys/class/nvme/"+ctrl, "../../"+cdir[len("sys/"):])
	t.file(cdir+"/address", pci)
	t.file(cdir+"/serial", "SN-"+ctrl)
}

// bayMachine is a machine whose drives the old labels could not tell
// apart: two targets and a LUN behind one virtio-scsi controller, two
// namespaces of one NVMe controller, two enclosures with a slot 7 each, a
// port multiplier, a two-slot USB card reader, and an Intel SCU (isci)
// that registers two SCSI hosts on one PCI function.
func bayMachine() *tree {
	t := newTree()
	pci := "sys/devices/pci0000:00/"

	vs := pci + "0000:00:04.0/virtio2/host1"
	t.scsiHost(vs, "virtio_scsi", nil)
	t.sdisk("sda", vs+"/target1:0:0/1:0:0:0", nil)
	t.sdisk("sdb", vs+"/target1:0:1/1:0:1:0", nil)
	t.sdisk("sdc", vs+"/target1:0:1/1:0:1:2", nil)

	t.nvmeNS("nvme0n1", "nvme0", "0000:03:00.0", "1")
	t.nvmeNS("nvme0n2", "nvme0", "0000:03:00.0", "2")
	t.nvmeNS("nvme1n1", "nvme1", "0000:04:00.0", "3") // NSID 3, the kernel's first instance
	t.nvmeNS("nvme2n1", "nvme2", "0000:07:00.0", "")  // a kernel without the nsid attribute

	hba := pci + "0000:00:03.0/0000:05:00.0/host0"
	t.scsiHost(hba, "mpt3sas", nil)
	sdev := func(n string) string {
		return hba + "/port-0:" + n + "/end_device-0:" + n + "/target0:0:" + n + "/0:0:" + n + ":0"
	}
	sas := func(name, n string) string {
		t.sdisk(name, sdev(n), map[string]*string{"sas_address": sp("0x5000c500a1b2c3d" + n)})
		return sdev(n)
	}
	// Three enclosures, one of them behind two expanders (two SES
	// devices, one logical id); numbered in H:C:T:L order, 0:0:9:0 after
	// 0:0:8:0 and before 0:0:10:0.
	ses9, ses8, ses10, ses11 := sdev("9"), sdev("8"), sdev("10"), sdev("11")
	t.ses(ses9, "0x5003048001c1043f")
	t.ses(ses8, "0x5003048001c1057f")
	t.ses(ses10, "0x5003048001c1043f") // the second expander of ses9's enclosure
	t.ses(ses11, "0x500304800abcdeff")
	t.enclosure(sas("sdf", "1"), ses9, "Slot07", "7")
	t.enclosure(sas("sdg", "2"), ses8, "Slot07", "7")
	t.enclosure(sas("sdh", "3"), ses9, "4", "") // no descriptor, no slot attribute
	t.enclosure(sas("sdi", "5"), ses9, "Disk 5", "")
	t.enclosure(sas("sdq", "12"), ses10, "Slot03", "3")
	t.enclosure(sas("sdr", "13"), ses11, "Slot00", "0")
	sas("sdj", "6") // a direct-attached drive without an enclosure

	ahci := pci + "0000:00:1f.2"
	b := t.disk("sdk", ahci+"/ata3/host2/target2:0:0/2:0:0:0", 1<<21, 512, 512, true)
	t.link(b+"/device", "../../../2:0:0:0")
	for _, pmp := range []string{"0", "1"} {
		sdev := ahci + "/ata4/host3/target3:0:" + pmp + "/3:0:" + pmp + ":0"
		b := t.disk("sdl"+pmp, sdev, 1<<21, 512, 512, true)
		t.link(b+"/device", "../../../3:0:"+pmp+":0")
	}

	usb := pci + "0000:00:14.0/usb2/2-2/2-2:1.0/host6"
	t.scsiHost(usb, "usb-storage", nil)
	t.sdisk("sdm", usb+"/target6:0:0/6:0:0:0", nil)
	t.sdisk("sdn", usb+"/target6:0:0/6:0:0:1", nil)

	iscsi := "sys/devices/platform/host7/session1"
	t.sdisk("sdo", iscsi+"/target7:0:0/7:0:0:0", nil)

	scu := pci + "0000:00:11.0/0000:06:00.0/"
	for _, h := range []string{"8", "9"} {
		t.scsiHost(scu+"host"+h, "isci", nil)
		t.sdisk("sdp"+h, scu+"host"+h+"/port-"+h+":0/end_device-"+h+":0/target"+h+":0:0/"+h+":0:0:0", nil)
	}
	return t
}

// TestBays: the bay rule of Location.Bay, label by label, on drives the
// old labels gave one bay to (the virtio-scsi targets, the namespaces).
func TestBays(t *testing.T) {
	tr := bayMachine()
	disks, err := Scan(tr.MapFS)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range disks {
		got[d.Name] = d.Location.Bay
	}
	want := map[string]string{
		"sda": "0000:00:04.0 tgt 0:0",
		"sdb": "0000:00:04.0 tgt 0:1",
		"sdc": "0000:00:04.0 tgt 0:1 lun 2",

		"nvme0n1": "0000:03:00.0 ns1",
		"nvme0n2": "0000:03:00.0 ns2",
		"nvme1n1": "0000:04:00.0 ns3",
		"nvme2n1": "0000:07:00.0 ns1",

		"sdf": "encl1 slot 7",
		"sdg": "encl0 slot 7",
		"sdh": "encl1 slot 4",
		"sdi": "encl1 Disk 5",
		"sdq": "encl1 slot 3",
		"sdr": "encl2 slot 0",
		"sdj": "0000:05:00.0 tgt 0:6",

		"sdk":  "ata3",
		"sdl0": "ata4",
		"sdl1": "ata4.01",

		"sdm": "usb 2-2",
		"sdn": "usb 2-2 lun 1",

		"sdo": "host7 tgt 0:0",

		// Two SCSI hosts on one PCI function: the rule gives both
		// "0000:06:00.0 tgt 0:0"; UniqueBays adds their H:C:T:L.
		"sdp8": "0000:06:00.0 tgt 0:0 (8:0:0:0)",
		"sdp9": "0000:06:00.0 tgt 0:0 (9:0:0:0)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Scan bays (-want +got):\n%s", diff)
	}

	// One label everywhere: Lookup (single-device commands) gives each disk
	// the bay Scan (the appliance's plan) gives it.
	for _, d := range disks {
		l, err := Lookup(tr.MapFS, d.Name)
		if err != nil {
			t.Fatal(err)
		}
		if l.Location.Bay != d.Location.Bay {
			t.Errorf("Lookup(%s).Location.Bay = %q; want %q, as Scan gives it", d.Name, l.Location.Bay, d.Location.Bay)
		}
	}

	byName := map[string]Disk{}
	for _, d := range disks {
		byName[d.Name] = d
	}
	if l := byName["sdf"].Location; l.Enclosure != "encl1" || l.EnclosureDevice != "0:0:9:0" || l.EnclosureID != "0x5003048001c1043f" ||
		l.EnclosureSlot != "Slot07" || l.Slot != "7" || l.PCIAddress != "0000:05:00.0" {
		t.Errorf("sdf location = %+v; want encl1 (SES 0:0:9:0, id 0x5003048001c1043f), component Slot07, slot 7, PCI 0000:05:00.0", l)
	}
	if l := byName["nvme0n2"].Location; l.NamespaceID != 2 || l.PCIAddress != "0000:03:00.0" {
		t.Errorf("nvme0n2 location = %+v; want NSID 2 at 0000:03:00.0", l)
	}
	if l := byName["sdm"].Location; l.PCIAddress != "0000:00:14.0" || l.USBPort != "2-2" {
		t.Errorf("sdm location = %+v; want USB port 2-2 on 0000:00:14.0", l)
	}
}

// TestScanBaysUnique: whatever the tree, Scan never returns two disks with
// one bay.
func TestScanBaysUnique(t *testing.T) {
	trees := map[string]*tree{"machine": machine(), "bays": bayMachine()}
	for _, fx := range topologyFixtures {
		tr := newTree()
		fx.build(tr)
		trees[fx.name] = tr
	}
	for name, tr := range trees {
		disks, err := Scan(tr.MapFS)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		seen := map[string]string{}
		for _, d := range disks {
			if d.Location.Bay == "" {
				t.Errorf("%s: %s has no bay", name, d.Name)
			}
			if o, dup := seen[d.Location.Bay]; dup {
				t.Errorf("%s: %s and %s share bay %q", name, o, d.Name, d.Location.Bay)
			}
			seen[d.Location.Bay] = d.Name
		}
	}
}

// TestUniqueBays: labels that collide become more specific — the H:C:T:L,
// else the kernel name — and the others stay as they are. Controller bays
// ("32:3") added after Scan can collide across two controllers.
func TestUniqueBays(t *testing.T) {
	disks := []Disk{
		{Name: "host0-dev11", Location: Location{Bay: "32:3"}},
		{Name: "host1-dev11", Location: Location{Bay: "32:3"}},
		{Name: "sda", HCTL: "0:0:1:0", Location: Location{Bay: "0000:03:00.0 tgt 0:1"}},
		{Name: "sdb", HCTL: "1:0:1:0", Location: Location{Bay: "0000:03:00.0 tgt 0:1"}},
		{Name: "sdc", HCTL: "2:0:0:0", Location: Location{Bay: "2:0:0:0"}},
		{Name: "sdd", HCTL: "2:0:0:0", Location: Location{Bay: "2:0:0:0"}}, // the H:C:T:L adds nothing
		{Name: "sde", HCTL: "3:0:0:0", Location: Location{Bay: "ata5"}},
	}
	UniqueBays(disks)
	var got []string
	for _, d := range disks {
		got = append(got, d.Location.Bay)
	}
	want := []string{
		"32:3 (host0-dev11)", "32:3 (host1-dev11)",
		"0000:03:00.0 tgt 0:1 (0:0:1:0)", "0000:03:00.0 tgt 0:1 (1:0:1:0)",
		"2:0:0:0 (sdc)", "2:0:0:0 (sdd)",
		"ata5",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("UniqueBays (-want +got):\n%s", diff)
	}
}

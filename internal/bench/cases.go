package main

import "fmt"

// Case is one timed command of a round.
type Case struct {
	// Name names the series its samples join, e.g. "kesu_zero".
	Name string
	Tool string // kesu, dd or nwipe
	Cmd  Command
	// NeedsZero: the device must hold zeros before it runs (read-back
	// checks); LeavesZero: it holds zeros afterwards.
	NeedsZero, LeavesZero bool
	// Check, when set, runs untimed after each sample and must succeed
	// for the sample to count: what the case left on the device.
	Check Command
}

// Group is a set of cases compared with each other: a round runs them in
// order, the next round in reverse, so that no command always runs first
// or always follows the same one.
type Group []Case

// The series names.
const (
	ddZero           = "dd_zero"
	ddRead           = "dd_read"
	kesuZero         = "kesu_zero"
	kesuRandom       = "kesu_random"
	kesuZeroVerify10 = "kesu_zero_verify10"
	kesuVerifyFull   = "kesu_verify_full"
	kesuVerify10     = "kesu_verify10"
	floorVerify10    = "floor_verify10"
	floorRandom      = "floor_random"
	nwipeZero        = "nwipe_zero"
	nwipeRandom      = "nwipe_random"
	nwipeVerify      = "nwipe_verify"
)

// ddWrite is `dd bs=4M oflag=direct conv=fsync` of zeros over the device.
func ddWrite(d *Device) Command {
	return Command{Name: "dd", Args: []string{"if=/dev/zero", "of=" + d.Path, "bs=4M",
		fmt.Sprint("count=", d.Size/(4<<20)), "oflag=direct", "conv=fsync", "status=none"}}
}

// ddReadCmd is `dd bs=4M iflag=direct` of the whole device.
func ddReadCmd(d *Device) Command {
	return Command{Name: "dd", Args: []string{"if=" + d.Path, "of=/dev/null", "bs=4M",
		fmt.Sprint("count=", d.Size/(4<<20)), "iflag=direct", "status=none"}}
}

// kesuErase is `kesu erase` of one device with a pattern and verification.
// --verify none exits 4 (written, not verified).
func kesuErase(kesu string, d *Device, pattern, verify string) Command {
	c := Command{Name: kesu, Args: []string{"erase", "--device", d.Path, "--pattern", pattern, "--verify", verify, "--yes"}}
	if verify == "none" {
		c.OKExit = []int{4}
	}
	return c
}

// kesuVerify is `kesu verify --expect zero` with a sample size.
func kesuVerify(kesu string, d *Device, sample string) Command {
	return Command{Name: kesu, Args: []string{"verify", "--device", d.Path, "--expect", "zero", "--sample", sample}}
}

// nwipeCmd runs nwipe unattended on one device with a method (zero,
// random: its default PRNG, verify_zero: read-back only), no verification
// pass and no blanking pass.
func nwipeCmd(nwipe string, d *Device, method string) Command {
	return Command{Name: nwipe, Args: []string{"--autonuke", "--nogui", "--nowait", "--nosignals", "--noblank",
		"--verify=off", "--rounds=1", "--method=" + method, d.Path}}
}

// singleDriveGroups are the rounds' groups on one device: the writes (dd's
// zero write against kesu's zero, random and zero+10% verify erases) and
// the reads (dd's direct read against kesu's full and 10% verify). With
// nwipe (its path, or ""), its zero and random wipes join the writes and
// its verify_zero the reads. With floor (this program's path, or ""), the
// sampled-read floor (floor.go) joins the reads and the random-write floor
// (writefloor.go) the writes.
func singleDriveGroups(kesu, nwipe, floor string, d *Device) []Group {
	writes := Group{
		{Name: ddZero, Tool: "dd", Cmd: ddWrite(d), LeavesZero: true},
		{Name: kesuZero, Tool: "kesu", Cmd: kesuErase(kesu, d, "zero", "none"), LeavesZero: true},
		{Name: kesuRandom, Tool: "kesu", Cmd: kesuErase(kesu, d, "random", "none"), NeedsZero: floor != ""},
		{Name: kesuZeroVerify10, Tool: "kesu", Cmd: kesuErase(kesu, d, "zero", "10%"), LeavesZero: true},
	}
	reads := Group{
		{Name: ddRead, Tool: "dd", Cmd: ddReadCmd(d), NeedsZero: true, LeavesZero: true},
		{Name: kesuVerifyFull, Tool: "kesu", Cmd: kesuVerify(kesu, d, "full"), NeedsZero: true, LeavesZero: true},
		{Name: kesuVerify10, Tool: "kesu", Cmd: kesuVerify(kesu, d, "10%"), NeedsZero: true, LeavesZero: true},
	}
	if floor != "" {
		// kesu's random pass, which nothing reads back, is checked: it
		// starts on zeros and must leave none, nor a repeated block.
		for i := range writes {
			if writes[i].Name == kesuRandom {
				writes[i].Check = checkRandomCommand(floor, d)
			}
		}
		writes = append(writes, Case{Name: floorRandom, Tool: "floor", Cmd: writeFloorCommand(floor, d)})
		reads = append(reads, Case{Name: floorVerify10, Tool: "floor", Cmd: floorCommand(floor, d, 10), NeedsZero: true, LeavesZero: true})
	}
	if nwipe != "" {
		writes = append(writes,
			Case{Name: nwipeZero, Tool: "nwipe", Cmd: nwipeCmd(nwipe, d, "zero"), LeavesZero: true},
			Case{Name: nwipeRandom, Tool: "nwipe", Cmd: nwipeCmd(nwipe, d, "random")})
		reads = append(reads, Case{Name: nwipeVerify, Tool: "nwipe", Cmd: nwipeCmd(nwipe, d, "verify_zero"), NeedsZero: true, LeavesZero: true})
	}
	return []Group{writes, reads}
}

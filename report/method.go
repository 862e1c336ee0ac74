package report

import "sort"

// Method names an erase method. The names are stable: they are stored in
// journals and compared by the method matrix (Rate).
type Method string

// Erase methods kesu knows. "Host overwrite" writes every addressable block
// through the normal write path; the others are drive firmware commands.
const (
	MethodOverwrite Method = "overwrite"

	MethodATASecurityErase         Method = "ata-security-erase"          // SECURITY ERASE UNIT, normal
	MethodATASecurityEraseEnhanced Method = "ata-security-erase-enhanced" // SECURITY ERASE UNIT, enhanced
	MethodATASanitizeOverwrite     Method = "ata-sanitize-overwrite"      // SANITIZE OVERWRITE EXT
	MethodATASanitizeBlockErase    Method = "ata-sanitize-block-erase"    // SANITIZE BLOCK ERASE EXT
	MethodATASanitizeCrypto        Method = "ata-sanitize-crypto-scramble"

	MethodSCSISanitizeOverwrite  Method = "scsi-sanitize-overwrite"
	MethodSCSISanitizeBlockErase Method = "scsi-sanitize-block-erase"
	MethodSCSISanitizeCrypto     Method = "scsi-sanitize-crypto-erase"

	MethodNVMeFormatUserData      Method = "nvme-format-user-data-erase" // Format NVM SES=1
	MethodNVMeFormatCrypto        Method = "nvme-format-crypto-erase"    // Format NVM SES=2
	MethodNVMeSanitizeBlockErase  Method = "nvme-sanitize-block-erase"
	MethodNVMeSanitizeCryptoErase Method = "nvme-sanitize-crypto-erase"
	MethodNVMeSanitizeOverwrite   Method = "nvme-sanitize-overwrite"

	MethodTCGCryptoErase Method = "tcg-crypto-erase" // TCG Opal/Enterprise key erase
)

// Technique is the kind of technique a method applies (App. G "method used").
type Technique string

// Techniques.
const (
	TechOverwrite   Technique = "overwrite"
	TechBlockErase  Technique = "block erase"
	TechCryptoErase Technique = "crypto erase"
	TechFirmware    Technique = "firmware erase" // vendor-defined (ATA Security Erase, NVMe Format SES=1)
)

type methodInfo struct {
	tech Technique
	en   string
	ja   string
}

var methods = map[Method]methodInfo{
	MethodOverwrite:                {TechOverwrite, "Overwrite of every addressable block by the host", "ホストによる全アドレス可能ブロックの上書き"},
	MethodATASecurityErase:         {TechFirmware, "ATA SECURITY ERASE UNIT (normal)", "ATA SECURITY ERASE UNIT（通常）"},
	MethodATASecurityEraseEnhanced: {TechFirmware, "ATA SECURITY ERASE UNIT (enhanced)", "ATA SECURITY ERASE UNIT（拡張）"},
	MethodATASanitizeOverwrite:     {TechOverwrite, "ATA SANITIZE OVERWRITE", "ATA SANITIZE OVERWRITE（上書き）"},
	MethodATASanitizeBlockErase:    {TechBlockErase, "ATA SANITIZE BLOCK ERASE", "ATA SANITIZE BLOCK ERASE（ブロック消去）"},
	MethodATASanitizeCrypto:        {TechCryptoErase, "ATA SANITIZE CRYPTO SCRAMBLE", "ATA SANITIZE CRYPTO SCRAMBLE（暗号化消去）"},
	MethodSCSISanitizeOverwrite:    {TechOverwrite, "SCSI SANITIZE OVERWRITE", "SCSI SANITIZE OVERWRITE（上書き）"},
	MethodSCSISanitizeBlockErase:   {TechBlockErase, "SCSI SANITIZE BLOCK ERASE", "SCSI SANITIZE BLOCK ERASE（ブロック消去）"},
	MethodSCSISanitizeCrypto:       {TechCryptoErase, "SCSI SANITIZE CRYPTOGRAPHIC ERASE", "SCSI SANITIZE CRYPTOGRAPHIC ERASE（暗号化消去）"},
	MethodNVMeFormatUserData:       {TechFirmware, "NVMe Format NVM, SES=1 (user data erase)", "NVMe Format NVM SES=1（ユーザーデータ消去）"},
	MethodNVMeFormatCrypto:         {TechCryptoErase, "NVMe Format NVM, SES=2 (cryptographic erase)", "NVMe Format NVM SES=2（暗号化消去）"},
	MethodNVMeSanitizeBlockErase:   {TechBlockErase, "NVMe Sanitize (block erase)", "NVMe Sanitize（ブロック消去）"},
	MethodNVMeSanitizeCryptoErase:  {TechCryptoErase, "NVMe Sanitize (crypto erase)", "NVMe Sanitize（暗号化消去）"},
	MethodNVMeSanitizeOverwrite:    {TechOverwrite, "NVMe Sanitize (overwrite)", "NVMe Sanitize（上書き）"},
	MethodTCGCryptoErase:           {TechCryptoErase, "TCG cryptographic erase", "TCG 暗号化消去"},
}

// Known reports whether m is a method of this schema version.
func (m Method) Known() bool { _, ok := methods[m]; return ok }

// Technique returns the technique m applies, or "" for an unknown method.
func (m Method) Technique() Technique { return methods[m].tech }

// Title returns the method's name for people, in English ("en") or
// Japanese ("ja"); the raw name for an unknown method.
func (m Method) Title(lang string) string {
	i, ok := methods[m]
	if !ok {
		return string(m)
	}
	if lang == "ja" {
		return i.ja
	}
	return i.en
}

// Rating is what a completed method achieves on a drive class under each
// reading of the standards.
type Rating struct {
	// NISTRev1 is the level under NIST SP 800-88 Rev. 1 (2014) Appendix A,
	// kept for offices whose rules still cite it.
	NISTRev1 Level
	// IEEE2883 is the level under IEEE 2883-2022 (as kesu reads it; the
	// standard itself was not available: where only secondary sources were,
	// the stricter level is used).
	IEEE2883 Level
	// NISTRev2 is the level under NIST SP 800-88 Rev. 2 (2025), which
	// defers techniques to IEEE 2883 (rev2Level). Rate always sets it; a
	// Rating without it is read as having none (Strict ignores it).
	NISTRev2 Level
	// MIC is the strictest MIC 2020 category whose erasure requirement the
	// method meets: 2 (also the erasure part of category 1), 3, or 0.
	MIC int
	// MICNeedsHiddenAreas is true when MIC category 2 is met only if every
	// hidden area (HPA/DCO/AMA) was found and restored before the method ran
	// (host overwrite of an HDD: "overwrite including areas the OS cannot reach").
	MICNeedsHiddenAreas bool
	// Rev1MinPasses is the number of overwrite passes Rev. 1 asks for, as
	// kesu reads it, to reach NISTRev1 (removable flash media: 2); 0 when
	// not applicable. Rev. 2 and IEEE 2883 need one.
	Rev1MinPasses int
}

// Rate returns what method m achieves on a drive of class c when it
// completes, and false when m does not apply to c (e.g. an NVMe command on a
// SATA drive, a firmware command on a USB stick). It encodes the method
// matrix of docs/record.md; the planner in package erase may use it so that
// the plan and the record agree.
func Rate(c Class, m Method) (Rating, bool) {
	r, ok := rate(c, m)
	if ok {
		r.NISTRev2 = rev2Level(r.IEEE2883)
	}
	return r, ok
}

// rate is the method matrix under Rev. 1 and IEEE 2883. The Rev. 1 tables
// are Appendix A's: Table A-5 (magnetic media, ATA hard disk drives among
// them) and Table A-8 (flash memory, ATA SSDs among them). Where Rev. 1's
// text, as quoted in the sources read, names no row for a method (NVMe
// Format and Sanitize, ATA SANITIZE OVERWRITE on an SSD), kesu's Rev. 1
// level is its own extrapolation, kept because it never raises the level
// reported: the stricter reading is reported (docs/record.md).
func rate(c Class, m Method) (Rating, bool) {
	switch c {
	case ClassHDD:
		switch m {
		case MethodOverwrite:
			return Rating{NISTRev1: LevelClear, IEEE2883: LevelClear, MIC: 2, MICNeedsHiddenAreas: true}, true
		case MethodATASecurityErase:
			return Rating{NISTRev1: LevelClear, IEEE2883: LevelClear, MIC: 3}, true
		case MethodATASecurityEraseEnhanced:
			// Rev. 1 Table A-5 (ATA hard disk drives) lists enhanced
			// Secure Erase as Purge. Its effect is vendor-defined, and the
			// IEEE 2883 reading here is kesu's own stricter choice, Clear:
			// no source read says IEEE 2883 calls it Clear, and drive
			// makers quoting IEEE 2883 (Seagate, Dell) call it Purge.
			// Rev. 2 does not mention SECURITY ERASE UNIT (secondary).
			return Rating{NISTRev1: LevelPurge, IEEE2883: LevelClear, MIC: 2}, true
		case MethodATASanitizeOverwrite, MethodATASanitizeCrypto, MethodATASanitizeBlockErase,
			MethodSCSISanitizeOverwrite, MethodSCSISanitizeCrypto, MethodSCSISanitizeBlockErase,
			MethodTCGCryptoErase:
			return Rating{NISTRev1: LevelPurge, IEEE2883: LevelPurge, MIC: 2}, true
		}
	case ClassSSD:
		switch m {
		case MethodOverwrite:
			return Rating{NISTRev1: LevelClear, IEEE2883: LevelClear, MIC: 3}, true
		case MethodATASecurityErase, MethodATASecurityEraseEnhanced:
			// Secure Erase on flash is Clear only.
			return Rating{NISTRev1: LevelClear, IEEE2883: LevelClear, MIC: 3}, true
		case MethodATASanitizeOverwrite, MethodATASanitizeCrypto, MethodATASanitizeBlockErase,
			MethodSCSISanitizeOverwrite, MethodSCSISanitizeCrypto, MethodSCSISanitizeBlockErase,
			MethodTCGCryptoErase:
			return Rating{NISTRev1: LevelPurge, IEEE2883: LevelPurge, MIC: 2}, true
		}
	case ClassNVMe:
		switch m {
		case MethodOverwrite:
			return Rating{NISTRev1: LevelClear, IEEE2883: LevelClear, MIC: 3}, true
		case MethodNVMeFormatUserData:
			// kesu's Rev. 1 reading: Purge (extrapolated: the Rev. 1 text
			// quoted names no NVMe row). IEEE 2883 counts it as Clear
			// (drive makers: "only crypto erase is a possible purge").
			return Rating{NISTRev1: LevelPurge, IEEE2883: LevelClear, MIC: 3}, true
		case MethodNVMeFormatCrypto:
			// kesu's Rev. 1 reading: Purge (extrapolated). IEEE 2883:
			// Clear, possibly Purge "if the vendor implementation meets
			// the requirements" (secondary sources); kesu takes Clear, and
			// Rev. 2 §3.2 adds nothing kesu could check. MIC lists
			// cryptographic erase for category (2).
			return Rating{NISTRev1: LevelPurge, IEEE2883: LevelClear, MIC: 2}, true
		case MethodNVMeSanitizeBlockErase, MethodNVMeSanitizeCryptoErase, MethodNVMeSanitizeOverwrite,
			MethodTCGCryptoErase:
			return Rating{NISTRev1: LevelPurge, IEEE2883: LevelPurge, MIC: 2}, true
		}
	case ClassUSB:
		// Removable flash and drives behind unknown USB bridges: Clear by
		// overwrite; Purge is not standardized — destroy. kesu reads Rev. 1
		// as asking two passes for removable flash (not re-checked against
		// the Rev. 1 text; kept because dropping it would make kesu less
		// strict). Rev. 2 calls multi-pass overwriting unnecessary (NIST's
		// FAQ, Q6): its reading needs one.
		if m == MethodOverwrite {
			return Rating{NISTRev1: LevelClear, IEEE2883: LevelClear, MIC: 3, Rev1MinPasses: 2}, true
		}
	case ClassOther:
		// Media of unknown kind (virtio, an unknown bridge): Clear by
		// overwrite at most.
		if m == MethodOverwrite {
			return Rating{NISTRev1: LevelClear, IEEE2883: LevelClear, MIC: 3}, true
		}
	case ClassVolume:
		// A RAID logical volume: the overwrite reaches the volume's data
		// area on its members, not their space outside it nor the
		// controller's metadata — no level, no MIC category.
		if m == MethodOverwrite {
			return Rating{NISTRev1: LevelNone, IEEE2883: LevelNone}, true
		}
	case ClassFile:
		// A regular file (or a loop device over one): an overwrite counts
		// as the file overwritten, which sanitizes no medium: no level, no
		// MIC category.
		if m == MethodOverwrite {
			return Rating{NISTRev1: LevelNone, IEEE2883: LevelNone}, true
		}
	}
	return Rating{}, false
}

// Methods lists every method of this schema version, sorted by name.
func Methods() []Method {
	out := make([]Method, 0, len(methods))
	for m := range methods {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

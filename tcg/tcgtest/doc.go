// Package tcgtest emulates the TPer of a TCG self-encrypting drive for the
// emulated drives' tests (ata/atatest, scsi/scsitest, nvme/nvmetest): TPer
// implements Device with its own token codec and ComPacket framing,
// written from the TCG Storage Architecture Core Specification 2.01, the
// Opal SSC 2.01, the Enterprise SSC 1.01 and the Opal Feature Sets (PSID,
// Block SID), so that it checks the host side (package tcg) independently.
//
// Ranges are given in logical blocks (Config.BlockSize bytes), as in the
// Locking table; Access and Shadow take byte offsets.
package tcgtest

package main

import (
	"context"
	"errors"
	"io"
)

// probeSCSI is filled in by the ATA/SCSI work (issue 4).
func probeSCSI(ctx context.Context, device string, jsonOut bool, stdout, stderr io.Writer) error {
	return errors.New("probe: SATA/SAS devices are not supported yet")
}

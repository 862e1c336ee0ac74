package scsi_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kesu-erase/kesu/scsi"
	"github.com/kesu-erase/kesu/scsi/scsitest"
)

var (
	rsocBlockRCTD   = []byte{0xA3, 0x0C, 0x82, 0x48, 0x00, 0x02, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00}
	rsocBlock       = []byte{0xA3, 0x0C, 0x02, 0x48, 0x00, 0x02, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00}
	sanitizeBlock   = []byte{0x48, 0x82, 0, 0, 0, 0, 0, 0, 0, 0}
	requestSense    = []byte{0x03, 0x00, 0x00, 0x00, 0xFC, 0x00}
	testUnitReady   = []byte{0, 0, 0, 0, 0, 0}
	rsocSupported10 = []byte{0x00, 0x83, 0x00, 0x0A, 0x48, 0xFF, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0x07,
		0x00, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x00, 0x02, 0x58} // nominal 60 s, recommended 600 s
)

func progress(p uint16) scsitest.Reply {
	return scsitest.Good(scsitest.FixedSenseProgress(scsi.KeyNotReady, 0x04, 0x1B, p))
}

func TestSanitizeSequenceAndProgress(t *testing.T) {
	script := scsitest.NewScript(t,
		scsitest.Step{CDB: rsocBlockRCTD, Reply: scsitest.Good(rsocSupported10)},
		scsitest.Step{CDB: sanitizeBlock, Timeout: scsi.ShortTimeout, Reply: scsitest.Good(nil)},
		scsitest.Step{CDB: requestSense, Reply: progress(0x4000)},
		scsitest.Step{CDB: requestSense, Reply: progress(0xC000)},
		scsitest.Step{CDB: requestSense, Reply: scsitest.Good(scsitest.FixedSense(scsi.KeyNoSense, 0, 0))},
		scsitest.Step{CDB: testUnitReady, Reply: scsitest.Good(nil)},
	)
	clk := scsitest.NewFakeClock()
	dev := &scsi.Device{T: script, Name: "script", Clock: clk}
	res, err := dev.Sanitize(context.Background(), scsi.SanitizeOptions{Action: scsi.SanitizeBlockErase})
	if err != nil {
		t.Fatalf("Sanitize() error = %v", err)
	}
	if !res.Completed || res.Supported != "supported" || res.Estimate != 10*time.Minute || res.Polls != 3 {
		t.Errorf("result = %+v; want completed, supported, estimate 10m, 3 polls", res)
	}
	if len(res.Progress) != 2 || res.Progress[0].Percent != 25 || res.Progress[1].Percent != 75 {
		t.Errorf("progress = %+v; want 25%% then 75%%", res.Progress)
	}
	// Poll interval from the device's recommended timeout: 600 s / 50.
	for _, s := range clk.Slept() {
		if s != 12*time.Second {
			t.Errorf("poll interval %v; want 12s", s)
		}
	}
	if res.Duration != 36*time.Second {
		t.Errorf("Duration = %v; want 36s on the fake clock", res.Duration)
	}
}

func TestSanitizeFailureReported(t *testing.T) {
	script := scsitest.NewScript(t,
		scsitest.Step{CDB: sanitizeBlock, Reply: scsitest.Good(nil)},
		scsitest.Step{CDB: requestSense, Reply: progress(0x1000)},
		scsitest.Step{CDB: requestSense, Reply: scsitest.Good(scsitest.FixedSense(scsi.KeyMediumError, 0x31, 0x03))},
	)
	dev := &scsi.Device{T: script, Name: "script", Clock: scsitest.NewFakeClock()}
	res, err := dev.Sanitize(context.Background(), scsi.SanitizeOptions{Action: scsi.SanitizeBlockErase, SkipSupportCheck: true})
	if !errors.Is(err, scsi.ErrSanitizeFailed) {
		t.Fatalf("Sanitize() error = %v; want ErrSanitizeFailed", err)
	}
	var ce *scsi.CommandError
	if !errors.As(err, &ce) || ce.Status.Sense == nil || ce.Status.Sense.ASC != 0x31 {
		t.Errorf("error %v lacks the sense that reported the failure", err)
	}
	if res.Completed || len(res.Failures) != 1 {
		t.Errorf("result = %+v; want not completed with one failure", res)
	}
}

func TestSanitizeUnsupportedNotSent(t *testing.T) {
	script := scsitest.NewScript(t,
		scsitest.Step{CDB: rsocBlockRCTD, Reply: scsitest.Good([]byte{0x00, 0x01})},
	)
	dev := &scsi.Device{T: script, Name: "script", Clock: scsitest.NewFakeClock()}
	res, err := dev.Sanitize(context.Background(), scsi.SanitizeOptions{Action: scsi.SanitizeBlockErase})
	if !errors.Is(err, scsi.ErrUnsupported) || res.Supported != "not supported" || res.CDB != nil {
		t.Errorf("Sanitize() = %+v, %v; want ErrUnsupported before any SANITIZE", res, err)
	}
}

// TestSanitizeRefusedLikeVirtioSCSI: a device without RSOC and without
// SANITIZE (QEMU's virtio-scsi disk) answers ILLEGAL REQUEST, invalid
// opcode; that must come back as a typed error.
func TestSanitizeRefusedLikeVirtioSCSI(t *testing.T) {
	invalidOpcode := scsitest.Check(scsitest.FixedSense(scsi.KeyIllegalRequest, 0x20, 0x00))
	script := scsitest.NewScript(t,
		scsitest.Step{CDB: rsocBlockRCTD, Reply: invalidOpcode},
		scsitest.Step{CDB: rsocBlock, Reply: invalidOpcode},
		scsitest.Step{CDB: sanitizeBlock, Reply: invalidOpcode},
	)
	dev := &scsi.Device{T: script, Name: "script", Clock: scsitest.NewFakeClock()}
	res, err := dev.Sanitize(context.Background(), scsi.SanitizeOptions{Action: scsi.SanitizeBlockErase})
	var ce *scsi.CommandError
	if !errors.Is(err, scsi.ErrUnsupported) || !errors.As(err, &ce) || ce.Op != "SANITIZE BLOCK ERASE" {
		t.Fatalf("Sanitize() error = %v; want a *CommandError for SANITIZE BLOCK ERASE wrapping ErrUnsupported", err)
	}
	if res.Supported != "unknown" || len(res.Failures) != 2 {
		t.Errorf("result = %+v; want support unknown, two failures recorded", res)
	}
}

func TestSanitizeOverwriteSendsParameters(t *testing.T) {
	script := scsitest.NewScript(t,
		scsitest.Step{CDB: []byte{0x48, 0x81, 0, 0, 0, 0, 0, 0, 0x08, 0},
			DataOut: []byte{0x82, 0x00, 0x00, 0x04, 0xAA, 0x55, 0xAA, 0x55}, Reply: scsitest.Good(nil)},
		scsitest.Step{CDB: requestSense, Reply: scsitest.Good(scsitest.FixedSense(scsi.KeyNoSense, 0, 0))},
		scsitest.Step{CDB: testUnitReady, Reply: scsitest.Good(nil)},
	)
	dev := &scsi.Device{T: script, Name: "script", Clock: scsitest.NewFakeClock()}
	_, err := dev.Sanitize(context.Background(), scsi.SanitizeOptions{Action: scsi.SanitizeOverwrite, SkipSupportCheck: true,
		OverwritePasses: 2, OverwriteInvert: true, OverwritePattern: []byte{0xAA, 0x55, 0xAA, 0x55}})
	if err != nil {
		t.Fatalf("Sanitize(overwrite) error = %v", err)
	}
}

func TestSanitizeTimesOut(t *testing.T) {
	steps := []scsitest.Step{{CDB: sanitizeBlock, Reply: scsitest.Good(nil)}}
	for i := 0; i < 4; i++ {
		steps = append(steps, scsitest.Step{CDB: requestSense, Reply: progress(0x100)})
	}
	script := scsitest.NewScript(t, steps...)
	dev := &scsi.Device{T: script, Name: "script", Clock: scsitest.NewFakeClock()}
	_, err := dev.Sanitize(context.Background(), scsi.SanitizeOptions{Action: scsi.SanitizeBlockErase, SkipSupportCheck: true,
		PollInterval: time.Minute, MaxWait: 3*time.Minute + time.Second})
	if !errors.Is(err, scsi.ErrTimeout) {
		t.Errorf("Sanitize() error = %v; want ErrTimeout after MaxWait", err)
	}
}

func TestSanitizePollingToleratesUnitAttention(t *testing.T) {
	script := scsitest.NewScript(t,
		scsitest.Step{CDB: sanitizeBlock, Reply: scsitest.Good(nil)},
		scsitest.Step{CDB: requestSense, Reply: scsitest.Good(scsitest.FixedSense(scsi.KeyUnitAttention, 0x29, 0x00))},
		scsitest.Step{CDB: requestSense, Reply: progress(0x8000)},
		scsitest.Step{CDB: requestSense, Reply: scsitest.Good(scsitest.FixedSense(scsi.KeyNoSense, 0, 0))},
		scsitest.Step{CDB: testUnitReady, Reply: scsitest.Check(scsitest.FixedSense(scsi.KeyUnitAttention, 0x2A, 0x09))},
		scsitest.Step{CDB: testUnitReady, Reply: scsitest.Good(nil)},
	)
	dev := &scsi.Device{T: script, Name: "script", Clock: scsitest.NewFakeClock()}
	res, err := dev.Sanitize(context.Background(), scsi.SanitizeOptions{Action: scsi.SanitizeBlockErase, SkipSupportCheck: true})
	if err != nil || !res.Completed || len(res.Failures) != 1 {
		t.Errorf("Sanitize() = %+v, %v; want completed with the unit attention recorded", res, err)
	}
}

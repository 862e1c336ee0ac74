package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kesu-erase/kesu/report"
)

// Short names keep the expected lists readable.
const (
	ow      = report.MethodOverwrite
	ataSE   = report.MethodATASecurityErase
	ataSEE  = report.MethodATASecurityEraseEnhanced
	ataSOW  = report.MethodATASanitizeOverwrite
	ataSBE  = report.MethodATASanitizeBlockErase
	ataSCR  = report.MethodATASanitizeCrypto
	scsiOW  = report.MethodSCSISanitizeOverwrite
	scsiBE  = report.MethodSCSISanitizeBlockErase
	scsiCR  = report.MethodSCSISanitizeCrypto
	nvF1    = report.MethodNVMeFormatUserData
	nvF2    = report.MethodNVMeFormatCrypto
	nvSBE   = report.MethodNVMeSanitizeBlockErase
	nvSCR   = report.MethodNVMeSanitizeCryptoErase
	nvSOW   = report.MethodNVMeSanitizeOverwrite
	hdd     = report.ClassHDD
	ssd     = report.ClassSSD
	nvmeCls = report.ClassNVMe
	usb     = report.ClassUSB
	other   = report.ClassOther
)

var (
	ataAll      = &ATA{SanitizeSupported: true, SanitizeCrypto: true, EncryptsAllUserData: true, SanitizeBlock: true, SanitizeOverwrite: true, SecuritySupported: true, EnhancedErase: true}
	ataSecOnly  = &ATA{SecuritySupported: true, EnhancedErase: true}
	ataNoEncAll = &ATA{SanitizeSupported: true, SanitizeCrypto: true, SanitizeBlock: true, SanitizeOverwrite: true, SecuritySupported: true, EnhancedErase: true}
	ataFrozen   = &ATA{SecuritySupported: true, EnhancedErase: true, SecurityFrozen: true}
	ataNone     = &ATA{}
	ataOWOnly   = &ATA{SanitizeSupported: true, SanitizeOverwrite: true, SecuritySupported: true}
	ataSanFrz   = &ATA{SanitizeSupported: true, SanitizeCrypto: true, SanitizeBlock: true, SanitizeFrozen: true, SecuritySupported: true}
	ataLocked   = &ATA{SecuritySupported: true, SecurityEnabled: true, SecurityLocked: true, EnhancedErase: true}
	nvAll       = &NVMe{SanitizeCrypto: true, SanitizeBlock: true, SanitizeOverwrite: true, Format: true, FormatCrypto: true, Namespaces: 1}
	nvQEMU      = &NVMe{Format: true, Namespaces: 1} // QEMU 7.2: SANICAP=0, FNA without crypto
	nvNone      = &NVMe{Namespaces: 1}
	nvBlock     = &NVMe{SanitizeBlock: true, Format: true, Namespaces: 2}
	scsiUnk     = &SCSI{}
	scsiNo      = &SCSI{SanitizeCrypto: No, SanitizeBlock: No, SanitizeOverwrite: No}
)

func chosen(p Plan) []report.Method {
	var out []report.Method
	for _, s := range p.Chosen() {
		out = append(out, s.Method)
	}
	return out
}

// TestPlanMatrix covers every class with the capability combinations that
// change the plan, and for each policy level the first step that meets it.
func TestPlanMatrix(t *testing.T) {
	type want struct {
		methods []report.Method
		// first step meeting Clear, Purge, MIC 3, MIC 2 (hidden areas
		// restored), MIC 2 (hidden areas not restored); "" = none.
		clear, purge, mic3, mic2, mic2NoHidden report.Method
	}
	for _, tc := range []struct {
		name string
		caps Capabilities
		want want
	}{
		{"ATA HDD, everything", Capabilities{Class: hdd, HostWritable: true, ATA: ataAll},
			want{[]report.Method{ataSOW, ataSCR, ataSBE, ataSEE, ataSE, ow}, ataSOW, ataSOW, ataSOW, ataSOW, ataSOW}},
		{"ATA HDD, security only", Capabilities{Class: hdd, HostWritable: true, ATA: ataSecOnly},
			// Enhanced Secure Erase: Purge under Rev.1, Clear under IEEE 2883.
			want{[]report.Method{ataSEE, ataSE, ow}, ataSEE, "", ataSEE, ataSEE, ataSEE}},
		{"ATA HDD, frozen security", Capabilities{Class: hdd, HostWritable: true, ATA: ataFrozen},
			want{[]report.Method{ow}, ow, "", ow, ow, ""}},
		{"ATA HDD, nothing", Capabilities{Class: hdd, HostWritable: true, ATA: ataNone},
			want{[]report.Method{ow}, ow, "", ow, ow, ""}},
		{"ATA HDD, sanitize overwrite only", Capabilities{Class: hdd, HostWritable: true, ATA: ataOWOnly},
			want{[]report.Method{ataSOW, ataSE, ow}, ataSOW, ataSOW, ataSOW, ataSOW, ataSOW}},
		{"ATA HDD, locked", Capabilities{Class: hdd, HostWritable: true, ATA: ataLocked},
			want{[]report.Method{ow}, ow, "", ow, ow, ""}},
		{"ATA HDD, not writable", Capabilities{Class: hdd, ATA: ataNone},
			want{nil, "", "", "", "", ""}},
		{"SATA SSD, everything", Capabilities{Class: ssd, HostWritable: true, ATA: ataAll},
			want{[]report.Method{ataSCR, ataSBE, ataSOW, ataSEE, ataSE, ow}, ataSCR, ataSCR, ataSCR, ataSCR, ataSCR}},
		// CRYPTO SCRAMBLE on a drive that does not say it encrypts all
		// user data (word 69 bit 4 clear) is not planned: block erase
		// leads instead.
		{"SATA SSD, everything but the encrypt-all claim", Capabilities{Class: ssd, HostWritable: true, ATA: ataNoEncAll},
			want{[]report.Method{ataSBE, ataSOW, ataSEE, ataSE, ow}, ataSBE, ataSBE, ataSBE, ataSBE, ataSBE}},
		{"SATA SSD, security only", Capabilities{Class: ssd, HostWritable: true, ATA: ataSecOnly},
			// Secure Erase on flash is Clear only, never Purge.
			want{[]report.Method{ataSEE, ataSE, ow}, ataSEE, "", ataSEE, "", ""}},
		{"SATA SSD, sanitize frozen", Capabilities{Class: ssd, HostWritable: true, ATA: ataSanFrz},
			want{[]report.Method{ataSE, ow}, ataSE, "", ataSE, "", ""}},
		{"SATA SSD, nothing", Capabilities{Class: ssd, HostWritable: true, ATA: ataNone},
			want{[]report.Method{ow}, ow, "", ow, "", ""}},
		{"SAS HDD, support unknown", Capabilities{Class: hdd, HostWritable: true, SCSI: scsiUnk},
			want{[]report.Method{scsiOW, scsiCR, ow}, scsiOW, scsiOW, scsiOW, scsiOW, scsiOW}},
		{"SAS HDD, no sanitize", Capabilities{Class: hdd, HostWritable: true, SCSI: scsiNo},
			want{[]report.Method{ow}, ow, "", ow, ow, ""}},
		{"SAS SSD, support unknown", Capabilities{Class: ssd, HostWritable: true, SCSI: scsiUnk},
			want{[]report.Method{scsiCR, scsiBE, ow}, scsiCR, scsiCR, scsiCR, scsiCR, scsiCR}},
		{"SAS SSD, crypto only", Capabilities{Class: ssd, HostWritable: true, SCSI: &SCSI{SanitizeCrypto: Yes, SanitizeBlock: No}},
			want{[]report.Method{scsiCR, ow}, scsiCR, scsiCR, scsiCR, scsiCR, scsiCR}},
		{"NVMe, everything", Capabilities{Class: nvmeCls, HostWritable: true, NVMe: nvAll},
			want{[]report.Method{nvSCR, nvSBE, nvSOW, nvF2, nvF1, ow}, nvSCR, nvSCR, nvSCR, nvSCR, nvSCR}},
		{"NVMe, QEMU", Capabilities{Class: nvmeCls, HostWritable: true, NVMe: nvQEMU},
			// Format SES=1 is Purge under Rev.1 but Clear under IEEE 2883:
			// it never meets Purge here.
			want{[]report.Method{nvF1, ow}, nvF1, "", nvF1, "", ""}},
		{"NVMe, no format", Capabilities{Class: nvmeCls, HostWritable: true, NVMe: nvNone},
			want{[]report.Method{ow}, ow, "", ow, "", ""}},
		{"NVMe, block erase, two namespaces", Capabilities{Class: nvmeCls, HostWritable: true, NVMe: nvBlock},
			want{[]report.Method{nvSBE, nvF1, ow}, nvSBE, nvSBE, nvSBE, nvSBE, nvSBE}},
		{"NVMe, a sibling namespace protected", Capabilities{Class: nvmeCls, HostWritable: true, NVMe: &NVMe{SanitizeCrypto: true, SanitizeBlock: true, Format: true, FormatCrypto: true, Namespaces: 2, Protected: 1}},
			// Sanitize acts on every namespace: not used; Format only on this one.
			want{[]report.Method{nvF2, nvF1, ow}, nvF2, "", nvF2, nvF2, nvF2}},
		{"NVMe, a sibling protected and Format applies to all", Capabilities{Class: nvmeCls, HostWritable: true, NVMe: &NVMe{SanitizeCrypto: true, Format: true, FormatCrypto: true, FormatAll: true, Namespaces: 2, Protected: 1}},
			want{[]report.Method{ow}, ow, "", ow, "", ""}},
		{"NVMe, Format applies to all, nothing protected", Capabilities{Class: nvmeCls, HostWritable: true, NVMe: &NVMe{Format: true, FormatAll: true, Namespaces: 2}},
			want{[]report.Method{nvF1, ow}, nvF1, "", nvF1, "", ""}},
		{"USB stick", Capabilities{Class: usb, HostWritable: true},
			want{[]report.Method{ow}, ow, "", ow, "", ""}},
		{"other (virtio)", Capabilities{Class: other, HostWritable: true},
			want{[]report.Method{ow}, ow, "", ow, "", ""}},
	} {
		p := For(tc.caps)
		if diff := cmp.Diff(tc.want.methods, chosen(p)); diff != "" {
			t.Errorf("%s: chosen methods (-want +got):\n%s", tc.name, diff)
		}
		for _, q := range []struct {
			label  string
			level  report.Level
			mic    int
			hidden bool
			want   report.Method
		}{
			{"Clear", report.LevelClear, 0, true, tc.want.clear},
			{"Purge", report.LevelPurge, 0, true, tc.want.purge},
			{"MIC 3", "", 3, true, tc.want.mic3},
			{"MIC 2", "", 2, true, tc.want.mic2},
			{"MIC 2 hidden areas not restored", "", 2, false, tc.want.mic2NoHidden},
			{"MIC 1", "", 1, true, tc.want.mic2},
		} {
			s, ok := p.FirstMeeting(q.level, q.mic, q.hidden)
			got := report.Method("")
			if ok {
				got = s.Method
			}
			if got != q.want {
				t.Errorf("%s: FirstMeeting(%s) = %q; want %q", tc.name, q.label, got, q.want)
			}
		}
		for _, s := range p.Steps {
			if s.Reason == "" {
				t.Errorf("%s: step %s has no reason", tc.name, s.Method)
			}
		}
	}
}

func TestPlanNotes(t *testing.T) {
	if p := For(Capabilities{Class: usb, HostWritable: true}); !strings.Contains(p.Note, "destroy") {
		t.Errorf("USB plan note = %q; want it to say Purge means destroy", p.Note)
	}
	if p := For(Capabilities{Class: hdd}); !strings.Contains(p.Note, "destroy") || len(p.Chosen()) != 0 {
		t.Errorf("unwritable HDD plan = %+v; want no chosen step and a destroy note", p)
	}
	p := For(Capabilities{Class: ssd, HostWritable: true, ATA: ataFrozen})
	for _, s := range p.Steps {
		if s.Method == ataSEE && (s.Chosen || !strings.Contains(s.Reason, "frozen")) {
			t.Errorf("frozen SSD step %+v; want skipped because frozen", s)
		}
	}
	rec := p.Record()
	if len(rec.Steps) != len(p.Steps) || rec.Steps[0].Reason != p.Steps[0].Reason {
		t.Errorf("Record() = %+v; want the same steps", rec)
	}
}

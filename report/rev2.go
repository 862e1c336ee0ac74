package report

// NIST SP 800-88 Rev. 2 (September 2025) is the primary reading of a
// record; IEEE 2883-2022 is the standard it defers to; Rev. 1 (2014) is
// kept alongside for offices whose rules still cite it. What was read, and
// what was not (the Rev. 2 text itself was not available; its section
// numbers come from secondary sources, §3.1.3 and §3.2.5 from NIST's own
// FAQ), is in docs/record.md, "Which standard the levels follow".

// rev2Level returns the level method m reaches under NIST SP 800-88 Rev. 2
// when its IEEE 2883-2022 reading is ieee. It is the one place that
// decides the Rev. 2 reading.
//
// Rev. 2 gives no technique per medium: apart from cryptographic erase it
// sends techniques to IEEE 2883 (§3.1.2 for purge, §4.4 for performing
// sanitization; NIST's announcement: "all sanitization techniques and tool
// details have been replaced with recommendations to comply with IEEE
// 2883"), so the Rev. 2 level is the IEEE 2883 level.
//
// Cryptographic erase keeps its own section (§3.2) with conditions on the
// key and the implementation: the algorithm's strength, no plaintext
// stored before the keys, zeroization of every copy of the keys, a
// validated module (NIST's FAQ, Q9). kesu cannot observe any of them
// through the drive's interface; NIST's FAQ (Q12) makes the §3.2.5
// prerequisites part of the organization's due diligence. So a
// cryptographic erase gets no level above its IEEE 2883 reading (NVMe
// Format SES=2 stays Clear), and the record says what rests on the maker's
// statement (CryptoErase). A drive's TCG Locking feature reporting no
// media encryption does not lower it: a Pyrite 2 drive may erase
// cryptographically outside TCG locking.
func rev2Level(ieee Level) Level {
	return normLevel(ieee)
}

// IsCryptoErase reports whether m is a cryptographic erase (NIST SP 800-88
// Rev. 2 §3.2): ATA CRYPTO SCRAMBLE, SCSI CRYPTOGRAPHIC ERASE, NVMe Format
// SES=2, NVMe Sanitize crypto erase, TCG key erase.
func (m Method) IsCryptoErase() bool { return m.Technique() == TechCryptoErase }

// Rev2Sections names the sections of NIST SP 800-88 Rev. 2 behind the
// Rev. 2 reading l of method m: the section of the method reached (§3.1.1
// clear, §3.1.2 purge) or of cryptographic erase (§3.2), and §4.4, which
// sends techniques to IEEE 2883. The numbers come from secondary sources
// (docs/record.md).
func Rev2Sections(m Method, l Level) string {
	switch {
	case m.IsCryptoErase():
		return "§3.2, §4.4"
	case l == LevelPurge:
		return "§3.1.2, §4.4"
	case l == LevelClear:
		return "§3.1.1, §4.4"
	}
	return "§4.4"
}

// CryptoErase is what a drive's record says of the cryptographic erase
// that gave its level, in the terms of NIST SP 800-88 Rev. 2 §3.2: what the
// drive reported before it, and what Rev. 2 asks of a cryptographic erase
// that kesu cannot observe through the drive's interface. Whether kesu's
// read-back proved the erase is Assessment.Verified.
type CryptoErase struct {
	// DriveReported is what the drive said before the erase that the
	// method relies on: the reason its plan step gave (from the drive's
	// capability bits), and the TCG Locking feature's media encryption bit
	// when the drive reported the feature.
	DriveReported []string `json:"drive_reported,omitempty"`
	// NotVerified lists, as CE… codes, what Rev. 2 asks that kesu did not
	// and cannot verify: it rests on the drive maker's statements and on
	// the organization's due diligence (§3.2.5).
	NotVerified []string `json:"not_verified"`
}

// What NIST SP 800-88 Rev. 2 asks of a cryptographic erase that kesu cannot
// verify (CryptoErase.NotVerified), in order.
const (
	// CEImplementation: the drive implements the command as its standard
	// defines (Rev. 2: sanitize commands need "trust and assurance from the
	// ISM vendor that the commands have been implemented as expected").
	CEImplementation = "implementation"
	// CEAllDataEncrypted: all user data, also where the host cannot
	// address it, was encrypted under the keys the command changed (NIST's
	// FAQ, Q5: "target data never escaped that encrypted boundary").
	CEAllDataEncrypted = "all-data-encrypted"
	// CENoPriorPlaintext: no data was stored in plaintext before the keys
	// were established (FAQ Q9).
	CENoPriorPlaintext = "no-prior-plaintext"
	// CEKeyStrength: a security strength of at least 128 bits and random
	// number generator entropy of at least the key length (FAQ Q9).
	CEKeyStrength = "key-strength"
	// CEKeyZeroization: every copy of the target keys (data-encryption,
	// wrapping or master derivation keys) was zeroized (FAQ Q9).
	CEKeyZeroization = "key-zeroization"
	// CEFIPS140: the cryptographic module is validated to the current FIPS
	// 140 standard, which U.S. federal agencies must use (FAQ Q9).
	CEFIPS140 = "fips-140"
)

// ceNotVerified is what no kesu can verify of a cryptographic erase.
var ceNotVerified = []string{CEImplementation, CEAllDataEncrypted, CENoPriorPlaintext, CEKeyStrength, CEKeyZeroization, CEFIPS140}

// afterTCG is the drive's plan and TCG state as they stood for its
// erase attempts: a successful PSID revert reads the drive and plans it
// afresh.
func afterTCG(d *DriveRun) (Plan, *Security) {
	plan, sec := d.Drive.Plan, d.Drive.Security
	for _, a := range d.TCG {
		if a.Outcome == OutcomeSuccess {
			if a.Plan != nil {
				plan = *a.Plan
			}
			if a.After != nil {
				sec = a.After
			}
		}
	}
	return plan, sec
}

// cryptoContradicted says how drive d itself contradicts the condition of
// a cryptographic erase attempt at — all user data encrypted under the
// keys it changed — or "" when it does not (or at is no cryptographic
// erase). A claim the drive did not make (not recorded) is no
// contradiction: kesu cannot verify the claim either way.
func cryptoContradicted(d *DriveRun, at Attempt) string {
	switch {
	case at.Method == MethodATASanitizeCrypto && d.Drive.EncryptsAllUserData != nil && !*d.Drive.EncryptsAllUserData:
		return "ATA IDENTIFY DEVICE word 69 bit 4 is clear: the drive does not say it encrypts all user data"
	case at.Method == MethodTCGCryptoErase:
		if _, sec := afterTCG(d); sec != nil && sec.Locking != nil && !sec.Locking.MediaEncryption {
			return "the TCG Locking feature reports no media encryption"
		}
	}
	return ""
}

// cryptoEraseRecord returns the record of attempt at on drive d when it is
// a cryptographic erase, else nil.
func cryptoEraseRecord(d *DriveRun, at Attempt) *CryptoErase {
	if !at.Method.IsCryptoErase() {
		return nil
	}
	ce := &CryptoErase{NotVerified: append([]string(nil), ceNotVerified...)}
	plan, sec := afterTCG(d)
	reason := ""
	for _, s := range plan.Steps {
		if s.Method == at.Method && (reason == "" || s.Chosen) {
			reason = s.Reason
		}
	}
	if reason != "" {
		ce.DriveReported = append(ce.DriveReported, "plan: "+reason)
	}
	if e := d.Drive.EncryptsAllUserData; e != nil {
		if *e {
			ce.DriveReported = append(ce.DriveReported, "ATA IDENTIFY DEVICE word 69 bit 4: the drive says it encrypts all user data")
		} else {
			ce.DriveReported = append(ce.DriveReported, "ATA IDENTIFY DEVICE word 69 bit 4: the drive does not say it encrypts all user data")
		}
	}
	if sec != nil && sec.Locking != nil {
		if sec.Locking.MediaEncryption {
			ce.DriveReported = append(ce.DriveReported, "TCG Level 0 Locking feature: media encryption")
		} else {
			ce.DriveReported = append(ce.DriveReported, "TCG Level 0 Locking feature: no media encryption reported")
		}
	}
	return ce
}

// CENotVerifiedText says a CryptoErase.NotVerified code in plain words,
// in English or Japanese; the code itself when unknown.
func CENotVerifiedText(code, lang string) string {
	t := map[string][2]string{
		CEImplementation:   {"the drive implements the command as its standard defines", "ドライブがコマンドを規格どおりに実装していること"},
		CEAllDataEncrypted: {"all user data, also where the host cannot address it, was encrypted under the keys the command changed", "ホストからアドレスできない領域を含む全ユーザーデータが、コマンドで変更された鍵で暗号化されていたこと"},
		CENoPriorPlaintext: {"no data was stored in plaintext before those keys were established", "その鍵の設定より前に平文でデータが保存されていないこと"},
		CEKeyStrength:      {"a security strength of at least 128 bits, key entropy at least the key length", "128 ビット以上の強度と、鍵長以上のエントロピー"},
		CEKeyZeroization:   {"every copy of the keys (data-encryption, wrapping, derivation keys) was zeroized", "鍵（データ暗号化鍵・ラッピング鍵・導出鍵）のすべての複製がゼロ化されたこと"},
		CEFIPS140:          {"the cryptographic module is validated to the current FIPS 140 (required of U.S. federal agencies)", "暗号モジュールが現行の FIPS 140 の認証を受けていること（米国連邦機関には必須）"},
	}
	s, ok := t[code]
	switch {
	case !ok:
		return code
	case lang == "ja":
		return s[1]
	}
	return s[0]
}

package report

import "fmt"

// TrustKind says what vouches for a journal's content.
type TrustKind string

// Trust kinds, from most to least.
const (
	// TrustedKey: signed with a key in the verifier's trusted keys; Trust.Custody
	// says where the run said the key was held.
	TrustedKey TrustKind = "trusted-key"
	// UntrustedKey: signed with a key not in the trusted keys. The
	// signatures prove only that the records were not changed since that
	// key signed them; anyone can make a key.
	UntrustedKey TrustKind = "untrusted-key"
	// Unsigned: no key; only the policy's permission for an unsigned run
	// (itself in the record, which anyone can rewrite).
	Unsigned TrustKind = "unsigned"
	// NoTrust: the record is INVALID, or not even its run-start record is
	// intact: its signatures vouch for nothing as a whole.
	NoTrust TrustKind = "none"
)

// Trust is what a journal's signature vouches for, and against whom: the
// kind, the key custody the run stated (RunStart.KeyCustody; "" when not
// stated) and one sentence for a reader.
type Trust struct {
	Kind    TrustKind `json:"kind"`
	Custody string    `json:"key_custody,omitempty"`
	Text    string    `json:"text"`
}

// TrustOf decides what a verified journal's signature vouches for. It is
// the one place that words it: kesu report verify prints Text, and --json
// gives Kind and Custody.
func TrustOf(r *Result) Trust {
	switch {
	case r.Run == nil && r.Key != nil:
		return Trust{Kind: NoTrust, Text: "none — the run-start record is not intact, so the key it names vouches for nothing"}
	case r.Run == nil:
		return Trust{Kind: NoTrust, Text: "none — not even the run-start record is intact"}
	case r.Status == Invalid:
		return Trust{Kind: NoTrust, Text: "none — the record is INVALID: its signatures vouch for nothing beyond its first bad record, and the record as a whole for nothing"}
	case r.Key == nil:
		return Trust{Kind: Unsigned, Text: "unsigned — nothing but the policy's permission for an unsigned run vouches for it, and anyone can rewrite it"}
	}
	fp := FormatFingerprint(r.Key.Fingerprint)
	if !r.Trusted {
		return Trust{Kind: UntrustedKey, Text: fmt.Sprintf("signed with key %s, NOT in your trusted keys: it proves nothing about who wrote it", fp)}
	}
	custody := r.Run.Start.KeyCustody
	held, _ := CustodyWords(custody)
	return Trust{Kind: TrustedKey, Custody: custody, Text: fmt.Sprintf("signed with key %s (in your trusted keys), %s", fp, held)}
}

// CustodyWords says where a run's signing key was held, in English and in
// Japanese (for the certificate), from RunStart.KeyCustody.
func CustodyWords(custody string) (en, ja string) {
	switch custody {
	case CustodyStick:
		return "held on the boot stick", "起動用USBメモリ上の鍵"
	case CustodyConsole:
		return "opened at the machine's console from a passphrase-sealed key served on the boot network",
			"ネットワーク起動で配布されたパスフレーズ保護の鍵を、機器のコンソールで解錠"
	case CustodyFile:
		return "held in a key file given to the command line (--key, or the key its configuration names)",
			"コマンドラインに与えられた鍵ファイル"
	case "":
		return "custody not stated (a journal from before kesu recorded it)", "鍵の保管場所の記載なし（記録前の版）"
	}
	return fmt.Sprintf("custody %q, which this kesu does not know", custody), fmt.Sprintf("不明な保管場所 %q", custody)
}

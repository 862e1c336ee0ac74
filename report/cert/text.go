package cert

import (
	"fmt"
	"math"
	"strings"

	"github.com/kesu-erase/kesu/internal/size"
	"github.com/kesu-erase/kesu/report"
)

// labels holds the certificate's fixed text: key -> {English, Japanese}.
var labels = map[string][2]string{
	"title":         {"Certificate of Sanitization", "データ消去証明書"},
	"subtitle":      {"Media sanitization record — NIST SP 800-88 Rev. 2 §4.6 and IEEE 2883-2022 (Rev. 1 App. G fields alongside)", "媒体の消去記録 — NIST SP 800-88 Rev. 2 §4.6・IEEE 2883-2022（Rev. 1 付録G の項目を併記）、総務省ガイドラインの区分"},
	"certno":        {"Certificate", "証明書番号"},
	"issued":        {"Issued", "発行日時"},
	"unverified":    {"UNVERIFIED — the record failed verification; this page proves nothing:", "UNVERIFIED（未検証）— 記録の検証に失敗しました。この証明書は何も証明しません:"},
	"sec.media":     {"Media", "媒体"},
	"sec.host":      {"Source host", "搭載機器"},
	"sec.san":       {"Sanitization", "消去"},
	"sec.ver":       {"Verification (NIST SP 800-88 Rev. 2 §4.5.1)", "検証（verification、NIST SP 800-88 Rev. 2 §4.5.1）"},
	"sec.outcome":   {"Outcome", "結果"},
	"sec.integrity": {"Record integrity", "記録の完全性"},
	"sec.sign":      {"Signatures", "署名"},

	"manufacturer": {"Manufacturer", "製造者"},
	"model":        {"Model", "型番"},
	"serial":       {"Serial number", "シリアル番号"},
	"asset":        {"Property / asset number", "資産番号"},
	"mediatype":    {"Media type", "媒体種別"},
	"capacity":     {"Capacity", "容量"},
	"firmware":     {"Firmware / WWN", "ファームウェア / WWN"},
	"bay":          {"Bay / port", "ベイ / ポート"},
	"precat":       {"Pre-sanitization category", "消去前の分類"},
	"smart":        {"Health (SMART) before erasure", "消去前の健全性 (SMART)"},
	"hidden":       {"Hidden areas (HPA/DCO/AMA)", "隠し領域 (HPA/DCO/AMA)"},
	"security":     {"Self-encryption (TCG) before erasure", "自己暗号化 (TCG)（消去前）"},

	"host":      {"Host", "機器"},
	"hostid":    {"Host serial / UUID", "機器シリアル / UUID"},
	"hostasset": {"Host asset number", "機器の資産番号"},
	"customer":  {"Customer / reference", "顧客 / 参照番号"},

	"required":   {"Required", "要求レベル"},
	"methodtype": {"Sanitization method (level reached)", "消去区分（method、到達レベル）"},
	"method":     {"Sanitization technique", "消去技術（technique）"},
	"crypto":     {"Cryptographic erase (Rev. 2 §3.2)", "暗号化消去（Rev. 2 §3.2）"},
	"details":    {"Method details", "方式の詳細"},
	"attempts":   {"Attempts", "試行"},
	"tool":       {"Tool and version", "ツールとバージョン"},
	"period":     {"Date and time", "日時"},
	"place":      {"Place", "場所"},

	"vmethod":  {"Verification method", "検証方法"},
	"vshare":   {"Share read back", "読み戻し割合"},
	"vcounts":  {"Samples / blocks read", "サンプル数 / 読み取りブロック数"},
	"vresult":  {"Mismatches / read errors", "不一致 / 読み取りエラー"},
	"vverdict": {"Verification result", "検証結果"},

	"status":   {"Status", "ステータス"},
	"level":    {"Level reached", "到達レベル"},
	"postcat":  {"Post-sanitization category", "消去後の分類"},
	"dest":     {"Destination", "処分先"},
	"destroy":  {"Physical destruction", "物理的破壊"},
	"destcert": {"Destruction certificate no.", "破壊証明書番号"},
	"findings": {"Findings", "所見"},
	"recovery": {"Recovery", "復旧方法"},

	"key":     {"Signing key (SHA-256)", "署名鍵 (SHA-256)"},
	"record":  {"Record SHA-256", "記録のハッシュ (SHA-256)"},
	"chain":   {"Journal", "記録ファイル"},
	"checked": {"Checked at issue", "発行時の検証"},

	"sanitizer": {"Sanitizer (sanitization and verification)", "作業者（消去・検証）"},
	"validator": {"Validation (Rev. 2 §4.5.2) — second person", "妥当性確認（validation、Rev. 2 §4.5.2）— 第二者"},
	"validnote": {"The result above is the verification of this drive (NIST SP 800-88 Rev. 2 §4.5.1). Validation (§4.5.2) — the organization's review of it against the sensitivity of the data, and its formal acceptance — is signed here; kesu does not give it.",
		"上記の結果はこのドライブの消去の検証（verification、NIST SP 800-88 Rev. 2 §4.5.1）です。妥当性確認（validation、§4.5.2）— データの機密性に照らした組織による審査と正式な承認 — はここに署名して行います。kesu は行いません。"},
	"signature": {"Signature", "署名"},
	"date":      {"Date", "日付"},

	"none":       {"none", "なし"},
	"unknown":    {"unknown", "不明"},
	"yes":        {"yes", "あり"},
	"passed":     {"passed", "合格"},
	"failed":     {"failed", "不合格"},
	"notrun":     {"not verified by read-back", "読み戻し検証なし"},
	"footer":     {"Check this certificate against its signed record: kesu report verify JOURNAL --pubkey KEY", "この証明書は署名付き記録と照合できます: kesu report verify JOURNAL --pubkey KEY"},
	"destroyreq": {"required", "必要"},
	"destroyno":  {"not required by the policy", "ポリシー上は不要"},
}

func (c *certificate) l(key string) string {
	v, ok := labels[key]
	if !ok {
		return key
	}
	if c.ja {
		return v[1]
	}
	return v[0]
}

func (c *certificate) pick(en, ja string) string {
	if c.ja {
		return ja
	}
	return en
}

func (c *certificate) statusText(s report.Status) string {
	if !c.ja {
		return string(s)
	}
	switch s {
	case report.StatusPass:
		return "合格 PASS"
	case report.StatusFail:
		return "不合格 FAIL"
	case report.StatusIncomplete:
		return "未完了 INCOMPLETE"
	case report.StatusSkipped:
		return "対象外 SKIPPED"
	}
	return string(s)
}

func (c *certificate) classText(cl report.Class) string {
	en := map[report.Class]string{
		report.ClassHDD: "Hard disk drive (HDD)", report.ClassSSD: "Solid-state drive (SSD)", report.ClassNVMe: "NVMe solid-state drive",
		report.ClassUSB: "USB / removable flash", report.ClassOther: "Other",
		report.ClassFile: "Regular file (logical content only)", report.ClassVolume: "RAID logical volume (not a drive)",
	}
	ja := map[report.Class]string{
		report.ClassHDD: "ハードディスク (HDD)", report.ClassSSD: "SSD", report.ClassNVMe: "NVMe SSD",
		report.ClassUSB: "USB メモリ・リムーバブル媒体", report.ClassOther: "その他",
		report.ClassFile: "通常ファイル（論理的な内容のみ）", report.ClassVolume: "RAID 論理ボリューム（ドライブではありません）",
	}
	m := en
	if c.ja {
		m = ja
	}
	if s, ok := m[cl]; ok {
		return s
	}
	return string(cl)
}

func (c *certificate) destText(d string) string {
	if !c.ja {
		return d
	}
	switch d {
	case "reuse":
		return "再利用 (reuse)"
	case "recycle":
		return "リサイクル (recycle)"
	case "destroy":
		return "破壊 (destroy)"
	}
	return d
}

func (c *certificate) verifyModeText(m report.VerifyMode) string {
	switch m {
	case report.VerifySampled:
		return c.pick("sampled read-back (stratified; plan after NIST SP 800-88 Rev. 1 §4.7)", "抽出読み戻し（層別サンプリング、計画は NIST SP 800-88 Rev. 1 §4.7 による）")
	case report.VerifyFull:
		return c.pick("full read-back of every block", "全ブロックの読み戻し")
	case report.VerifyCanary:
		return c.pick("planted known data (canary) checked after the erase", "消去前に書き込んだ既知データ（カナリア）の消失確認")
	case report.VerifyNone:
		return c.l("notrun")
	}
	return string(m)
}

func (c *certificate) outcomeText(o report.Outcome) string {
	if !c.ja {
		return string(o)
	}
	switch o {
	case report.OutcomeSuccess:
		return "成功"
	case report.OutcomeFailed:
		return "失敗"
	case report.OutcomeUnsupported:
		return "非対応"
	case report.OutcomeInterrupted:
		return "中断"
	}
	return string(o)
}

func (c *certificate) techText(t report.Technique) string {
	if !c.ja {
		return string(t)
	}
	switch t {
	case report.TechOverwrite:
		return "上書き"
	case report.TechBlockErase:
		return "ブロック消去"
	case report.TechCryptoErase:
		return "暗号化消去"
	case report.TechFirmware:
		return "ファームウェア消去"
	}
	return string(t)
}

// capacityText is a drive's capacity as a label and a spec sheet state it:
// binary (IEC) units, the decimal (SI) figure on the drive's label, and the
// exact byte count: "1.7 TiB (1.92 TB, 1,920,383,410,176 bytes)"
// (internal/size, kesu's one size convention).
func (c *certificate) capacityText(n uint64) string {
	if n < 1024 {
		return c.bytesText(n)
	}
	v := sizeInt(n)
	return fmt.Sprintf(c.pick("%s (%s, %s bytes)", "%s（%s、%s バイト）"), size.IEC(v), size.SI(v), grouped(n))
}

// bytesText is a byte count exactly, with digit grouping, and in binary
// units: "1,920,383,410,176 bytes (1.7 TiB)".
func (c *certificate) bytesText(n uint64) string {
	if n < 1024 {
		return fmt.Sprintf(c.pick("%s bytes", "%s バイト"), grouped(n))
	}
	return fmt.Sprintf(c.pick("%s bytes (%s)", "%s バイト（%s）"), grouped(n), size.IEC(sizeInt(n)))
}

// sizeInt is n for internal/size, which counts in int64 (8 EiB: more than
// any drive holds).
func sizeInt(n uint64) int64 {
	return int64(min(n, math.MaxInt64))
}

// grouped writes n with a comma every three digits.
func grouped(n uint64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func join(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}

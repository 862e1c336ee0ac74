package report

import "fmt"

// Lines returns the assessment in plain words, in English ("en") or
// Japanese ("ja"): the status when not PASS/FAIL, the level reached against
// the level required, the readings and the sections they cite (Readings),
// what a cryptographic erase rests on, and the MIC category. The wording is
// derived from the assessment's fields only.
func (a Assessment) Lines(lang string) []string {
	ja := lang == "ja"
	var out []string
	pick := func(en, j string) string {
		if ja {
			return j
		}
		return en
	}

	switch a.Status {
	case StatusSkipped:
		return []string{pick("Skipped: "+a.Skipped+" — not erased", "対象外: "+a.Skipped+" — 消去していません")}
	case StatusIncomplete:
		if a.has(FindNoResult) {
			out = append(out, pick("Incomplete: the record ends before this drive's result", "未完了: 記録はこのドライブの結果の前で終わっています"))
		} else {
			out = append(out, pick("Incomplete: work on this drive was interrupted", "未完了: このドライブの作業は中断されました"))
		}
	}

	if a.has(FindWrittenAfter) {
		out = append(out, pick("Written by its RAID controller after the verification (a rebuild or copyback onto it) — the erase no longer holds: erase it again",
			"検証後に RAID コントローラがこのドライブに書き込みました（リビルドまたはコピーバック）— 消去は成立しません。再消去が必要です"))
	}
	if a.has(FindLogicalVolume) {
		if a.Status == StatusPass {
			out = append(out, pick("Logical volume overwrite — not a drive erasure: every block of the RAID volume was overwritten and read back; the member drives' space outside the volume and the controller's metadata were not, so no sanitization level or MIC category applies (the member drives are rated on their own lines)",
				"論理ボリューム上書き — ドライブの消去ではありません: RAID ボリュームの全ブロックを上書きし読み戻しました。メンバードライブのボリューム外の領域とコントローラのメタデータは対象外のため、消去レベル・総務省ガイドラインの区分は適用されません（メンバードライブはそれぞれの行で評価します）"))
		} else {
			out = append(out, pick("Logical volume overwrite — not a drive erasure — not completed or not proven: the volume's data may remain",
				"論理ボリューム上書き — ドライブの消去ではありません — 未完了または未証明: ボリュームのデータが残っている可能性があります"))
		}
		return out
	}
	if a.has(FindFileOnly) {
		if a.Status == StatusPass {
			out = append(out, pick("File overwrite — logical content only: every byte of the file was overwritten and read back; this sanitizes no medium (NIST SP 800-88 Clear/Purge and the MIC categories do not apply: the filesystem and the device below it may keep earlier copies)",
				"ファイル上書き — 論理的な内容のみ: ファイルの全バイトを上書きし読み戻しました。媒体の消去ではありません（NIST SP 800-88 の Clear/Purge、総務省ガイドラインの区分は適用外: ファイルシステムや下位のデバイスに以前の内容が残る可能性があります）"))
		} else {
			out = append(out, pick("File overwrite — logical content only — not completed or not proven: the file's content may remain",
				"ファイル上書き — 論理的な内容のみ — 未完了または未証明: ファイルの内容が残っている可能性があります"))
		}
		return out
	}
	if a.has(FindExtraOverwrite) {
		out = append(out, pick(fmt.Sprintf("Policy not met: %s was reached by %s, but the host overwrite the policy asks for after it did not count — destroy required or erase again", a.Reached, a.Method.Title("en")),
			fmt.Sprintf("ポリシー未達: %s により %s に達しましたが、ポリシーが求めるその後のホスト上書きが成立していません — 再消去または物理的破壊が必要です", a.Method.Title("ja"), a.Reached)))
	}
	switch {
	case !a.Reached.AtLeast(LevelClear):
		out = append(out, pick("No sanitization level reached — data may remain; erase again or destroy",
			"消去レベル未達 — データが残っている可能性があります。再消去または物理的破壊が必要です"))
	case a.Required != "" && !a.Reached.AtLeast(a.Required) && a.AcceptedBelow:
		out = append(out, pick(fmt.Sprintf("%s reached; %s not reached — accepted below the required level, as the policy allows", a.Reached, a.Required),
			fmt.Sprintf("%s 達成、%s 未達 — ポリシーにより下位レベルとして受け入れ", a.Reached, a.Required)))
	case a.Required != "" && !a.Reached.AtLeast(a.Required):
		out = append(out, pick(fmt.Sprintf("%s reached; %s not reached — destroy required", a.Reached, a.Required),
			fmt.Sprintf("%s 達成、%s 未達 — 物理的破壊が必要です", a.Reached, a.Required)))
	default:
		s := pick(fmt.Sprintf("%s reached", a.Reached), fmt.Sprintf("%s 達成", a.Reached))
		if !a.Verified {
			s += pick(" — not verified by read-back", "（読み戻し検証なし）")
		}
		out = append(out, s)
	}

	if r := a.Readings(lang); r != "" {
		out = append(out, r)
	}
	if a.CryptoErase != nil {
		out = append(out, pick("Cryptographic erase (NIST SP 800-88 Rev. 2 §3.2): the drive's implementation, the encryption of all its data under the erased keys and the zeroization of every copy of them are the maker's claims, not verified by kesu (the organization's due diligence, §3.2.5)",
			"暗号化消去（NIST SP 800-88 Rev. 2 §3.2）: ドライブの実装、全データが消去された鍵で暗号化されていたこと、その鍵のすべての複製のゼロ化は製造者の申告であり、kesu は検証していません（組織による確認事項、§3.2.5）"))
	}

	if c := a.MICCategory; c != 0 {
		met := micMeets(a.MICMet, c)
		switch {
		case c == 1 && met:
			out = append(out, pick("MIC category (1): erased on premises; physical destruction still required",
				"総務省ガイドライン区分(1): 構内で消去済み — 物理的破壊が引き続き必要です"))
		case c == 1:
			out = append(out, pick("MIC category (1): erasure requirement not met; physical destruction required",
				"総務省ガイドライン区分(1): 消去の要件を満たしていません — 物理的破壊が必要です"))
		case met:
			out = append(out, pick(fmt.Sprintf("MIC category (%d): requirement met", c),
				fmt.Sprintf("総務省ガイドライン区分(%d): 要件を満たしています", c)))
		case a.AcceptedBelow:
			out = append(out, pick(fmt.Sprintf("MIC category (%d): requirement not met — accepted below the required level, as the policy allows", c),
				fmt.Sprintf("総務省ガイドライン区分(%d): 要件を満たしていません — ポリシーにより下位レベルとして受け入れ", c)))
		default:
			out = append(out, pick(fmt.Sprintf("MIC category (%d): requirement not met — destroy required", c),
				fmt.Sprintf("総務省ガイドライン区分(%d): 要件を満たしていません — 物理的破壊が必要です", c)))
		}
	}
	return out
}

// Cause returns, for a drive that did not pass, the recorded finding that
// best says why in plain words ("" for a PASS or when nothing was found):
// an erase reported done but not proven, a failed verification, the
// policy's extra overwrite, errors, the last failed attempt.
func (a Assessment) Cause(lang string) string {
	if a.Status == StatusPass {
		return ""
	}
	for _, code := range []string{FindExtraOverwrite, FindUnproven, FindVerifyFailed, FindDriveErrors, FindAttemptFailed, FindHiddenNotCovered, FindHiddenNotRestored, FindHWPartitionNotCovered, FindRPMBNotErased, FindCryptoNotAllEncrypted, FindRev1Passes, FindUnwritable, FindOverwriteShort, FindNotApplicable, FindNoAttempt} {
		for i := len(a.Findings) - 1; i >= 0; i-- {
			if a.Findings[i].Code == code {
				return a.Findings[i].Message(lang)
			}
		}
	}
	return ""
}

func (a Assessment) has(code string) bool {
	for _, f := range a.Findings {
		if f.Code == code {
			return true
		}
	}
	return false
}

// Message returns the finding in plain words, in English or Japanese.
func (f Finding) Message(lang string) string {
	ja := lang == "ja"
	v := func(i int) uint64 {
		if i < len(f.Values) {
			return f.Values[i]
		}
		return 0
	}
	m := f.Method.Title(lang)
	detail := func(s string) string {
		if f.Detail == "" {
			return s
		}
		return s + ": " + f.Detail
	}
	switch f.Code {
	case FindNoPolicy:
		if ja {
			return "ポリシーに必要な消去レベルも区分も指定されていません"
		}
		return "The run's policy names no required level or MIC category"
	case FindNoAttempt:
		if ja {
			return "消去方式は実行されていません"
		}
		return "No erase method ran"
	case FindAttemptFailed:
		if ja {
			return fmt.Sprintf("試行%d（%s）は成功しませんでした: %s", f.Attempt, m, f.Detail)
		}
		return fmt.Sprintf("Attempt %d (%s) did not succeed: %s", f.Attempt, m, f.Detail)
	case FindAttemptUnfinished:
		if ja {
			return fmt.Sprintf("試行%d（%s）は開始されましたが終了の記録がありません", f.Attempt, m)
		}
		return fmt.Sprintf("Attempt %d (%s) started but has no end record", f.Attempt, m)
	case FindNotApplicable:
		if ja {
			return fmt.Sprintf("試行%d: %s は %s ドライブの消去方式として評価できません", f.Attempt, m, f.Detail)
		}
		return fmt.Sprintf("Attempt %d: %s is not a rated sanitization method for a %s drive", f.Attempt, m, f.Detail)
	case FindNoExtent:
		if ja {
			return fmt.Sprintf("試行%d は上書きすべき範囲を記録していません", f.Attempt)
		}
		return fmt.Sprintf("Attempt %d did not record the extent it had to overwrite", f.Attempt)
	case FindOverwriteShort:
		if ja {
			return fmt.Sprintf("試行%d は %d バイト中 %d バイトしか書き込んでいません", f.Attempt, v(1), v(0))
		}
		return fmt.Sprintf("Attempt %d wrote %d of %d bytes", f.Attempt, v(0), v(1))
	case FindUnwritable:
		if ja {
			return fmt.Sprintf("試行%d は %d 範囲（%d ブロック）に書き込めませんでした", f.Attempt, v(0), v(1))
		}
		return fmt.Sprintf("Attempt %d could not write %d LBA range(s), %d blocks", f.Attempt, v(0), v(1))
	case FindBelowCapacity:
		if ja {
			return fmt.Sprintf("試行%d の対象 %d バイトは容量 %d バイトに足りません", f.Attempt, v(0), v(1))
		}
		return fmt.Sprintf("Attempt %d covered %d bytes, less than the capacity of %d bytes", f.Attempt, v(0), v(1))
	case FindRev1Passes:
		if ja {
			return fmt.Sprintf("kesu の読む NIST SP 800-88 Rev. 1 はこの媒体に %d 回の上書きを求めていますが、試行%d は %d 回でした（Rev. 2 は複数回の上書きを不要としています）", v(0), f.Attempt, v(1))
		}
		return fmt.Sprintf("NIST SP 800-88 Rev. 1, as kesu reads it, asks for %d overwrite passes on this media; attempt %d made %d (Rev. 2 calls multi-pass overwriting unnecessary)", v(0), f.Attempt, v(1))
	case FindHiddenUnchecked:
		if ja {
			return detail("隠し領域（HPA/DCO/AMA）を確認できませんでした")
		}
		return detail("Hidden areas (HPA/DCO/AMA) could not be checked")
	case FindHiddenNotRestored:
		if ja {
			return fmt.Sprintf("隠し領域 %s（%d セクタ）は試行%d の前に解除されていません", f.Detail, v(0), f.Attempt)
		}
		return fmt.Sprintf("Hidden area %s (%d sectors) was not restored before attempt %d", f.Detail, v(0), f.Attempt)
	case FindHiddenNotCovered:
		if ja {
			return fmt.Sprintf("試行%d の対象 %d バイトは隠し領域解除後の容量 %d バイトに足りません", f.Attempt, v(0), v(1))
		}
		return fmt.Sprintf("Attempt %d covered %d bytes; the capacity with hidden areas restored is %d bytes", f.Attempt, v(0), v(1))
	case FindNotVerified:
		if ja {
			return fmt.Sprintf("試行%d（%s）は読み戻し検証されていません", f.Attempt, m)
		}
		return fmt.Sprintf("Attempt %d (%s) was not verified by read-back", f.Attempt, m)
	case FindVerifyFailed:
		if ja {
			return fmt.Sprintf("試行%d の検証は不合格: %s", f.Attempt, f.Detail)
		}
		return fmt.Sprintf("Verification of attempt %d failed: %s", f.Attempt, f.Detail)
	case FindDriveErrors:
		if ja {
			return "エラー: " + f.Detail
		}
		return "Errors: " + f.Detail
	case FindInterrupted:
		if ja {
			return "作業は中断されました"
		}
		return "Work on the drive was interrupted"
	case FindNoResult:
		if ja {
			return "記録はこのドライブの結果の前で終わっています"
		}
		return "The record ends before this drive's result"
	case FindSMARTFailing:
		if ja {
			return detail("SMART はドライブの故障を示しています")
		}
		return detail("SMART reports the drive as failing")
	case FindAcceptedBelow:
		if ja {
			return "要求レベル（" + f.Detail + "）に達していませんが、ポリシー（below_level = \"accept\"）により受け入れました"
		}
		return "The required level (" + f.Detail + ") was not reached; the policy (below_level = \"accept\") accepts the best level below it"
	case FindUnproven:
		if ja {
			return fmt.Sprintf("試行%d（%s）は証明されていません: %s — 全ブロックの読み戻しでしか証明できません", f.Attempt, m, f.Detail)
		}
		return fmt.Sprintf("Attempt %d (%s) is not proven: %s — only a read-back of every block could prove it", f.Attempt, m, f.Detail)
	case FindExtraOverwrite:
		if ja {
			return fmt.Sprintf("ポリシーはファームウェア消去後のホスト上書き（extra_overwrite）を求めていますが、実施されていません: %s", f.Detail)
		}
		return fmt.Sprintf("The policy asks for a host overwrite after the firmware erase (extra_overwrite), and none counted: %s", f.Detail)
	case FindHWPartitionNotCovered:
		if f.Detail != "" {
			if ja {
				return fmt.Sprintf("試行%d は eMMC のハードウェアパーティション %s を上書きしていません（ユーザー領域と同様にホストから読めるため Clear に達しません）", f.Attempt, f.Detail)
			}
			return fmt.Sprintf("Attempt %d did not overwrite the eMMC hardware partition(s) %s, which the host reads like the user data area: Clear is not reached", f.Attempt, f.Detail)
		}
		if ja {
			return fmt.Sprintf("試行%d の対象 %d バイトは、ユーザー領域と eMMC ハードウェアパーティションの合計 %d バイトに足りません", f.Attempt, v(0), v(1))
		}
		return fmt.Sprintf("Attempt %d covered %d bytes; the user data area and the eMMC hardware partitions hold %d bytes", f.Attempt, v(0), v(1))
	case FindRPMBNotErased:
		if ja {
			return fmt.Sprintf("eMMC の RPMB（%s、%d バイト）は認証鍵なしでは書き込めず、消去されていません。ホストから読み出せるため、総務省ガイドラインの区分は満たしません", f.Detail, v(0))
		}
		return fmt.Sprintf("The eMMC's RPMB (%s, %d bytes) can be written only with the card's authentication key and was not erased; the host can read it, so no MIC category is met", f.Detail, v(0))
	case FindCryptoNotAllEncrypted:
		if ja {
			return fmt.Sprintf("試行%d の暗号化消去はレベルに達しません: %s（全ユーザーデータが変更された鍵で暗号化されていることが条件です）", f.Attempt, f.Detail)
		}
		return fmt.Sprintf("Attempt %d, a cryptographic erase, reaches no level: %s (all user data encrypted under the keys it changes is its condition)", f.Attempt, f.Detail)
	case FindWrittenAfter:
		if ja {
			return "検証後にコントローラが書き込んだ可能性があります: " + f.Detail
		}
		return "Its controller may have written it after the verification: " + f.Detail
	case FindLogicalVolume:
		if ja {
			return "対象は RAID コントローラの論理ボリュームです: 上書きはボリュームの範囲のみで、ドライブの消去レベルには該当しません"
		}
		return "The target was a RAID controller's logical volume: its overwrite covers the volume only and is never rated as a drive erasure"
	case FindFileOnly:
		if ja {
			return "対象は通常のファイルです: 上書きはファイルの論理的な内容のみで、消去レベルには該当しません"
		}
		return "The target was a regular file: its overwrite covers the file's logical content only and reaches no sanitization level"
	}
	return detail(f.Code)
}

// Readings says the level of the attempt that counted under each reading,
// with the sections cited: NIST SP 800-88 Rev. 2 and IEEE 2883-2022 first
// (IEEE 2883 without a clause: its text was not available), Rev. 1 beside
// them — "the same" when it agrees, and "the stricter is reported" when
// the readings differ. "" when no attempt counted. An assessment without
// the Rev. 2 reading (recorded before kesu read Rev. 2) names the other
// two.
func (a Assessment) Readings(lang string) string {
	if a.Method == "" {
		return ""
	}
	ja := lang == "ja"
	rev1 := normLevel(a.NISTRev1)
	ieee := normLevel(a.IEEE2883)
	var s string
	switch {
	case a.NISTRev2 == "":
		if ja {
			s = fmt.Sprintf("IEEE 2883-2022 で %s", ieee)
		} else {
			s = fmt.Sprintf("%s under IEEE 2883-2022", ieee)
		}
	case normLevel(a.NISTRev2) == ieee:
		if ja {
			s = fmt.Sprintf("NIST SP 800-88 Rev. 2（%s）および IEEE 2883-2022 で %s", Rev2Sections(a.Method, ieee), ieee)
		} else {
			s = fmt.Sprintf("%s under NIST SP 800-88 Rev. 2 (%s) and IEEE 2883-2022", ieee, Rev2Sections(a.Method, ieee))
		}
	default:
		rev2 := normLevel(a.NISTRev2)
		if ja {
			s = fmt.Sprintf("NIST SP 800-88 Rev. 2（%s）で %s、IEEE 2883-2022 で %s", Rev2Sections(a.Method, rev2), rev2, ieee)
		} else {
			s = fmt.Sprintf("%s under NIST SP 800-88 Rev. 2 (%s); %s under IEEE 2883-2022", rev2, Rev2Sections(a.Method, rev2), ieee)
		}
	}
	differ := rev1 != ieee || (a.NISTRev2 != "" && normLevel(a.NISTRev2) != ieee)
	switch {
	case !differ && ja:
		return s + "（Rev. 1 付録A でも同じ）"
	case !differ:
		return s + "; the same under Rev. 1 (App. A)"
	case ja:
		return s + fmt.Sprintf("、Rev. 1（付録A）では %s — 厳しい方を採用", rev1)
	}
	return s + fmt.Sprintf("; %s under Rev. 1 (App. A) — the stricter is reported", rev1)
}

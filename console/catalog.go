package console

import "fmt"

// messages is one language's text. English is plain ASCII so the VGA
// console (no CJK font) can always show it; Japanese uses no East Asian
// Ambiguous characters so its width is the same on every terminal.
type messages struct {
	Title        string // product line in the header
	TitlePlan    string
	TitleRunning string // %d drives
	TitleDone    string
	Elapsed      string // "elapsed %s"

	// Plan screen.
	PolicyLine     string // %s level, %s verification
	ToErase        string // %d drives
	ColNum         string
	ColBay         string
	ColLink        string
	ColClass       string
	ColModel       string
	ColSerial      string
	ColCapacity    string
	ColSMART       string
	ColMethod      string
	ColLevel       string
	ExcludedHead   string // %d drives
	ControllerHead string // %s controller
	UnreachedHead  string // %d drives, %s controller
	Attention      string // heading of notes about drives
	SMARTNote      string // %s bay, %s health, %s note
	BelowNote      string // %s bay, %s level
	SecurityLine   string // %s the drive's security line
	BlockedLine    string // %s why the drive is blocked
	NoDrives       string

	PromptCount  string // %d count, %d count
	PromptWord   string // %s word, %d count
	PromptCancel string
	WrongCount   string // %s typed, %d count
	WrongWord    string // %s typed, %s word
	NothingTyped string
	Countdown    string // %d seconds
	CountdownHow string
	Stopped      string
	Cancelled    string
	NoInput      string
	Starting     string

	// PSID question.
	TitlePSID       string
	PSIDDrive       string // %s bay, model and serial
	PSIDSerial      string // %s serial
	PSIDWhat        string
	PSIDAsk         string
	PSIDAgain       string
	PSIDBadLength   string // %d characters typed
	PSIDBadChars    string
	PSIDMismatch    string
	PSIDLower       string
	PSIDTaken       string // %s bay
	PSIDSkipped     string // %s bay
	PSIDNoInput     string // %s bay
	PSIDInterrupted string // %s bay
	KeysPSID        string

	// Running screen.
	ColPhase    string
	ColProgress string
	ColRate     string
	ColElapsed  string
	ColETA      string
	Counts      string // %d done, %d total, %d pass, %d fail
	KeysRun     string
	KeysPage    string
	Page        string // %d page, %d pages
	AbortAsk    string
	AbortHow    string
	AbortNo     string
	Aborting    string
	MoreWarned  string // %d more
	Repeated    string // %d times

	// Summary screen.
	ColResult   string
	ColDuration string
	ColReason   string
	VerdictText map[Verdict]string
	Tally       string // %d pass, %d fail, %d other, %d total
	Record      string // %s path
	Fingerprint string // %s fingerprint
	RecordError string // %s error
	NoRecord    string
	PowerOffIn  string // %d seconds
	RebootIn    string // %d seconds
	HoldHow     string
	Waiting     string
	Held        string
	PoweringOff string
	Rebooting   string

	// Plain (serial) lines.
	PlainRunning string // %d drives
	PlainLeft    string // %s time left
	PlainTook    string // %s duration
	PlainBusy    string

	Phases   map[Phase]string
	Statuses map[Status]string
	Health   map[Health]string
}

var catalog = map[Lang]*messages{
	English: {
		Title:        "kesu disk erasure",
		TitlePlan:    "erase plan",
		TitleRunning: "erasing %d drive(s)",
		TitleDone:    "result",
		Elapsed:      "elapsed %s",

		PolicyLine:     "Policy: %s   Verification: %s",
		ToErase:        "To erase: %d drive(s)",
		ColNum:         "#",
		ColBay:         "BAY",
		ColLink:        "LINK",
		ColClass:       "CLASS",
		ColModel:       "MODEL",
		ColSerial:      "SERIAL",
		ColCapacity:    "SIZE",
		ColSMART:       "SMART",
		ColMethod:      "METHOD",
		ColLevel:       "LEVEL",
		ExcludedHead:   "Not touched: %d drive(s)",
		ControllerHead: "Behind RAID controller %s:",
		UnreachedHead:  "%d drive(s) behind controller %s will NOT be reached - the run cannot be all-PASS",
		Attention:      "Attention:",
		SMARTNote:      "%s: SMART %s %s",
		BelowNote:      "%s: reaches only %s, below the policy",
		SecurityLine:   "Security: %s",
		BlockedLine:    "Blocked: %s",
		NoDrives:       "No drive to erase.",

		PromptCount:  "Type %d and press Enter to erase these %d drive(s). Everything on them is destroyed.",
		PromptWord:   "Type %s and press Enter to erase these %d drive(s). Everything on them is destroyed.",
		PromptCancel: "To cancel, type no or press Esc.",
		WrongCount:   "\"%s\" is not %d. Nothing was started; type again.",
		WrongWord:    "\"%s\" is not %s. Nothing was started; type again.",
		NothingTyped: "Nothing typed. Nothing was started; type again.",
		Countdown:    "Erasing starts automatically in %d s.",
		CountdownHow: "Press any key to stop the countdown.",
		Stopped:      "Countdown stopped.",
		Cancelled:    "Cancelled. Nothing was erased.",
		NoInput:      "No keyboard input. Nothing was erased.",
		Starting:     "Starting the erase.",

		TitlePSID:       "PSID revert",
		PSIDDrive:       "Drive: %s",
		PSIDSerial:      "serial %s",
		PSIDWhat:        "With the PSID, kesu resets the drive to its factory state (its owner, passwords and locks are gone), then erases and verifies it as planned.",
		PSIDAsk:         "Type the 32-character PSID printed on the drive's label, then Enter. Enter alone or Esc: skip (the drive stays FAIL).",
		PSIDAgain:       "Type it again, then Enter.",
		PSIDBadLength:   "%d characters typed; a PSID has 32. Type the PSID again.",
		PSIDBadChars:    "A PSID has only letters and digits (A-Z, a-z, 0-9); what was typed had another character. Type the PSID again.",
		PSIDMismatch:    "The two entries differ. Type the PSID again.",
		PSIDLower:       "What you typed has lower-case letters. Labels print PSIDs in upper case, and the drive counts a wrong PSID against its tries: if the label is upper case, press Esc and start again.",
		PSIDTaken:       "PSID typed twice for %s: kesu will reset the drive, then erase it as planned.",
		PSIDSkipped:     "Skipped: %s stays FAIL.",
		PSIDNoInput:     "No keyboard input: %s stays FAIL.",
		PSIDInterrupted: "Interrupted: %s stays FAIL.",
		KeysPSID:        "Esc: skip",

		ColPhase:    "PHASE",
		ColProgress: "PROGRESS",
		ColRate:     "RATE",
		ColElapsed:  "ELAPSED",
		ColETA:      "LEFT",
		Counts:      "%d of %d finished: %d PASS, %d FAIL",
		KeysRun:     "q: abort",
		KeysPage:    "PgUp/PgDn: page",
		Page:        "page %d/%d",
		AbortAsk:    "Abort? Overwrites stop; firmware erases already started finish inside the drive. Every drive's state is recorded.",
		AbortHow:    "Press y to abort, any other key to go on.",
		AbortNo:     "Not aborted; erasing goes on.",
		Aborting:    "Aborting: waiting for the drives to stop...",
		MoreWarned:  "... and %d more drive(s) with warnings",
		Repeated:    "(x%d)",

		ColResult:   "RESULT",
		ColDuration: "TIME",
		ColReason:   "LEVEL / REASON",
		VerdictText: map[Verdict]string{
			VerdictPass:       "Every drive was erased and verified.",
			VerdictFail:       "Some drives FAILED: do not release them. See the list.",
			VerdictIncomplete: "Some drives were not erased: do not release them. See the list.",
			VerdictUnverified: "Every drive was written; some were not read back.",
			VerdictAborted:    "Aborted by the operator. Drives not marked PASS are not erased.",
			VerdictCancelled:  "Cancelled. Nothing was erased.",
			VerdictNone:       "There was no drive to erase.",
		},
		Tally:       "%d PASS, %d FAIL, %d other, of %d",
		Record:      "Record: %s",
		Fingerprint: "Signing key: %s",
		RecordError: "THE RECORD WAS NOT WRITTEN: %s",
		NoRecord:    "No record was written.",
		PowerOffIn:  "Powering off in %d s.",
		RebootIn:    "Rebooting in %d s.",
		HoldHow:     "Press any key to stay on this screen.",
		Waiting:     "Waiting. Press P to power off.",
		Held:        "Staying on this screen. Press P to power off.",
		PoweringOff: "Powering off.",
		Rebooting:   "Rebooting.",

		PlainRunning: "Erasing %d drive(s). To abort: q, then y.",
		PlainLeft:    "left %s",
		PlainTook:    "took %s",
		PlainBusy:    "running; the drive reports no percentage",

		Phases: map[Phase]string{
			PhaseWaiting:       "waiting",
			PhaseProbe:         "probe",
			PhaseUnfreeze:      "unfreeze",
			PhaseRestoreHidden: "restore hidden",
			PhaseCanaries:      "canaries",
			PhaseFirmwareErase: "firmware erase",
			PhaseOverwrite:     "overwrite",
			PhaseVerify:        "verify",
			PhaseDone:          "done",
		},
		Statuses: map[Status]string{
			StatusPass:       "PASS",
			StatusFail:       "FAIL",
			StatusSkipped:    "SKIPPED",
			StatusUnverified: "UNVERIFIED",
			StatusAborted:    "ABORTED",
		},
		Health: map[Health]string{HealthPass: "PASS", HealthFail: "FAIL", HealthUnknown: "?"},
	},
	Japanese: {
		Title:        "kesu ディスク消去",
		TitlePlan:    "消去計画",
		TitleRunning: "%d 台を消去中",
		TitleDone:    "結果",
		Elapsed:      "経過 %s",

		PolicyLine:     "ポリシー: %s   検証: %s",
		ToErase:        "消去するドライブ: %d 台",
		ColNum:         "#",
		ColBay:         "ベイ",
		ColLink:        "接続",
		ColClass:       "種別",
		ColModel:       "型番",
		ColSerial:      "シリアル",
		ColCapacity:    "容量",
		ColSMART:       "SMART",
		ColMethod:      "方式",
		ColLevel:       "レベル",
		ExcludedHead:   "消去しないドライブ: %d 台",
		ControllerHead: "RAID コントローラ %s の配下:",
		UnreachedHead:  "コントローラ %[2]s の配下の %[1]d 台には到達できません。この作業は全台合格になりません",
		Attention:      "注意:",
		SMARTNote:      "%s: SMART %s %s",
		BelowNote:      "%s: 到達レベルは %s のみ (ポリシー未満)",
		SecurityLine:   "セキュリティ: %s",
		BlockedLine:    "計画どおりには消去できません: %s",
		NoDrives:       "消去するドライブはありません。",

		PromptCount:  "この %d 台を消去するには %d と入力して Enter を押してください。データはすべて消えます。",
		PromptWord:   "消去するには %s と入力して Enter を押してください (%d 台)。データはすべて消えます。",
		PromptCancel: "やめるには no と入力するか Esc を押してください。",
		WrongCount:   "「%s」は %d ではありません。何も始めていません。もう一度入力してください。",
		WrongWord:    "「%s」は %s ではありません。何も始めていません。もう一度入力してください。",
		NothingTyped: "何も入力されていません。何も始めていません。もう一度入力してください。",
		Countdown:    "あと %d 秒で自動的に消去を始めます。",
		CountdownHow: "止めるには何かキーを押してください。",
		Stopped:      "カウントダウンを止めました。",
		Cancelled:    "中止しました。何も消去していません。",
		NoInput:      "キー入力がありません。何も消去していません。",
		Starting:     "消去を始めます。",

		TitlePSID:       "PSID による初期化",
		PSIDDrive:       "ドライブ: %s",
		PSIDSerial:      "シリアル %s",
		PSIDWhat:        "PSID を使うと、ドライブを工場出荷時の状態に戻し (所有者、パスワード、ロックが消えます)、そのあと計画どおり消去して検証します。",
		PSIDAsk:         "ドライブのラベルに印刷されている 32 文字の PSID を入力して Enter を押してください。Enter だけ、または Esc でスキップします (このドライブは失敗のままです)。",
		PSIDAgain:       "確認のため、もう一度入力して Enter を押してください。",
		PSIDBadLength:   "入力は %d 文字でした。PSID は 32 文字です。もう一度 PSID を入力してください。",
		PSIDBadChars:    "PSID は英字と数字 (A-Z、a-z、0-9) だけです。ほかの文字が入っていました。もう一度 PSID を入力してください。",
		PSIDMismatch:    "2 回の入力が一致しません。もう一度 PSID を入力してください。",
		PSIDLower:       "小文字が入っています。ラベルの PSID は通常大文字で、誤った PSID はドライブの試行回数に数えられます。ラベルが大文字なら Esc を押して最初からやり直してください。",
		PSIDTaken:       "%s の PSID を 2 回入力しました。ドライブを初期化してから計画どおり消去します。",
		PSIDSkipped:     "スキップしました。%s は失敗のままです。",
		PSIDNoInput:     "キー入力がありません。%s は失敗のままです。",
		PSIDInterrupted: "中断されました。%s は失敗のままです。",
		KeysPSID:        "Esc: スキップ",

		ColPhase:    "工程",
		ColProgress: "進捗",
		ColRate:     "速度",
		ColElapsed:  "経過",
		ColETA:      "残り",
		Counts:      "%d / %d 台完了: 成功 %d、失敗 %d",
		KeysRun:     "q: 中断",
		KeysPage:    "PgUp/PgDn: ページ",
		Page:        "%d/%d ページ",
		AbortAsk:    "中断しますか? 上書きは止まります。始まっているファームウェア消去はドライブ内で最後まで進みます。各ドライブの状態は記録されます。",
		AbortHow:    "中断は y、続けるにはほかのキーを押してください。",
		AbortNo:     "中断しません。消去を続けます。",
		Aborting:    "中断中: ドライブが止まるのを待っています。",
		MoreWarned:  "ほか %d 台に警告があります",
		Repeated:    "(%d 回)",

		ColResult:   "結果",
		ColDuration: "時間",
		ColReason:   "レベル / 理由",
		VerdictText: map[Verdict]string{
			VerdictPass:       "すべてのドライブを消去し、検証しました。",
			VerdictFail:       "消去に失敗したドライブがあります。搬出しないでください。",
			VerdictIncomplete: "消去していないドライブがあります。搬出しないでください。",
			VerdictUnverified: "すべてのドライブに書き込みましたが、一部は読み戻し検証をしていません。",
			VerdictAborted:    "作業者が中断しました。成功と表示されていないドライブは未消去です。",
			VerdictCancelled:  "中止しました。何も消去していません。",
			VerdictNone:       "消去するドライブはありませんでした。",
		},
		Tally:       "成功 %d、失敗 %d、その他 %d (全 %d 台)",
		Record:      "記録: %s",
		Fingerprint: "署名鍵: %s",
		RecordError: "記録を書き込めませんでした: %s",
		NoRecord:    "記録は書き込まれていません。",
		PowerOffIn:  "あと %d 秒で電源を切ります。",
		RebootIn:    "あと %d 秒で再起動します。",
		HoldHow:     "この画面のままにするには何かキーを押してください。",
		Waiting:     "待機中。電源を切るには P を押してください。",
		Held:        "この画面のままにします。電源を切るには P を押してください。",
		PoweringOff: "電源を切ります。",
		Rebooting:   "再起動します。",

		PlainRunning: "%d 台を消去しています。中断は q のあと y。",
		PlainLeft:    "残り %s",
		PlainTook:    "所要 %s",
		PlainBusy:    "実行中 (進捗率の報告なし)",

		Phases: map[Phase]string{
			PhaseWaiting:       "待機",
			PhaseProbe:         "調査",
			PhaseUnfreeze:      "凍結解除",
			PhaseRestoreHidden: "隠し領域復元",
			PhaseCanaries:      "目印書込",
			PhaseFirmwareErase: "ファーム消去",
			PhaseOverwrite:     "上書き",
			PhaseVerify:        "検証",
			PhaseDone:          "完了",
		},
		Statuses: map[Status]string{
			StatusPass:       "成功",
			StatusFail:       "失敗",
			StatusSkipped:    "未実施",
			StatusUnverified: "未検証",
			StatusAborted:    "中断",
		},
		Health: map[Health]string{HealthPass: "正常", HealthFail: "異常", HealthUnknown: "不明"},
	},
}

// msgs returns the catalogue for l (English for anything unknown).
func msgs(l Lang) *messages {
	if m, ok := catalog[l]; ok {
		return m
	}
	return catalog[English]
}

func (m *messages) phase(p Phase) string {
	if s, ok := m.Phases[p]; ok {
		return s
	}
	return string(p)
}

func (m *messages) status(s Status) string {
	if t, ok := m.Statuses[s]; ok {
		return t
	}
	return string(s)
}

func (m *messages) health(h Health) string {
	if t, ok := m.Health[h]; ok {
		return t
	}
	if h == "" {
		return m.Health[HealthUnknown]
	}
	return string(h)
}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

package console

import (
	"sort"
	"strings"
)

// Style is how a span of text is drawn; the plain renderer ignores it.
type Style uint8

// Styles.
const (
	Normal Style = iota
	Bold
	Title // the header bar
	Good  // PASS
	Bad   // FAIL, errors
	Warn  // warnings, countdowns
	Info  // progress bars
)

// Span is text in one style.
type Span struct {
	Text  string
	Style Style
}

// Line is one screen row.
type Line []Span

// String is the line's text without styles.
func (l Line) String() string {
	var b strings.Builder
	for _, s := range l {
		b.WriteString(s.Text)
	}
	return b.String()
}

// Width is the line's width in terminal columns.
func (l Line) Width() int {
	n := 0
	for _, s := range l {
		n += textWidth(s.Text)
	}
	return n
}

// Glyphs selects the characters for bars and big letters.
type Glyphs int

// Glyph sets.
const (
	// GlyphsASCII: '#' and '.' — serial consoles, logs, Japanese
	// terminals (block elements are East Asian Ambiguous: CJK-configured
	// terminals draw them two columns wide).
	GlyphsASCII Glyphs = iota
	// GlyphsBlocks: '█' and '░' — the Linux VGA console (its CP437 font
	// has them) and UTF-8 terminals showing English.
	GlyphsBlocks
)

type glyphSet struct {
	full, empty, ink rune
	rule             string
}

func (g Glyphs) set() glyphSet {
	if g == GlyphsBlocks {
		return glyphSet{full: '█', empty: '░', ink: '█', rule: "─"}
	}
	return glyphSet{full: '#', empty: '.', ink: '#', rule: "-"}
}

// View is how a snapshot is drawn on one terminal.
type View struct {
	Width  int
	Height int // 0: no limit — every line, no paging (plain output)
	Lang   Lang
	// VGA is the Linux VGA console: no CJK font, so English text and only
	// the characters its CP437 font has (others become '?').
	VGA    bool
	Glyphs Glyphs
	Page   int // the page to show when the body does not fit; wraps
	Prompt Prompt
}

// Screen is a rendered frame.
type Screen struct {
	Lines []Line
	Page  int // the page shown (0-based)
	Pages int // how many pages the body has
	// CursorRow, CursorCol place the text cursor (0-based) at the typed
	// input; CursorRow is -1 when the cursor should be hidden.
	CursorRow, CursorCol int
}

// Strings returns the frame's lines as text, without styles.
func (s Screen) Strings() []string {
	out := make([]string, len(s.Lines))
	for i, l := range s.Lines {
		out[i] = l.String()
	}
	return out
}

// Frame draws snapshot s for view v. It is pure: the same snapshot and
// view always give the same screen. A PSID question (v.Prompt.Mode
// PromptPSID) takes the whole screen. Otherwise a non-blank s.Status
// takes the row above the footer, cut to the width; the body pages in the
// rows left.
func Frame(s *Snapshot, v View) Screen {
	if v.Width < 20 {
		v.Width = 20
	}
	if v.VGA {
		v.Lang = English
	}
	f := &framer{s: s, v: v, m: msgs(v.Lang), g: v.Glyphs.set(), cursorRow: -1}
	switch {
	case v.Prompt.Mode == PromptPSID:
		f.psid()
	case s.Stage == StageRunning:
		f.running()
	case s.Stage == StageDone:
		f.done()
	default:
		f.plan()
	}
	if v.Prompt.Mode != PromptPSID {
		if st := strings.TrimSpace(s.Status); st != "" {
			f.status = f.line(Normal, st)
		}
	}
	return f.compose()
}

// framer builds a frame as a fixed top, a paged body of groups (a group
// is never split across pages) and a fixed bottom.
type framer struct {
	s *Snapshot
	v View
	m *messages
	g glyphSet

	top    []Line
	body   [][]Line
	bottom []Line
	keys   string // key hints for the footer
	status Line   // the run-wide status line above the footer; nil = none

	cursorRow, cursorCol int // in bottom, -1 = none
}

func (f *framer) text(s string) string { return clean(s, f.v.VGA) }

func (f *framer) line(style Style, s string) Line {
	return Line{{Text: truncate(f.text(s), f.v.Width), Style: style}}
}

// wrapped adds s, wrapped to the width, in style.
func (f *framer) wrapped(style Style, s string) []Line {
	var out []Line
	for _, l := range wrap(f.text(s), f.v.Width) {
		out = append(out, Line{{Text: l, Style: style}})
	}
	return out
}

// header is the title bar: product and stage on the left, info on the right.
func (f *framer) header(stage, right string) Line {
	left := " " + f.m.Title + " - " + stage
	right = f.text(right)
	w := f.v.Width
	if textWidth(left)+textWidth(right)+2 > w {
		right = ""
	}
	gap := w - textWidth(left) - textWidth(right) - 1
	if gap < 1 {
		return Line{{Text: fit(left, w, false), Style: Title}}
	}
	return Line{{Text: left + strings.Repeat(" ", gap) + right + " ", Style: Title}}
}

// compose pages the body into the rows left by top and bottom.
func (f *framer) compose() Screen {
	sc := Screen{Pages: 1, CursorRow: -1}
	if f.v.Height <= 0 {
		lines := append([]Line(nil), f.top...)
		for _, g := range f.body {
			lines = append(lines, g...)
		}
		if f.cursorRow >= 0 {
			sc.CursorRow, sc.CursorCol = len(lines)+f.cursorRow, f.cursorCol
		}
		sc.Lines = append(lines, f.bottom...)
		if f.status != nil {
			sc.Lines = append(sc.Lines, f.status)
		}
		return sc
	}
	fixed := len(f.top) + len(f.bottom) + 1 // 1: the footer
	if f.status != nil {
		fixed++
	}
	avail := f.v.Height - fixed
	if avail < 1 {
		avail = 1
	}
	var pages [][][]Line
	var cur [][]Line
	used := 0
	for _, g := range f.body {
		if used > 0 && used+len(g) > avail {
			pages = append(pages, cur)
			cur, used = nil, 0
		}
		cur = append(cur, g)
		used += len(g)
	}
	if len(cur) > 0 || len(pages) == 0 {
		pages = append(pages, cur)
	}
	sc.Pages = len(pages)
	sc.Page = ((f.v.Page % sc.Pages) + sc.Pages) % sc.Pages
	lines := append([]Line(nil), f.top...)
	shown := 0
	for _, g := range pages[sc.Page] {
		for _, l := range g {
			if shown < avail {
				lines = append(lines, l)
				shown++
			}
		}
	}
	for ; shown < avail; shown++ {
		lines = append(lines, nil)
	}
	if f.cursorRow >= 0 {
		sc.CursorRow, sc.CursorCol = len(lines)+f.cursorRow, f.cursorCol
	}
	lines = append(lines, f.bottom...)
	if f.status != nil {
		lines = append(lines, f.status)
	}
	lines = append(lines, f.footer(sc.Page, sc.Pages))
	if len(lines) > f.v.Height {
		lines = lines[:f.v.Height]
		if sc.CursorRow >= f.v.Height {
			sc.CursorRow = -1
		}
	}
	sc.Lines = lines
	return sc
}

// footer holds the key hints on the left and the page on the right.
func (f *framer) footer(page, pages int) Line {
	left := f.keys
	right := ""
	if pages > 1 {
		right = sprintf(f.m.Page, page+1, pages)
		if left != "" {
			left += "   "
		}
		left += f.m.KeysPage
	}
	gap := f.v.Width - textWidth(left) - textWidth(right)
	if gap < 1 {
		return Line{{Text: truncate(left+" "+right, f.v.Width), Style: Bold}}
	}
	if right == "" {
		return Line{{Text: left, Style: Bold}}
	}
	return Line{{Text: left + strings.Repeat(" ", gap) + right, Style: Bold}}
}

// cols lays out columns: fixed widths, and one flexible column (width -1)
// taking what is left of the line (at least min).
func cols(width, min int, ws ...int) []int {
	out := append([]int(nil), ws...)
	fixed, flex := len(ws)-1, -1
	for i, w := range ws {
		if w < 0 {
			flex = i
			continue
		}
		fixed += w
	}
	if flex >= 0 {
		out[flex] = max(width-fixed, min)
	}
	return out
}

// widenBay grows column bay of w to the widest of bays, taking the room
// from column flex as long as that keeps least columns, so that bay labels
// ("0000:00:04.0 tgt 0:1", "encl 0:0:9:0 slot 7") show whole on the
// screen as in the record.
func (f *framer) widenBay(w []int, bay, flex, least int, bays []string) []int {
	need := 0
	for _, b := range bays {
		need = max(need, textWidth(f.text(b)))
	}
	if grow := min(need-w[bay], w[flex]-least); grow > 0 {
		w[bay] += grow
		w[flex] -= grow
	}
	return w
}

// bay is the cell of a bay label in a column w wide: a label too long
// for it keeps its end, which tells drives of one controller or
// enclosure apart ("~00.0 ns2"), instead of its start.
func (f *framer) bay(label string, w int) cell {
	t := f.text(label)
	if textWidth(t) > w && w > 1 {
		r := []rune(t)
		for len(r) > 0 && textWidth(string(r)) > w-1 {
			r = r[1:]
		}
		t = "~" + strings.TrimLeft(string(r), " ")
	}
	return cell{text: t, style: Bold}
}

// cell is one table cell.
type cell struct {
	text  string
	style Style
	right bool
}

// row draws cells in columns of the given widths, one space apart.
func (f *framer) row(widths []int, cells ...cell) Line {
	var l Line
	for i, c := range cells {
		if i > 0 {
			l = append(l, Span{Text: " "})
		}
		l = append(l, Span{Text: fit(f.text(c.text), widths[i], c.right), Style: c.style})
	}
	return trimLine(l)
}

// trimLine drops trailing spaces (so lines never run past their content).
func trimLine(l Line) Line {
	for len(l) > 0 {
		last := &l[len(l)-1]
		t := strings.TrimRight(last.Text, " ")
		if t != "" {
			last.Text = t
			return l
		}
		l = l[:len(l)-1]
	}
	return l
}

// wide is true when the terminal is wide enough for one-line rows.
func (f *framer) wide() bool { return f.v.Width >= 124 }

// ---------------------------------------------------------------- plan

func (f *framer) plan() {
	s, m := f.s, f.m
	f.top = append(f.top, f.header(m.TitlePlan, s.Plan.Host))
	f.top = append(f.top, f.wrapped(Normal, sprintf(m.PolicyLine, s.Plan.Policy.Level, s.Plan.Policy.Verify))...)
	for _, n := range s.Plan.Policy.Notes {
		f.top = append(f.top, f.wrapped(Normal, "  "+n)...)
	}
	if len(s.Plan.Drives) == 0 {
		f.top = append(f.top, f.line(Warn, m.NoDrives))
	} else {
		f.top = append(f.top, f.line(Bold, sprintf(m.ToErase, len(s.Plan.Drives))))
	}

	if len(s.Plan.Drives) > 0 {
		if f.wide() {
			w := f.widenBay(cols(f.v.Width, 12, 2, 12, 6, 8, -1, 20, 10, 5, 28, 16), 1, 4, 12, planBays(s.Plan.Drives))
			f.top = append(f.top, f.row(w, cell{text: m.ColNum, right: true, style: Bold}, cell{text: m.ColBay, style: Bold},
				cell{text: m.ColLink, style: Bold}, cell{text: m.ColClass, style: Bold}, cell{text: m.ColModel, style: Bold},
				cell{text: m.ColSerial, style: Bold}, cell{text: m.ColCapacity, right: true, style: Bold},
				cell{text: m.ColSMART, style: Bold}, cell{text: m.ColMethod, style: Bold}, cell{text: m.ColLevel, style: Bold}))
			for i, d := range s.Plan.Drives {
				f.body = append(f.body, append([]Line{f.row(w,
					cell{text: sprintf("%d", i+1), right: true}, f.bay(d.Bay, w[1]), cell{text: d.Transport},
					cell{text: d.Class}, cell{text: d.Model}, cell{text: d.Serial}, cell{text: capacity(d.Capacity), right: true},
					cell{text: m.health(d.Health), style: healthStyle(d.Health)}, cell{text: d.Method},
					cell{text: d.Level, style: levelStyle(d)})}, f.securityLines(d)...))
			}
		} else {
			w1 := f.widenBay(cols(f.v.Width, 8, 2, 12, 8, -1, 18, 10), 1, 3, 8, planBays(s.Plan.Drives))
			w2 := []int{2, w1[1], 8, w1[3], 18 + 1 + 10}
			f.top = append(f.top,
				f.row(w1, cell{text: m.ColNum, right: true, style: Bold}, cell{text: m.ColBay, style: Bold},
					cell{text: m.ColClass, style: Bold}, cell{text: m.ColModel, style: Bold},
					cell{text: m.ColSerial, style: Bold}, cell{text: m.ColCapacity, right: true, style: Bold}),
				f.row(w2, cell{}, cell{text: m.ColLink, style: Bold}, cell{text: m.ColSMART, style: Bold},
					cell{text: m.ColMethod, style: Bold}, cell{text: m.ColLevel, style: Bold}))
			for i, d := range s.Plan.Drives {
				f.body = append(f.body, append([]Line{
					f.row(w1, cell{text: sprintf("%d", i+1), right: true}, f.bay(d.Bay, w1[1]), cell{text: d.Class},
						cell{text: d.Model}, cell{text: d.Serial}, cell{text: capacity(d.Capacity), right: true}),
					f.row(w2, cell{}, cell{text: d.Transport}, cell{text: m.health(d.Health), style: healthStyle(d.Health)},
						cell{text: d.Method}, cell{text: d.Level, style: levelStyle(d)}),
				}, f.securityLines(d)...))
			}
		}
	}

	for _, c := range s.Plan.Controllers {
		lines := []Line{nil, f.line(Bold, sprintf(m.ControllerHead, c.Name))}
		if c.Unreached > 0 {
			lines = append(lines, f.wrapped(Warn, "  "+sprintf(m.UnreachedHead, c.Unreached, c.Name))...)
		}
		f.body = append(f.body, lines)
		for _, l := range c.Lines {
			f.body = append(f.body, f.wrapped(Normal, "  "+l))
		}
	}
	if len(s.Plan.Excluded) > 0 {
		f.body = append(f.body, []Line{nil, f.line(Bold, sprintf(m.ExcludedHead, len(s.Plan.Excluded)))})
		for _, x := range s.Plan.Excluded {
			f.body = append(f.body, []Line{f.line(Normal, "  "+joinNonEmpty("  ", x.Bay, x.Path)+": "+
				joinNonEmpty("  ", x.Reason, x.Model, x.Serial))})
		}
	}

	var notes []Line
	for _, d := range s.Plan.Drives {
		if d.Health == HealthFail || (d.Health != HealthPass && d.HealthNote != "") {
			notes = append(notes, f.wrapped(healthStyle(d.Health),
				"  "+strings.TrimSpace(sprintf(m.SMARTNote, d.Bay, m.health(d.Health), d.HealthNote)))...)
		}
		if d.BelowPolicy {
			notes = append(notes, f.wrapped(Warn, "  "+sprintf(m.BelowNote, d.Bay, d.Level))...)
		}
	}
	if len(notes) > 0 {
		f.body = append(f.body, []Line{nil, f.line(Bold, m.Attention)})
		for _, n := range notes {
			f.body = append(f.body, []Line{n})
		}
	}

	f.planPrompt()
}

func healthStyle(h Health) Style {
	switch h {
	case HealthPass:
		return Good
	case HealthFail:
		return Bad
	}
	return Warn
}

func levelStyle(d Drive) Style {
	if d.BelowPolicy || strings.TrimSpace(d.Blocked) != "" {
		return Warn
	}
	return Normal
}

// planIndent puts a drive's further lines under its bay (past the "#"
// column).
const planIndent = 3

// securityLines are the lines under a drive on the plan: its security
// line, then why it is blocked (a warning), each wrapped under the bay.
func (f *framer) securityLines(d Drive) []Line {
	var out []Line
	add := func(style Style, text string) {
		pad := strings.Repeat(" ", planIndent)
		for _, l := range wrap(f.text(text), f.v.Width-planIndent) {
			out = append(out, Line{{Text: pad}, {Text: l, Style: style}})
		}
	}
	if sec := strings.TrimSpace(d.Security); sec != "" {
		add(Normal, sprintf(f.m.SecurityLine, sec))
	}
	if why := strings.TrimSpace(d.Blocked); why != "" {
		add(Warn, sprintf(f.m.BlockedLine, why))
	}
	return out
}

func (f *framer) planPrompt() {
	s, m, p := f.s, f.m, f.v.Prompt
	f.bottom = append(f.bottom, nil)
	if s.Decision.How != "" {
		switch {
		case s.Decision.Erase:
			f.bottom = append(f.bottom, f.line(Good, m.Starting))
		case s.Decision.How == HowNoInput:
			f.bottom = append(f.bottom, f.line(Warn, m.NoInput))
		case s.Decision.How == HowNoDrives:
			f.bottom = append(f.bottom, f.line(Warn, m.NoDrives))
		default:
			f.bottom = append(f.bottom, f.line(Warn, m.Cancelled))
		}
		return
	}
	n := len(s.Plan.Drives)
	switch p.Mode {
	case PromptCountdown:
		f.bottom = append(f.bottom, f.line(Warn, sprintf(m.Countdown, p.Remaining)))
		f.bottom = append(f.bottom, f.line(Bold, m.CountdownHow))
	case PromptTyped:
		if p.Stopped {
			f.bottom = append(f.bottom, f.line(Warn, m.Stopped))
		}
		word := strings.TrimSpace(s.Plan.Confirm.Word)
		ask := sprintf(m.PromptCount, n, n)
		if word != "" {
			ask = sprintf(m.PromptWord, word, n)
		}
		f.bottom = append(f.bottom, f.wrapped(Bold, ask)...)
		f.bottom = append(f.bottom, f.wrapped(Normal, m.PromptCancel)...)
		switch p.Error {
		case PromptWrong:
			msg := sprintf(m.WrongCount, f.text(p.Wrong), n)
			if word != "" {
				msg = sprintf(m.WrongWord, f.text(p.Wrong), word)
			}
			f.bottom = append(f.bottom, f.wrapped(Bad, msg)...)
		case PromptNothing:
			f.bottom = append(f.bottom, f.wrapped(Bad, m.NothingTyped)...)
		}
		typed := truncate(f.text(p.Typed), f.v.Width-3)
		f.cursorRow, f.cursorCol = len(f.bottom), 2+textWidth(typed)
		f.bottom = append(f.bottom, Line{{Text: "> ", Style: Bold}, {Text: typed}})
	}
}

// ---------------------------------------------------------------- PSID

// psid is the PSID question's screen: the drive, why it is blocked, what
// the PSID does and what to type; at the bottom the entry, masked.
func (f *framer) psid() {
	m, p := f.m, f.v.Prompt
	a := p.Ask
	f.top = append(f.top, f.header(m.TitlePSID, f.s.Plan.Host))
	f.top = append(f.top, nil)
	f.top = append(f.top, f.wrapped(Bold, sprintf(m.PSIDDrive, psidDrive(m, a)))...)
	if why := strings.TrimSpace(a.Why); why != "" {
		f.top = append(f.top, f.wrapped(Warn, why)...)
	}
	f.top = append(f.top, nil)
	f.top = append(f.top, f.wrapped(Normal, m.PSIDWhat)...)
	f.top = append(f.top, nil)
	f.top = append(f.top, f.wrapped(Bold, m.PSIDAsk)...)

	f.bottom = append(f.bottom, nil)
	if p.Outcome != "" {
		style, msg := psidOutcome(m, p.Outcome, psidBay(a))
		f.bottom = append(f.bottom, f.wrapped(style, msg)...)
		return
	}
	if msg := psidError(m, p); msg != "" {
		f.bottom = append(f.bottom, f.wrapped(Bad, msg)...)
	}
	if p.Again {
		f.bottom = append(f.bottom, f.wrapped(Bold, m.PSIDAgain)...)
	}
	f.keys = m.KeysPSID
	field := strings.Repeat("*", p.Masked) + strings.Repeat("_", max(0, psidLength-p.Masked))
	text := truncate(field+"  "+sprintf("%d/%d", p.Masked, psidLength), f.v.Width-2)
	f.cursorRow, f.cursorCol = len(f.bottom), min(2+p.Masked, f.v.Width-1)
	f.bottom = append(f.bottom, Line{{Text: "> ", Style: Bold}, {Text: text}})
}

// psidBay names the drive of a PSID question in one word: its bay, else
// its ID.
func psidBay(a PSIDRequest) string {
	if strings.TrimSpace(a.Bay) != "" {
		return a.Bay
	}
	return a.Drive
}

// psidDrive is the drive of a PSID question: bay, model, serial.
func psidDrive(m *messages, a PSIDRequest) string {
	serial := ""
	if strings.TrimSpace(a.Serial) != "" {
		serial = sprintf(m.PSIDSerial, a.Serial)
	}
	return joinNonEmpty("   ", psidBay(a), a.Model, serial)
}

// psidError is what was wrong with the last entry, or "".
func psidError(m *messages, p Prompt) string {
	switch p.Error {
	case PromptPSIDLength:
		return sprintf(m.PSIDBadLength, p.Entered)
	case PromptPSIDChars:
		return m.PSIDBadChars
	case PromptPSIDMismatch:
		return m.PSIDMismatch
	case PromptPSIDLower:
		return m.PSIDLower
	}
	return ""
}

// psidOutcome is the style and text of how a PSID question ended.
func psidOutcome(m *messages, how How, bay string) (Style, string) {
	switch how {
	case HowTypedTwice:
		return Good, sprintf(m.PSIDTaken, bay)
	case HowSkipped:
		return Warn, sprintf(m.PSIDSkipped, bay)
	case HowNoInput:
		return Warn, sprintf(m.PSIDNoInput, bay)
	}
	return Warn, sprintf(m.PSIDInterrupted, bay)
}

// ---------------------------------------------------------------- running

func (f *framer) running() {
	s, m := f.s, f.m
	right := ""
	if !s.Started.IsZero() {
		right = sprintf(m.Elapsed, hms(s.Now.Sub(s.Started)))
	}
	f.top = append(f.top, f.header(sprintf(m.TitleRunning, len(s.Drives)), right))

	var w []int
	hdr := []cell{{}, {text: m.ColBay, style: Bold}}
	if f.wide() {
		w = f.widenBay(cols(f.v.Width, 10, 1, 12, 18, 14, 24, -1, 6, 11, 8, 8), 1, 5, 10, stateBays(s.Drives))
		hdr = append(hdr, cell{text: m.ColModel, style: Bold}, cell{text: m.ColPhase, style: Bold}, cell{text: m.ColMethod, style: Bold})
	} else {
		w = f.widenBay(cols(f.v.Width, 10, 1, 12, 14, -1, 6, 11, 8, 8), 1, 3, 8, stateBays(s.Drives))
		hdr = append(hdr, cell{text: m.ColPhase, style: Bold})
	}
	hdr = append(hdr, cell{text: m.ColProgress, style: Bold}, cell{right: true}, cell{text: m.ColRate, right: true, style: Bold},
		cell{text: m.ColElapsed, right: true, style: Bold}, cell{text: m.ColETA, right: true, style: Bold})
	f.top = append(f.top, f.row(w, hdr...))

	for i := range s.Drives {
		f.body = append(f.body, []Line{f.driveRow(w, &s.Drives[i])})
	}

	// Failures, then warnings (most recent first), as many as a fifth of
	// the screen holds.
	limit := 4
	if f.v.Height > 0 {
		limit = max(1, f.v.Height/5)
	}
	var notes []Line
	for i := range s.Drives {
		if d := &s.Drives[i]; d.Status == StatusFail {
			notes = append(notes, f.line(Bad, "! "+d.Bay+": "+m.status(d.Status)+": "+d.Reason))
		}
	}
	for _, i := range warned(s) {
		d := &s.Drives[i]
		if d.Status == StatusFail {
			continue
		}
		last := d.Warnings[len(d.Warnings)-1]
		text := "! " + d.Bay + ": " + last.Text
		if last.Count > 1 {
			text += " " + sprintf(m.Repeated, last.Count)
		}
		notes = append(notes, f.line(Warn, text))
	}
	if len(notes) > limit {
		more := len(notes) - (limit - 1)
		notes = append(notes[:limit-1], f.line(Warn, sprintf(m.MoreWarned, more)))
	}
	f.bottom = append(f.bottom, notes...)

	switch f.v.Prompt.Mode {
	case PromptAbortAsk:
		f.bottom = append(f.bottom, f.wrapped(Warn, m.AbortAsk)...)
		f.bottom = append(f.bottom, f.line(Bold, m.AbortHow))
	case PromptAborting:
		f.bottom = append(f.bottom, f.line(Bad, m.Aborting))
	}

	c := s.Counts()
	finished := len(s.Drives) - c[""]
	f.bottom = append(f.bottom, f.line(Bold, sprintf(m.Counts, finished, len(s.Drives), c[StatusPass], c[StatusFail])))
	if !s.Aborting {
		f.keys = m.KeysRun
	}
}

// driveRow is one drive's line while erasing.
func (f *framer) driveRow(w []int, d *DriveState) Line {
	m := f.m
	flag := cell{}
	switch {
	case d.Health == HealthFail:
		flag = cell{text: "!", style: Bad}
	case len(d.Warnings) > 0:
		flag = cell{text: "!", style: Warn}
	}
	cells := []cell{flag, f.bay(d.Bay, w[1])}
	if f.wide() {
		cells = append(cells, cell{text: d.Model})
	}
	if d.Status != "" {
		text := d.Level
		if d.Status != StatusPass || text == "" {
			text = joinNonEmpty(" - ", d.Level, d.Reason)
		}
		// The result spans from the method (wide) or progress (narrow)
		// column to the rate column.
		first := 3
		if f.wide() {
			first = 4
		}
		span := -1
		for _, x := range w[first : len(w)-2] {
			span += x + 1
		}
		ww := append(append(append([]int(nil), w[:first-1]...), w[first-1], span), w[len(w)-2:]...)
		cells = append(cells, cell{text: m.status(d.Status), style: statusStyle(d.Status)},
			cell{text: text, style: statusStyle(d.Status)}, cell{text: hms(d.Elapsed(f.s.Now)), right: true})
		return f.row(ww, cells...)
	}
	cells = append(cells, cell{text: m.phase(d.Phase)})
	if f.wide() {
		cells = append(cells, cell{text: d.Method})
	}
	barW := w[len(w)-5]
	frac := d.Fraction()
	pct, rt, left := percent(frac), rate(d.Rate), eta(d.ETA)
	if d.Phase == PhaseWaiting || d.Started.IsZero() {
		frac, pct, rt, left = 0, "", "", ""
	}
	cells = append(cells, cell{text: f.bar(frac, barW), style: Info}, cell{text: pct, right: true},
		cell{text: rt, right: true}, cell{text: hms(d.Elapsed(f.s.Now)), right: true}, cell{text: left, right: true})
	return f.row(w, cells...)
}

// bar draws a progress bar w columns wide; an unknown fraction (<0) shows
// a marker moving with the clock, so a live firmware erase looks alive.
func (f *framer) bar(frac float64, w int) string {
	inner := w - 2
	if inner < 1 {
		return ""
	}
	cells := make([]rune, inner)
	for i := range cells {
		cells[i] = f.g.empty
	}
	if frac < 0 {
		pos := 0
		if inner > 3 {
			pos = int(f.s.Now.Unix() % int64(inner-2))
		}
		for i := pos; i < pos+3 && i < inner; i++ {
			cells[i] = f.g.full
		}
	} else {
		n := int(frac*float64(inner) + 1e-9)
		for i := 0; i < n && i < inner; i++ {
			cells[i] = f.g.full
		}
	}
	return "[" + string(cells) + "]"
}

func statusStyle(s Status) Style {
	switch s {
	case StatusPass:
		return Good
	case StatusFail:
		return Bad
	}
	return Warn
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// ---------------------------------------------------------------- done

func (f *framer) done() {
	s, m := f.s, f.m
	f.top = append(f.top, f.header(m.TitleDone, s.Plan.Host))
	v := s.Verdict()
	vs := verdictStyle(v)
	big := bigVerdict(string(v), f.g.ink, f.v.Width-2)
	if f.v.Height > 0 && f.v.Height < 20 {
		big = nil // no room: the word alone
	}
	if big == nil {
		f.top = append(f.top, Line{{Text: center(string(v), f.v.Width), Style: vs}})
	} else {
		for _, r := range big {
			f.top = append(f.top, Line{{Text: strings.TrimRight(center(r, f.v.Width), " "), Style: vs}})
		}
	}
	for _, l := range f.wrapped(vs, m.VerdictText[v]) {
		l[0].Text = strings.TrimRight(center(l[0].Text, f.v.Width), " ")
		f.top = append(f.top, l)
	}
	c := s.Counts()
	other := len(s.Drives) - c[StatusPass] - c[StatusFail]
	f.top = append(f.top, Line{{Text: strings.TrimRight(center(sprintf(m.Tally, c[StatusPass], c[StatusFail], other, len(s.Drives)), f.v.Width), " "), Style: Bold}})

	var w []int
	if f.wide() {
		w = f.widenBay(cols(f.v.Width, 16, 12, 10, -1, 24, 20, 8), 0, 2, 16, stateBays(s.Drives))
	} else {
		// The reason wraps onto lines of its own when long: a bay such
		// as "0000:5e:00.0 ns1" may take it down to 11 columns.
		w = f.widenBay(cols(f.v.Width, 12, 12, 10, -1, 12, 18, 8), 0, 2, 11, stateBays(s.Drives))
	}
	if len(s.Drives) > 0 {
		f.top = append(f.top, f.row(w, cell{text: m.ColBay, style: Bold}, cell{text: m.ColResult, style: Bold},
			cell{text: m.ColReason, style: Bold}, cell{text: m.ColModel, style: Bold}, cell{text: m.ColSerial, style: Bold},
			cell{text: m.ColDuration, right: true, style: Bold}))
	}
	for _, i := range summaryOrder(s) {
		d := &s.Drives[i]
		text := d.Level
		if d.Status != StatusPass || text == "" {
			text = joinNonEmpty(" - ", d.Level, d.Reason)
		}
		st := statusStyle(d.Status)
		dur := ""
		if !d.Started.IsZero() {
			dur = hms(d.Elapsed(s.Now))
		}
		g := []Line{f.row(w, f.bay(d.Bay, w[0]), cell{text: m.status(d.Status), style: st},
			cell{text: text, style: st}, cell{text: d.Model}, cell{text: d.Serial}, cell{text: dur, right: true})}
		if textWidth(f.text(text)) > w[2] { // the whole reason on lines of its own
			indent := w[0] + 1 + w[1] + 1
			for _, l := range wrap(f.text(text), f.v.Width-indent) {
				g = append(g, Line{{Text: strings.Repeat(" ", indent)}, {Text: l, Style: st}})
			}
		}
		f.body = append(f.body, g)
	}

	f.bottom = append(f.bottom, nil)
	r := s.Result
	if r.RecordError != "" {
		f.bottom = append(f.bottom, f.wrapped(Bad, sprintf(m.RecordError, r.RecordError))...)
	} else if r.RecordPath == "" {
		f.bottom = append(f.bottom, f.line(Warn, m.NoRecord))
	} else {
		f.bottom = append(f.bottom, f.line(Bold, sprintf(m.Record, r.RecordPath)))
	}
	if r.Fingerprint != "" {
		f.bottom = append(f.bottom, f.line(Normal, sprintf(m.Fingerprint, r.Fingerprint)))
	}
	for _, n := range r.Notes {
		f.bottom = append(f.bottom, f.wrapped(Normal, n)...)
	}
	p := f.v.Prompt
	switch p.Mode {
	case PromptNextCountdown:
		msg := m.PowerOffIn
		if p.Action == ActionReboot {
			msg = m.RebootIn
		}
		f.bottom = append(f.bottom, f.line(Warn, sentences(sprintf(msg, p.Remaining), m.HoldHow)))
	case PromptWaiting:
		f.bottom = append(f.bottom, f.line(Bold, m.Waiting))
	case PromptHeld:
		f.bottom = append(f.bottom, f.line(Bold, m.Held))
	case PromptFinal:
		msg := m.PoweringOff
		if p.Action == ActionReboot {
			msg = m.Rebooting
		}
		f.bottom = append(f.bottom, f.line(Bold, msg))
	}
}

func verdictStyle(v Verdict) Style {
	switch v {
	case VerdictPass:
		return Good
	case VerdictFail:
		return Bad
	}
	return Warn
}

// summaryOrder lists drives for the summary: failures first, then other
// results that are not PASS, then PASS, each group in the plan's order —
// so the first page shows the bays that need a hand.
func summaryOrder(s *Snapshot) []int {
	rank := func(st Status) int {
		switch st {
		case StatusFail:
			return 0
		case StatusPass:
			return 2
		}
		return 1
	}
	idx := make([]int, len(s.Drives))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return rank(s.Drives[idx[a]].Status) < rank(s.Drives[idx[b]].Status) })
	return idx
}

// sentences joins two sentences: with a space, except after a Japanese
// full stop.
func sentences(a, b string) string {
	if strings.HasSuffix(a, "。") {
		return a + b
	}
	return a + " " + b
}

// planBays and stateBays list the bay labels of a plan's or a run's drives.
func planBays(ds []Drive) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Bay
	}
	return out
}

func stateBays(ds []DriveState) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Bay
	}
	return out
}

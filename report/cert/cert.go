// Package cert prints a drive's erasure record as a PDF certificate of
// sanitization, in Japanese or English: the certificate fields of NIST SP
// 800-88 Rev. 2 §4.6 (with Rev. 1 Appendix G's), the levels under Rev. 2
// and IEEE 2883-2022 first and Rev. 1 beside them, the MIC category
// wording, the verification details, the signing key's fingerprint, the
// record's hash with a QR code of it, and lines for the sanitizer's
// signature and a second person's validation.
//
// Text is set in an embedded TrueType font (IPAexGothic by default, see
// FindFont); only the glyphs used are embedded.
package cert

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/destruction"
	qrcode "github.com/skip2/go-qrcode"
)

// Options adjusts a certificate.
type Options struct {
	// Lang is "ja" (default) or "en".
	Lang string
	// Font is the TrueType font to embed (required; see FindFont).
	Font []byte
	// Location is the time zone for dates (UTC when nil).
	Location *time.Location
	// Now is the issue time printed on the certificate (time.Now when zero).
	Now time.Time
	// Unverified, when not empty, says why the journal did not verify; it is
	// printed prominently on every page. Leave it empty only for a journal
	// that verified.
	Unverified string
	// Destruction is the drive's physical destruction as the addenda
	// record it (nil: none read); printed when the drive must be destroyed
	// or a destruction is recorded.
	Destruction *destruction.DriveState
}

// page geometry, in millimetres.
const (
	marginX   = 15.0
	marginTop = 14.0
	marginBot = 14.0
	pageW     = 210.0
	pageH     = 297.0
	contentW  = pageW - 2*marginX
	labelW    = 40.0   // label column of a full-width row
	pairLW    = labelW // label column of a half-width row
	lineH     = 3.4
	padY      = 0.9
	bodySize  = 7.6
	smallSize = 6.9
	qrSize    = 27.0
	fontName  = "kesu"
)

type certificate struct {
	pdf  *fpdf.Fpdf
	ja   bool
	loc  *time.Location
	res  *report.Result
	run  *report.Run
	d    *report.DriveRun
	f    report.DriveFacts
	opt  Options
	unv  string
	id   string
	valW float64 // width of the value column in the current section
}

// FileName returns a file name for a drive's certificate:
// <run-id>-drive<N>-<serial>.pdf, with unsafe characters replaced.
func FileName(run *report.Run, d *report.DriveRun, lang string) string {
	serial := d.Drive.Identity.Serial
	if serial == "" {
		serial = "noserial"
	}
	name := fmt.Sprintf("%s-drive%02d-%s-%s.pdf", run.Start.RunID, d.Drive.ID, serial, lang)
	return unsafeChars.ReplaceAllString(name, "_")
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// Render writes drive d's certificate from the verification result res.
func Render(w io.Writer, res *report.Result, d *report.DriveRun, opt Options) error {
	if res == nil || res.Run == nil || d == nil {
		return errors.New("cert: no run or drive")
	}
	if len(opt.Font) == 0 {
		return errors.New("cert: no font given")
	}
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if opt.Lang == "" {
		opt.Lang = "ja"
	}
	if opt.Lang != "ja" && opt.Lang != "en" {
		return fmt.Errorf("cert: language %q: want ja or en", opt.Lang)
	}
	c := &certificate{
		ja: opt.Lang == "ja", loc: opt.Location, res: res, run: res.Run, d: d, opt: opt,
		unv: opt.Unverified, f: d.Facts(res.Run.Start.Policy),
		id: fmt.Sprintf("%s / %d", res.Run.Start.RunID, d.Drive.ID),
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	c.pdf = pdf
	pdf.SetMargins(marginX, marginTop, marginX)
	pdf.SetAutoPageBreak(false, marginBot)
	pdf.SetCompression(true)
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(opt.Now)
	pdf.SetModificationDate(opt.Now)
	pdf.AddUTF8FontFromBytes(fontName, "", opt.Font)
	pdf.SetTitle(c.l("title")+" "+d.Drive.Identity.Serial, true)
	pdf.SetCreator("kesu "+c.run.Start.Tool.Version, true)
	pdf.SetProducer("kesu", true)
	pdf.AliasNbPages("")
	pdf.SetFooterFunc(c.footer)
	pdf.AddPage()
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("cert: font: %w", err)
	}

	c.header()
	c.banner()
	c.media()
	c.host()
	c.sanitization()
	c.verification()
	c.outcome()
	c.destruction()
	c.integrity()
	c.signatures()

	if err := pdf.Error(); err != nil {
		return fmt.Errorf("cert: %w", err)
	}
	return pdf.Output(w)
}

func (c *certificate) time(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(c.loc).Format("2006-01-02 15:04:05 MST")
}

func (c *certificate) color(r, g, b int) { c.pdf.SetTextColor(r, g, b) }

func (c *certificate) statusColor(s report.Status) (int, int, int) {
	switch s {
	case report.StatusPass:
		return 0, 120, 40
	case report.StatusFail:
		return 190, 0, 0
	case report.StatusIncomplete:
		return 200, 110, 0
	}
	return 90, 90, 90
}

// ensure starts a new page when h millimetres do not fit on this one.
func (c *certificate) ensure(h float64) {
	if c.pdf.GetY()+h > pageH-marginBot {
		c.pdf.AddPage()
		c.pdf.SetFont(fontName, "", 8)
		c.color(90, 90, 90)
		c.pdf.CellFormat(contentW, 5, c.l("title")+" — "+c.id+" ("+c.pick("continued", "続き")+")", "", 1, "L", false, 0, "")
		c.pdf.Ln(1)
		if c.unv != "" {
			c.unverifiedBox()
		}
	}
}

func (c *certificate) footer() {
	p := c.pdf
	p.SetY(pageH - marginBot + 4)
	p.SetFont(fontName, "", 7)
	c.color(110, 110, 110)
	left := fmt.Sprintf("kesu %s · %s · %s", c.run.Start.Tool.Version, c.id, c.l("footer"))
	p.CellFormat(contentW-20, 4, left, "", 0, "L", false, 0, "")
	p.CellFormat(20, 4, fmt.Sprintf("%d / {nb}", p.PageNo()), "", 0, "R", false, 0, "")
	if c.unv != "" {
		p.SetXY(marginX, pageH-marginBot+8)
		c.color(200, 0, 0)
		p.CellFormat(contentW, 4, "UNVERIFIED — "+c.pick("this page proves nothing", "この証明書は何も証明しません"), "", 0, "C", false, 0, "")
	}
	c.color(0, 0, 0)
}

func (c *certificate) header() {
	p := c.pdf
	p.SetFont(fontName, "", 20)
	c.color(0, 0, 0)
	p.CellFormat(120, 10, c.l("title"), "", 0, "L", false, 0, "")
	p.SetFont(fontName, "", 8)
	x := marginX + 120
	p.SetXY(x, marginTop)
	p.CellFormat(contentW-120, 4.5, c.l("certno")+": "+c.id, "", 2, "R", false, 0, "")
	p.CellFormat(contentW-120, 4.5, c.l("issued")+": "+c.time(c.opt.Now), "", 2, "R", false, 0, "")
	p.SetXY(marginX, marginTop+9)
	p.SetFont(fontName, "", 8.5)
	c.color(70, 70, 70)
	p.CellFormat(contentW, 5, c.l("subtitle"), "", 1, "L", false, 0, "")
	c.color(0, 0, 0)
	p.SetDrawColor(0, 0, 0)
	p.SetLineWidth(0.5)
	p.Line(marginX, p.GetY()+0.5, marginX+contentW, p.GetY()+0.5)
	p.SetLineWidth(0.2)
	p.Ln(2)
	if c.unv != "" {
		c.unverifiedBox()
	}
}

func (c *certificate) unverifiedBox() {
	p := c.pdf
	p.SetFont(fontName, "", 9.5)
	text := c.l("unverified") + " " + c.unv
	lines := c.wrap(text, contentW-4)
	h := float64(len(lines))*4.6 + 3
	y := p.GetY()
	p.SetDrawColor(200, 0, 0)
	p.SetFillColor(255, 235, 235)
	p.SetLineWidth(0.6)
	p.Rect(marginX, y, contentW, h, "FD")
	p.SetLineWidth(0.2)
	c.color(200, 0, 0)
	p.SetXY(marginX+2, y+1.5)
	for _, l := range lines {
		p.SetX(marginX + 2)
		p.CellFormat(contentW-4, 4.6, l, "", 2, "L", false, 0, "")
	}
	c.color(0, 0, 0)
	p.SetDrawColor(0, 0, 0)
	p.SetY(y + h + 2)
}

// banner shows the status and the honest wording of the level reached.
func (c *certificate) banner() {
	p := c.pdf
	a := c.f.Assessment
	r, g, b := c.statusColor(a.Status)
	lines := a.Lines(c.opt.Lang)
	p.SetFont(fontName, "", 9.5)
	var wrapped []string
	for _, l := range lines {
		wrapped = append(wrapped, c.wrap(l, contentW-52)...)
	}
	h := max(16, float64(len(wrapped))*4.8+4)
	c.ensure(h + 3)
	y := p.GetY()
	p.SetDrawColor(r, g, b)
	p.SetLineWidth(0.8)
	p.Rect(marginX, y, contentW, h, "D")
	p.SetLineWidth(0.2)
	p.SetDrawColor(0, 0, 0)
	p.SetXY(marginX+2, y+h/2-5)
	p.SetFont(fontName, "", 15)
	c.color(r, g, b)
	p.CellFormat(46, 10, c.statusText(a.Status), "", 0, "C", false, 0, "")
	c.color(0, 0, 0)
	p.SetFont(fontName, "", 9.5)
	ty := y + (h-float64(len(wrapped))*4.8)/2
	for i, l := range wrapped {
		p.SetXY(marginX+50, ty+float64(i)*4.8)
		p.CellFormat(contentW-52, 4.8, l, "", 0, "L", false, 0, "")
	}
	p.SetY(y + h + 3)
}

func (c *certificate) section(key string, minH float64) {
	p := c.pdf
	c.ensure(5.5 + minH)
	p.SetFont(fontName, "", 9)
	p.SetFillColor(215, 222, 232)
	c.color(0, 0, 0)
	p.CellFormat(contentW, 5.5, " "+c.l(key), "1", 1, "L", true, 0, "")
	c.valW = contentW - labelW
}

// item is one label/value cell of a section.
type item struct {
	key, value string
	full       bool // takes the whole width
	small      bool // smaller type (hashes)
	blank      bool // an empty field to fill in by hand (no dash)
	r, g, b    int  // value colour
}

func it(key, value string) item     { return item{key: key, value: value} }
func full(key, value string) item   { return item{key: key, value: value, full: true} }
func (i item) rgb(r, g, b int) item { i.r, i.g, i.b = r, g, b; return i }

// grid lays items out two to a row, full-width items alone.
func (c *certificate) grid(items ...item) { c.layout(items, false) }

// gridHeight returns the height grid would take.
func (c *certificate) gridHeight(items ...item) float64 { return c.layout(items, true) }

func (c *certificate) layout(items []item, measure bool) float64 {
	var h float64
	for i := 0; i < len(items); {
		n := 2
		if items[i].full || i+1 == len(items) || items[i+1].full {
			n = 1
		}
		h += c.drawRow(items[i:i+n], measure)
		i += n
	}
	return h
}

// drawRow draws one row of one or two cells (or only measures it) and
// returns its height.
func (c *certificate) drawRow(cells []item, measure bool) float64 {
	p := c.pdf
	type laid struct {
		x, lw, vw float64
		label     []string
		val       []string
		it        item
	}
	var ls []laid
	n := 1
	x := marginX
	for _, ci := range cells {
		l := laid{x: x, lw: labelW, vw: c.valW, it: ci}
		if len(cells) == 2 {
			l.lw, l.vw = pairLW, contentW/2-pairLW
		}
		p.SetFont(fontName, "", bodySize)
		l.label = c.wrap(c.l(ci.key), l.lw-2.5)
		if ci.small {
			p.SetFont(fontName, "", smallSize)
		}
		v := ci.value
		if !ci.blank {
			v = orDash(v)
		}
		for _, part := range strings.Split(v, "\n") {
			l.val = append(l.val, c.wrap(part, l.vw-2.5)...)
		}
		n = max(n, len(l.label), len(l.val))
		ls = append(ls, l)
		x += l.lw + l.vw
	}
	h := float64(n)*lineH + 2*padY
	if measure {
		return h
	}
	c.ensure(h)
	y := p.GetY()
	for _, l := range ls {
		p.SetFillColor(244, 245, 247)
		p.Rect(l.x, y, l.lw, h, "FD")
		p.Rect(l.x+l.lw, y, l.vw, h, "D")
		p.SetFont(fontName, "", bodySize)
		c.color(70, 70, 70)
		for i, s := range l.label {
			p.SetXY(l.x+1.2, y+padY+float64(i)*lineH)
			p.CellFormat(l.lw-2.5, lineH, s, "", 0, "L", false, 0, "")
		}
		if l.it.small {
			p.SetFont(fontName, "", smallSize)
		}
		c.color(l.it.r, l.it.g, l.it.b)
		for i, s := range l.val {
			p.SetXY(l.x+l.lw+1.2, y+padY+float64(i)*lineH)
			p.CellFormat(l.vw-2.5, lineH, s, "", 0, "L", false, 0, "")
		}
	}
	c.color(0, 0, 0)
	p.SetXY(marginX, y+h)
	return h
}

func (c *certificate) media() {
	id := c.d.Drive.Identity
	pol := c.run.Start.Policy
	c.section("sec.media", 20)
	sectors := ""
	if id.LogicalSectorSize > 0 {
		sectors = fmt.Sprintf(c.pick("logical sector %d B", "論理セクタ %d B"), id.LogicalSectorSize)
		if id.PhysicalSectorSize > 0 {
			sectors += fmt.Sprintf(c.pick(", physical %d B", "、物理 %d B"), id.PhysicalSectorSize)
		}
	}
	c.grid(
		it("manufacturer", id.Vendor), it("mediatype", join(" — ", c.classText(c.d.Drive.Class), id.Transport)),
		it("model", id.Model), it("serial", id.Serial),
		it("asset", c.d.Drive.AssetTag), it("precat", pol.PreCategory),
		full("capacity", join("; ", c.capacityText(id.CapacityBytes), sectors)),
		full("firmware", join(" / ", id.Firmware, id.WWN)), full("bay", join(" / ", id.Bay, id.Port, id.Path)),
		full("smart", c.smartText()),
		full("hidden", c.hiddenText()),
	)
	if t := c.securityText(); t != "" {
		c.grid(full("security", t))
	}
}

// securityText is the drive's TCG security state before the erase, and
// what blocked it; "" for a drive without a TCG subsystem.
func (c *certificate) securityText() string {
	s := c.d.Drive.Security
	if s == nil {
		return ""
	}
	var parts []string
	if s.SSC != "" {
		owner := map[string]string{"never-owned": c.pick("not owned", "所有者なし"), "owned": c.pick("owned", "所有者あり"),
			"unknown": c.pick("owner unknown", "所有者不明")}[s.Owner]
		line := join(", ", "TCG "+s.SSC, owner)
		if l := s.Locking; l != nil {
			if l.Locked {
				line = join(", ", line, c.pick("locked", "ロック中"))
			}
			if l.MBREnabled && !l.MBRDone {
				line = join(", ", line, c.pick("MBR shadow active", "MBR シャドウ有効"))
			}
			if l.MediaEncryption {
				line = join(", ", line, c.pick("media encryption", "媒体暗号化"))
			}
		}
		parts = append(parts, line)
	}
	reverted := c.revertedState()
	if s.Blocked != "" {
		if reverted != "" {
			parts = append(parts, c.pick("Blocked before the PSID revert: ", "PSID による初期化前の阻害要因: ")+s.Blocked)
		} else {
			parts = append(parts, c.pick("Blocked: ", "阻害要因: ")+s.Blocked)
		}
	}
	if reverted != "" {
		parts = append(parts, reverted)
	}
	if s.Error != "" {
		parts = append(parts, s.Error)
	}
	return strings.Join(parts, "\n")
}

// revertedState is the drive's TCG state read after a successful PSID
// revert, in one line; "" when none ran or succeeded.
func (c *certificate) revertedState() string {
	for _, a := range c.d.TCG {
		if a.Action != report.TCGPSIDRevert || a.Outcome != report.OutcomeSuccess || a.After == nil {
			continue
		}
		after := a.After
		owner := map[string]string{"never-owned": c.pick("not owned", "所有者なし"), "owned": c.pick("owned", "所有者あり"),
			"unknown": c.pick("owner unknown", "所有者不明")}[after.Owner]
		line := c.pick("After the PSID revert: ", "PSID による初期化後: ") + owner
		if l := after.Locking; l != nil {
			line = join(", ", line, map[bool]string{true: c.pick("locked", "ロック中"), false: c.pick("not locked", "ロックなし")}[l.Locked])
		}
		if after.Blocked != "" {
			line = join(", ", line, c.pick("still blocked: ", "なお阻害: ")+after.Blocked)
		}
		return line
	}
	return ""
}

func (c *certificate) smartText() string {
	s := c.d.Drive.SMART
	if s == nil {
		return c.l("unknown")
	}
	parts := []string{string(s.Verdict)}
	if s.PowerOnHours != nil {
		parts = append(parts, fmt.Sprintf(c.pick("%d power-on hours", "通電 %d 時間"), *s.PowerOnHours))
	}
	if s.ReallocatedSectors != nil {
		parts = append(parts, fmt.Sprintf(c.pick("%d reallocated sectors", "代替処理済みセクタ %d"), *s.ReallocatedSectors))
	}
	if s.PendingSectors != nil {
		parts = append(parts, fmt.Sprintf(c.pick("%d pending sectors", "代替保留セクタ %d"), *s.PendingSectors))
	}
	if s.MediaErrors != nil {
		parts = append(parts, fmt.Sprintf(c.pick("%d media errors", "メディアエラー %d"), *s.MediaErrors))
	}
	if s.PercentageUsed != nil {
		parts = append(parts, fmt.Sprintf(c.pick("%d%% used", "使用率 %d%%"), *s.PercentageUsed))
	}
	out := strings.Join(parts, ", ")
	if len(s.Reasons) > 0 {
		out += "\n" + strings.Join(s.Reasons, "; ")
	}
	return out
}

func (c *certificate) hiddenText() string {
	out := c.hiddenAreasText()
	for _, p := range c.d.Drive.HWPartitions {
		state := c.pick("overwritten with the user data area", "ユーザー領域とともに上書き")
		if !p.Covered {
			state = c.pick("NOT erased", "未消去")
		}
		s := fmt.Sprintf(c.pick("eMMC %s (%s, %d bytes): %s", "eMMC %s（%s、%d バイト）: %s"), p.Name, p.Kind, p.Bytes, state)
		if p.Note != "" {
			s += " — " + p.Note
		}
		out += "\n" + s
	}
	return out
}

func (c *certificate) hiddenAreasText() string {
	h := c.d.HiddenAreas
	if !h.Checked {
		return join(": ", c.pick("not checked", "未確認"), h.Note)
	}
	var parts []string
	for _, a := range h.Areas {
		if !a.Present {
			continue
		}
		state := c.pick("restored", "解除済み")
		if !a.Restored {
			state = c.pick("NOT restored", "未解除")
		}
		s := fmt.Sprintf(c.pick("%s found (%d sectors), %s", "%s を検出（%d セクタ）、%s"), a.Kind, a.HiddenSectors, state)
		if a.Error != "" {
			s += " — " + a.Error
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return join(" — ", c.pick("none found", "検出なし"), h.Note)
	}
	return strings.Join(parts, "\n")
}

func (c *certificate) host() {
	st := c.run.Start
	h := st.Host
	c.section("sec.host", 8)
	c.grid(
		it("host", join(" ", h.SysVendor, h.ProductName)), it("hostasset", st.AssetTag),
		full("hostid", join(" / ", h.ProductSerial, h.ProductUUID)),
		full("customer", join(" / ", st.Customer, st.Reference)),
	)
}

func (c *certificate) sanitization() {
	st := c.run.Start
	a := c.f.Assessment
	c.section("sec.san", 20)
	req := string(st.Policy.Level)
	if st.Policy.MICCategory != 0 {
		req = join(", ", req, fmt.Sprintf(c.pick("MIC category (%d)", "総務省ガイドライン区分(%d)"), st.Policy.MICCategory))
	}
	lvl := string(a.Reached)
	if r := a.Readings(c.opt.Lang); r != "" {
		lvl += "\n" + r
	}
	items := []item{it("required", req), full("methodtype", lvl)}
	if at := c.f.Attempt; at != nil {
		items = append(items, full("method", fmt.Sprintf("%s — %s", c.techText(at.Method.Technique()), at.Method.Title(c.opt.Lang))))
		det := []string{at.Mechanism}
		if at.Method == report.MethodOverwrite || at.Passes > 0 {
			det = append(det, join(", ",
				fmt.Sprintf(c.pick("%d pass(es)", "%d 回"), at.Passes),
				at.Pattern,
				fmt.Sprintf(c.pick("%s written of %s", "%s 書込み（対象 %s）"), c.bytesText(at.BytesWritten), c.bytesText(at.TargetBytes))))
		}
		det = append(det, at.Details...)
		items = append(items, full("details", strings.Join(det, "\n")))
		if ce := a.CryptoErase; ce != nil {
			items = append(items, full("crypto", c.cryptoText(ce)))
		}
	} else {
		items = append(items, full("method", c.l("none")))
	}
	var atts []string
	for _, a := range c.d.TCG {
		s := fmt.Sprintf("%s — %s (%s – %s)", c.pick("PSID revert (TCG)", "PSID リバート（TCG）"), c.outcomeText(a.Outcome), c.time(a.Start), c.time(a.End))
		if a.By != "" {
			s += ", " + a.By
		}
		if len(a.Errors) > 0 {
			s += ": " + strings.Join(a.Errors, "; ")
		}
		atts = append(atts, s)
	}
	for _, at := range c.d.Attempts {
		s := fmt.Sprintf("%d. %s — %s (%s – %s)", at.Attempt, at.Method.Title(c.opt.Lang), c.outcomeText(at.Outcome), c.time(at.Start), c.time(at.End))
		if len(at.Errors) > 0 {
			s += ": " + strings.Join(at.Errors, "; ")
		}
		atts = append(atts, s)
	}
	for _, s := range c.d.Starts {
		ended := false
		for _, at := range c.d.Attempts {
			ended = ended || at.Attempt == s.Attempt
		}
		if !ended {
			atts = append(atts, fmt.Sprintf("%d. %s — %s (%s –)", s.Attempt, s.Method.Title(c.opt.Lang), c.pick("started, no end recorded", "開始、終了の記録なし"), c.time(s.Start)))
		}
	}
	if len(atts) == 0 {
		atts = []string{c.l("none")}
	}
	items = append(items, full("attempts", strings.Join(atts, "\n")))
	tool := st.Tool
	end := c.run.End()
	if c.d.Result != nil {
		end = c.d.Result.End
	}
	items = append(items,
		full("tool", join(" ", tool.Name, tool.Version, paren(tool.Commit))),
		it("period", fmt.Sprintf("%s —\n%s", c.time(st.Time), c.time(end))),
		it("place", join(", ", st.Sanitizer.Location, st.Sanitizer.Organization)),
	)
	c.grid(items...)
}

// cryptoText says what the record holds of a cryptographic erase (NIST SP
// 800-88 Rev. 2 §3.2): what kesu observed, what the drive reported before
// it, and what rests on the maker's statement.
func (c *certificate) cryptoText(ce *report.CryptoErase) string {
	seen := c.pick("Observed by kesu: the drive reported the command done", "kesu が確認したこと: ドライブがコマンドの完了を報告")
	if c.f.Assessment.Verified {
		seen += c.pick("; kesu's read-back proved the erase (see Verification)", "。kesu の読み戻しで消去を確認（検証の欄）")
	} else {
		seen += c.pick("; no read-back proved it", "。読み戻しによる確認なし")
	}
	lines := []string{seen}
	if len(ce.DriveReported) > 0 {
		lines = append(lines, c.pick("Reported by the drive before the erase: ", "消去前にドライブが報告したこと: ")+strings.Join(ce.DriveReported, "; "))
	}
	var claims []string
	for _, code := range ce.NotVerified {
		claims = append(claims, report.CENotVerifiedText(code, c.opt.Lang))
	}
	lines = append(lines, c.pick("Not verified by kesu — what Rev. 2 §3.2 asks, resting on the maker's statements and the organization's due diligence (§3.2.5): ",
		"kesu は検証していません — Rev. 2 §3.2 が求める事項で、製造者の申告と組織による確認（§3.2.5）によるもの: ")+strings.Join(claims, c.pick("; ", "、")))
	return strings.Join(lines, "\n")
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}

func (c *certificate) verification() {
	c.section("sec.ver", 10)
	v := c.f.Verification
	if v == nil {
		c.grid(full("vmethod", c.l("notrun")), full("vverdict", c.l("notrun")).rgb(190, 0, 0))
		return
	}
	m := c.verifyModeText(v.Method)
	if v.Method == report.VerifySampled && v.PercentRequested > 0 && v.PercentRequested < 10 {
		m += c.pick(fmt.Sprintf(" — %g%% requested, below the 10%% of the media kesu reads Rev. 1 §4.7 to suggest", v.PercentRequested),
			fmt.Sprintf(" — 要求 %g%%（kesu の読む Rev. 1 §4.7 が示す媒体の 10%% 未満）", v.PercentRequested))
	}
	if v.Subsections > 0 {
		m += fmt.Sprintf(c.pick(", %d subsections", "、%d 区画"), v.Subsections)
	}
	m += "\n" + join("; ",
		c.pick("expected: ", "期待値: ")+v.Expected,
		func() string {
			if v.PlanSeed == "" {
				return ""
			}
			return c.pick("plan seed ", "計画シード ") + v.PlanSeed
		}(),
		c.canaryText(v))
	share := fmt.Sprintf("%s%% achieved of %s%% requested", pct(v.PercentAchieved), pct(v.PercentRequested))
	if c.ja {
		share = fmt.Sprintf("要求 %s%% に対し %s%% を読み戻し", pct(v.PercentRequested), pct(v.PercentAchieved))
	}
	res := fmt.Sprintf("%d / %d", v.Mismatches, v.ReadErrors)
	if len(v.MismatchLBAs) > 0 {
		res += fmt.Sprintf(c.pick("; first mismatching LBAs %v", "; 最初の不一致 LBA %v"), v.MismatchLBAs)
	}
	if len(v.ReadErrorLBAs) > 0 {
		res += fmt.Sprintf(c.pick("; first read errors at LBAs %v", "; 最初の読み取りエラー LBA %v"), v.ReadErrorLBAs)
	}
	verdict := it("vverdict", c.l("passed")).rgb(0, 120, 40)
	if !c.f.Assessment.Verified {
		verdict = it("vverdict", c.l("failed")).rgb(190, 0, 0)
	}
	c.grid(
		full("vmethod", m),
		it("vshare", share), it("vcounts", fmt.Sprintf("%d / %d", v.Samples, v.BlocksRead)),
		it("vresult", res), verdict,
	)
}

// canaryText says what the canaries planted before the attempt did and
// what the read-back found of them.
func (c *certificate) canaryText(v *report.Verification) string {
	a := c.f.Attempt
	if a == nil || a.Canaries == nil {
		return c.pick("no canaries were planted", "カナリアなし")
	}
	k := a.Canaries
	return fmt.Sprintf(c.pick("canaries: %d planned, %d planted and %d read back from the medium before the erase; %d read after it, %d survived",
		"カナリア: 計画 %d、消去前に %d 書き込み・%d 読み戻し確認; 消去後 %d 読み取り、%d 残存"),
		k.Planned, k.Planted, k.ReadBack, v.CanariesRead, v.CanariesSurvived)
}

func pct(f float64) string {
	s := fmt.Sprintf("%.2f", f)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

func (c *certificate) outcome() {
	a := c.f.Assessment
	pol := c.run.Start.Policy
	c.section("sec.outcome", 12)
	r, g, b := c.statusColor(a.Status)
	destroy := it("destroy", c.l("destroyno"))
	if a.DestroyRequired {
		destroy = it("destroy", c.l("destroyreq")).rgb(190, 0, 0)
	}
	// The status and the level reached are in the banner at the top.
	items := []item{
		it("status", c.statusText(a.Status)).rgb(r, g, b), it("postcat", pol.PostCategory),
		it("dest", c.destText(pol.Destination)), destroy,
	}
	if pol.MICCategory == 1 {
		items = append(items, item{key: "destcert", full: true, blank: true})
	}
	var fs []string
	for _, f := range a.Findings {
		fs = append(fs, "• "+f.Message(c.opt.Lang))
	}
	if len(fs) > 0 {
		items = append(items, full("findings", strings.Join(fs, "\n")))
	}
	if c.d.Result != nil && c.d.Result.Recovery != "" {
		items = append(items, full("recovery", c.d.Result.Recovery))
	}
	c.grid(items...)
}

func (c *certificate) integrity() {
	p := c.pdf
	c.valW = contentW - labelW - qrSize - 3
	key := c.pick("unsigned", "署名なし")
	if k := c.run.Start.Key; k != nil {
		key = report.FormatFingerprint(k.Fingerprint)
	}
	rec := c.pick("no drive-result record (incomplete)", "結果の記録なし（未完了）")
	if c.d.Result != nil {
		rec = fmt.Sprintf(c.pick("record %d of the journal:", "記録ファイルの %d 番目の記録:"), c.d.ResultSeq) + "\n" + c.d.ResultHash
	}
	chain := fmt.Sprintf(c.pick("%s — %d records; head:", "%s — %d 件、末尾のハッシュ:"), c.run.Start.RunID+".jsonl", c.res.Records) + "\n" + c.res.Head
	status := string(c.res.Status)
	if c.res.Sealed {
		status += fmt.Sprintf(c.pick(" — sealed %s", " — 封印 %s"), c.time(c.run.SealTime))
	}
	if tr := report.TrustOf(c.res); tr.Kind == report.TrustedKey {
		// The verify trust line's decision: an INVALID record is signed
		// by no trusted key that vouches for it, whatever its key.
		en, ja := report.CustodyWords(tr.Custody)
		status += c.pick(", signed by a trusted key, ", "、信頼済みの鍵で署名（") + c.pick(en, ja+"）")
	}
	checked := full("checked", status)
	if c.unv != "" {
		checked = full("checked", status+"\n"+c.unv).rgb(190, 0, 0)
	}
	items := []item{item{key: "key", value: key, full: true, small: true}, item{key: "record", value: rec, full: true, small: true},
		item{key: "chain", value: chain, full: true, small: true}, checked}
	// Keep the section and its QR code on one page.
	c.section("sec.integrity", max(c.gridHeight(items...), qrSize+2))
	c.valW = contentW - labelW - qrSize - 3
	y0 := p.GetY()
	c.grid(items...)
	y1 := p.GetY()
	if c.d.Result != nil {
		c.qr(c.d.ResultHash, marginX+contentW-qrSize-1.5, y0+1)
	}
	// The rows stop short of the QR code: box it.
	h := max(y1-y0, qrSize+2)
	p.Rect(marginX+labelW+c.valW, y0, contentW-labelW-c.valW, h, "D")
	p.SetY(y0 + h + 2)
	c.valW = contentW - labelW
}

// qr draws a QR code of text, size qrSize, at (x, y).
func (c *certificate) qr(text string, x, y float64) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		c.pdf.SetError(fmt.Errorf("qr code: %w", err))
		return
	}
	bm := q.Bitmap()
	m := qrSize / float64(len(bm))
	c.pdf.SetFillColor(0, 0, 0)
	for r, row := range bm {
		for col, dark := range row {
			if dark {
				c.pdf.Rect(x+float64(col)*m, y+float64(r)*m, m, m, "F")
			}
		}
	}
}

func (c *certificate) signatures() {
	p := c.pdf
	st := c.run.Start
	const boxH = 19.0
	// What the signatures are for, in Rev. 2's words: kesu verifies, the
	// organization validates.
	p.SetFont(fontName, "", smallSize)
	note := c.wrap(c.l("validnote"), contentW-2.5)
	noteH := float64(len(note))*lineH + 2*padY
	c.section("sec.sign", noteH+boxH)
	p.SetFont(fontName, "", smallSize)
	c.color(60, 60, 60)
	y0 := p.GetY() + padY
	for i, l := range note {
		p.SetXY(marginX+1.2, y0+float64(i)*lineH)
		p.CellFormat(contentW-2.5, lineH, l, "", 0, "L", false, 0, "")
	}
	c.color(0, 0, 0)
	y := y0 + float64(len(note))*lineH + padY
	p.SetY(y)
	half := contentW / 2
	block := func(x float64, key string, who report.Person) {
		p.SetXY(x+2, y+1.2)
		p.SetFont(fontName, "", 8.5)
		c.color(60, 60, 60)
		p.CellFormat(half-4, 4.2, c.l(key), "", 2, "L", false, 0, "")
		c.color(0, 0, 0)
		p.SetFont(fontName, "", bodySize)
		p.SetX(x + 2)
		p.CellFormat(half-4, lineH+0.2, orDash(join(" — ", who.Name, who.Title)), "", 2, "L", false, 0, "")
		p.SetX(x + 2)
		p.CellFormat(half-4, lineH+0.2, orDash(join(", ", who.Organization, who.Contact)), "", 2, "L", false, 0, "")
		// Signature and date on one line at the bottom.
		by := y + boxH - 5
		sw := (half - 4) * 0.62
		sig, date := c.l("signature")+":", c.l("date")+":"
		p.SetXY(x+2, by)
		p.CellFormat(sw, 4, sig, "", 0, "L", false, 0, "")
		p.Line(x+2+p.GetStringWidth(sig)+2, by+3.6, x+2+sw-2, by+3.6)
		p.SetXY(x+2+sw, by)
		p.CellFormat(half-4-sw, 4, date, "", 0, "L", false, 0, "")
		p.Line(x+2+sw+p.GetStringWidth(date)+2, by+3.6, x+half-3, by+3.6)
	}
	block(marginX, "sanitizer", st.Sanitizer)
	block(marginX+half, "validator", st.Validator)
	p.Rect(marginX, y, half, boxH, "D")
	p.Rect(marginX+half, y, half, boxH, "D")
	p.SetY(y + boxH + 2)
}

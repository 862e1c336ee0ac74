package cert

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png" // photos may be PNG
	"os"

	"github.com/go-pdf/fpdf"

	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/destruction"
)

// thumbnail geometry, in millimetres, and the largest side in pixels a
// photo is scaled down to before it is embedded.
const (
	thumbW    = 40.0
	thumbH    = 30.0
	thumbGap  = 4.0
	thumbPx   = 320
	captionH  = 6.5
	thumbsRow = 4
)

// destruction prints the drive's physical destruction: what the addendum
// records, each evidence file's hash and whether it still matches, and a
// thumbnail of each photo that does.
func (c *certificate) destruction() {
	ds := c.opt.Destruction
	if ds == nil || (!ds.Required && ds.Addendum == nil) {
		return
	}
	dl := "—"
	if !ds.Deadline.IsZero() {
		dl = ds.Deadline.Format(destruction.DateLayout)
	}
	var items []item
	state := item{key: "dstate", value: c.destructionState(ds), full: true}
	if !ds.State.OK() {
		state = state.rgb(190, 0, 0)
	} else {
		state = state.rgb(0, 110, 40)
	}
	items = append(items, state, item{key: "ddeadline", value: dl})
	if r := ds.Record; r != nil {
		a := ds.Addendum
		items = append(items,
			item{key: "dcontractor", value: r.Contractor}, item{key: "ddate", value: r.Date},
			item{key: "dmethod", value: r.Method.Title(c.opt.Lang)}, item{key: "dby", value: a.Start.Recorder.Name},
		)
		for _, e := range a.Evidence {
			key := "dcert"
			if e.Role == "photo" {
				key = "dphoto"
			}
			v := e.Path + "\nSHA-256 " + e.SHA256
			it := item{key: key, value: v, full: true, small: true}
			if e.State != destruction.EvidenceOK {
				it.value += "\n" + c.evidenceState(e)
			}
			if e.State.Bad() {
				it = it.rgb(190, 0, 0)
			}
			items = append(items, it)
		}
		fp := ""
		if a.Key != nil {
			fp = report.FormatFingerprint(a.Key.Fingerprint)
		}
		items = append(items, item{key: "daddendum", value: a.Start.ID + ".jsonl\n" + c.pick("signed by ", "署名鍵 ") + fp, full: true, small: true})
	}
	for _, p := range ds.Problems {
		items = append(items, item{key: "dproblem", value: p, full: true, small: true}.rgb(190, 0, 0))
	}
	for _, n := range ds.Notes {
		items = append(items, item{key: "dnote", value: n, full: true, small: true})
	}
	c.section("sec.destruction", min(c.gridHeight(items...), 60))
	c.grid(items...)
	if ds.Record != nil {
		c.thumbnails(ds.Addendum)
	}
}

func (c *certificate) destructionState(ds *destruction.DriveState) string {
	if ds.Addendum != nil && ds.Addendum.EvidenceNotChecked() && !ds.Addendum.EvidenceBad() {
		switch ds.State {
		case destruction.Destroyed:
			return c.pick("destroyed; evidence files not checked (read from a store, which does not hold them)",
				"破壊済み（証跡ファイルは未照合: ストアから読んだ記録で、証跡ファイルはストアにありません）")
		case destruction.DestroyedLate:
			return c.pick("destroyed AFTER the deadline; evidence files not checked (read from a store)",
				"破壊済み（期限後）; 証跡ファイルは未照合（ストアから読んだ記録）")
		}
	}
	switch ds.State {
	case destruction.NotRequired:
		return c.pick("not required by the policy", "ポリシー上は不要")
	case destruction.Pending:
		return c.pick("REQUIRED — not yet recorded", "必要 — 未記録")
	case destruction.Overdue:
		return c.pick("OVERDUE — required, not recorded, past the deadline", "期限超過 — 必要だが未記録")
	case destruction.Destroyed:
		return c.pick("destroyed; every evidence file matches its recorded SHA-256", "破壊済み（証跡ファイルはすべて記録された SHA-256 と一致）")
	case destruction.DestroyedLate:
		return c.pick("destroyed AFTER the deadline; evidence matches", "破壊済み（期限後）; 証跡は一致")
	case destruction.EvidenceProblem:
		switch ds.Addendum.EvidenceWords() {
		case "EVIDENCE DOES NOT MATCH":
			return c.pick("recorded, but EVIDENCE DOES NOT MATCH", "記録あり — ただし証跡が一致しません")
		case "EVIDENCE MISSING":
			return c.pick("recorded, but EVIDENCE MISSING (not found where recorded)", "記録あり — ただし証跡ファイルが所在不明です")
		}
		return c.pick("recorded, but EVIDENCE COULD NOT BE CHECKED (unreadable)", "記録あり — ただし証跡ファイルを読めません")
	}
	return string(ds.State)
}

func (c *certificate) evidenceState(e destruction.EvidenceCheck) string {
	switch e.State {
	case destruction.EvidenceMissing:
		return c.pick("NOT FOUND at ", "所在不明: ") + e.Resolved + c.pick(" (moved or deleted): not checked", "（移動または削除）: 照合できません")
	case destruction.EvidenceMismatch:
		return c.pick("DOES NOT MATCH: the file was changed or replaced", "不一致: ファイルが変更または差し替えられています")
	case destruction.EvidenceNotChecked:
		return c.pick("not checked: read from a store, which does not hold the evidence files; verify the addendum's folder on disk to check them",
			"未照合: ストアから読んだ記録で、証跡ファイルはストアにありません。照合するには記録のフォルダ（ディスク上）を検証してください")
	}
	return c.pick("could not be read: ", "読めません: ") + e.Detail
}

// thumbnails draws each photo whose file still matches its hash, scaled
// down, with its number and the start of its hash beneath.
func (c *certificate) thumbnails(a *destruction.Addendum) {
	p := c.pdf
	var photos []destruction.EvidenceCheck
	for _, e := range a.Evidence {
		if e.Role == "photo" {
			photos = append(photos, e)
		}
	}
	for i, e := range photos {
		col := i % thumbsRow
		if col == 0 {
			c.ensure(thumbH + captionH + 2)
			if i > 0 {
				p.SetY(p.GetY() + thumbH + captionH)
			}
		}
		x := marginX + float64(col)*(thumbW+thumbGap)
		y := p.GetY() + 1
		h := e.SHA256
		if len(h) > 16 {
			h = h[:16] + "…"
		}
		caption := fmt.Sprintf(c.pick("photo %d", "写真 %d"), i+1) + " " + h
		img, err := thumbnail(e)
		if e.State == destruction.EvidenceNotChecked {
			err = fmt.Errorf("%s", c.pick("not checked", "未照合"))
		}
		if err != nil {
			p.SetDrawColor(190, 0, 0)
			p.Rect(x, y, thumbW, thumbH, "D")
			p.SetDrawColor(0, 0, 0)
			caption += "\n" + c.pick("no thumbnail: ", "縮小画像なし: ") + err.Error()
		} else {
			name := "photo-" + e.SHA256
			p.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "JPG"}, bytes.NewReader(img.data))
			w, h := fit(img.w, img.h, thumbW, thumbH)
			p.ImageOptions(name, x+(thumbW-w)/2, y+(thumbH-h)/2, w, h, false, fpdf.ImageOptions{ImageType: "JPG"}, 0, "")
			p.Rect(x, y, thumbW, thumbH, "D")
		}
		p.SetFont(fontName, "", 5.8)
		c.color(60, 60, 60)
		p.SetXY(x, y+thumbH+0.5)
		p.MultiCell(thumbW, 2.6, caption, "", "L", false)
		c.color(0, 0, 0)
		p.SetXY(marginX, y-1)
	}
	if len(photos) > 0 {
		p.SetY(p.GetY() + thumbH + captionH + 3)
	}
}

type jpegThumb struct {
	data []byte
	w, h int
}

// thumbnail reads a photo, checks that the bytes read are the ones the
// addendum hashed (a photo swapped after the check is not printed), and
// returns it scaled down as JPEG.
func thumbnail(e destruction.EvidenceCheck) (*jpegThumb, error) {
	if e.State != destruction.EvidenceOK {
		return nil, fmt.Errorf("%s", e.State)
	}
	data, err := os.ReadFile(e.Resolved)
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != e.SHA256 {
		return nil, fmt.Errorf("the file changed")
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not a readable image")
	}
	small := shrink(src, thumbPx)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, small, &jpeg.Options{Quality: 80}); err != nil {
		return nil, err
	}
	b := small.Bounds()
	return &jpegThumb{data: out.Bytes(), w: b.Dx(), h: b.Dy()}, nil
}

// shrink scales img down so that its longer side is at most px pixels,
// each output pixel the mean of the source pixels it covers.
func shrink(img image.Image, px int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= px && h <= px {
		return img
	}
	nw, nh := px, h*px/w
	if h > w {
		nw, nh = w*px/h, px
	}
	nw, nh = max(nw, 1), max(nh, 1)
	out := image.NewRGBA(image.Rect(0, 0, nw, nh))
	for y := range nh {
		y0, y1 := b.Min.Y+y*h/nh, b.Min.Y+max((y+1)*h/nh, y*h/nh+1)
		for x := range nw {
			x0, x1 := b.Min.X+x*w/nw, b.Min.X+max((x+1)*w/nw, x*w/nw+1)
			var r, g, bl, n uint64
			for sy := y0; sy < y1; sy++ {
				for sx := x0; sx < x1; sx++ {
					cr, cg, cb, _ := img.At(sx, sy).RGBA()
					r, g, bl, n = r+uint64(cr), g+uint64(cg), bl+uint64(cb), n+1
				}
			}
			out.Set(x, y, color.RGBA64{uint16(r / n), uint16(g / n), uint16(bl / n), 0xFFFF})
		}
	}
	return out
}

// fit is the largest size of aspect w:h within maxW × maxH.
func fit(w, h int, maxW, maxH float64) (float64, float64) {
	fw, fh := maxW, maxW*float64(h)/float64(w)
	if fh > maxH {
		fw, fh = maxH*float64(w)/float64(h), maxH
	}
	return fw, fh
}

// The destruction section's labels {en, ja}, added to the certificate's.
var destructionLabels = map[string][2]string{
	"sec.destruction": {"Physical destruction (after the erasure)", "物理的破壊（消去の後）"},
	"dstate":          {"Destruction", "破壊"},
	"ddeadline":       {"Deadline (policy)", "期限（ポリシー）"},
	"dcontractor":     {"Contractor", "委託先"},
	"ddate":           {"Destroyed on", "破壊日"},
	"dmethod":         {"Method", "方法"},
	"dby":             {"Recorded by", "記録者"},
	"dcert":           {"Certificate of destruction", "破壊証明書"},
	"dphoto":          {"Photo", "写真"},
	"daddendum":       {"Destruction record", "破壊の記録"},
	"dproblem":        {"Not counted", "採用されない記録"},
	"dnote":           {"Note", "注記"},
}

func init() {
	for k, v := range destructionLabels {
		labels[k] = v
	}
}

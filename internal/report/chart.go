package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/model"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// MaxChartPoints bounds the points a chart draws. Past it, latency over
// time is drawn as per-interval median and maximum lines instead of one
// dot per request, which keeps report.html small and fast to open for
// runs of millions of requests while still showing every spike.
const MaxChartPoints = 2000

// chartBuckets is how many time intervals a downsampled chart uses.
const chartBuckets = 500

const (
	chartWidth  = 7 * vg.Inch
	chartHeight = 3 * vg.Inch
)

var (
	colorOK    = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	colorWarn  = color.RGBA{R: 0xe6, G: 0x8a, B: 0x00, A: 0xff}
	colorError = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	colorGood  = color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}
	colorLimit = color.RGBA{R: 0x6f, G: 0x42, B: 0xc1, A: 0xff} // a criterion: no data series uses it
	colorAbove = color.RGBA{R: 0x57, G: 0x60, B: 0x6a, A: 0xff}
)

// rawSeries is a scenario's raw results as the charts need them, held
// column-wise in 16 bytes per request (a 10-million-request run in 160 MB):
// send time and latency, and status codes only while the run is small
// enough to draw one dot per request.
type rawSeries struct {
	first time.Time       // send time of the first result read
	at    []time.Duration // send time since first; negative when sent earlier
	lats  []time.Duration
	codes []uint16 // the first MaxChartPoints+1 results' codes
}

// newRawSeries returns an empty series with room for n results.
func newRawSeries(n int64) rawSeries {
	n = max(n, 0)
	return rawSeries{at: make([]time.Duration, 0, n), lats: make([]time.Duration, 0, n)}
}

// add appends one result; it is a RawSource callback.
func (rs *rawSeries) add(t time.Time, latency time.Duration, code uint16) error {
	if len(rs.lats) == 0 {
		rs.first = t
	}
	rs.at = append(rs.at, t.Sub(rs.first))
	rs.lats = append(rs.lats, latency)
	if len(rs.codes) <= MaxChartPoints {
		rs.codes = append(rs.codes, code)
	}
	return nil
}

// latencyUnit picks the unit of a latency axis whose top is top: seconds
// from 2 s, milliseconds from 2 ms, microseconds below. The top is chosen
// from the data (latencyTop), so that 40 µs answers are drawn in µs and
// not flat at 0 on a millisecond axis stretched by one slow outlier.
func latencyUnit(top time.Duration) (time.Duration, string) {
	if top >= 2*time.Second {
		return time.Second, "s"
	}
	if top >= 2*time.Millisecond {
		return time.Millisecond, "ms"
	}
	return time.Microsecond, "µs"
}

// limitLine is a latency criterion drawn on a chart: the limit, and the
// statistics it bounds ("p95, p99 ≤ 2s").
type limitLine struct {
	at    time.Duration
	label string
}

// latencyLimits returns the latency criteria as lines, one per distinct
// limit, smallest first; nil without saved criteria.
func latencyLimits(limits []model.LatencyLimit) []limitLine {
	var out []limitLine
	for _, l := range limits {
		i := slices.IndexFunc(out, func(x limitLine) bool { return x.at == l.Max })
		if i < 0 {
			out = append(out, limitLine{at: l.Max, label: l.Stat})
			continue
		}
		out[i].label += ", " + l.Stat
	}
	slices.SortFunc(out, func(a, b limitLine) int { return int(a.at - b.at) })
	for i := range out {
		out[i].label += " ≤ " + figure.Duration(out[i].at)
	}
	return out
}

// scenarioLimits are the latency criteria of a scenario as run; a summary
// written before they were saved has none.
func scenarioLimits(sc *model.Scenario) []limitLine {
	if sc.Expect == nil {
		return nil
	}
	return latencyLimits(sc.Expect.Latency)
}

// latencyTop chooses the top of a latency axis from the data: the largest
// value, unless a few outliers dwarf the rest (max above 3 × p99), when
// it is 1.5 × p99 and the points above are drawn on the axis' edge
// (clipped); then raised to show a criterion line within 3× of it, and
// given 8 % of headroom so that no point sits on the frame. A criterion
// further above is not drawn (the data would lie flat under it): the
// legend says it is above the chart.
func latencyTop(p99, max time.Duration, limits []limitLine) (top time.Duration, clipped bool) {
	top = max
	if p99 > 0 && max > 3*p99 {
		top, clipped = p99*3/2, true
	}
	for _, l := range limits {
		if l.at > top && l.at <= 3*top {
			top = l.at
		}
	}
	if top <= 0 {
		top = time.Millisecond
	}
	return top + top*8/100, clipped
}

// addLimits draws each criterion within the axis as a dashed horizontal
// line across the chart, and names the ones above it in the legend.
func addLimits(p *plot.Plot, limits []limitLine, top, unit time.Duration) {
	for _, l := range limits {
		y := float64(l.at) / float64(unit)
		f := plotter.NewFunction(func(float64) float64 { return y })
		f.Color = colorLimit
		f.Width = vg.Points(1.2)
		f.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		if l.at > top {
			// Not drawn: named, with its line as the legend's swatch.
			p.Legend.Add(l.label+" (above the chart)", f)
			continue
		}
		p.Add(f)
		p.Legend.Add(l.label+" (criterion)", f)
	}
}

// answerKind sorts answers for the charts by what the scenario expects:
// the expected status, another status (a 200 where 400 was expected, a
// 404), or an error (no answer, or 5xx), which is red whatever was
// expected.
type answerKind int

const (
	answerExpected answerKind = iota
	answerOther
	answerError
)

func kindOf(code uint16, want int) answerKind {
	switch {
	case code == 0 || code >= 500:
		return answerError
	case int(code) == want:
		return answerExpected
	}
	return answerOther
}

// expectedStatus is the status a scenario expects, 200 for a summary
// written before the criteria were saved.
func expectedStatus(sc *model.Scenario) int {
	if sc.Expect != nil && sc.Expect.Status != 0 {
		return sc.Expect.Status
	}
	return 200
}

// chartLatencyOverTime draws each request's latency against when it was
// sent: answers with the expected status in blue, other statuses in
// orange, errors (no answer, 5xx) as red crosses, the latency criteria as
// dashed lines. Past MaxChartPoints it draws per-interval median and max
// lines. It reorders rs (see bucketLines).
func chartLatencyOverTime(sc *model.Scenario, rs *rawSeries) (string, error) {
	p := plot.New()
	p.Title.Text = sc.Name + ": latency over time"
	p.X.Label.Text = "time since start (s)"
	p.Y.Tick.Marker = niceTicks{}
	p.X.Tick.Marker = niceTicks{}
	p.Add(plotter.NewGrid())
	limits := scenarioLimits(sc)
	want := expectedStatus(sc)
	var top, unit time.Duration
	var yMax float64
	if n := len(rs.lats); n <= MaxChartPoints {
		top, _ = latencyTop(sc.Latency.P99, slices.Max(rs.lats), limits)
		unit, yMax = axisUnit(p, top)
		start := slices.Min(rs.at)
		var byKind [3]plotter.XYs
		var above plotter.XYs
		var highest time.Duration
		for i := range n {
			x := (rs.at[i] - start).Seconds()
			if rs.lats[i] > top {
				above = append(above, plotter.XY{X: x, Y: yMax})
				highest = max(highest, rs.lats[i])
				continue
			}
			k := kindOf(rs.codes[i], want)
			byKind[k] = append(byKind[k], plotter.XY{X: x, Y: float64(rs.lats[i]) / float64(unit)})
		}
		for _, s := range []struct {
			xys   plotter.XYs
			c     color.Color
			shape draw.GlyphDrawer
			label string
		}{
			{byKind[answerExpected], colorOK, draw.CircleGlyph{}, fmt.Sprintf("status %d as expected", want)},
			{byKind[answerOther], colorWarn, draw.BoxGlyph{}, fmt.Sprintf("another status (%d expected)", want)},
			{byKind[answerError], colorError, draw.CrossGlyph{}, "error or 5xx"},
			{above, colorAbove, draw.PyramidGlyph{}, "above the chart, up to " + figure.Duration(highest)},
		} {
			if err := addScatter(p, s.xys, s.c, s.shape, fmt.Sprintf("%s: %s", s.label, figure.Count(int64(len(s.xys))))); err != nil {
				return "", err
			}
		}
	} else {
		p.Title.Text += fmt.Sprintf(" (%s requests in %d intervals)", figure.Count(int64(n)), chartBuckets)
		med, maxes := bucketLines(rs, 1)
		// The axis follows the intervals' maxima, not the one slowest
		// request: a single 7 ms outlier must not flatten 40 µs answers.
		ys := make([]float64, len(maxes))
		for i, xy := range maxes {
			ys[i] = xy.Y
		}
		slices.Sort(ys)
		var clipped bool
		top, clipped = latencyTop(time.Duration(ys[len(ys)*98/100]), time.Duration(ys[len(ys)-1]), limits)
		unit, yMax = axisUnit(p, top)
		for _, l := range []struct {
			xys   plotter.XYs
			c     color.Color
			label string
		}{{maxes, colorWarn, "max per interval"}, {med, colorOK, "median per interval"}} {
			for i := range l.xys {
				l.xys[i].Y /= float64(unit)
			}
			line, err := plotter.NewLine(l.xys)
			if err != nil {
				return "", fmt.Errorf("latency chart: %w", err)
			}
			line.Color = l.c
			p.Add(line)
			p.Legend.Add(l.label, line)
		}
		if clipped {
			p.Legend.Add("(cut at the top: the slowest, " + figure.Duration(time.Duration(ys[len(ys)-1])) + ")")
		}
	}
	addLimits(p, limits, top, unit)
	// After the plotters: adding one stretches the axes to its data. The
	// time axis spans the scenario's duration at least: two requests sent
	// in the first second of ten are not spread over the whole width.
	p.X.Min, p.Y.Min, p.Y.Max = 0, 0, yMax
	p.X.Max = math.Max(p.X.Max*1.02, math.Max(sc.Duration.Seconds(), 1))
	return renderSVG(p)
}

// axisUnit labels p's latency axis for a top of top, in the unit that
// suits it, and returns the unit and the top in it.
func axisUnit(p *plot.Plot, top time.Duration) (time.Duration, float64) {
	unit, label := latencyUnit(top)
	p.Y.Label.Text = "latency (" + label + ")"
	return unit, float64(top) / float64(unit)
}

// bucketLines splits rs into chartBuckets equal time intervals and
// returns, per non-empty interval, its median and maximum latency. It
// groups rs by interval in place (no copy: a run of tens of millions of
// requests must not need twice their memory) and sorts each interval's
// latencies, so rs is no longer in time order afterwards.
func bucketLines(rs *rawSeries, unit time.Duration) (med, top plotter.XYs) {
	start, end := slices.Min(rs.at), slices.Max(rs.at)
	width := (end-start)/chartBuckets + 1
	bucket := func(at time.Duration) int { return int((at - start) / width) }
	bounds := groupBy(rs.at, rs.lats, bucket, chartBuckets+1)
	for i := range chartBuckets + 1 {
		b := rs.lats[bounds[i]:bounds[i+1]]
		if len(b) == 0 {
			continue
		}
		slices.Sort(b)
		x := (time.Duration(i)*width + width/2).Seconds()
		med = append(med, plotter.XY{X: x, Y: float64(b[len(b)/2]) / float64(unit)})
		top = append(top, plotter.XY{X: x, Y: float64(b[len(b)-1]) / float64(unit)})
	}
	return med, top
}

// groupBy permutes at and lats together, in place, so that the entries
// of each key (0 <= key(at) < keys) are contiguous and in key order (an
// in-place counting sort). It returns the keys+1 group boundaries.
func groupBy(at, lats []time.Duration, key func(time.Duration) int, keys int) []int {
	bounds := make([]int, keys+1)
	for _, a := range at {
		bounds[key(a)+1]++
	}
	for k := range keys {
		bounds[k+1] += bounds[k]
	}
	next := slices.Clone(bounds[:keys])
	for k := range keys {
		for next[k] < bounds[k+1] {
			i := next[k]
			kk := key(at[i])
			if kk == k {
				next[k]++
				continue
			}
			j := next[kk]
			next[kk]++
			at[i], at[j] = at[j], at[i]
			lats[i], lats[j] = lats[j], lats[i]
		}
	}
	return bounds
}

func addScatter(p *plot.Plot, xys plotter.XYs, c color.Color, shape draw.GlyphDrawer, label string) error {
	if len(xys) == 0 {
		return nil
	}
	s, err := plotter.NewScatter(xys)
	if err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	s.GlyphStyle.Color = c
	s.GlyphStyle.Shape = shape
	s.GlyphStyle.Radius = vg.Points(2)
	p.Add(s)
	p.Legend.Add(label, s)
	return nil
}

// chartPercentiles draws the latency distribution as a percentile curve
// on the usual tail-stretching axis (x = -log10(1-q): 90 %, 99 %, 99.9 %
// equally spaced), with the latency criteria as dashed lines. With sorted
// raw latencies it draws up to MaxChartPoints quantiles; without, the
// summary's min, p50, p90, p95, p99 and max. When the slowest request is
// more than 30 times the fastest, the latency axis is logarithmic: on a
// linear one the body of the curve would lie flat under its tail.
func chartPercentiles(sc *model.Scenario, sorted []time.Duration) (string, error) {
	p := plot.New()
	p.Title.Text = sc.Name + ": latency distribution"
	p.X.Label.Text = "percentile"
	type point struct {
		x float64
		v time.Duration
	}
	var pts []point
	top := 3.0
	if n := len(sorted); n > 0 {
		top = math.Max(1, math.Log10(float64(n)))
		k := min(n, MaxChartPoints)
		for i := 0; i <= k; i++ {
			x := top * float64(i) / float64(k)
			q := 1 - math.Pow(10, -x)
			pts = append(pts, point{x, sorted[min(n-1, int(q*float64(n)))]})
		}
	} else {
		l := sc.Latency
		for _, pt := range []struct {
			q float64
			v time.Duration
		}{{0, l.Min}, {0.5, l.P50}, {0.9, l.P90}, {0.95, l.P95}, {0.99, l.P99}, {0.999, l.Max}} {
			pts = append(pts, point{-math.Log10(1 - pt.q), pt.v})
		}
		p.Title.Text += " (from the summary)"
	}
	lo, hi := pts[0].v, pts[0].v
	for _, pt := range pts {
		lo, hi = min(lo, pt.v), max(hi, pt.v)
	}
	limits := scenarioLimits(sc)
	logScale := lo > 0 && hi > 30*lo
	var unit time.Duration
	var label string
	var yMin, yMax float64
	if logScale {
		// A log axis shows every decade: the criterion is drawn when it is
		// within one of the data, and the range spans both. Its unit is
		// the bulk's (p99), not the slowest request's.
		unit, label = latencyUnit(max(sc.Latency.P99, lo))
		ymin, ymax := lo, hi
		for _, l := range limits {
			if l.at <= 10*hi {
				ymax = max(ymax, l.at)
			}
		}
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
		yMin, yMax = float64(ymin)/float64(unit)/1.2, float64(ymax)/float64(unit)*1.2
		addLimits(p, limits, time.Duration(yMax*float64(unit)), unit)
		// Short: gonum places a log axis' label by the linear middle of
		// the range, and a long one pushes the chart down.
		p.Y.Label.Text = "latency (" + label + ", log)"
	} else {
		var axisTop time.Duration
		axisTop, _ = latencyTop(hi, hi, limits)
		unit, label = latencyUnit(axisTop)
		yMin, yMax = 0, float64(axisTop)/float64(unit)
		p.Y.Tick.Marker = niceTicks{}
		addLimits(p, limits, axisTop, unit)
		p.Y.Label.Text = "latency (" + label + ")"
	}
	xys := make(plotter.XYs, len(pts))
	for i, pt := range pts {
		xys[i] = plotter.XY{X: pt.x, Y: float64(pt.v) / float64(unit)}
	}
	p.X.Min, p.X.Max = 0, top
	p.X.Tick.Marker = percentileTicks{}
	p.Add(plotter.NewGrid())
	line, err := plotter.NewLine(xys)
	if err != nil {
		return "", fmt.Errorf("distribution chart: %w", err)
	}
	line.Color = colorOK
	line.Width = vg.Points(1.5)
	p.Add(line)
	p.Legend.Add("latency at each percentile", line)
	p.Y.Min, p.Y.Max = yMin, yMax
	return renderSVG(p)
}

// percentileTicks labels the -log10(1-q) axis with percentiles: 0 %, 90 %,
// 99 % … and between them 50 %, 95 %, 99.5 % …, all labelled while there
// are few decades, the in-between ones unlabelled past three.
type percentileTicks struct{}

func (percentileTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	label := func(x float64) string { return figure.Percentile(100 * (1 - math.Pow(10, -x))) }
	for x := math.Ceil(lo); x <= hi+1e-9; x++ {
		ticks = append(ticks, plot.Tick{Value: x, Label: label(x)})
		if mid := x + math.Log10(2); mid <= hi+1e-9 { // the 50 %, 95 %, 99.5 % … marks
			t := plot.Tick{Value: mid}
			if hi-lo <= 3 {
				t.Label = label(mid)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// niceTicks puts five to eight labelled ticks on a linear axis, at
// multiples of 1, 2 or 5 × 10^k, with as many decimals as the step needs,
// and an unlabelled tick between each two.
// With Integer (counts of requests), the step is at least 1.
type niceTicks struct{ Integer bool }

func (t niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'g', 4, 64)}}
	}
	step := niceStep((hi - lo) / 8)
	if t.Integer {
		step = math.Max(1, step)
	}
	decimals := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	var ticks []plot.Tick
	for i := math.Ceil(lo/step - 1e-9); i*step <= hi+step*1e-9; i++ {
		v := i * step
		if math.Abs(v) < step*1e-9 {
			v = 0 // not "-0"
		}
		l := strconv.FormatFloat(v, 'f', decimals, 64)
		if decimals == 0 {
			l = figure.Float(v) // 80,000
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: l})
		if mid := v + step/2; mid <= hi && (!t.Integer || step >= 2) {
			ticks = append(ticks, plot.Tick{Value: mid})
		}
	}
	return ticks
}

// niceStep is the smallest 1, 2 or 5 × 10^k at or above x.
func niceStep(x float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// logTicks labels a logarithmic axis at 1, 2 and 5 × 10^k.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); math.Pow(10, e) <= hi; e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if v >= lo && v <= hi {
				ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
			}
		}
	}
	return ticks
}

// chartStatus draws the count of each status code: the expected status
// green, other statuses orange, errors (no answer, 5xx) red, whatever the
// scenario expects: the 400 an invalid-input scenario wants is green, a
// 200 there orange.
func chartStatus(sc *model.Scenario) (string, error) {
	p := plot.New()
	p.Title.Text = sc.Name + ": status codes"
	p.Y.Label.Text = "requests"
	p.Y.Min = 0
	p.Y.Tick.Marker = niceTicks{Integer: true}
	want := expectedStatus(sc)
	codes := figure.SortedCodes(sc.StatusCodes)
	labels := make([]string, len(codes))
	var kinds [3]*plotter.BarChart
	for i, c := range codes {
		labels[i] = c
		if c == "0" {
			labels[i] = "error"
		}
		vals := make(plotter.Values, len(codes))
		vals[i] = float64(sc.StatusCodes[c])
		bar, err := plotter.NewBarChart(vals, vg.Points(28))
		if err != nil {
			return "", fmt.Errorf("status chart: %w", err)
		}
		bar.LineStyle.Width = 0
		code, _ := strconv.Atoi(c)
		k := kindOf(uint16(code), want)
		bar.Color = []color.Color{colorGood, colorWarn, colorError}[k]
		if kinds[k] == nil {
			kinds[k] = bar
		}
		p.Add(bar)
	}
	for k, label := range []string{fmt.Sprintf("%d, as expected", want), fmt.Sprintf("another status (%d expected)", want), "error or 5xx"} {
		if kinds[k] != nil {
			p.Legend.Add(label, kinds[k])
		}
	}
	// Counts printed over the bars: a handful of 500s among thousands of
	// 200s is invisible as a bar but is the news.
	var most float64
	xyl := plotter.XYLabels{}
	for i, c := range codes {
		n := float64(sc.StatusCodes[c])
		most = math.Max(most, n)
		xyl.XYs = append(xyl.XYs, plotter.XY{X: float64(i), Y: n})
		xyl.Labels = append(xyl.Labels, figure.Count(sc.StatusCodes[c]))
	}
	if len(codes) > 0 {
		labels, err := plotter.NewLabels(xyl)
		if err != nil {
			return "", fmt.Errorf("status chart: %w", err)
		}
		for i := range labels.TextStyle {
			labels.TextStyle[i].XAlign = draw.XCenter
		}
		labels.Offset = vg.Point{Y: vg.Points(3)}
		p.Add(labels)
		p.Y.Max = math.Max(1, most*1.15)
	}
	if len(codes) == 0 {
		p.Title.Text += " (no responses)"
		p.HideX()
	} else {
		p.NominalX(labels...)
	}
	return renderSVG(p)
}

// The legend beside a chart: the space between it and the frame, its
// font size (the axes' labels are 10 pt), and the slack on its measured
// width.
const (
	legendGap      = 10
	legendFontSize = 10
	legendSlack    = 1.15
)

// renderSVG draws p as an SVG element ready to inline in HTML, with its
// legend in a column to the right of the chart rather than over the data
// (where a legend marker also reads as one more point). The XML
// declaration and generator comment are dropped, and fonts are referred to
// by name rather than embedded (embedding would add ~300 kB per chart).
func renderSVG(p *plot.Plot) (string, error) {
	c := vgsvg.NewWith(vgsvg.UseWH(chartWidth, chartHeight))
	dc := draw.New(c)
	// The title is centred over the whole chart, legend column included,
	// so that a long one is not cut at the left edge.
	if t := p.Title.Text; t != "" {
		sty := p.Title.TextStyle
		dc.FillText(sty, vg.Point{X: dc.Center().X, Y: dc.Max.Y + sty.FontExtents().Descent}, t)
		dc = draw.Crop(dc, 0, 0, 0, -(sty.Rectangle(t).Size().Y + p.Title.Padding))
		p.Title.Text = ""
	}
	legend := p.Legend
	p.Legend = plot.NewLegend()
	legend.TextStyle.Font.Size = legendFontSize
	area := dc
	if r := legend.Rectangle(dc); r.Size().X > 0 {
		// A browser's font may run wider than the metrics gonum measures
		// the text with: room to spare, or the legend runs off the chart.
		width := r.Size().X*legendSlack + legendGap
		area = draw.Crop(dc, 0, -width, 0, 0)
		legend.Top, legend.Left = true, true
		legend.Draw(draw.Crop(dc, chartWidth-width+legendGap, 0, 0, 0))
	}
	p.Draw(area)
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", fmt.Errorf("render chart: %w", err)
	}
	s := buf.String()
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return s, nil
}

func maxDur(a, b time.Duration) time.Duration {
	if a > b {
		return a
	}
	return b
}

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

// latencyUnit picks seconds or milliseconds for an axis whose largest
// value is max.
func latencyUnit(max time.Duration) (time.Duration, string) {
	if max >= 2*time.Second {
		return time.Second, "s"
	}
	if max >= 2*time.Millisecond {
		return time.Millisecond, "ms"
	}
	return time.Microsecond, "µs"
}

// chartLatencyOverTime draws each request's latency against when it was
// sent; failed requests (transport errors, 5xx) in red. Past
// MaxChartPoints it draws per-interval median and max lines. It reorders
// rs (see bucketLines).
func chartLatencyOverTime(name string, rs *rawSeries) (string, error) {
	p := plot.New()
	p.Title.Text = name + ": latency over time"
	p.X.Label.Text = "time since start (s)"
	max := slices.Max(rs.lats)
	unit, label := latencyUnit(max)
	p.Y.Label.Text = "latency (" + label + ")"
	p.Y.Min = 0
	p.Add(plotter.NewGrid())

	if n := len(rs.lats); n <= MaxChartPoints {
		start := slices.Min(rs.at)
		var ok, bad plotter.XYs
		for i := range n {
			xy := plotter.XY{X: (rs.at[i] - start).Seconds(), Y: float64(rs.lats[i]) / float64(unit)}
			if code := rs.codes[i]; code == 0 || code >= 500 {
				bad = append(bad, xy)
			} else {
				ok = append(ok, xy)
			}
		}
		if err := addScatter(p, ok, colorOK, draw.CircleGlyph{}, "response"); err != nil {
			return "", err
		}
		if err := addScatter(p, bad, colorError, draw.CrossGlyph{}, "error or 5xx"); err != nil {
			return "", err
		}
	} else {
		p.Title.Text += fmt.Sprintf(" (%d requests in %d intervals)", n, chartBuckets)
		med, top := bucketLines(rs, unit)
		for _, l := range []struct {
			xys   plotter.XYs
			c     color.Color
			label string
		}{{top, colorWarn, "max per interval"}, {med, colorOK, "median per interval"}} {
			line, err := plotter.NewLine(l.xys)
			if err != nil {
				return "", fmt.Errorf("latency chart: %w", err)
			}
			line.Color = l.c
			p.Add(line)
			p.Legend.Add(l.label, line)
		}
	}
	p.Legend.Top = true
	return renderSVG(p)
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
		return fmt.Errorf("latency chart: %w", err)
	}
	s.GlyphStyle.Color = c
	s.GlyphStyle.Shape = shape
	s.GlyphStyle.Radius = vg.Points(1.5)
	p.Add(s)
	p.Legend.Add(label, s)
	return nil
}

// chartPercentiles draws the latency distribution as a percentile curve
// on the usual tail-stretching axis (x = -log10(1-q): 90 %, 99 %, 99.9 %
// equally spaced). With sorted raw latencies it draws up to MaxChartPoints
// quantiles; without, the summary's min, p50, p90, p95, p99 and max.
func chartPercentiles(sc *model.Scenario, sorted []time.Duration) (string, error) {
	p := plot.New()
	p.Title.Text = sc.Name + ": latency distribution"
	p.X.Label.Text = "percentile"
	var xys plotter.XYs
	var max time.Duration
	top := 3.0
	if n := len(sorted); n > 0 {
		max = sorted[n-1]
		top = math.Max(1, math.Log10(float64(n)))
		unit, _ := latencyUnit(max)
		k := min(n, MaxChartPoints)
		for i := 0; i <= k; i++ {
			x := top * float64(i) / float64(k)
			q := 1 - math.Pow(10, -x)
			idx := min(n-1, int(q*float64(n)))
			xys = append(xys, plotter.XY{X: x, Y: float64(sorted[idx]) / float64(unit)})
		}
	} else {
		l := sc.Latency
		max = l.Max
		unit, _ := latencyUnit(max)
		for _, pt := range []struct {
			q float64
			v time.Duration
		}{{0, l.Min}, {0.5, l.P50}, {0.9, l.P90}, {0.95, l.P95}, {0.99, l.P99}, {0.999, l.Max}} {
			xys = append(xys, plotter.XY{X: -math.Log10(1 - pt.q), Y: float64(pt.v) / float64(unit)})
		}
		p.Title.Text += " (summary percentiles; raw results not available)"
	}
	_, label := latencyUnit(max)
	p.Y.Label.Text = "latency (" + label + ")"
	p.Y.Min = 0
	p.X.Min = 0
	p.X.Max = top
	p.X.Tick.Marker = percentileTicks{}
	p.Add(plotter.NewGrid())
	line, err := plotter.NewLine(xys)
	if err != nil {
		return "", fmt.Errorf("distribution chart: %w", err)
	}
	line.Color = colorOK
	line.Width = vg.Points(1.5)
	p.Add(line)
	return renderSVG(p)
}

// percentileTicks labels the -log10(1-q) axis with percentiles.
type percentileTicks struct{}

func (percentileTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for x := math.Ceil(lo); x <= hi+1e-9; x++ {
		q := 100 * (1 - math.Pow(10, -x))
		ticks = append(ticks, plot.Tick{Value: x, Label: figure.Percentile(q)})
		if mid := x + math.Log10(2); mid <= hi { // the 50 %, 95 %, 99.5 % … marks
			ticks = append(ticks, plot.Tick{Value: mid})
		}
	}
	return ticks
}

// chartStatus draws the count of each status code: 2xx green, 3xx/4xx
// orange, 5xx and transport errors (0) red.
func chartStatus(sc *model.Scenario) (string, error) {
	p := plot.New()
	p.Title.Text = sc.Name + ": status codes"
	p.Y.Label.Text = "requests"
	p.Y.Min = 0
	codes := figure.SortedCodes(sc.StatusCodes)
	labels := make([]string, len(codes))
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
		switch {
		case strings.HasPrefix(c, "2"):
			bar.Color = colorGood
		case strings.HasPrefix(c, "3"), strings.HasPrefix(c, "4"):
			bar.Color = colorWarn
		default:
			bar.Color = colorError
		}
		p.Add(bar)
	}
	// Counts printed over the bars: a handful of 500s among thousands of
	// 200s is invisible as a bar but is the news.
	var most float64
	xyl := plotter.XYLabels{}
	for i, c := range codes {
		n := float64(sc.StatusCodes[c])
		most = math.Max(most, n)
		xyl.XYs = append(xyl.XYs, plotter.XY{X: float64(i), Y: n})
		xyl.Labels = append(xyl.Labels, strconv.FormatInt(sc.StatusCodes[c], 10))
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
		p.Y.Max = most * 1.15
	}
	if len(codes) == 0 {
		p.Title.Text += " (no responses)"
		p.HideX()
	} else {
		p.NominalX(labels...)
	}
	return renderSVG(p)
}

// renderSVG draws p as an SVG element ready to inline in HTML: the XML
// declaration and generator comment are dropped, and fonts are referred to
// by name rather than embedded (embedding would add ~300 kB per chart).
func renderSVG(p *plot.Plot) (string, error) {
	c := vgsvg.NewWith(vgsvg.UseWH(chartWidth, chartHeight))
	p.Draw(draw.New(c))
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

package report

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/model"
)

// series is a rawSeries of n requests one every 10 ms, latency lat(i) and
// status code(i).
func series(n int, lat func(i int) time.Duration, code func(i int) uint16) *rawSeries {
	rs := newRawSeries(int64(n))
	t0 := time.Unix(1_700_000_000, 0)
	for i := range n {
		rs.add(t0.Add(time.Duration(i)*10*time.Millisecond), lat(i), code(i))
	}
	return &rs
}

func always[T any](v T) func(int) T { return func(int) T { return v } }

// svgPath is a stroked path of a chart: its colour and horizontal extent.
type svgPath struct {
	stroke string
	width  float64
}

var (
	pathRE  = regexp.MustCompile(`<path d="([^"]*)" style="[^"]*stroke:(#[0-9A-Fa-f]{6})[^"]*stroke-dasharray`)
	pointRE = regexp.MustCompile(`[ML]([-0-9.]+),`)
)

// dashedPaths returns the dashed paths of an SVG chart.
func dashedPaths(svg string) []svgPath {
	var out []svgPath
	for _, m := range pathRE.FindAllStringSubmatch(svg, -1) {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, x := range pointRE.FindAllStringSubmatch(m[1], -1) {
			v, _ := strconv.ParseFloat(x[1], 64)
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		out = append(out, svgPath{stroke: strings.ToUpper(m[2]), width: hi - lo})
	}
	return out
}

// criterionLines counts the criterion-coloured dashed lines that cross the
// chart (the legend's swatch is 20 points wide).
func criterionLines(svg string) int {
	n := 0
	for _, p := range dashedPaths(svg) {
		if p.stroke == "#6F42C1" && p.width > 100 {
			n++
		}
	}
	return n
}

// TestChartCriterionLine: the latency charts draw the scenario's latency
// criteria as a line when it is within reach of the data, and name it in
// the legend as above the chart otherwise (a 2 s line over 1 ms answers
// would flatten them to 0).
func TestChartCriterionLine(t *testing.T) {
	expect := &model.Expect{Status: 200, Latency: []model.LatencyLimit{{Stat: "p95", Max: 2 * time.Second}, {Stat: "p99", Max: 2 * time.Second}}}
	for _, tt := range []struct {
		name      string
		lat       time.Duration
		lines     int
		legend    string
		notLegend string
	}{
		{"slow answers, line drawn", 1500 * time.Millisecond, 1, "p95, p99 ≤ 2s (criterion)", "above the chart"},
		{"fast answers, line named", time.Millisecond, 0, "p95, p99 ≤ 2s (above the chart)", "(criterion)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sc := &model.Scenario{Name: "s", Requests: 50, Expect: expect, StatusCodes: map[string]int64{"200": 50},
				Latency: model.Latency{Min: tt.lat, P50: tt.lat, P99: tt.lat, Max: tt.lat}}
			rs := series(50, always(tt.lat), always[uint16](200))
			overTime, err := chartLatencyOverTime(sc, rs)
			if err != nil {
				t.Fatal(err)
			}
			dist, err := chartPercentiles(sc, rs.lats)
			if err != nil {
				t.Fatal(err)
			}
			for name, svg := range map[string]string{"latency over time": overTime, "distribution": dist} {
				if n := criterionLines(svg); n != tt.lines {
					t.Errorf("%s: %d criterion lines across the chart, want %d", name, n, tt.lines)
				}
				if !strings.Contains(svg, tt.legend) || strings.Contains(svg, tt.notLegend) {
					t.Errorf("%s: legend lacks %q or says %q", name, tt.legend, tt.notLegend)
				}
			}
		})
	}
}

// TestChartUnitFromData: the latency axis' unit follows the bulk of the
// data: 40 µs answers with one 7 ms outlier are drawn in µs (the outlier on
// the top edge), not flat at 0 on a millisecond axis; seconds for seconds.
func TestChartUnitFromData(t *testing.T) {
	for _, tt := range []struct {
		name  string
		lat   func(int) time.Duration
		p99   time.Duration
		label string
	}{
		{"µs with an outlier", func(i int) time.Duration {
			if i == 100 {
				return 7 * time.Millisecond
			}
			return 40*time.Microsecond + time.Duration(i%7)*time.Microsecond
		}, 46 * time.Microsecond, "latency (µs)"},
		{"seconds", func(i int) time.Duration { return 5*time.Second + time.Duration(i)*time.Millisecond }, 5199 * time.Millisecond, "latency (s)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sc := &model.Scenario{Name: "s", Requests: 200, Latency: model.Latency{P99: tt.p99}}
			svg, err := chartLatencyOverTime(sc, series(200, tt.lat, always[uint16](200)))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(svg, ">"+tt.label+"<") {
				t.Errorf("y axis is not %q", tt.label)
			}
		})
	}
	// Downsampled, the axis follows the intervals' maxima, not the one
	// slowest request.
	n := MaxChartPoints * 3
	lat := func(i int) time.Duration {
		if i == n/2 {
			return 7 * time.Millisecond
		}
		return 40*time.Microsecond + time.Duration(i%13)*time.Microsecond
	}
	sc := &model.Scenario{Name: "s", Requests: int64(n), Latency: model.Latency{P99: 52 * time.Microsecond, Max: 7 * time.Millisecond}}
	svg, err := chartLatencyOverTime(sc, series(n, lat, always[uint16](400)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(svg, ">latency (µs)<") || !strings.Contains(svg, "cut at the top: the slowest, 7ms") {
		t.Error("downsampled: the axis is not in µs cut below the outlier")
	}
}

// TestChartExpectedStatus: answers with the status the scenario expects
// are not coloured like errors: an invalid-input scenario's 400s are green
// (blue dots over time), a 200 there is orange, a 500 red.
func TestChartExpectedStatus(t *testing.T) {
	sc := &model.Scenario{Name: "invalid-input", Requests: 30, Expect: &model.Expect{Status: 400},
		StatusCodes: map[string]int64{"400": 10, "200": 10, "500": 10}}
	svg, err := chartStatus(sc)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"400, as expected", "another status (400 expected)", "error or 5xx"} {
		if !strings.Contains(svg, want) {
			t.Errorf("status chart legend lacks %q", want)
		}
	}
	code := func(i int) uint16 { return []uint16{400, 200, 500}[i%3] }
	over, err := chartLatencyOverTime(sc, series(30, always(time.Millisecond), code))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"status 400 as expected: 10", "another status (400 expected): 10", "error or 5xx: 10"} {
		if !strings.Contains(over, want) {
			t.Errorf("latency chart legend lacks %q", want)
		}
	}
}

// TestChartLegendBesideTheData: the legend is drawn to the right of the
// chart's frame, where its marker cannot read as one more point (with two
// requests, a legend dot among the data looked like a third).
func TestChartLegendBesideTheData(t *testing.T) {
	sc := &model.Scenario{Name: "two", Requests: 2, Duration: 10 * time.Second, Expect: &model.Expect{Status: 200}}
	svg, err := chartLatencyOverTime(sc, series(2, func(i int) time.Duration { return 5*time.Second + time.Duration(i)*250*time.Millisecond }, always[uint16](200)))
	if err != nil {
		t.Fatal(err)
	}
	textX := func(s string) float64 {
		m := regexp.MustCompile(`<text x="([-0-9.]+)"[^>]*>\s*` + regexp.QuoteMeta(s) + `\s*<`).FindStringSubmatch(svg)
		if m == nil {
			t.Fatalf("no text %q in the chart", s)
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	legend := textX("status 200 as expected: 2")
	for _, tick := range []string{"0", "10"} { // the x axis' labels
		if x := textX(tick); x >= legend {
			t.Errorf("legend at x=%.0f is not right of the axis label %s at x=%.0f", legend, tick, x)
		}
	}
}

// TestNiceTicks: a linear axis gets five to nine labelled ticks at round
// values, never "-0"; counts get whole numbers.
func TestNiceTicks(t *testing.T) {
	for _, tt := range []struct {
		lo, hi  float64
		integer bool
		want    string
	}{
		{0, 30, false, "0 5 10 15 20 25 30"},
		{0, 14.9, false, "0 2 4 6 8 10 12 14"},
		{0, 2.4, false, "0.0 0.5 1.0 1.5 2.0"},
		{-0.1, 1.02, false, "0.0 0.2 0.4 0.6 0.8 1.0"},
		{0, 2.3, true, "0 1 2"},
		{0, 93750, true, "0 20,000 40,000 60,000 80,000"},
	} {
		var labels []string
		for _, tk := range (niceTicks{Integer: tt.integer}).Ticks(tt.lo, tt.hi) {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if got := strings.Join(labels, " "); got != tt.want {
			t.Errorf("ticks of [%g, %g]: %q, want %q", tt.lo, tt.hi, got, tt.want)
		}
	}
	// The percentile axis of a short run labels its in-between marks.
	var labels []string
	for _, tk := range (percentileTicks{}).Ticks(0, 1) {
		labels = append(labels, tk.Label)
	}
	if got := strings.Join(labels, " "); got != "0% 50% 90%" {
		t.Errorf("percentile ticks of a short run: %q", got)
	}
}

// TestCapacityChart: the p95 criterion is drawn, the latency axis reaches
// it, and a failing step far above (1.6 s against 40 ms) sits on the top
// edge rather than flattening the curve.
func TestCapacityChart(t *testing.T) {
	s := &model.CapacityScenario{Name: "single", Knee: 190, Limit: 200,
		Latency: []model.LatencyLimit{{Stat: "p95", Max: 40 * time.Millisecond}},
		Steps: []model.CapacityStep{
			{Rate: 1, Pass: true, Latency: model.Latency{P95: 21 * time.Millisecond}},
			{Rate: 190, Pass: true, Latency: model.Latency{P95: 29 * time.Millisecond}},
			{Rate: 200, Latency: model.Latency{P95: 1600 * time.Millisecond}},
		}}
	svg, err := chartCapacity(s)
	if err != nil {
		t.Fatal(err)
	}
	if n := criterionLines(svg); n != 1 {
		t.Errorf("%d criterion lines, want 1", n)
	}
	for _, want := range []string{"p95 ≤ 40ms (criterion)", "step fails, above the chart (up to 1.6s)", ">p95 latency (ms)<", ">40<", "knee 190/s"} {
		if !strings.Contains(svg, want) {
			t.Errorf("capacity chart lacks %q", want)
		}
	}
	if strings.Contains(svg, ">1500<") {
		t.Error("the latency axis was stretched to the 1.6 s failing step")
	}
}

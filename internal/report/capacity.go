package report

import (
	"cmp"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/model"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// kneeText says what a search found, in a few words, with the bracket the
// knee lies in: "≥ 10000/s (max rate reached)", "180/s (fails at 200/s)",
// "none (fails at 10/s)", "180/s (fails at 360/s; cut short: budget)".
func kneeText(c *model.CapacityScenario) string {
	return figure.KneeBracket(c.Knee, c.Limit, c.Capped, c.Stopped)
}

// CapacityText writes the knee and the curve of every scenario as a
// plain-text table.
func CapacityText(w io.Writer, c *model.Capacity) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range c.Scenarios {
		fmt.Fprintf(tw, "%s %s: knee %s, file rate %s\n", figure.MarkOf(s.Pass), s.Name, kneeText(s), s.FileRate)
		fmt.Fprintln(tw, "  rate\tachieved\tp50\tp95\tp99\terrors\t\t")
		for _, st := range curve(s.Steps) {
			note := strings.Join(st.Failures, "; ")
			if st.UnderDelivered && note == "" {
				note = "under-delivered"
			}
			if st.Confirmation {
				note = strings.TrimSuffix("confirming the failure above; "+note, "; ")
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", figure.Rate(st.Rate), figure.Rate(st.Achieved),
				figure.Duration(st.Latency.P50), figure.Duration(st.Latency.P95), figure.Duration(st.Latency.P99),
				figure.Share(st.ErrorShare), figure.MarkOf(st.Pass), note)
		}
		for _, n := range s.Notes {
			fmt.Fprintf(tw, "  note: %s\n", n)
		}
		fmt.Fprintln(tw)
	}
	verdict := "pass: every scenario meets its criteria at or above its own rate"
	if !c.Pass {
		verdict = "fail: a scenario does not meet its criteria at its own rate"
	}
	if c.Interrupted {
		verdict = "interrupted"
	}
	fmt.Fprintln(tw, verdict)
	return tw.Flush()
}

// curve returns steps sorted by rate, the order a curve reads in.
func curve(steps []model.CapacityStep) []model.CapacityStep {
	out := slices.Clone(steps)
	slices.SortStableFunc(out, func(a, b model.CapacityStep) int { return cmp.Compare(a.Rate, b.Rate) })
	return out
}

// chartCapacity draws p95 latency against the requested rate, passing
// steps in green, failing ones as red crosses, the p95 criterion as a
// dashed line and the knee as a dotted one. Both axes leave room past the
// last step, so that no point sits in a corner of the frame, and the
// latency axis reaches the criterion, which the failing steps cross. A
// failing step far above the rest (1.6 s where the criterion is 40 ms) is
// drawn on the top edge, so that it does not flatten the curve below.
func chartCapacity(s *model.CapacityScenario) (string, error) {
	p := plot.New()
	p.Title.Text = s.Name + ": p95 latency by request rate"
	p.X.Label.Text = "requested rate (req/s)"
	var bulk, highest time.Duration
	var maxRate float64
	for _, st := range s.Steps {
		if st.Pass {
			bulk = maxDur(bulk, st.Latency.P95)
		}
		highest = maxDur(highest, st.Latency.P95)
		maxRate = math.Max(maxRate, st.Rate)
	}
	var limits []limitLine
	for _, l := range latencyLimits(s.Latency) {
		if strings.Contains(l.label, "p95") {
			limits = append(limits, l)
			bulk = maxDur(bulk, l.at)
		}
	}
	if bulk == 0 {
		bulk = highest
	}
	top, _ := latencyTop(bulk, highest, limits)
	unit, label := latencyUnit(top)
	p.Y.Label.Text = "p95 latency (" + label + ")"
	yMax, xMax := float64(top)/float64(unit), math.Max(1, maxRate*1.08)
	p.X.Tick.Marker = niceTicks{}
	p.Y.Tick.Marker = niceTicks{}
	p.Add(plotter.NewGrid())
	addLimits(p, limits, top, unit)
	var line, ok, bad, above plotter.XYs
	for _, st := range curve(s.Steps) {
		xy := plotter.XY{X: st.Rate, Y: float64(st.Latency.P95) / float64(unit)}
		line = append(line, xy)
		switch {
		case st.Latency.P95 > top:
			above = append(above, plotter.XY{X: st.Rate, Y: yMax})
		case st.Pass:
			ok = append(ok, xy)
		default:
			bad = append(bad, xy)
		}
	}
	if len(line) > 1 {
		l, err := plotter.NewLine(line)
		if err != nil {
			return "", fmt.Errorf("capacity chart: %w", err)
		}
		l.Color = colorOK
		p.Add(l)
	}
	if err := addScatter(p, ok, colorGood, draw.CircleGlyph{}, "step meets the criteria"); err != nil {
		return "", err
	}
	if err := addScatter(p, bad, colorError, draw.CrossGlyph{}, "step fails"); err != nil {
		return "", err
	}
	if err := addScatter(p, above, colorError, draw.PyramidGlyph{}, "step fails, above the chart (up to "+figure.Duration(highest)+")"); err != nil {
		return "", err
	}
	if s.Knee > 0 {
		knee, err := plotter.NewLine(plotter.XYs{{X: s.Knee, Y: 0}, {X: s.Knee, Y: yMax}})
		if err != nil {
			return "", fmt.Errorf("capacity chart: %w", err)
		}
		knee.Color = colorWarn
		knee.Width = vg.Points(1.2)
		knee.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
		p.Add(knee)
		p.Legend.Add("knee "+figure.Rate(s.Knee), knee)
	}
	// After the plotters: adding one stretches the axes to its data.
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, xMax, 0, yMax
	return renderSVG(p)
}

var capacityTemplate = template.Must(template.New("capacity").Funcs(template.FuncMap{
	"dur":  figure.Duration,
	"pct":  figure.Share,
	"rate": figure.Rate,
	"icon": htmlIcon,
	"utc":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
	"join": func(s []string) string { return strings.Join(s, "; ") },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>perfgate capacity{{if .Label}} {{.Label}}{{end}}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #1b1f23; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.25rem; border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; margin-top: 2.5rem; }
.verdict { padding: .75rem 1rem; border-radius: 6px; font-weight: 600; }
.pass { background: #dafbe1; color: #116329; } .fail { background: #ffebe9; color: #a40e26; }
.meta { color: #57606a; }
table { border-collapse: collapse; margin: .75rem 0; font-size: .9rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem; }
.chart svg { max-width: 100%; height: auto; display: block; margin: .5rem 0; }
</style>
</head>
<body>
<h1>perfgate capacity{{if .Label}} <code>{{.Label}}</code>{{end}}</h1>
<p class="verdict {{if .Pass}}pass{{else}}fail{{end}}">{{icon .Pass}} {{if .Interrupted}}interrupted{{else if .Pass}}every scenario meets its criteria at or above its own rate{{else}}a scenario does not meet its criteria at its own rate{{end}}</p>
<p class="meta">Target <code>{{.Target}}</code> · {{utc .Start}} → {{utc .End}} · steps of {{dur .Settings.Step}}, precision {{pct .Settings.Precision}}, up to {{rate .Settings.MaxRate}} · {{.Tool.Name}} {{.Tool.Version}}</p>
<table>
<tr><th></th><th>scenario</th><th>knee</th><th>file rate</th><th>steps</th><th>requests</th></tr>
{{range .Scenarios}}<tr><td>{{icon .Pass}}</td><td><a href="#cap-{{.Name}}">{{.Name}}</a></td><td>{{.KneeText}}</td><td>{{.FileRate}}</td><td class="n">{{len .Steps}}</td><td class="n">{{.Requests}}</td></tr>
{{end}}</table>
{{range .Scenarios}}
<h2 id="cap-{{.Name}}">{{icon .Pass}} {{.Name}}: knee {{.KneeText}}</h2>
<div class="chart">{{.Chart}}</div>
<table>
<tr><th>rate</th><th>achieved</th><th>requests</th><th>p50</th><th>p95</th><th>p99</th><th>errors</th><th></th><th>why</th></tr>
{{range .Curve}}<tr><td class="n">{{rate .Rate}}</td><td class="n">{{rate .Achieved}}{{if .UnderDelivered}} ⚠{{end}}</td><td class="n">{{.Requests}}</td><td class="n">{{dur .Latency.P50}}</td><td class="n">{{dur .Latency.P95}}</td><td class="n">{{dur .Latency.P99}}</td><td class="n">{{pct .ErrorShare}}</td><td>{{icon .Pass}}</td><td>{{if .Confirmation}}confirming the failure at this rate{{if .Failures}}; {{end}}{{end}}{{join .Failures}}{{if and .UnderDelivered (not .Failures)}}under-delivered{{end}}</td></tr>
{{end}}</table>
{{range .Notes}}<p class="meta">⚠ {{.}}</p>
{{end}}{{end}}
</body>
</html>
`))

// CapacityHTML writes c as one self-contained HTML page: per scenario the
// knee, a chart of p95 latency by rate (gonum/plot, inline SVG) and the
// curve as a table.
func CapacityHTML(w io.Writer, c *model.Capacity) error {
	type scenario struct {
		*model.CapacityScenario
		KneeText string
		Chart    template.HTML
		Curve    []model.CapacityStep
	}
	data := struct {
		*model.Capacity
		Scenarios []scenario
	}{Capacity: c}
	for _, s := range c.Scenarios {
		svg, err := chartCapacity(s)
		if err != nil {
			return fmt.Errorf("scenario %s: %w", s.Name, err)
		}
		// The SVG is drawn from numbers and the scenario name, which the
		// SVG writer escapes, so it is safe to inline.
		data.Scenarios = append(data.Scenarios, scenario{CapacityScenario: s, KneeText: kneeText(s), Chart: template.HTML(svg), Curve: curve(s.Steps)})
	}
	if err := capacityTemplate.Execute(w, data); err != nil {
		return fmt.Errorf("render capacity html: %w", err)
	}
	return nil
}

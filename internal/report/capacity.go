package report

import (
	"cmp"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// SchemaCapacity is the schema identifier of capacity.json.
const SchemaCapacity = "perfgate.capacity/v1"

// CapacityFile is the name of a capacity search's results inside a run
// directory.
const CapacityFile = "capacity.json"

// Capacity is the content of capacity.json: for each scenario, the curve
// of constant-rate steps a capacity search ran and the knee it found.
type Capacity struct {
	Schema      string              `json:"schema"`
	Tool        Tool                `json:"tool"`
	Target      string              `json:"target"`
	Label       string              `json:"label,omitempty"`
	Start       time.Time           `json:"start"`
	End         time.Time           `json:"end"`
	Settings    CapacitySettings    `json:"settings"`
	Pass        bool                `json:"pass"`
	Interrupted bool                `json:"interrupted,omitempty"`
	Scenarios   []*CapacityScenario `json:"scenarios"`
}

// CapacitySettings are the bounds a capacity search ran under.
type CapacitySettings struct {
	// Start is the first rate tried ("" when each scenario started at its
	// own rate); MaxRate the highest, in requests per second.
	Start     string        `json:"start,omitempty"`
	MaxRate   float64       `json:"max_rate"`
	Precision float64       `json:"precision"`
	Step      time.Duration `json:"step"`
	Budget    time.Duration `json:"budget"`
	// MaxRequests bounds the requests of the whole search; 0 is no bound.
	MaxRequests int64 `json:"max_requests,omitempty"`
}

// CapacityScenario is one scenario's search: every step in the order run,
// and the knee, the highest rate at which the scenario met its criteria.
type CapacityScenario struct {
	Name string `json:"name"`
	File string `json:"file,omitempty"`
	// FileRate is the scenario's own rate as written; FileRatePerSecond
	// the same in requests per second (0 for max).
	FileRate          string  `json:"file_rate"`
	FileRatePerSecond float64 `json:"file_rate_per_second"`
	// Knee is the highest rate that passed, in requests per second; 0 when
	// none did. Limit is the lowest rate that failed; 0 when none did, and
	// then Capped says the search stopped at --max-rate.
	Knee   float64 `json:"knee"`
	Limit  float64 `json:"limit,omitempty"`
	Capped bool    `json:"capped,omitempty"`
	// Stopped says why the search ended before reaching the precision:
	// "budget", "max-requests" or "interrupted".
	Stopped  string         `json:"stopped,omitempty"`
	Requests int64          `json:"requests"`
	Steps    []CapacityStep `json:"steps"`
	// Pass says the knee is at or above the scenario's own rate (for max,
	// that some rate passed).
	Pass bool `json:"pass"`
}

// CapacityStep is one constant-rate step of a search.
type CapacityStep struct {
	Rate     float64       `json:"rate"`
	Achieved float64       `json:"achieved"`
	Requests int64         `json:"requests"`
	Duration time.Duration `json:"duration"`
	Latency  Latency       `json:"latency"`
	// ErrorShare is the share of requests that failed: transport errors
	// and responses with another status than expected.
	ErrorShare     float64 `json:"error_share"`
	UnderDelivered bool    `json:"under_delivered,omitempty"`
	Pass           bool    `json:"pass"`
	// Failures spell out each failed criterion: "p95 41ms > 40ms".
	Failures []string `json:"failures,omitempty"`
}

// KneeStep returns the step run at the knee, or nil when none passed.
func (c *CapacityScenario) KneeStep() *CapacityStep {
	for i := range c.Steps {
		if c.Steps[i].Pass && c.Steps[i].Rate == c.Knee {
			return &c.Steps[i]
		}
	}
	return nil
}

// Scenario returns the search of the scenario named name, or nil.
func (c *Capacity) Scenario(name string) *CapacityScenario {
	for _, s := range c.Scenarios {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// WriteCapacity writes c as capacity.json in dir, atomically.
func WriteCapacity(dir string, c *Capacity) error {
	return writeJSON(dir, CapacityFile, "capacity", c)
}

// ReadCapacity reads capacity results from a directory holding
// capacity.json or from the file itself. A directory without one is
// reported with an error matching fs.ErrNotExist.
func ReadCapacity(path string) (*Capacity, error) {
	return readJSON(path, CapacityFile, "capacity", SchemaCapacity, func(c *Capacity) string { return c.Schema })
}

// FindCapacity looks for capacity.json in a run directory, then in its
// parent (a directory holding a run and a capacity search side by side).
// It returns nil, nil when neither has one.
func FindCapacity(runDir string) (*Capacity, error) {
	for _, dir := range []string{runDir, filepath.Dir(filepath.Clean(runDir))} {
		c, err := ReadCapacity(filepath.Join(dir, CapacityFile))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		return c, err
	}
	return nil, nil
}

// KneeText says what a search found, in a few words: "≥ 10000/s (capped)",
// "180/s (fails at 200/s)", "none (fails at 10/s)".
func (c *CapacityScenario) KneeText() string {
	var s string
	switch {
	case c.Knee == 0:
		s = "none"
	case c.Capped:
		s = "≥ " + figRate(c.Knee)
	default:
		s = figRate(c.Knee)
	}
	if c.Limit > 0 {
		s += " (fails at " + figRate(c.Limit) + ")"
	} else if c.Capped {
		s += " (max rate reached)"
	}
	if c.Stopped != "" {
		s += "; search stopped: " + c.Stopped
	}
	return s
}

// CapacityText writes the knee and the curve of every scenario as a
// plain-text table.
func CapacityText(w io.Writer, c *Capacity) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range c.Scenarios {
		fmt.Fprintf(tw, "%s %s: knee %s, file rate %s\n", passIcon(s.Pass), s.Name, s.KneeText(), s.FileRate)
		fmt.Fprintln(tw, "  rate\tachieved\tp50\tp95\tp99\terrors\t\t")
		for _, st := range curve(s.Steps) {
			note := strings.Join(st.Failures, "; ")
			if st.UnderDelivered && note == "" {
				note = "under-delivered"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", figRate(st.Rate), figRate(st.Achieved),
				figDuration(st.Latency.P50), figDuration(st.Latency.P95), figDuration(st.Latency.P99),
				figPercent(st.ErrorShare), passIcon(st.Pass), note)
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
func curve(steps []CapacityStep) []CapacityStep {
	out := slices.Clone(steps)
	slices.SortStableFunc(out, func(a, b CapacityStep) int { return cmp.Compare(a.Rate, b.Rate) })
	return out
}

// chartCapacity draws p95 latency against the requested rate, passing
// steps in green, failing ones in red, with the knee marked.
func chartCapacity(s *CapacityScenario) (string, error) {
	p := plot.New()
	p.Title.Text = s.Name + ": p95 latency by request rate"
	p.X.Label.Text = "requested rate (req/s)"
	var max time.Duration
	for _, st := range s.Steps {
		max = maxDur(max, st.Latency.P95)
	}
	unit, label := latencyUnit(max)
	p.Y.Label.Text = "p95 latency (" + label + ")"
	p.Y.Min, p.X.Min = 0, 0
	p.Add(plotter.NewGrid())
	var line, ok, bad plotter.XYs
	for _, st := range curve(s.Steps) {
		xy := plotter.XY{X: st.Rate, Y: float64(st.Latency.P95) / float64(unit)}
		line = append(line, xy)
		if st.Pass {
			ok = append(ok, xy)
		} else {
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
	if err := addScatter(p, ok, colorGood, draw.CircleGlyph{}, "meets criteria"); err != nil {
		return "", err
	}
	if err := addScatter(p, bad, colorError, draw.CrossGlyph{}, "fails"); err != nil {
		return "", err
	}
	if s.Knee > 0 {
		top := float64(max) / float64(unit)
		knee, err := plotter.NewLine(plotter.XYs{{X: s.Knee, Y: 0}, {X: s.Knee, Y: top}})
		if err != nil {
			return "", fmt.Errorf("capacity chart: %w", err)
		}
		knee.Color = colorWarn
		knee.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(knee)
		p.Legend.Add("knee "+figRate(s.Knee), knee)
	}
	p.Legend.Top = true
	p.Legend.Left = true
	return renderSVG(p)
}

var capacityTemplate = template.Must(template.New("capacity").Funcs(template.FuncMap{
	"dur":  figDuration,
	"pct":  figPercent,
	"rate": figRate,
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
{{range .Curve}}<tr><td class="n">{{rate .Rate}}</td><td class="n">{{rate .Achieved}}{{if .UnderDelivered}} ⚠{{end}}</td><td class="n">{{.Requests}}</td><td class="n">{{dur .Latency.P50}}</td><td class="n">{{dur .Latency.P95}}</td><td class="n">{{dur .Latency.P99}}</td><td class="n">{{pct .ErrorShare}}</td><td>{{icon .Pass}}</td><td>{{join .Failures}}{{if and .UnderDelivered (not .Failures)}}under-delivered{{end}}</td></tr>
{{end}}</table>
{{end}}
</body>
</html>
`))

// CapacityHTML writes c as one self-contained HTML page: per scenario the
// knee, a chart of p95 latency by rate (gonum/plot, inline SVG) and the
// curve as a table.
func CapacityHTML(w io.Writer, c *Capacity) error {
	type scenario struct {
		*CapacityScenario
		Chart template.HTML
		Curve []CapacityStep
	}
	data := struct {
		*Capacity
		Scenarios []scenario
	}{Capacity: c}
	for _, s := range c.Scenarios {
		svg, err := chartCapacity(s)
		if err != nil {
			return fmt.Errorf("scenario %s: %w", s.Name, err)
		}
		// The SVG is drawn from numbers and the scenario name, which the
		// SVG writer escapes, so it is safe to inline.
		data.Scenarios = append(data.Scenarios, scenario{CapacityScenario: s, Chart: template.HTML(svg), Curve: curve(s.Steps)})
	}
	if err := capacityTemplate.Execute(w, data); err != nil {
		return fmt.Errorf("render capacity html: %w", err)
	}
	return nil
}

package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"time"

	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
)

//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"dur":       figure.Duration,
	"pct":       figure.Share,
	"rate":      figure.Rate,
	"num":       figure.Float,
	"requested": figRequested,
	"status":    func(sc *model.Scenario) string { return figure.Codes(sc.StatusCodes) },
	"icon":      htmlIcon,
	"state":     func(sc *model.Scenario) template.HTML { return htmlStateIcon(scenarioState(sc)) },
	"crit":      func(c model.Criterion) template.HTML { return htmlStateIcon(criterionState(c)) },
	"cell":      cell,
	"pname":     func(p model.Percentile) string { return metrics.PercentileName(p.P) },
	"interval":  figure.Interval,
	"notes":     percentileNotes,
	"marked":    marked,
	"utc":       func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
	"add1":      func(i int) int { return i + 1 },
	"whyOf":     whyOf,
	// short is a statement shortened for a table cell; the cell unfolds
	// the whole of it.
	"short": func(q string) string { return oneLine(q, mdStatementWidth) },
}).Parse(htmlSource))

// htmlScenario is a scenario with its rendered charts.
type htmlScenario struct {
	*model.Scenario
	Charts []template.HTML
	Note   string // why a chart is missing or approximate
}

// HTML writes run as one self-contained HTML page: inline CSS, charts
// drawn by gonum/plot as inline SVG, no script and no network loads. For
// each scenario it shows latency over time, the latency distribution as a
// percentile curve, status codes, the criteria and the database figures.
// raw supplies the per-request results the charts need; when it is nil or
// fails for a scenario, the page says so and draws what the summary allows.
func HTML(w io.Writer, run *model.Run, raw RawSource) error {
	data := struct {
		*model.Run
		Headline  string
		Duration  time.Duration
		Scenarios []htmlScenario
	}{Run: run, Headline: headline(run), Duration: run.End.Sub(run.Start)}
	for _, sc := range run.Scenarios {
		hs, err := htmlCharts(sc, raw)
		if err != nil {
			return err
		}
		data.Scenarios = append(data.Scenarios, hs)
	}
	if err := htmlTemplate.Execute(w, data); err != nil {
		return fmt.Errorf("render html: %w", err)
	}
	return nil
}

func htmlCharts(sc *model.Scenario, raw RawSource) (htmlScenario, error) {
	hs := htmlScenario{Scenario: sc}
	var rs rawSeries
	if raw == nil {
		hs.Note = "Raw results were not available: latency over time is not drawn and the distribution uses the summary percentiles."
	} else {
		rs = newRawSeries(sc.Requests)
		if err := raw(sc, rs.add); err != nil {
			hs.Note = fmt.Sprintf("Raw results could not be read (%v): latency over time is not drawn and the distribution uses the summary percentiles.", err)
			rs = rawSeries{}
		}
	}
	// Every chart is drawn from values the page author controls (numbers
	// and the scenario name, which the SVG writer escapes), so it is safe
	// to inline.
	if len(rs.lats) > 0 {
		svg, err := chartLatencyOverTime(sc, &rs)
		if err != nil {
			return hs, fmt.Errorf("scenario %s: %w", sc.Name, err)
		}
		hs.Charts = append(hs.Charts, template.HTML(svg))
	}
	// The latency chart is drawn: the latencies are no longer needed in
	// time order, so they are sorted in place rather than copied.
	slices.Sort(rs.lats)
	svg, err := chartPercentiles(sc, rs.lats)
	if err != nil {
		return hs, fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	hs.Charts = append(hs.Charts, template.HTML(svg))
	if svg, err = chartStatus(sc); err != nil {
		return hs, fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	hs.Charts = append(hs.Charts, template.HTML(svg))
	return hs, nil
}

// marked says a run's table marks a figure: a percentile too few
// requests can judge, or one that rests on timed-out requests.
func marked(run *model.Run) bool {
	for _, sc := range run.Scenarios {
		for _, p := range sc.Percentiles {
			if p.N > 0 && (p.Bound == metrics.AtLeast || (p.P < 100 && p.TooFew())) {
				return true
			}
		}
	}
	return false
}

// htmlStateIcon marks a scenario's or a criterion's state: pass, fail
// (or cut short), inconclusive.
func htmlStateIcon(state string) template.HTML {
	if state == stateInconclusive {
		return `<span class="iq" title="inconclusive: too few requests to judge">?</span>`
	}
	return htmlIcon(state == figure.Pass)
}

// htmlIcon marks a verdict with a glyph that every font has (emoji need an
// emoji font, which a CI artifact viewer or a server may lack), coloured by
// the page's CSS.
func htmlIcon(pass bool) template.HTML {
	if pass {
		return `<span class="ok" title="pass">✓</span>`
	}
	return `<span class="ko" title="fail">✗</span>`
}

package compare

import (
	"fmt"
	"html/template"
	"io"

	"github.com/perfgate/perfgate/internal/figure"
)

var htmlTemplate = template.Must(template.New("compare").Funcs(template.FuncMap{
	"dur":     figure.Duration,
	"share":   figure.Share,
	"codes":   figure.Codes,
	"stmts":   figure.Optional,
	"icon":    htmlStatusIcon,
	"mark":    htmlPassMark,
	"name":    runName,
	"knee":    KneeText,
	"failure": failureCell,
	"rose":    roseCell,
	"status":  statusCell,
	"pcell":   pcell,
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>perfgate compare: {{name .Before "before"}} → {{name .After "after"}}: {{if .Pass}}pass{{else}}fail{{end}}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #1b1f23; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; margin-top: 2rem; }
.verdict { padding: .75rem 1rem; border-radius: 6px; font-weight: 600; }
.pass { background: #dafbe1; color: #116329; } .fail { background: #ffebe9; color: #a40e26; }
.ok { color: #1a7f37; font-weight: bold; } .ko { color: #cf222e; font-weight: bold; } .na { color: #6e7781; } .iq { color: #9a6700; font-weight: bold; }
.meta { color: #57606a; } .warn { background: #fff8c5; padding: .5rem 1rem; border-radius: 6px; }
.claim { border-left: 4px solid #d0d7de; padding: .25rem .75rem; }
table { border-collapse: collapse; margin: .75rem 0; font-size: .9rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; }
th { background: #f6f8fa; } td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.faster { color: #1a7f37; } td.slower { color: #cf222e; font-weight: bold; } td.inconclusive { color: #9a6700; }
sup { color: #57606a; } ol.notes { color: #57606a; font-size: .85rem; }
</style>
</head>
<body>
<h1>perfgate compare: {{name .Before "before"}} → {{name .After "after"}}</h1>
<p class="verdict {{if .Pass}}pass{{else}}fail{{end}}">{{if .Pass}}<span class="ok">✓</span>{{else}}<span class="ko">✗</span>{{end}} {{.Headline}}</p>
<p class="meta">before: {{.Before.Target}} at {{.Before.Start.UTC.Format "2006-01-02 15:04:05Z"}}{{if .Before.Interrupted}} (interrupted){{end}} · after: {{.After.Target}} at {{.After.Start.UTC.Format "2006-01-02 15:04:05Z"}}{{if .After.Interrupted}} (interrupted){{end}}</p>
{{with .Claim}}<p class="claim">{{.Text}}</p>{{end}}
{{if .Failures}}<p>The gate fails:</p><ul>{{range .Failures}}<li>{{.}}</li>{{end}}</ul>{{end}}
<h2>Success criteria (deployment checklist)</h2>
<table><tr><th></th><th>criterion</th><th>target</th><th>measured</th></tr>
{{range .Success}}<tr><td>{{icon .Status}}</td><td>{{.Name}}</td><td>{{.Target}}</td><td>{{.Measured}}</td></tr>
{{end}}</table>
{{template "functional" .}}{{range .Tables}}<h2>{{.Name}}</h2>
<table><tr><th></th><th>before (n={{.RequestsBefore}})</th><th>after (n={{.RequestsAfter}})</th><th>change</th><th>speed-up</th><th>outcome</th></tr>
{{range .Rows}}<tr><td>{{.Percentile}}</td><td class="n">{{.Before}}</td><td class="n">{{.After}}</td><td class="n">{{.Change}}</td><td class="n">{{.Speed}}</td><td class="{{.Class}}">{{.Outcome}}{{with .Refs}} <sup>{{.}}</sup>{{end}}</td></tr>
{{end}}{{with .ScenarioDiff}}<tr><td>failures</td><td class="n">{{failure .ErrorRateBefore .TimeoutsBefore}}</td><td class="n">{{failure .ErrorRateAfter .TimeoutsAfter}}</td><td>{{rose .}}</td><td></td><td></td></tr>
<tr><td>status</td><td>{{codes .StatusBefore}}</td><td>{{codes .StatusAfter}}</td><td colspan="3">{{status .}}</td></tr>
{{if or .StatementsBefore .StatementsAfter}}<tr><td>statements/request</td><td class="n">{{stmts .StatementsBefore}}</td><td class="n">{{stmts .StatementsAfter}}</td><td></td><td></td><td></td></tr>{{end}}
{{if .CapacityBefore}}<tr><td>capacity knee</td><td>{{knee .CapacityBefore}}</td><td>{{knee .CapacityAfter}}</td><td></td><td></td><td></td></tr>{{end}}
<tr><td>criteria</td><td>{{mark .PassBefore}}</td><td>{{mark .PassAfter}}</td><td></td><td></td><td></td></tr>
</table>
<p class="meta">Mann–Whitney U over every request: {{pcell .Significance}} (information only: each row is judged on its own interval){{end}}{{with .Refs}} · notes <sup>{{.}}</sup>{{end}}</p>
{{end}}{{with .Notes}}<h2>Notes</h2>
<ol class="notes">{{range .}}<li>{{.}}</li>{{end}}</ol>
{{end}}{{template "why" .}}{{template "saturation" .}}{{range .Warnings}}<p class="warn">⚠ {{.}}</p>
{{end}}</body>
</html>
`))

// htmlView is the comparison as the page shows it: rendered cells and
// numbered footnotes, in the order the text shows them.
type htmlView struct {
	*Result
	Tables []htmlTable
	Notes  []string
}

type htmlTable struct {
	*ScenarioDiff
	Rows []htmlRow
	Refs string
}

type htmlRow struct {
	Percentile, Before, After, Change, Speed, Outcome, Class, Refs string
}

// HTML writes the comparison as one self-contained page (inline CSS, no
// script, no network loads). Its one coloured verdict is the headline the
// command prints.
func HTML(w io.Writer, res *Result) error {
	v := htmlView{Result: res}
	var notes footnotes
	for _, d := range res.Scenarios {
		t := htmlTable{ScenarioDiff: d}
		for _, r := range d.Rows {
			b, a := valueCells(r)
			t.Rows = append(t.Rows, htmlRow{Percentile: r.Percentile, Before: b, After: a, Change: changeCell(r), Speed: speedCell(r),
				Outcome: outcomeCell(r), Class: r.Outcome.String(), Refs: notes.refs(rowNotes(r))})
			if !r.Judged {
				t.Rows[len(t.Rows)-1].Class = "na"
			}
		}
		t.Refs = notes.refs(d.Notes)
		v.Tables = append(v.Tables, t)
	}
	v.Notes = notes.list
	if err := htmlTemplate.Execute(w, v); err != nil {
		return fmt.Errorf("render compare html: %w", err)
	}
	return nil
}

// htmlStatusIcon marks a success criterion with a glyph every font has,
// coloured by the page's CSS (emoji need an emoji font).
func htmlStatusIcon(s string) template.HTML {
	switch s {
	case figure.Pass:
		return `<span class="ok" title="pass">✓</span>`
	case figure.Fail:
		return `<span class="ko" title="fail">✗</span>`
	case figure.Inconclusive:
		return `<span class="iq" title="inconclusive">?</span>`
	}
	return `<span class="na" title="not measured">–</span>`
}

// htmlPassMark marks a run's overall verdict on a scenario.
func htmlPassMark(pass bool) template.HTML {
	if pass {
		return htmlStatusIcon(figure.Pass)
	}
	return htmlStatusIcon(figure.Fail)
}

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
	"speedup": figure.Speedup,
	"delta":   delta,
	"pcell":   pcell,
	"codes":   figure.Codes,
	"stmts":   figure.Optional,
	"icon":    htmlStatusIcon,
	"mark":    htmlPassMark,
	"name":    runName,
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>perfgate compare: {{name .Before "before"}} → {{name .After "after"}}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #1b1f23; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; margin-top: 2rem; }
.verdict { padding: .75rem 1rem; border-radius: 6px; font-weight: 600; }
.pass { background: #dafbe1; color: #116329; } .fail { background: #ffebe9; color: #a40e26; }
.ok { color: #1a7f37; font-weight: bold; } .ko { color: #cf222e; font-weight: bold; } .na { color: #6e7781; }
.meta { color: #57606a; } .warn { background: #fff8c5; padding: .5rem 1rem; border-radius: 6px; }
table { border-collapse: collapse; margin: .75rem 0; font-size: .9rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; }
th { background: #f6f8fa; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
</style>
</head>
<body>
<h1>perfgate compare: {{name .Before "before"}} → {{name .After "after"}}</h1>
<p class="meta">before: {{.Before.Target}} at {{.Before.Start.UTC.Format "2006-01-02 15:04:05Z"}} · after: {{.After.Target}} at {{.After.Start.UTC.Format "2006-01-02 15:04:05Z"}}</p>
{{with .Claim}}<p class="verdict {{if .Reproduced}}pass{{else}}fail{{end}}">{{if .Reproduced}}<span class="ok">✓</span>{{else}}<span class="ko">✗</span>{{end}} {{.Text}}</p>{{end}}
<p class="verdict {{if .Pass}}pass{{else}}fail{{end}}">Gate: {{if .Pass}}pass{{else}}fail{{end}}</p>
{{if .Failures}}<ul>{{range .Failures}}<li>{{.}}</li>{{end}}</ul>{{end}}
<h2>Success criteria (deployment checklist)</h2>
<table><tr><th></th><th>criterion</th><th>target</th><th>measured</th></tr>
{{range .Success}}<tr><td>{{icon .Status}}</td><td>{{.Name}}</td><td>{{.Target}}</td><td>{{.Measured}}</td></tr>
{{end}}</table>
{{template "functional" .}}{{range .Scenarios}}<h2>{{.Name}}</h2>
<table><tr><th></th><th>before</th><th>after</th><th>change</th><th></th><th>speed-up</th></tr>
{{$s := .Significance}}{{range .Rows}}<tr><td>{{.Percentile}}</td><td class="n">{{dur .Before}}</td><td class="n">{{dur .After}}</td><td class="n">{{delta . $s}}</td><td>{{pcell $s}}</td><td class="n">{{speedup .Speedup}}</td></tr>
{{end}}<tr><td>error rate</td><td class="n">{{share .ErrorRateBefore}}</td><td class="n">{{share .ErrorRateAfter}}</td><td></td><td></td><td></td></tr>
<tr><td>status</td><td>{{codes .StatusBefore}}</td><td>{{codes .StatusAfter}}</td><td>{{if .StatusChanged}}behaviour change{{end}}</td><td></td><td></td></tr>
{{if or .StatementsBefore .StatementsAfter}}<tr><td>statements/request</td><td class="n">{{stmts .StatementsBefore}}</td><td class="n">{{stmts .StatementsAfter}}</td><td></td><td></td><td></td></tr>{{end}}
<tr><td>criteria</td><td>{{mark .PassBefore}}</td><td>{{mark .PassAfter}}</td><td></td><td></td><td></td></tr>
</table>
{{end}}{{template "why" .}}{{template "saturation" .}}{{range .Warnings}}<p class="warn">⚠ {{.}}</p>
{{end}}</body>
</html>
`))

// HTML writes the comparison as one self-contained page (inline CSS, no
// script, no network loads).
func HTML(w io.Writer, res *Result) error {
	if err := htmlTemplate.Execute(w, res); err != nil {
		return fmt.Errorf("render compare html: %w", err)
	}
	return nil
}

// htmlStatusIcon marks a success criterion with a glyph every font has,
// coloured by the page's CSS (emoji need an emoji font).
func htmlStatusIcon(s string) template.HTML {
	switch s {
	case "pass":
		return `<span class="ok" title="pass">✓</span>`
	case "fail":
		return `<span class="ko" title="fail">✗</span>`
	}
	return `<span class="na" title="not measured">–</span>`
}

// htmlPassMark marks a run's overall verdict on a scenario.
func htmlPassMark(pass bool) template.HTML {
	if pass {
		return htmlStatusIcon("pass")
	}
	return htmlStatusIcon("fail")
}

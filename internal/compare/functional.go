package compare

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/perfgate/perfgate/internal/equiv/diffreport"
	"github.com/perfgate/perfgate/internal/figure"
)

// functionalNotMeasured is what the functional block says without a diff
// result.
const functionalNotMeasured = "not measured: pass --diff DIR, the directory perfgate diff --out DIR wrote"

// functionalVerification fills the deployment checklist's "Functional
// Verification" block from what perfgate diff found (nil: not measured).
// A request that was not comparable (non-2xx from both versions) never
// counts as verified: it fails the rows it would have proven.
func functionalVerification(d *diffreport.Report) []SuccessCriterion {
	format := SuccessCriterion{Name: "Response format matches original", Target: "same JSON structure",
		Status: figure.NotMeasured, Measured: functionalNotMeasured}
	data := SuccessCriterion{Name: "Data accuracy", Target: "same counts and lists",
		Status: figure.NotMeasured, Measured: functionalNotMeasured}
	edges := SuccessCriterion{Name: "Edge cases", Target: "no users, no courses, multiple users/courses",
		Status: figure.NotMeasured, Measured: functionalNotMeasured}
	logs := SuccessCriterion{Name: "No new errors in logs", Target: "none",
		Status: figure.NotMeasured, Measured: "not measured: perfgate does not read the service's logs"}
	if d == nil {
		return []SuccessCriterion{format, data, edges, logs}
	}
	compared := d.Requests - d.NotComparable - d.ExpectedStatusChanges
	scope := fmt.Sprintf("%d from the scenario files, %d explored", d.ScenarioRequests, d.Explored)
	if d.Explored > 0 {
		scope += fmt.Sprintf(" with seed %d", d.Seed)
	}
	notComparable := ""
	if d.NotComparable > 0 {
		notComparable = fmt.Sprintf("; %s not comparable (non-2xx from both versions), so not verified", figure.Plural(d.NotComparable, "request"))
	}

	switch {
	case d.FormatDifferences > 0:
		format.Status = figure.Fail
		format.Measured = fmt.Sprintf("%s of structure (a key, a type or the status) in %d requests compared%s",
			figure.Plural(d.FormatDifferences, "difference"), compared, notComparable)
	case compared > 0:
		format.Status = figure.State(d.NotComparable == 0)
		format.Measured = fmt.Sprintf("same keys, types and statuses on %s (%s)%s", figure.Plural(compared, "request"), scope, notComparable)
	default:
		format.Measured = "not measured: no request was compared" + notComparable
	}

	switch {
	case d.Different > 0:
		data.Status = figure.Fail
		var kinds []string
		for _, k := range d.Kinds {
			kinds = append(kinds, fmt.Sprintf("%s %d", k.Kind, k.Differences))
		}
		data.Measured = fmt.Sprintf("%d of %d requests answered differently: %s (%s)%s",
			d.Different, compared, figure.Plural(d.Differences, "difference"), strings.Join(kinds, ", "), notComparable)
	case compared > 0:
		data.Status = figure.State(d.NotComparable == 0)
		data.Measured = fmt.Sprintf("same answers to %s (%s)%s; %s", figure.Plural(compared, "request"), scope, notComparable, normalised(d))
	default:
		data.Measured = "not measured: no request was compared" + notComparable
	}

	var parts []string
	failed, missing := false, false
	for _, e := range d.EdgeCases {
		alike := e.Requests - e.Different - e.NotComparable - e.ExpectedStatusChanges
		switch {
		case e.Different+e.NotComparable > 0:
			failed = true
			parts = append(parts, fmt.Sprintf("%s: %d of %d requests differ or are not comparable", e.Name, e.Different+e.NotComparable, e.Requests))
		case alike == 0:
			missing = true
			parts = append(parts, fmt.Sprintf("%s: not compared", e.Name))
		default:
			p := fmt.Sprintf("%s: %d alike", e.Name, alike)
			if e.ExpectedStatusChanges > 0 {
				p += fmt.Sprintf(" (+%d expected status change)", e.ExpectedStatusChanges)
			}
			parts = append(parts, p)
		}
	}
	edges.Measured = strings.Join(parts, "; ")
	switch {
	case failed:
		edges.Status = figure.Fail
	case missing || len(d.EdgeCases) == 0:
		edges.Status = figure.NotMeasured
	default:
		edges.Status = figure.Pass
	}
	return []SuccessCriterion{format, data, edges, logs}
}

// normalised says which normalisations qualify "same answers".
func normalised(d *diffreport.Report) string {
	if len(d.Normalisations) == 0 {
		return "nothing normalised"
	}
	var ns []string
	for _, n := range d.Normalisations {
		ns = append(ns, n.Kind+" "+n.Path)
	}
	return "normalised, hiding any difference there: " + strings.Join(ns, ", ")
}

// functionalFailures are the gate's failures from a diff result.
func functionalFailures(d *diffreport.Report) []string {
	if d == nil || (d.Different == 0 && d.NotComparable == 0) {
		return nil
	}
	return []string{fmt.Sprintf("diff: %d of %d requests answered differently (%s), %d not comparable",
		d.Different, d.Requests, figure.Plural(d.Differences, "difference"), d.NotComparable)}
}

// functionalText writes the block for a terminal.
func functionalText(w io.Writer, res *Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "\nFunctional verification (deployment checklist)\n")
	for _, c := range res.Functional {
		fmt.Fprintf(tw, "  %s %s\t%s\t%s\n", figure.Mark(c.Status), c.Name, c.Target, c.Measured)
	}
	return tw.Flush()
}

// functionalMarkdown writes the block as a Markdown table with p.
func functionalMarkdown(p func(format string, args ...any), res *Result) {
	p("### Functional verification (deployment checklist)\n\n| | check | target | measured |\n|---|---|---|---|\n")
	for _, c := range res.Functional {
		p("| %s | %s | %s | %s |\n", figure.Mark(c.Status), md(c.Name), md(c.Target), md(c.Measured))
	}
	p("\n")
}

// The block in the HTML page, called from htmlTemplate.
var _ = template.Must(htmlTemplate.New("functional").Parse(`<h2>Functional verification (deployment checklist)</h2>
<table><tr><th></th><th>check</th><th>target</th><th>measured</th></tr>
{{range .Functional}}<tr><td>{{icon .Status}}</td><td>{{.Name}}</td><td>{{.Target}}</td><td>{{.Measured}}</td></tr>
{{end}}</table>
`))

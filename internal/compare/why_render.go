package compare

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/sysinfo"
)

// indexCell is one side of an index's use: "scans · tuples read · tuples
// fetched" per request, its state when it is not there, "n/a" without
// probe figures, "–" for an index the run did not use or have.
func indexCell(u *pgenv.IndexUsage, probed bool) string {
	switch {
	case !probed:
		return "n/a"
	case u == nil:
		return "–"
	case !u.Present:
		return u.Status
	}
	s := figure.Float(u.Scans) + " · " + figure.Float(u.TuplesRead) + " · " + figure.Float(u.TuplesFetched)
	if u.Spec != "" && u.Name != u.Spec {
		s += " (as " + u.Name + ")"
	}
	if u.PlannerProbes {
		s += " (planner)"
	}
	return s
}

func optDuration(d *time.Duration) string {
	if d == nil {
		return "n/a"
	}
	return figure.Duration(*d)
}

func optBytes(n *int64) string {
	if n == nil {
		return "n/a"
	}
	return sysinfo.BytesText(*n)
}

func optInt[T int | int64](n *T) string {
	if n == nil {
		return "n/a"
	}
	return fmt.Sprint(*n)
}

// whyRow is one before/after line of a scenario's explanation.
type whyRow struct{ Label, Before, After string }

// rows lays out a scenario's explanation as before/after lines: the
// indexes (the seven always, others when used), then the resources.
func (sw *ScenarioWhy) rows(probedBefore, probedAfter bool) []whyRow {
	var out []whyRow
	for _, c := range sw.Indexes {
		out = append(out, whyRow{c.Index, indexCell(c.Before, probedBefore), indexCell(c.After, probedAfter)})
	}
	if sw.DBTimeBefore != nil || sw.DBTimeAfter != nil {
		out = append(out, whyRow{"db time/request", optDuration(sw.DBTimeBefore), optDuration(sw.DBTimeAfter)})
	}
	if sw.MaxActiveBefore != nil || sw.MaxActiveAfter != nil {
		out = append(out, whyRow{"db active connections (max)", optInt(sw.MaxActiveBefore), optInt(sw.MaxActiveAfter)})
	}
	if (sw.TempFilesBefore != nil && *sw.TempFilesBefore > 0) || (sw.TempFilesAfter != nil && *sw.TempFilesAfter > 0) {
		out = append(out, whyRow{"db temp files", optInt(sw.TempFilesBefore), optInt(sw.TempFilesAfter)})
	}
	if sw.CPUBefore != nil || sw.CPUAfter != nil {
		out = append(out, whyRow{"service CPU/request", optDuration(sw.CPUBefore), optDuration(sw.CPUAfter)},
			whyRow{"service peak RSS", optBytes(sw.PeakRSSBefore), optBytes(sw.PeakRSSAfter)})
	}
	return out
}

// lines are a scenario's explanation in sentences: unused indexes, plan
// changes (or why there are none) and the notes.
func (sw *ScenarioWhy) lines() []string {
	var out []string
	if len(sw.UnusedAfter) > 0 {
		out = append(out, "unused after: "+strings.Join(sw.UnusedAfter, ", "))
	}
	for _, c := range sw.PlanChanges {
		out = append(out, "plan: "+c.String())
	}
	if sw.PlansNote != "" {
		out = append(out, "plans: "+sw.PlansNote)
	}
	for _, n := range sw.Notes {
		out = append(out, "note: "+n)
	}
	return out
}

// probed says whether a side of a scenario has index figures.
func (sw *ScenarioWhy) probed() (before, after bool) {
	for _, c := range sw.Indexes {
		before = before || c.Before != nil
		after = after || c.After != nil
	}
	return before, after
}

// captureText says how a run captured plans, in a few words.
func captureText(c *model.PlanCapture) string {
	switch {
	case c == nil:
		return "not recorded"
	case c.Mode == model.PlanCapturePass:
		return fmt.Sprintf("plan pass (%d request(s) per scenario after its measured load; the measured requests ran without capture)", c.PassRequests)
	case c.Mode == model.PlanCaptureLoad:
		return "during the measured load (its latencies include auto_explain's cost)"
	}
	return "off"
}

// capturePair says how both runs captured plans, once when alike.
func capturePair(why *Why) string {
	b, a := captureText(why.PlansBefore), captureText(why.PlansAfter)
	if b == a {
		return "both runs: " + b
	}
	return "before " + b + "; after " + a
}

const indexLegend = "index use per request: scans · tuples read · tuples fetched (pg_stat_user_indexes); (planner): the planner's reads of the index's end values, no plan scans it"

// textWhy writes the comparison's explanation for a terminal.
func textWhy(w io.Writer, res *Result) error {
	why := res.Why
	if why == nil {
		return nil
	}
	if len(why.Scenarios) > 0 {
		fmt.Fprintf(w, "\nWhy: what the database and the service did")
		if hasIndexes(why) {
			fmt.Fprintf(w, " (%s)", indexLegend)
		}
		fmt.Fprintln(w)
	}
	for _, sw := range why.Scenarios {
		pb, pa := sw.probed()
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "\n%s: why\tbefore\tafter\n", sw.Name)
		for _, r := range sw.rows(pb, pa) {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", r.Label, r.Before, r.After)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, l := range sw.lines() {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
	fmt.Fprintln(w)
	if why.PlansBefore != nil || why.PlansAfter != nil {
		fmt.Fprintf(w, "plans: %s\n", capturePair(why))
	}
	return textEnvironment(w, why)
}

func hasIndexes(why *Why) bool {
	for _, sw := range why.Scenarios {
		if len(sw.Indexes) > 0 {
			return true
		}
	}
	return false
}

func textEnvironment(w io.Writer, why *Why) error {
	switch {
	case why.EnvironmentNote != "":
		_, err := fmt.Fprintf(w, "environment: %s\n", why.EnvironmentNote)
		return err
	case len(why.Environment) == 0:
		_, err := fmt.Fprintf(w, "environment: no difference (host, Go, OS, CPUs, load at start; database version, plan settings, data, indexes)\n")
		return err
	}
	fmt.Fprintf(w, "environment: %s\n", figure.Plural(len(why.Environment), "difference"))
	for _, d := range why.Environment {
		mark := " "
		if d.Explains {
			mark = "!"
		}
		fmt.Fprintf(w, "  %s %s\n", mark, d)
	}
	return nil
}

// markdownWhy writes the comparison's explanation as Markdown.
func markdownWhy(w io.Writer, res *Result) {
	why := res.Why
	if why == nil {
		return
	}
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("### Why\n\n")
	for _, sw := range why.Scenarios {
		pb, pa := sw.probed()
		p("#### %s\n\n| | before | after |\n|---|--:|--:|\n", md(sw.Name))
		for _, r := range sw.rows(pb, pa) {
			p("| %s | %s | %s |\n", md(r.Label), md(r.Before), md(r.After))
		}
		p("\n")
		for _, l := range sw.lines() {
			p("- %s\n", md(l))
		}
		if len(sw.lines()) > 0 {
			p("\n")
		}
	}
	if hasIndexes(why) {
		p("_%s._\n\n", md(indexLegend))
	}
	if why.PlansBefore != nil || why.PlansAfter != nil {
		p("Plans: %s.\n\n", md(capturePair(why)))
	}
	switch {
	case why.EnvironmentNote != "":
		p("Environment: %s.\n\n", md(why.EnvironmentNote))
	case len(why.Environment) == 0:
		p("Environment: no difference.\n\n")
	default:
		p("| environment | before | after | |\n|---|---|---|---|\n")
		for _, d := range why.Environment {
			flag := ""
			if d.Explains {
				flag = "⚠️ could explain the result: " + d.Why
			}
			p("| %s | %s | %s | %s |\n", md(d.What), md(orDash(d.Before)), md(orDash(d.After)), md(flag))
		}
		p("\n")
	}
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// whyHTML is the explanation's block of compare.html, included by the
// page's template as {{template "why" .}}.
const whyHTML = `{{with .Why}}<h2>Why</h2>
{{range .Scenarios}}{{$p := probedPair .}}<h3>{{.Name}}</h3>
<table><tr><th></th><th>before</th><th>after</th></tr>
{{range whyRows . $p}}<tr><td>{{.Label}}</td><td class="n">{{.Before}}</td><td class="n">{{.After}}</td></tr>
{{end}}</table>
{{with whyLines .}}<ul>{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{end}}{{if hasIndexes .}}<p class="meta">{{legend}}</p>{{end}}
{{if or .PlansBefore .PlansAfter}}<p>Plans: {{capturePair .}}.</p>{{end}}
{{if .EnvironmentNote}}<p>Environment: {{.EnvironmentNote}}.</p>{{else if not .Environment}}<p>Environment: no difference.</p>{{else}}<table><tr><th>environment</th><th>before</th><th>after</th><th></th></tr>
{{range .Environment}}<tr><td>{{.What}}</td><td>{{dash .Before}}</td><td>{{dash .After}}</td><td>{{if .Explains}}<span class="ko">⚠</span> could explain the result: {{.Why}}{{end}}</td></tr>
{{end}}</table>{{end}}
{{end}}`

var _ = template.Must(htmlTemplate.New("why").Funcs(template.FuncMap{
	"probedPair":  func(sw *ScenarioWhy) [2]bool { b, a := sw.probed(); return [2]bool{b, a} },
	"whyRows":     func(sw *ScenarioWhy, p [2]bool) []whyRow { return sw.rows(p[0], p[1]) },
	"whyLines":    (*ScenarioWhy).lines,
	"hasIndexes":  hasIndexes,
	"legend":      func() string { return indexLegend },
	"capturePair": capturePair,
	"dash":        orDash,
}).Parse(whyHTML))

package report

import (
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/model"
)

// The schedule block of every format: where a scenario's requests waited
// to be sent (its latency from the intended send times differs materially
// from the service latency, model.Scenario.CorrectedDiffers), both are
// shown and the reader is told why they differ and which one the
// criteria judged. Nothing is added where they agree.

// scheduleWhy is the explanation every format gives, in prose.
func scheduleWhy(sc *model.Scenario) string {
	basis := "the latency criteria judge the latency from the intended send times (--latency-from intended)"
	if sc.Expect != nil && sc.Expect.LatencyFrom == model.LatencyFromSent {
		basis = "the latency criteria judge the service latency (--latency-from sent)"
	}
	return fmt.Sprintf("requests waited to be sent (schedule lag p50 %s, p99 %s, max %s): "+
		"the service latency starts when a request was sent and hides that wait; "+
		"measured from when it was due, the latency is what a user arriving on schedule waited (coordinated omission corrected); %s",
		figure.Duration(sc.Lag.P50), figure.Duration(sc.Lag.P99), figure.Duration(sc.Lag.Max), basis)
}

// scheduleRows are the percentiles of both latencies, for the tables.
func scheduleRows(sc *model.Scenario) [][3]string {
	var out [][3]string
	for _, stat := range []string{"p50", "p90", "p95", "p99", "max"} {
		s, _ := sc.Latency.Stat(stat)
		c, _ := sc.Corrected.Stat(stat)
		out = append(out, [3]string{stat, figure.Duration(s), figure.Duration(c)})
	}
	return out
}

// scheduleText is the text report's note on sc, if any.
func scheduleText(sc *model.Scenario) []string {
	if !sc.CorrectedDiffers() || sc.Lag == nil {
		return nil
	}
	var parts []string
	for _, r := range scheduleRows(sc) {
		parts = append(parts, fmt.Sprintf("%s %s (service %s)", r[0], r[2], r[1]))
	}
	return []string{
		fmt.Sprintf("lag  %s: from the intended send times %s", sc.Name, strings.Join(parts, ", ")),
		fmt.Sprintf("lag  %s: %s", sc.Name, scheduleWhy(sc)),
	}
}

// markdownSchedule writes the Markdown block of sc, if any.
func markdownSchedule(w io.Writer, sc *model.Scenario) {
	if !sc.CorrectedDiffers() || sc.Lag == nil {
		return
	}
	fmt.Fprintf(w, "| latency | service (from send) | from the intended send time |\n|---|--:|--:|\n")
	for _, r := range scheduleRows(sc) {
		fmt.Fprintf(w, "| %s | %s | %s |\n", r[0], r[1], r[2])
	}
	fmt.Fprintf(w, "\n> ⏱️ %s.\n\n", mdText(scheduleWhy(sc)))
}

// junitSchedule are sc's properties of the schedule: the latency from the
// intended send times and the lag, whenever the scenario was paced.
func junitSchedule(sc *model.Scenario) []junitProp {
	if sc.Corrected == nil || sc.Lag == nil {
		return nil
	}
	return []junitProp{
		{"latency_from_intended.p50", figure.Duration(sc.Corrected.P50)},
		{"latency_from_intended.p95", figure.Duration(sc.Corrected.P95)},
		{"latency_from_intended.p99", figure.Duration(sc.Corrected.P99)},
		{"schedule_lag.p99", figure.Duration(sc.Lag.P99)},
		{"schedule_lag.max", figure.Duration(sc.Lag.Max)},
	}
}

// The HTML block, used by html.tmpl as {{template "schedule" .Scenario}}.
var _ = template.Must(htmlTemplate.New("schedule").Funcs(template.FuncMap{
	"scheduleRows": scheduleRows,
	"scheduleWhy":  scheduleWhy,
}).Parse(`{{if and .CorrectedDiffers .Lag}}<h3>Latency from the intended send times</h3>
<table><tr><th>latency</th><th>service (from send)</th><th>from the intended send time</th></tr>
{{range scheduleRows .}}<tr><td>{{index . 0}}</td><td class="n">{{index . 1}}</td><td class="n">{{index . 2}}</td></tr>
{{end}}</table>
<p class="warn">⏱ {{scheduleWhy .}}.</p>
{{end}}`))

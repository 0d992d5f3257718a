package compare

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/model"
)

// SaturatedCompletion: a side whose service completed fewer than 90 % of
// the requests per second it was sent, in the steady middle of the run,
// had a queue that grew. Looser than the 99 % of the achieved rate,
// because the answers crossing the window's edges move this figure by a
// few per cent on short runs (metrics.Flow).
const SaturatedCompletion = 0.90

// Saturation is a scenario whose before or after run was saturated: its
// load outran perfgate's workers or the service, so its latencies include
// time spent waiting in a queue, and a speed-up computed from them is
// inflated by that wait (or deflated, on the after side). It gives the
// reasons and the speed-up at p50 twice: with the queueing and on service
// time.
type Saturation struct {
	Scenario string `json:"scenario"`
	// Before and After are the reasons each side was saturated; empty for
	// a side that was not.
	Before []string `json:"before,omitempty"`
	After  []string `json:"after,omitempty"`
	// Queued is the p50 speed-up of the latency from the intended send
	// times: every wait included, what users on schedule saw.
	Queued float64 `json:"queued_speedup"`
	// Service is the speed-up of the service time, the queueing removed
	// as far as the runs allow (Method says how); ServiceBefore and
	// ServiceAfter are the two figures it divides.
	Service       float64       `json:"service_speedup"`
	ServiceBefore time.Duration `json:"service_before"`
	ServiceAfter  time.Duration `json:"service_after"`
	Method        string        `json:"method"`
}

// Methods of the service-time speed-up (Saturation.Method).
const (
	// ServiceFromSend: the queue was perfgate's (every worker busy, or
	// requests sent late): the p50 of the latency from each request's
	// actual send excludes it.
	ServiceFromSend = "p50 from the actual send: the wait for a worker removed"
	// ServiceFastest: the queue was the service's, which the client sees
	// only as longer latencies; the fastest request of each side met an
	// empty queue (the first ones of a run do), an estimate of one request
	// at a time.
	ServiceFastest = "fastest request against fastest request: each met an empty queue, an estimate of one request at a time"
)

// saturation finds the scenarios in res whose before or after run was
// saturated, adds a warning for each, and returns them.
func saturation(res *Result, before, after *model.Run) []Saturation {
	var out []Saturation
	for _, d := range res.Scenarios {
		b, a := findScenario(before, d.Name), findScenario(after, d.Name)
		if b == nil || a == nil {
			continue
		}
		s := Saturation{Scenario: d.Name, Before: saturatedBy(b), After: saturatedBy(a)}
		if len(s.Before) == 0 && len(s.After) == 0 {
			continue
		}
		s.Queued = speedup(queued(b), queued(a))
		s.Method = ServiceFromSend
		s.ServiceBefore, s.ServiceAfter = b.Latency.P50, a.Latency.P50
		if serviceQueued(b) || serviceQueued(a) {
			s.Method = ServiceFastest
			s.ServiceBefore, s.ServiceAfter = b.Latency.Min, a.Latency.Min
		}
		s.Service = speedup(s.ServiceBefore, s.ServiceAfter)
		var sides []string
		for _, side := range []struct {
			name    string
			reasons []string
		}{{"before", s.Before}, {"after", s.After}} {
			if len(side.reasons) > 0 {
				sides = append(sides, fmt.Sprintf("the %s run was saturated (%s)", side.name, strings.Join(side.reasons, "; ")))
			}
		}
		res.Warnings = append(res.Warnings, fmt.Sprintf("scenario %s: %s: its latencies include time waiting in a queue; p50 speed-up %s with the queueing, %s on service time (%s)",
			d.Name, strings.Join(sides, ", and "), figure.Speedup(s.Queued), figure.Speedup(s.Service), s.Method))
		out = append(out, s)
	}
	return out
}

// saturatedBy gives the reasons a paced scenario's run was saturated; none
// at rate max, whose workers are always all busy by design.
func saturatedBy(sc *model.Scenario) []string {
	if sc.RequestedRate <= 0 {
		return nil
	}
	var why []string
	if sc.UnderDelivered {
		w := fmt.Sprintf("sent %s of the %s asked", figure.Rate(sc.AchievedRate), figure.Rate(sc.RequestedRate))
		if sc.Lag != nil {
			w += ", schedule lag p99 " + figure.Duration(sc.Lag.P99)
		}
		why = append(why, w)
	}
	if s := sc.Saturation; s.WorkersBusy() {
		why = append(why, fmt.Sprintf("all %d workers (--max-workers) busy at once", s.MaxWorkers))
	}
	if serviceQueued(sc) {
		why = append(why, fmt.Sprintf("the service completed %s while sent %s: its queue grew",
			figure.Rate(sc.Saturation.Completed), figure.Rate(sc.Saturation.Sent)))
	}
	return why
}

// serviceQueued says the service completed materially fewer requests per
// second than it was sent (SaturatedCompletion).
func serviceQueued(sc *model.Scenario) bool {
	s := sc.Saturation
	return sc.RequestedRate > 0 && s != nil && s.Sent > 0 && s.Completed < SaturatedCompletion*s.Sent
}

// queued is a side's p50 with every wait included: from the intended send
// times where the run recorded them.
func queued(sc *model.Scenario) time.Duration {
	if sc.Corrected != nil {
		return sc.Corrected.P50
	}
	return sc.Latency.P50
}

func speedup(before, after time.Duration) float64 {
	if after <= 0 {
		return 0
	}
	return float64(before) / float64(after)
}

func findScenario(r *model.Run, name string) *model.Scenario {
	for _, sc := range r.Scenarios {
		if sc.Name == name {
			return sc
		}
	}
	return nil
}

// saturationLines are the block's lines in prose, for text and Markdown.
func (s Saturation) lines() []string {
	var out []string
	for _, side := range []struct {
		name    string
		reasons []string
	}{{"before", s.Before}, {"after", s.After}} {
		if len(side.reasons) > 0 {
			out = append(out, fmt.Sprintf("%s saturated: %s", side.name, strings.Join(side.reasons, "; ")))
		}
	}
	out = append(out,
		fmt.Sprintf("p50 speed-up with the queueing (from the intended send times): %s", figure.Speedup(s.Queued)),
		fmt.Sprintf("p50 speed-up on service time: %s (%s → %s; %s)", figure.Speedup(s.Service),
			figure.Duration(s.ServiceBefore), figure.Duration(s.ServiceAfter), s.Method))
	return out
}

// saturationText writes the text block: nothing when neither side of any
// scenario was saturated.
func saturationText(w io.Writer, res *Result) {
	if len(res.Saturation) == 0 {
		return
	}
	fmt.Fprintf(w, "\nSaturation: the queueing inflates these speed-ups\n")
	for _, s := range res.Saturation {
		fmt.Fprintf(w, "  %s\n", s.Scenario)
		for _, l := range s.lines() {
			fmt.Fprintf(w, "    %s\n", l)
		}
	}
}

// markdownSaturation writes the Markdown block.
func markdownSaturation(w io.Writer, res *Result) {
	if len(res.Saturation) == 0 {
		return
	}
	fmt.Fprintf(w, "### ⚠️ Saturation: the queueing inflates these speed-ups\n\n")
	for _, s := range res.Saturation {
		fmt.Fprintf(w, "**%s**\n\n", md(s.Scenario))
		for _, l := range s.lines() {
			fmt.Fprintf(w, "- %s\n", md(l))
		}
		fmt.Fprintln(w)
	}
}

// The HTML block, included by compare.html as {{template "saturation" .}}.
var _ = template.Must(htmlTemplate.New("saturation").Funcs(template.FuncMap{
	"saturationLines": Saturation.lines,
}).Parse(`{{with .Saturation}}<h2>Saturation: the queueing inflates these speed-ups</h2>
{{range .}}<h3>{{.Scenario}}</h3>
<ul>{{range saturationLines .}}<li>{{.}}</li>{{end}}</ul>
{{end}}{{end}}`))

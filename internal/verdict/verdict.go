package verdict

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/mathext"

	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
)

// Input is what a scenario's criteria are judged on.
type Input struct {
	Summary metrics.Summary
	// Sample is every latency of the summary, sorted, with the timed-out
	// requests counted (metrics.Sample): a criterion on a percentile is
	// judged on its interval, read from it.
	Sample metrics.Sample
	Checks []model.Check
	// DB holds the probe's figures; nil when the run had no --db-probe.
	DB *model.DB
	// Requested is the rate asked for, in requests per second: a paced
	// scenario gets a "delivery" criterion (delivery.go). 0 (rate max, or
	// a caller that judges delivery itself) adds none. Saturation, when
	// set, lets its message say whether every worker was busy.
	Requested float64
	// Duration is how long the paced load was scheduled for (0: unknown,
	// then the achieved rate is judged).
	Duration   time.Duration
	Saturation *model.Saturation
	// Prefix is the --set Prefix the request's path was rendered with, ""
	// when the path does not use it: a 404 on every request names it.
	Prefix string
	// AllowInconclusive lets a criterion the sample is too small to judge
	// pass, marked inconclusive, instead of failing.
	AllowInconclusive bool
}

// Evaluate judges every criterion of exp and returns them in a stable
// order: status, errors, latency (file order), checks, db, delivery. The
// latency criteria are judged on the latency from the intended send
// times unless exp.LatencyFrom says "sent" (see model.LatencyFromIntended
// for why).
func Evaluate(exp model.Expect, in Input) []model.Criterion {
	s := in.Summary
	var out []model.Criterion
	n := s.Requests

	// Status: responses with another status than expected. Transport errors
	// have no status; they count in the errors criterion.
	var wrong int64
	var wrongCodes []uint16
	for code, k := range s.Codes {
		if code != 0 && int(code) != exp.Status {
			wrong += k
			wrongCodes = append(wrongCodes, code)
		}
	}
	slices.SortFunc(wrongCodes, func(a, b uint16) int { return int(s.Codes[b]) - int(s.Codes[a]) })
	st := model.Criterion{
		Name:     "status",
		Want:     strconv.Itoa(exp.Status),
		Observed: fmt.Sprintf("%d on %d/%d", exp.Status, s.Codes[uint16(exp.Status)], n),
		Pass:     n > 0 && share(wrong, n) <= exp.Errors,
	}
	if n == 0 {
		st.Message = "no requests were sent"
	} else if !st.Pass {
		var parts []string
		for _, c := range wrongCodes {
			parts = append(parts, fmt.Sprintf("%d on %d/%d", c, s.Codes[c], n))
		}
		st.Message = fmt.Sprintf("status %s requests (want %d)", strings.Join(parts, ", "), exp.Status)
		if s.Codes[http.StatusNotFound] == n {
			st.Message += "; " + notFoundHint(in.Prefix)
		}
	}
	out = append(out, st)

	// Errors: transport errors and wrong statuses together.
	failed := wrong + s.Codes[0]
	errShare := share(failed, n)
	ec := model.Criterion{
		Name:     "errors",
		Want:     "<= " + figure.Share(exp.Errors),
		Observed: fmt.Sprintf("%s (%d/%d)", figure.Share(errShare), failed, n),
		Pass:     n > 0 && errShare <= exp.Errors,
	}
	if !ec.Pass && n > 0 {
		ec.Message = fmt.Sprintf("errors %s (%d/%d) > %s", figure.Share(errShare), failed, n, figure.Share(exp.Errors))
		if k := s.Codes[0]; k > 0 && len(s.Errors) > 0 {
			ec.Message += fmt.Sprintf("; %d without a response, most often: %s", k, s.Errors[0].Error)
		}
	} else if n == 0 {
		ec.Message = "no requests were sent"
	}
	out = append(out, ec)

	for _, l := range exp.Latency {
		out = append(out, latencyCriterion(exp, l, in))
	}

	for _, ch := range in.Checks {
		total := ch.Passed + ch.Failed
		c := model.Criterion{
			Name:     "check:" + ch.Name,
			Want:     "true on every response",
			Observed: fmt.Sprintf("true on %d/%d", ch.Passed, total),
			Pass:     ch.Failed == 0 && total > 0,
		}
		switch {
		case total == 0:
			c.Message = fmt.Sprintf("check %q never ran: no response arrived", ch.Name)
		case ch.Failed > 0:
			reason := ""
			if len(ch.Failures) > 0 {
				reason = ch.Failures[0]
				if i := strings.Index(reason, ": "); i >= 0 {
					reason = reason[:i]
				}
			}
			c.Message = fmt.Sprintf("check %q failed on %d/%d: %s", ch.Name, ch.Failed, total, reason)
		}
		out = append(out, c)
	}

	for _, l := range exp.DB {
		c := model.Criterion{Name: "db." + l.Figure, Want: "<= " + figure.Float(l.Max)}
		got, ok := dbFigure(in.DB, l.Figure)
		switch {
		case in.DB == nil:
			// Without a probe there is nothing to judge; say so rather than
			// pass silently or fail a run that never asked for a probe.
			c.Observed, c.Pass = "not measured", true
			c.Message = "not measured: run with --db-probe DSN to judge it"
		case !ok:
			c.Observed, c.Pass = "not available", false
			c.Message = fmt.Sprintf("db.%s not available: enable pg_stat_statements on the probed database", l.Figure)
		default:
			c.Observed, c.Pass = figure.Float(got), got <= l.Max
			if !c.Pass {
				c.Message = fmt.Sprintf("db.%s %s > %s", l.Figure, figure.Float(got), figure.Float(l.Max))
			}
		}
		out = append(out, c)
	}
	return append(out, delivery(exp, in)...)
}

// notFoundHint says what to check when every answer was 404: the path
// is wrong far more often than the service, and the prefix is the part of
// it a user sets (the service's /v1/tracking against the gateway's
// /tracking/v1).
func notFoundHint(prefix string) string {
	if prefix == "" {
		return "every answer was 404 Not Found: check the scenario's path and --target"
	}
	return fmt.Sprintf("every answer was 404 Not Found: check --set Prefix (now %s) and --target", prefix)
}

// latencyCriterion judges "stat <= limit". A percentile (p50 … p99) is
// judged only when the run holds enough requests for it
// (metrics.MinSamples): it passes when its value is at or below the limit
// and fails when above. With fewer requests it is inconclusive, unless
// the requests over the limit already prove it exceeded (beyond): two
// requests of 5 s put the p95 above 3 s whatever the next request takes,
// since a p95 at or below 3 s makes both that slow with a chance of 1 in
// 400. min, mean and max are facts about the requests
// sent, judged as observed, except that timed-out requests make mean and
// max lower bounds.
func latencyCriterion(exp model.Expect, l model.LatencyLimit, in Input) model.Criterion {
	s := in.Summary
	// from says when the figure is the latency from the intended send
	// times and differs from the service's; in.Sample is then of those.
	got, from := judgedLatency(exp, s, l.Stat)
	c := model.Criterion{Name: l.Stat, Want: "<= " + figure.Duration(l.Max), Observed: figure.Duration(got) + from}
	if s.Requests == 0 {
		c.Observed, c.Message = "none", fmt.Sprintf("%s not measured: no requests were sent", l.Stat)
		return c
	}
	inconclusive := func(why string) model.Criterion {
		c.Inconclusive, c.Pass = true, in.AllowInconclusive
		c.Message = fmt.Sprintf("%s inconclusive: %s", l.Stat, why)
		return c
	}
	p, ok := percentileOf(l.Stat)
	if !ok {
		timedOut := in.Sample.Censored > 0 && l.Stat != "min"
		if timedOut {
			c.Observed = "≥ " + c.Observed
		}
		switch {
		case got > l.Max:
			c.Message = fmt.Sprintf("%s %s > %s", l.Stat, c.Observed, figure.Duration(l.Max))
		case timedOut:
			return inconclusive(fmt.Sprintf("%d of %d requests timed out, so the %s is only a lower bound", in.Sample.Censored, s.Requests, l.Stat))
		default:
			c.Pass = true
		}
		return c
	}
	pc := metrics.PercentileOf(in.Sample, p)
	c.Observed = fmt.Sprintf("%s %s n=%d%s", figure.Bounded(pc), figure.Interval(pc), pc.N, from)
	above, chance := beyond(in.Sample, p, l.Max)
	switch {
	case pc.TooFew() && chance <= (1-pc.Confidence)/2:
		c.Message = fmt.Sprintf("%s %s%s > %s: %d of %d requests took longer than %s, which a %s at or below it gives with a chance of %s",
			l.Stat, figure.Bounded(pc), from, figure.Duration(l.Max), above, pc.N, figure.Duration(l.Max), l.Stat, chanceText(chance))
	case pc.TooFew():
		return inconclusive(pc.Footnote())
	case pc.Value > l.Max:
		c.Message = fmt.Sprintf("%s %s%s > %s", l.Stat, figure.Bounded(pc), from, figure.Duration(l.Max))
	case pc.Bound == metrics.AtLeast:
		return inconclusive(pc.Footnote())
	default:
		c.Pass = true
	}
	return c
}

// beyond counts the requests of s slower than limit (a timed-out one
// whose timeout exceeds the limit among them) and returns the chance of
// at least that many if the p-th percentile were at or below limit: each
// request would then exceed it with a chance of at most 1 − p/100, so
// the count is at most Binomial(n, 1 − p/100), whose upper tail is
// P(K ≥ k) = I_{1−q}(k, n−k+1). An exact one-sided test, valid at any n:
// a chance at or below half the interval's α proves the percentile above
// the limit as surely as an interval would.
func beyond(s metrics.Sample, p float64, limit time.Duration) (int, float64) {
	n := s.N()
	i, _ := slices.BinarySearch(s.Sorted, limit+1) // the first value above limit
	k := n - i
	if k == 0 {
		return 0, 1
	}
	return k, mathext.RegIncBeta(float64(k), float64(n-k+1), 1-p/100)
}

// chanceText renders a small probability: "0.25%", "1 in 41000", "under
// 1 in a million".
func chanceText(p float64) string {
	switch {
	case p >= 0.0001:
		return strconv.FormatFloat(100*p, 'g', 2, 64) + "%"
	case p >= 1e-6:
		in := 1 / p
		scale := math.Pow(10, math.Floor(math.Log10(in))-1)
		return "1 in " + strconv.FormatFloat(math.Round(in/scale)*scale, 'f', 0, 64)
	}
	return "under 1 in a million"
}

// percentileOf reads "p95" as 95; false for min, mean and max.
func percentileOf(stat string) (float64, bool) {
	if !strings.HasPrefix(stat, "p") {
		return 0, false
	}
	p, err := strconv.ParseFloat(stat[1:], 64)
	return p, err == nil && p > 0 && p < 100
}

// Inconclusive counts the criteria the samples were too small to judge.
func Inconclusive(criteria []model.Criterion) int {
	n := 0
	for _, c := range criteria {
		if c.Inconclusive {
			n++
		}
	}
	return n
}

// Pass reports whether every criterion passed.
func Pass(criteria []model.Criterion) bool {
	for _, c := range criteria {
		if !c.Pass {
			return false
		}
	}
	return true
}

func dbFigure(db *model.DB, name string) (float64, bool) {
	if db == nil {
		return 0, false
	}
	switch name {
	case "statements_per_request":
		return db.StatementsPerRequest, db.StatementsAvailable
	case "seq_scans_per_request":
		return db.SeqScansPerRequest, true
	case "index_scans_per_request":
		return db.IndexScansPerRequest, true
	case "rows_read_per_request":
		return db.RowsReadPerRequest, true
	}
	return 0, false
}

func share(k, n int64) float64 {
	if n == 0 {
		return 0
	}
	return float64(k) / float64(n)
}

package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/verdict"
)

// figRequested is the requested rate as the user wrote it, or derived.
func figRequested(sc *model.Scenario) string {
	if sc.Rate != "" {
		return sc.Rate
	}
	if sc.RequestedRate == 0 {
		return "max"
	}
	return figure.Rate(sc.RequestedRate)
}

// failedScenarios names the scenarios whose verdict is fail (a criterion
// failed, or cut short), not inconclusive.
func failedScenarios(run *model.Run) []string {
	var out []string
	for _, sc := range run.Scenarios {
		if st := scenarioState(sc); st == figure.Fail || st == stateCut {
			out = append(out, sc.Name)
		}
	}
	return out
}

// headline is the one-line verdict every format opens with.
func headline(run *model.Run) string {
	n := len(run.Scenarios)
	failed := failedScenarios(run)
	plural := func(k int) string {
		if k == 1 {
			return "scenario"
		}
		return "scenarios"
	}
	inconclusive := inconclusiveScenarios(run)
	var s string
	switch {
	case run.Pass && n == 1:
		s = fmt.Sprintf("PASS: %s met its criteria", run.Scenarios[0].Name)
	case run.Pass && n == 2:
		s = "PASS: both scenarios met their criteria"
	case run.Pass:
		s = fmt.Sprintf("PASS: all %d %s met their criteria", n, plural(n))
		if k := allowedInconclusive(run); k > 0 {
			s += fmt.Sprintf(" (%s allowed by --allow-inconclusive)", figure.Plural(k, "inconclusive criterion"))
		}
	case len(failed) > 0:
		s = fmt.Sprintf("FAIL: %d of %d %s failed (%s)", len(failed), n, plural(n), strings.Join(failed, ", "))
		if len(inconclusive) > 0 {
			s += fmt.Sprintf("; %d inconclusive (%s)", len(inconclusive), strings.Join(inconclusive, ", "))
		}
	case len(inconclusive) > 0:
		s = fmt.Sprintf("FAIL: %d of %d %s inconclusive (%s): too few requests to judge a criterion; run longer, or pass --allow-inconclusive",
			len(inconclusive), n, plural(n), strings.Join(inconclusive, ", "))
	default:
		s = "FAIL: the run did not meet its criteria"
	}
	if run.Interrupted {
		s += "; interrupted before the end"
	}
	if run.Incomplete != "" {
		s += "; incomplete: " + run.Incomplete
	}
	return s
}

// Scenario states beyond pass and fail: a scenario none of whose criteria
// failed but one of which too few requests could judge, and one cut short.
const (
	stateInconclusive = figure.Inconclusive
	stateCut          = "cut"
)

// scenarioState is a scenario's verdict as the reports show it: pass;
// inconclusive when no criterion failed but one was inconclusive and not
// allowed; cut when interrupted; fail otherwise.
func scenarioState(sc *model.Scenario) string {
	switch {
	case sc.Interrupted:
		return stateCut
	case sc.Pass:
		return figure.Pass
	}
	for _, c := range sc.Criteria {
		if !c.Pass && !c.Inconclusive {
			return figure.Fail
		}
	}
	if verdict.Inconclusive(sc.Criteria) > 0 {
		return stateInconclusive
	}
	return figure.Fail
}

// criterionState is a criterion's verdict: pass, fail or inconclusive
// (allowed or not: the mark says the sample could not judge it).
func criterionState(c model.Criterion) string {
	if c.Inconclusive {
		return stateInconclusive
	}
	return figure.State(c.Pass)
}

// cell is a percentile of sc for a table: "120ms", "≥ 120s" when it falls
// on timed-out requests, with "*" when the run holds too few requests to
// judge it (the notes say why).
func cell(sc *model.Scenario, name string, d time.Duration) string {
	p, ok := sc.Percentile(name)
	if !ok {
		return figure.Duration(d)
	}
	s := figure.Bounded(p)
	if p.TooFew() && p.N > 0 && p.P < 100 {
		s += "*"
	}
	return s
}

// intervals renders every reported percentile of sc with its 95 %
// interval: "p50 120ms [115ms, 125ms] · p90 180ms [170ms, 190ms] · max
// 340ms"; "" when the run recorded none.
func intervals(sc *model.Scenario) string {
	var parts []string
	for _, p := range sc.Percentiles {
		s := metrics.PercentileName(p.P) + " " + figure.Bounded(p)
		if p.P < 100 && p.N > 0 {
			s += " " + figure.Interval(p)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " · ")
}

// percentileNotes are the warnings about sc's figures every format
// prints: the percentiles too few requests can judge, those that fall on
// timed-out requests, the timeouts themselves.
func percentileNotes(sc *model.Scenario) []string {
	var out, few []string
	need := 0
	for _, p := range sc.Percentiles {
		switch {
		case p.N == 0 || p.P >= 100:
		case p.TooFew():
			few = append(few, fmt.Sprintf("%s (needs ≥ %d)", metrics.PercentileName(p.P), p.MinN))
			need = max(need, p.MinN)
		case p.Bound == metrics.AtLeast:
			out = append(out, p.Footnote())
		}
	}
	if len(few) > 0 {
		out = append([]string{fmt.Sprintf("* n=%d: too few requests to judge %s: shown, not to be relied on", sc.Requests, strings.Join(few, ", "))}, out...)
	}
	if sc.Timeouts > 0 {
		out = append(out, fmt.Sprintf("%d of %d requests timed out: their latencies are lower bounds, and so is every figure that rests on them (≥)",
			sc.Timeouts, sc.Requests))
		if sc.DB != nil {
			out = append(out, "the database figures per request count the work done for timed-out requests, which the server may have abandoned: read them as approximate")
		}
	}
	return out
}

// inconclusiveScenarios names the scenarios whose verdict is inconclusive.
func inconclusiveScenarios(run *model.Run) []string {
	var out []string
	for _, sc := range run.Scenarios {
		if scenarioState(sc) == stateInconclusive {
			out = append(out, sc.Name)
		}
	}
	return out
}

// allowedInconclusive counts the criteria that passed only because
// inconclusive criteria were allowed.
func allowedInconclusive(run *model.Run) int {
	n := 0
	for _, sc := range run.Scenarios {
		for _, c := range sc.Criteria {
			if c.Inconclusive && c.Pass {
				n++
			}
		}
	}
	return n
}

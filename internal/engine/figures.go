package engine

import (
	"strconv"
	"time"

	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/verdict"
)

// UnderDeliveredRatio: a scenario whose achieved rate is below this share
// of the requested rate measured a lighter load than asked for.
const UnderDeliveredRatio = verdict.DeliveredRatio

// ApplyFigures sets sc's measured figures from s, the summary of its raw
// results, and sorted, every latency ascending (Sink.Sorted), the way run
// computes them: requests, achieved rate, wall time, status codes,
// transport errors and timeouts among them, bytes, latency, each reported
// percentile with its interval, success and throughput (responses with
// sc.Expect's status), and under_delivered against sc.RequestedRate. A
// paced scenario also gets its schedule lag, the latency from the intended
// send times and its steady sending and completing rates (sc.Saturation,
// created when nil; the caller adds the workers' figures from the attack).
// It leaves criteria and checks alone.
func ApplyFigures(sc *model.Scenario, s metrics.Summary, sorted []time.Duration) {
	status := 0
	if sc.Expect != nil {
		status = sc.Expect.Status
	}
	sc.Wall = s.Wall
	sc.Requests = s.Requests
	sc.AchievedRate = s.Rate
	sc.StatusCodes = map[string]int64{}
	for code, n := range s.Codes {
		sc.StatusCodes[strconv.Itoa(int(code))] = n
	}
	sc.Errors = s.Errors
	sc.BytesIn = s.BytesIn
	sc.BytesOut = s.BytesOut
	sc.Latency = s.Latency
	sc.Timeouts = Timeouts(s)
	sample := sc.Sample(sorted)
	sc.Percentiles = make([]model.Percentile, 0, len(model.ReportedPercentiles))
	for _, p := range model.ReportedPercentiles {
		sc.Percentiles = append(sc.Percentiles, metrics.PercentileOf(sample, p))
	}
	sc.Success, sc.Throughput = 0, 0
	if s.Requests > 0 {
		sc.Success = s.ShareOf(status)
		if s.Wall > 0 {
			sc.Throughput = float64(s.Codes[uint16(status)]) / s.Wall.Seconds()
		}
	}
	if s.Requests == 1 && sc.Duration > 0 {
		sc.AchievedRate = 1 / sc.Duration.Seconds()
	}
	sc.UnderDelivered = !sc.Interrupted && verdict.Delivered(sc.RequestedRate, sc.Duration, s, nil) != ""
	applySchedule(sc, s)
}

// applySchedule sets the figures only a paced scenario has: at rate max
// there is no schedule to lag, and every worker busy is the point.
func applySchedule(sc *model.Scenario, s metrics.Summary) {
	if sc.RequestedRate <= 0 || s.Requests == 0 {
		sc.Lag, sc.Corrected, sc.Saturation = nil, nil, nil
		return
	}
	sc.Lag = &model.ScheduleLag{P50: s.Lag.P50, P99: s.Lag.P99, Max: s.Lag.Max}
	corrected := s.Corrected
	sc.Corrected = &corrected
	if sc.Saturation == nil {
		sc.Saturation = &model.Saturation{}
	}
	sc.Saturation.Sent, sc.Saturation.Completed = s.Flow.Sent, s.Flow.Completed
}

// Judge sets sc's criteria and verdict from s: the scenario's criteria
// (sc.Expect), its jq checks' tallies and db figures as already set, and
// the delivery of a paced load. ApplyFigures must have run.
// sink's latencies are the percentile criteria's sample: measured from the
// intended send times unless the scenario judges from the actual sends
// (expect.latency_from), as the criteria's figures are; prefix is the
// --set Prefix the path was rendered with ("" unknown), so that a 404 on
// every request can name it; allowInconclusive passes a criterion the
// requests cannot decide.
func Judge(sc *model.Scenario, s metrics.Summary, sink *Sink, prefix string, allowInconclusive bool) {
	var exp model.Expect
	if sc.Expect != nil {
		exp = *sc.Expect
	}
	sorted := sink.SortedCorrected()
	if exp.LatencyFrom == model.LatencyFromSent {
		sorted = sink.Sorted()
	}
	sc.Criteria = verdict.Evaluate(exp, verdict.Input{Summary: s, Sample: sc.Sample(sorted), Checks: sc.Checks, DB: sc.DB,
		Requested: sc.RequestedRate, Duration: sc.Duration, Saturation: sc.Saturation, Prefix: prefix,
		AllowInconclusive: allowInconclusive})
	sc.Pass = verdict.Pass(sc.Criteria) && !sc.Interrupted
}

// DeliveryWarning is the run-level warning of a scenario whose load was
// not delivered (failing or allowed), or "": summary.json's warnings say
// why a run's figures describe another load than asked for.
func DeliveryWarning(sc *model.Scenario) string {
	for _, c := range sc.Criteria {
		if c.Name == "delivery" && c.Message != "" {
			return "scenario " + sc.Name + ": " + c.Message
		}
	}
	return ""
}

// Timeouts counts the requests of s that outlived their timeout: the
// transport errors load.IsTimeout recognises. A timed-out request's
// latency is at least the timeout, every completed one's below it, so they
// are the top of the sorted latencies: what metrics.Sample.Censored
// counts.
func Timeouts(s metrics.Summary) int64 {
	var n int64
	for _, e := range s.Errors {
		if load.IsTimeout(e.Error) {
			n += e.Count
		}
	}
	return n
}

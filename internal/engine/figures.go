package engine

import (
	"strconv"
	"time"

	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
)

// UnderDeliveredRatio: a scenario whose achieved rate is below this share
// of the requested rate measured a lighter load than asked for.
const UnderDeliveredRatio = 0.99

// ApplyFigures sets sc's measured figures from s, the summary of its raw
// results, and sorted, every latency ascending (Sink.Sorted), the way run
// computes them: requests, achieved rate, wall time, status codes,
// transport errors and timeouts among them, bytes, latency, each reported
// percentile with its interval, success and throughput (responses with
// sc.Expect's status), and under_delivered against sc.RequestedRate. It
// leaves criteria and checks alone.
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
	sc.UnderDelivered = !sc.Interrupted && underDelivered(sc.RequestedRate, sc.AchievedRate, s.Requests)
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

// underDelivered says a measurement sent a lighter load than asked for:
// its achieved rate is below UnderDeliveredRatio of the requested rate
// (0: max, never under-delivered). One request has no rate to judge.
func underDelivered(requested, achieved float64, requests int64) bool {
	return requested > 0 && requests > 1 && achieved < UnderDeliveredRatio*requested
}

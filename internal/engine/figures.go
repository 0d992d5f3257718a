package engine

import (
	"strconv"

	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
)

// UnderDeliveredRatio: a scenario whose achieved rate is below this share
// of the requested rate measured a lighter load than asked for.
const UnderDeliveredRatio = 0.99

// ApplyFigures sets sc's measured figures from s, the summary of its raw
// results, the way run computes them: requests, achieved rate, wall time,
// status codes, transport errors, bytes, latency, success and throughput
// (responses with sc.Expect's status), and under_delivered against
// sc.RequestedRate. It leaves criteria and checks alone.
func ApplyFigures(sc *model.Scenario, s metrics.Summary) {
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

// underDelivered says a measurement sent a lighter load than asked for:
// its achieved rate is below UnderDeliveredRatio of the requested rate
// (0: max, never under-delivered). One request has no rate to judge.
func underDelivered(requested, achieved float64, requests int64) bool {
	return requested > 0 && requests > 1 && achieved < UnderDeliveredRatio*requested
}

package model

import "time"

// What a scenario's latency criteria are judged on (Expect.LatencyFrom).
const (
	// LatencyFromIntended judges the latency measured from each request's
	// intended send time: what a user arriving on schedule waited,
	// corrected for coordinated omission as wrk2 and HdrHistogram do. It
	// is the default: it equals the service latency when every request
	// went out on time, so a healthy run is judged as before, and when
	// perfgate's workers or a stall held requests back, judging the
	// service latency would pass a run whose users waited longer.
	LatencyFromIntended = "intended"
	// LatencyFromSent judges the service latency, from each request's
	// actual send: the time the service itself took, whatever the
	// client's queue.
	LatencyFromSent = "sent"
)

// Thresholds of CorrectedDiffers: a corrected percentile differs
// materially from the service one when it is larger by more than both.
const (
	// CorrectedMaterialShare is the relative part: 5 %.
	CorrectedMaterialShare = 0.05
	// CorrectedMaterialFloor is the absolute part, so that microseconds
	// of scheduling on a sub-millisecond target are not news.
	CorrectedMaterialFloor = time.Millisecond
)

// ScheduleLag is how late requests were sent against the pacer's
// schedule: each request's actual send time minus its intended one. It
// grows when every worker is busy (--max-workers) or the target stalls,
// and requests wait to be sent.
type ScheduleLag struct {
	P50 time.Duration `json:"p50"`
	P99 time.Duration `json:"p99"`
	Max time.Duration `json:"max"`
}

// Saturation is what tells whether a run's load outran perfgate's workers
// or the service (compare warns on either).
type Saturation struct {
	// MaxWorkers is the --max-workers the scenario ran with, and
	// PeakInFlight the most requests in flight at once: at MaxWorkers,
	// every worker was busy and requests due then waited to be sent.
	MaxWorkers   uint64 `json:"max_workers"`
	PeakInFlight int64  `json:"peak_in_flight"`
	// Sent and Completed are the requests sent and the answers received
	// per second in the steady middle of the run (metrics.Flow); 0 when
	// the run was too short to tell. Completed well below Sent means the
	// service's queue grew: its latencies include the wait in it.
	Sent      float64 `json:"sent_rate,omitempty"`
	Completed float64 `json:"completed_rate,omitempty"`
}

// WorkersBusy says every worker was busy at once: the peak of requests in
// flight reached --max-workers.
func (s *Saturation) WorkersBusy() bool {
	return s != nil && s.MaxWorkers > 0 && s.PeakInFlight >= int64(s.MaxWorkers)
}

// CorrectedDiffers says the latency from the intended send times differs
// materially from the service latency at p50, p90, p95 or p99: requests
// waited to be sent, and the reports must show both.
func (sc *Scenario) CorrectedDiffers() bool {
	if sc.Corrected == nil {
		return false
	}
	for _, stat := range []string{"p50", "p90", "p95", "p99"} {
		s, _ := sc.Latency.Stat(stat)
		c, _ := sc.Corrected.Stat(stat)
		if d := c - s; d > CorrectedMaterialFloor && float64(d) > CorrectedMaterialShare*float64(s) {
			return true
		}
	}
	return false
}

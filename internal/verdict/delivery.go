package verdict

import (
	"fmt"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
)

// What a delivered load is: a paced scenario that misses either did not
// send the load asked for, so its latencies describe another load.
const (
	// DeliveredRatio: the achieved rate must be at least 99 % of the
	// requested rate. vegeta's pacer holds a rate within 0.3 % when its
	// workers keep up (BENCHMARKS.md §2), so 1 % short is not noise.
	DeliveredRatio = 0.99
	// MaxScheduleLag bounds the p99 of the schedule lag (each request's
	// send time minus its intended one). The achieved rate alone misses a
	// stall: the pacer catches up in a burst after it and the rate looks
	// right, while the requests due during the stall went out up to its
	// length late. 100 ms is far above the lag of a healthy run (a few
	// microseconds to a few milliseconds on a busy 2-core machine) and
	// far below a stall a user notices; p99, so that one late burst in a
	// long run does not fail it by itself, while one second of stall in a
	// minute (1.7 % of the requests) does.
	MaxScheduleLag = 100 * time.Millisecond
)

// Delivered judges whether a paced load was delivered: at least
// DeliveredRatio of the requests scheduled over d (requested per second
// for d) were sent, and the schedule lag's p99 is at most MaxScheduleLag.
// It returns "" when it was, and otherwise the reason, with what to do.
// requested is in requests per second (0: max, always delivered).
// Counting requests against the schedule, rather than dividing them by
// the span of their send times, keeps a short run on a busy machine from
// failing because its last request went out a few milliseconds late; the
// lag bound catches what is really late. Without d (0) the achieved rate
// is judged instead. workers, when set, says whether every worker was busy.
func Delivered(requested float64, d time.Duration, s metrics.Summary, workers *model.Saturation) string {
	if requested <= 0 || s.Requests == 0 {
		return ""
	}
	var why []string
	if scheduled := requested * d.Seconds(); d > 0 {
		// One request of slack: the schedule's last hit may fall on the end.
		if float64(s.Requests) < DeliveredRatio*scheduled-1 {
			why = append(why, fmt.Sprintf("achieved %s of the %s asked: %d of the %.0f requests scheduled were sent (%s)",
				figure.Rate(float64(s.Requests)/d.Seconds()), figure.Rate(requested), s.Requests, scheduled, figure.ShareProse(float64(s.Requests)/scheduled)))
		}
	} else if s.Requests > 1 && s.Rate < DeliveredRatio*requested {
		why = append(why, fmt.Sprintf("achieved %s of the %s asked (%s)",
			figure.Rate(s.Rate), figure.Rate(requested), figure.ShareProse(s.Rate/requested)))
	}
	if name, lag := judgedLag(s); lag > MaxScheduleLag {
		why = append(why, fmt.Sprintf("requests went out late: schedule lag %s %s, max %s (bound %s)",
			name, figure.Duration(lag), figure.Duration(s.Lag.Max), figure.Duration(MaxScheduleLag)))
	}
	if len(why) == 0 {
		return ""
	}
	cause := "perfgate could not send on schedule"
	if workers.WorkersBusy() {
		cause = fmt.Sprintf("all %d workers were busy at once (--max-workers)", workers.MaxWorkers)
	}
	return fmt.Sprintf("load not delivered: %s; %s, so the latencies describe another load than asked for: raise --max-workers or lower the rate",
		strings.Join(why, "; "), cause)
}

// delivery is the "delivery" criterion of a paced scenario (none when
// in.Requested is 0): it fails when Delivered gives a reason, unless
// exp.AllowUnderDelivery makes that a passing criterion that still says
// why.
func delivery(exp model.Expect, in Input) []model.Criterion {
	s := in.Summary
	if in.Requested <= 0 {
		return nil
	}
	c := model.Criterion{
		Name:     "delivery",
		Want:     fmt.Sprintf(">= %s of %s, schedule lag p99 (p90 under 100 requests) <= %s", figure.ShareProse(DeliveredRatio), figure.Rate(in.Requested), figure.Duration(MaxScheduleLag)),
		Observed: fmt.Sprintf("%s, schedule lag %s", figure.Rate(s.Rate), lagText(s)),
		Pass:     true,
	}
	if s.Requests == 0 {
		c.Observed = "none"
		return []model.Criterion{c} // status and errors already fail it
	}
	if why := Delivered(in.Requested, in.Duration, s, in.Saturation); why != "" {
		c.Pass = exp.AllowUnderDelivery
		c.Message = why
		if c.Pass {
			c.Message = "allowed by --allow-under-delivery: " + why
		}
	}
	return []model.Criterion{c}
}

// judgedLatency is the value of stat the latency criteria of exp are
// judged on (from the intended send times unless exp.LatencyFrom says
// "sent"), and the note its observed value carries when that differs
// materially from the service latency (model.CorrectedMaterialShare and
// Floor): microseconds of scheduling are no news.
func judgedLatency(exp model.Expect, s metrics.Summary, stat string) (time.Duration, string) {
	service, _ := s.Latency.Stat(stat)
	if exp.LatencyFrom == model.LatencyFromSent {
		return service, ""
	}
	corrected, _ := s.Corrected.Stat(stat)
	// Never below the service latency, which it includes; a Summary
	// built without corrected figures (zero) is judged on the service's.
	corrected = max(corrected, service)
	if d := corrected - service; d > model.CorrectedMaterialFloor && float64(d) > model.CorrectedMaterialShare*float64(service) {
		return corrected, fmt.Sprintf(" from the intended send times (service %s)", figure.Duration(service))
	}
	return corrected, ""
}

// judgedLag is the schedule lag the bound applies to: its p99, or its p90
// when fewer than 100 requests make the p99 the single latest one (one
// scheduler hiccup on a busy machine must not fail a short run).
func judgedLag(s metrics.Summary) (string, time.Duration) {
	if s.Requests < 100 {
		return "p90", s.Lag.P90
	}
	return "p99", s.Lag.P99
}

func lagText(s metrics.Summary) string {
	name, lag := judgedLag(s)
	return name + " " + figure.Duration(lag)
}

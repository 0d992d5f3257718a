package verdict

import (
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
)

// recorded is the Summary of n requests sent at rate per second from t0,
// each answered in service, the i-th sent lag(i) after its intended time.
func recorded(n int, rate float64, service time.Duration, lag func(i int) time.Duration) metrics.Summary {
	s, _ := recorder(n, rate, service, lag)
	return s
}

// recorder is recorded with the Recorder, whose sorted latencies are the
// percentile criteria's samples.
func recorder(n int, rate float64, service time.Duration, lag func(i int) time.Duration) (metrics.Summary, *metrics.Recorder) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := metrics.NewRecorder(n)
	for i := range n {
		intended := t0.Add(time.Duration(float64(i) / rate * 1e9))
		r.AddIntended(intended, intended.Add(lag(i)), service, 200, "", 0, 0)
	}
	return r.Summary(), r
}

// TestDelivery is issue 15's under-delivery: a paced scenario that did not
// send its load fails with the reason, unless allowed; a stall that the
// pacer caught up on fails on the schedule lag although the rate looks
// right.
func TestDelivery(t *testing.T) {
	none := func(int) time.Duration { return 0 }
	busy := &model.Saturation{MaxWorkers: 4, PeakInFlight: 4}
	tests := []struct {
		name      string
		requested float64
		s         metrics.Summary
		sat       *model.Saturation
		allow     bool
		wantPass  bool
		wantMsg   []string
	}{
		{name: "delivered", requested: 100, s: recorded(500, 100, 20*time.Millisecond, none), wantPass: true},
		{name: "20/s asked, 5/s sent", requested: 20, s: recorded(25, 5, 200*time.Millisecond, none), wantMsg: []string{
			"load not delivered: achieved 5/s of the 20/s asked (25 %)", "raise --max-workers or lower the rate"}},
		{name: "3000/s asked with 4 workers busy", requested: 3000, s: recorded(900, 90.2, time.Millisecond, none), sat: busy, wantMsg: []string{
			"achieved 90.2/s of the 3000/s asked (3 %)", "all 4 workers were busy at once (--max-workers)"}},
		{name: "a stall caught up: rate right, lag not", requested: 100, sat: &model.Saturation{MaxWorkers: 10, PeakInFlight: 10},
			s: recorded(500, 100, 20*time.Millisecond, func(i int) time.Duration {
				if i >= 210 && i < 300 { // due at 2.1-3.0 s, all sent at 3 s
					return time.Duration(300-i) * 10 * time.Millisecond
				}
				return 0
			}),
			wantMsg: []string{"requests went out late: schedule lag p99 ", "(bound 100ms)"}},
		{name: "allowed", requested: 20, s: recorded(25, 5, 200*time.Millisecond, none), allow: true, wantPass: true,
			wantMsg: []string{"allowed by --allow-under-delivery: load not delivered"}},
		{name: "one request: no rate to judge", requested: 0.1, s: recorded(1, 1, time.Second, none), wantPass: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := Evaluate(model.Expect{Status: 200, AllowUnderDelivery: tt.allow},
				Input{Summary: tt.s, Requested: tt.requested, Saturation: tt.sat})
			c := find(t, cs, "delivery")
			if c.Pass != tt.wantPass || Pass(cs) != tt.wantPass {
				t.Errorf("delivery pass = %v (all: %v), want %v; %+v", c.Pass, Pass(cs), tt.wantPass, c)
			}
			for _, want := range tt.wantMsg {
				if !strings.Contains(c.Message, want) {
					t.Errorf("message %q does not contain %q", c.Message, want)
				}
			}
			if len(tt.wantMsg) == 0 && c.Message != "" {
				t.Errorf("message %q, want none", c.Message)
			}
		})
	}
	if cs := Evaluate(model.Expect{Status: 200}, Input{Summary: recorded(10, 10, time.Millisecond, none)}); len(cs) != 2 {
		t.Errorf("rate max (Requested 0) got criteria %+v, want status and errors only", cs)
	}
}

// TestLatencyFrom: latency criteria are judged from the intended send
// times by default, and say so when that differs from the service
// latency; "sent" judges the service latency.
func TestLatencyFrom(t *testing.T) {
	// The stall: 90 of 500 requests due during it waited up to 0.9 s.
	s, rec := recorder(500, 100, 20*time.Millisecond, func(i int) time.Duration {
		if i >= 210 && i < 300 {
			return time.Duration(300-i) * 10 * time.Millisecond
		}
		return 0
	})
	limit := []model.LatencyLimit{{Stat: "p90", Max: 100 * time.Millisecond}}
	for _, tt := range []struct {
		from         string
		wantPass     bool
		wantObserved string
	}{
		{"", false, "from the intended send times (service 20ms)"},
		{model.LatencyFromIntended, false, "from the intended send times (service 20ms)"},
		{model.LatencyFromSent, true, "n=500"},
	} {
		t.Run("from "+tt.from, func(t *testing.T) {
			// The sample is of the latencies the criterion judges, as
			// engine.Judge chooses it.
			sample := metrics.Sample{Sorted: rec.SortedCorrected()}
			if tt.from == model.LatencyFromSent {
				sample.Sorted = rec.Sorted()
			}
			c := find(t, Evaluate(model.Expect{Status: 200, Latency: limit, LatencyFrom: tt.from}, Input{Summary: s, Sample: sample}), "p90")
			if c.Pass != tt.wantPass || !strings.HasSuffix(c.Observed, tt.wantObserved) {
				t.Errorf("p90: pass %v observed %q; want pass %v, observed ending %q", c.Pass, c.Observed, tt.wantPass, tt.wantObserved)
			}
			if !c.Pass && !strings.Contains(c.Message, "from the intended send times") {
				t.Errorf("message %q does not say what was judged", c.Message)
			}
		})
	}
	// Without lag both bases read the same, with no note.
	quiet, qrec := recorder(100, 100, 20*time.Millisecond, func(int) time.Duration { return 0 })
	if c := find(t, Evaluate(model.Expect{Status: 200, Latency: limit}, Input{Summary: quiet, Sample: metrics.Sample{Sorted: qrec.SortedCorrected()}}), "p90"); !strings.HasPrefix(c.Observed, "20ms") || strings.Contains(c.Observed, "intended") || !c.Pass {
		t.Errorf("p90 without lag: %+v", c)
	}
}

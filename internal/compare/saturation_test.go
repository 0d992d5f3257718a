package compare

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/model"
)

// paced turns a synthetic run's scenario into a paced one at rate/s with
// the given saturation figures and latency from the intended send times.
func paced(s synth, rate float64, sat *model.Saturation, corrected *model.Latency) synth {
	sc := s.run.Scenarios[0]
	sc.Rate, sc.RequestedRate, sc.AchievedRate = "1/s", rate, rate
	sc.Saturation = sat
	if corrected == nil {
		c := sc.Latency
		corrected = &c
	}
	sc.Corrected = corrected
	sc.Lag = &model.ScheduleLag{}
	return s
}

// TestSaturation is issue 15's queueing: a 1/s open-model run against a
// 5.7 s request whose service completes 0.48/s queues, so its p50 is
// 14.3 s and the speed-up 679×; compare warns and gives the speed-up on
// service time (≈390×) beside it, in every format.
func TestSaturation(t *testing.T) {
	s, ms := time.Second, time.Millisecond
	before := paced(newSynth("before", synthScenario{name: "one", lat: []time.Duration{5700 * ms, 9 * s, 14300 * ms, 14300 * ms, 20 * s, 26 * s},
		codes: map[string]int64{"200": 6}, success: 1}), 1, &model.Saturation{MaxWorkers: 256, PeakInFlight: 31, Sent: 1, Completed: 0.48}, nil)
	after := paced(newSynth("after", synthScenario{name: "one", lat: []time.Duration{14600 * time.Microsecond, 20 * ms, 21060 * time.Microsecond, 21060 * time.Microsecond, 23 * ms, 30 * ms},
		codes: map[string]int64{"200": 6}, success: 1}), 1, &model.Saturation{MaxWorkers: 256, PeakInFlight: 1, Sent: 1, Completed: 1}, nil)
	res, err := Compare(before.input("b"), after.input("a"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Saturation) != 1 {
		t.Fatalf("saturation %+v, want the scenario", res.Saturation)
	}
	got := res.Saturation[0]
	if len(got.Before) != 1 || !strings.Contains(got.Before[0], "the service completed 0.48/s while sent 1/s: its queue grew") || len(got.After) != 0 {
		t.Errorf("reasons before %q after %q", got.Before, got.After)
	}
	if math.Abs(got.Queued-679) > 1 || math.Abs(got.Service-390) > 1 || got.Method != ServiceFastest {
		t.Errorf("queued %.1f×, service %.1f× (%s); want 679× and 390× from the fastest requests", got.Queued, got.Service, got.Method)
	}
	warned := false
	for _, w := range res.Warnings {
		warned = warned || strings.Contains(w, "scenario one: the before run was saturated") && strings.Contains(w, "679× with the queueing, 390× on service time")
	}
	if !warned {
		t.Errorf("no saturation warning in %q", res.Warnings)
	}
	for name, f := range map[string]func(*bytes.Buffer, *Result) error{
		"text": func(b *bytes.Buffer, r *Result) error { return Text(b, r) }, "markdown": func(b *bytes.Buffer, r *Result) error { return Markdown(b, r) },
		"html": func(b *bytes.Buffer, r *Result) error { return HTML(b, r) }, "json": func(b *bytes.Buffer, r *Result) error { return JSON(b, r) },
	} {
		var b bytes.Buffer
		if err := f(&b, res); err != nil {
			t.Fatal(err)
		}
		want := "p50 speed-up on service time: 390×"
		if name == "json" {
			want = `"service_speedup": 390`
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s lacks %q:\n%s", name, want, b.String())
		}
	}
}

// TestSaturationWorkers: when perfgate's own workers were the queue, the
// latency from the actual send is the service time and the latency from
// the intended send times carries the wait.
func TestSaturationWorkers(t *testing.T) {
	ms := time.Millisecond
	lat := []time.Duration{18 * ms, 20 * ms, 20 * ms, 22 * ms, 25 * ms, 30 * ms}
	before := paced(newSynth("before", synthScenario{name: "one", lat: lat, codes: map[string]int64{"200": 6}, success: 1}), 100,
		&model.Saturation{MaxWorkers: 10, PeakInFlight: 10, Sent: 100, Completed: 100}, &model.Latency{P50: 400 * ms})
	after := paced(newSynth("after", synthScenario{name: "one", lat: []time.Duration{9 * ms, 10 * ms, 10 * ms, 11 * ms, 12 * ms, 15 * ms},
		codes: map[string]int64{"200": 6}, success: 1}), 100, &model.Saturation{MaxWorkers: 10, PeakInFlight: 4, Sent: 100, Completed: 100}, nil)
	res, err := Compare(before.input("b"), after.input("a"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Saturation) != 1 {
		t.Fatalf("saturation %+v", res.Saturation)
	}
	got := res.Saturation[0]
	if got.Method != ServiceFromSend || math.Abs(got.Service-2) > 1e-9 || math.Abs(got.Queued-400.0/10) > 1e-9 ||
		len(got.Before) != 1 || !strings.Contains(got.Before[0], "all 10 workers (--max-workers) busy at once") {
		t.Errorf("%+v: want 400ms/10ms queued, 20ms/10ms on service time (nearest-rank p50s), workers busy before", got)
	}

	// Neither side saturated: no block, no warning.
	calm := paced(newSynth("after", synthScenario{name: "one", lat: lat, codes: map[string]int64{"200": 6}, success: 1}), 100,
		&model.Saturation{MaxWorkers: 10, PeakInFlight: 3, Sent: 100, Completed: 97}, nil)
	res, err = Compare(calm.input("b"), after.input("a"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Saturation) != 0 || slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "saturat") }) {
		t.Errorf("saturation %+v, warnings %q; want none", res.Saturation, res.Warnings)
	}
}

package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/model"
)

// stalledRun is issue 15's stall: the service latency looks fine, the
// latency from the intended send times does not.
func stalledRun(from string) *model.Run {
	ms := time.Millisecond
	run := testRun()
	sc := run.Scenarios[0]
	sc.Latency = model.Latency{Min: 20 * ms, Mean: 25 * ms, P50: 21 * ms, P90: 22 * ms, P95: 24 * ms, P99: 800 * ms, Max: 1000 * ms}
	sc.Corrected = &model.Latency{Min: 20 * ms, Mean: 180 * ms, P50: 22 * ms, P90: 613 * ms, P95: 850 * ms, P99: 970 * ms, Max: 1000 * ms}
	sc.Lag = &model.ScheduleLag{P50: ms, P99: 880 * ms, Max: 915 * ms}
	sc.Expect = &model.Expect{Status: 200, LatencyFrom: from}
	return run
}

// TestScheduleBlock: every format shows both latencies and says why when
// they differ materially, and nothing when they agree.
func TestScheduleBlock(t *testing.T) {
	render := func(run *model.Run) map[string]string {
		out := map[string]string{}
		for name, f := range map[string]func(*bytes.Buffer) error{
			"text":     func(b *bytes.Buffer) error { return Text(b, run) },
			"markdown": func(b *bytes.Buffer) error { return Markdown(b, run) },
			"html":     func(b *bytes.Buffer) error { return HTML(b, run, nil) },
			"junit":    func(b *bytes.Buffer) error { return JUnit(b, run) },
		} {
			var b bytes.Buffer
			if err := f(&b); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			out[name] = b.String()
		}
		return out
	}
	got := render(stalledRun(""))
	for name, want := range map[string][]string{
		"text": {"lag  single-user-single-course: from the intended send times p50 22ms (service 21ms), p90 613ms (service 22ms)",
			"requests waited to be sent (schedule lag p50 1ms, p99 880ms, max 915ms)", "coordinated omission corrected",
			"the latency criteria judge the latency from the intended send times (--latency-from intended)"},
		"markdown": {"| latency | service (from send) | from the intended send time |", "| p90 | 22ms | 613ms |", "requests waited to be sent"},
		"html":     {"<h3>Latency from the intended send times</h3>", `<td class="n">613ms</td>`, "requests waited to be sent"},
		"junit":    {`<property name="latency_from_intended.p95" value="850ms">`, `<property name="schedule_lag.p99" value="880ms">`},
	} {
		for _, w := range want {
			if !strings.Contains(got[name], w) {
				t.Errorf("%s lacks %q", name, w)
			}
		}
	}
	if sent := render(stalledRun(model.LatencyFromSent))["text"]; !strings.Contains(sent, "the latency criteria judge the service latency (--latency-from sent)") {
		t.Errorf("text with --latency-from sent does not say so:\n%s", sent)
	}

	// Agreeing within a millisecond: nothing but the junit properties.
	quiet := stalledRun("")
	sc := quiet.Scenarios[0]
	c := sc.Latency
	c.P99 += 500 * time.Microsecond
	sc.Corrected = &c
	for name, out := range render(quiet) {
		if strings.Contains(out, "intended send times") {
			t.Errorf("%s shows the corrected figures although they agree", name)
		}
	}
}

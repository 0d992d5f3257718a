package load

import (
	"context"
	"math"
	"testing"
	"time"
)

func rate(t *testing.T, s string) Rate {
	t.Helper()
	r, err := ParseRate(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// simulate drives p in virtual time as vegeta's attacker does (ask Pace,
// sleep, hit) and returns the instant of every hit up to d.
func simulate(p stagedPacer, d time.Duration) []time.Duration {
	var at []time.Duration
	var elapsed time.Duration
	for hits := uint64(0); ; hits++ {
		wait, stop := p.Pace(elapsed, hits)
		if stop {
			return at
		}
		elapsed += wait
		if elapsed > d {
			return at
		}
		at = append(at, elapsed)
	}
}

func countUntil(at []time.Duration, t time.Duration) int {
	n := 0
	for _, a := range at {
		if a <= t {
			n++
		}
	}
	return n
}

func TestStagedPacerBoundaries(t *testing.T) {
	to50 := rate(t, "50/s")
	to1 := rate(t, "1/s")
	for _, tc := range []struct {
		name   string
		stages []Stage
		// want is the exact number of hits expected at each stage's end.
		want []float64
	}{
		{"steps", []Stage{{Rate: rate(t, "1/s"), For: 30 * time.Second}, {Rate: rate(t, "20/s"), For: 60 * time.Second}}, []float64{30, 30 + 1200}},
		// A linear ramp sends the mean of its end rates times its length.
		{"ramp up", []Stage{{Rate: rate(t, "1/s"), To: &to50, For: 60 * time.Second}}, []float64{(1 + 50) / 2.0 * 60}},
		{"ramp down then hold", []Stage{{Rate: rate(t, "50/s"), To: &to1, For: 10 * time.Second}, {Rate: rate(t, "7/s"), For: 10 * time.Second}}, []float64{255, 325}},
		{"slow rate", []Stage{{Rate: rate(t, "1/10s"), For: time.Minute}, {Rate: rate(t, "300/m"), For: time.Minute}}, []float64{6, 306}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := stagedPacer{stages: tc.stages}
			total := StagesDuration(tc.stages)
			at := simulate(p, total)
			var end time.Duration
			for i, s := range tc.stages {
				end += s.For
				if got := p.hits(end); math.Abs(got-tc.want[i]) > 1e-6 {
					t.Errorf("expected hits at %s = %.3f, want %.3f", end, got, tc.want[i])
				}
				if got := countUntil(at, end); math.Abs(float64(got)-tc.want[i]) > 1 {
					t.Errorf("hits sent by %s = %d, want %.0f ± 1", end, got, tc.want[i])
				}
			}
			// Inside the stages, the hits follow the integral within one.
			for step := time.Duration(0); step <= total; step += total / 37 {
				if got, want := float64(countUntil(at, step)), p.hits(step); math.Abs(got-want) > 1 {
					t.Errorf("hits by %s = %.0f, want %.2f ± 1", step, got, want)
				}
			}
		})
	}
}

func TestStagedPacerRate(t *testing.T) {
	to50 := rate(t, "50/s")
	p := stagedPacer{stages: []Stage{{Rate: rate(t, "10/s"), To: &to50, For: 10 * time.Second}, {Rate: rate(t, "5/s"), For: time.Second}}}
	for _, tc := range []struct {
		at   time.Duration
		want float64
	}{{0, 10}, {5 * time.Second, 30}, {10 * time.Second, 5}, {time.Hour, 5}} {
		if got := p.Rate(tc.at); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("Rate(%s) = %g, want %g", tc.at, got, tc.want)
		}
	}
	if got, want := AverageRate(p.stages, 11*time.Second), (300.0+5)/11; math.Abs(got-want) > 1e-9 {
		t.Errorf("AverageRate = %g, want %g", got, want)
	}
	if got, want := StagesString(p.stages), "10/s→50/s 10s → 5/s 1s"; got != want {
		t.Errorf("StagesString = %q, want %q", got, want)
	}
}

// TestAttackStages runs a short staged attack for real.
func TestAttackStages(t *testing.T) {
	tg := newTarget(t)
	stages := []Stage{{Rate: rate(t, "20/s"), For: 500 * time.Millisecond}, {Rate: rate(t, "100/s"), For: 500 * time.Millisecond}}
	got, _, _ := collect(t, context.Background(), []Request{tg.req("")}, Options{Stages: stages})
	// 10 + 50 expected; allow one at each boundary and the end.
	if n := len(got); n < 58 || n > 61 {
		t.Errorf("staged attack sent %d requests, want 60 ± 2", n)
	}
}

func TestAttackWarmup(t *testing.T) {
	tg := newTarget(t)
	for _, tc := range []struct {
		name string
		opts Options
		want int // measured requests
	}{
		{"paced", Options{Rate: rate(t, "50/s"), Duration: 200 * time.Millisecond, Warmup: 7}, 10},
		{"max", Options{Rate: Max, Duration: 100 * time.Millisecond, MaxWorkers: 2, Warmup: 25}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tg.hits.Load()
			got, st, _ := collect(t, context.Background(), []Request{tg.req("")}, tc.opts)
			seen := tg.hits.Load() - before
			if st.Warmup != int64(tc.opts.Warmup) {
				t.Errorf("Stats.Warmup = %d, want %d", st.Warmup, tc.opts.Warmup)
			}
			if seen != int64(len(got))+int64(tc.opts.Warmup) {
				t.Errorf("target saw %d requests, want %d measured + %d warmup", seen, len(got), tc.opts.Warmup)
			}
			if int64(len(got)) != st.Sent {
				t.Errorf("callback saw %d results, Stats.Sent %d", len(got), st.Sent)
			}
			if tc.want >= 0 && len(got) != tc.want {
				t.Errorf("measured %d requests, want %d", len(got), tc.want)
			}
			for _, r := range got {
				if r.Seq >= uint64(len(got)) {
					t.Errorf("result seq %d: warmup requests leaked into the measured sequence", r.Seq)
				}
			}
		})
	}
}

func TestConstantPacerDue(t *testing.T) {
	for _, tc := range []struct {
		rate Rate
		hit  uint64
		want time.Duration
	}{
		{Rate{Freq: 3, Per: time.Second}, 0, 0},
		{Rate{Freq: 3, Per: time.Second}, 1, 333_333_333},
		{Rate{Freq: 3, Per: time.Second}, 3, time.Second},
		// Exact after a day: no per-interval rounding accumulates.
		{Rate{Freq: 3, Per: time.Second}, 3 * 86400, 24 * time.Hour},
		{Rate{Freq: 1, Per: 10 * time.Second}, 1, 10 * time.Second},
		{Rate{Freq: 300, Per: time.Minute}, 7, 1400 * time.Millisecond},
		// Past what a Duration holds: never due.
		{Rate{Freq: 1, Per: time.Hour}, 1 << 40, math.MaxInt64},
	} {
		if got := (newConstantPacer(tc.rate)).due(tc.hit); got != tc.want {
			t.Errorf("%s: due(%d) = %d, want %d", tc.rate, tc.hit, got, tc.want)
		}
	}
}

// TestConstantPacerInterval: the one-multiplication path for whole
// nanosecond intervals agrees with the exact division.
func TestConstantPacerInterval(t *testing.T) {
	for _, r := range []Rate{{10_000, time.Second}, {1, 10 * time.Second}, {300, time.Minute}, {8, time.Hour}} {
		fast, exact := newConstantPacer(r), constantPacer{rate: r}
		if fast.interval == 0 {
			t.Fatalf("%s: no whole-nanosecond interval", r)
		}
		for _, k := range []uint64{0, 1, 2, 999, 123_456_789, math.MaxInt64 / uint64(fast.interval), math.MaxInt64/uint64(fast.interval) + 1, 1 << 62} {
			if a, b := fast.due(k), exact.due(k); a != b {
				t.Errorf("%s: due(%d) = %d by multiplication, %d by division", r, k, a, b)
			}
		}
	}
}

// TestAnchoredPacerDuration: the first hit is due at the start, and an
// attack of duration d sends the hits due in [0, d), so a rate slower
// than the duration still sends one (issue 15 item 5).
func TestAnchoredPacerDuration(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sched schedule
		d     time.Duration
		want  int
	}{
		{"40/s for 500ms", newConstantPacer(rate(t, "40/s")), 500 * time.Millisecond, 20},
		{"1/10s for 5s", newConstantPacer(rate(t, "1/10s")), 5 * time.Second, 1},
		{"1/10s for 10s", newConstantPacer(rate(t, "1/10s")), 10 * time.Second, 1},
		{"1/10s for 10.001s", newConstantPacer(rate(t, "1/10s")), 10*time.Second + time.Millisecond, 2},
		{"stage 1/10s for 5s", stagedPacer{stages: []Stage{{Rate: rate(t, "1/10s"), For: 5 * time.Second}}}, 5 * time.Second, 1},
		{"stages 20/s 500ms, 100/s 500ms", stagedPacer{stages: []Stage{{Rate: rate(t, "20/s"), For: 500 * time.Millisecond}, {Rate: rate(t, "100/s"), For: 500 * time.Millisecond}}}, time.Second, 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if due := tc.sched.due(0); due != 0 {
				t.Errorf("first hit due at %s, want at the start", due)
			}
			// Started long ago, so that Pace never waits: only the count
			// of hits before it stops matters.
			p := anchoredPacer{schedule: tc.sched, start: time.Now().Add(-time.Hour), end: tc.d}
			n := 0
			for ; n < 1000; n++ {
				if wait, stop := p.Pace(0, uint64(n)); stop {
					break
				} else if wait != 0 {
					t.Fatalf("hit %d: wait %s although the pacer is behind", n, wait)
				}
			}
			if n != tc.want {
				t.Errorf("%d hits before the pacer stopped, want %d", n, tc.want)
			}
		})
	}
}

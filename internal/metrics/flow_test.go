package metrics

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// flowOf records requests sent at sends[i] with latencies lat[i], handed
// to the Recorder in the order their answers end (as an attack does), and
// returns the Summary's Flow.
func flowOf(sends []time.Time, lat []time.Duration) Flow {
	idx := make([]int, len(sends))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return sends[a].Add(lat[a]).Compare(sends[b].Add(lat[b])) })
	r := NewRecorder(len(sends))
	for _, i := range idx {
		r.AddIntended(sends[i], sends[i], lat[i], 200, "", 0, 0)
	}
	return r.Summary().Flow
}

// paced is n send times at rate per second from t0.
func paced(n int, rate float64) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = t0.Add(time.Duration(float64(i) / rate * 1e9))
	}
	return out
}

// TestFlow tells a service that keeps up from one whose queue grows, from
// known simulated runs (issue 15: a 1/s open-model run against a 5.7 s
// request whose service completes 0.48/s).
func TestFlow(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 3))
	tests := []struct {
		name                   string
		sends                  []time.Time
		latency                func(i int, sent time.Time, prevEnd time.Time) time.Duration
		wantSent, wantComplete float64 // per second, within 5 %
	}{
		{
			name:  "slow but keeping up: 1/s, 5.7s ± 0.3s",
			sends: paced(60, 1),
			latency: func(int, time.Time, time.Time) time.Duration {
				return 5400*time.Millisecond + time.Duration(rng.Float64()*600)*time.Millisecond
			},
			wantSent: 1, wantComplete: 1,
		},
		{
			name:  "saturated: 1/s to a FIFO service completing 0.48/s",
			sends: paced(60, 1),
			latency: func(_ int, sent, prevEnd time.Time) time.Duration {
				start := sent
				if prevEnd.After(start) {
					start = prevEnd
				}
				return start.Add(time.Second*100/48).Sub(sent) + 0
			},
			wantSent: 1, wantComplete: 0.48,
		},
		{
			name:  "fast with a heavy tail: 100/s, 10ms, 1 % at 2s",
			sends: paced(1000, 100),
			latency: func(int, time.Time, time.Time) time.Duration {
				if rng.Float64() < 0.01 {
					return 2 * time.Second
				}
				return 10 * time.Millisecond
			},
			wantSent: 100, wantComplete: 100,
		},
		{
			name:  "an hour at 5/s: the buckets coarsen",
			sends: paced(18000, 5),
			latency: func(int, time.Time, time.Time) time.Duration {
				return 30 * time.Millisecond
			},
			wantSent: 5, wantComplete: 5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lat := make([]time.Duration, len(tt.sends))
			var prevEnd time.Time
			for i, s := range tt.sends {
				lat[i] = tt.latency(i, s, prevEnd)
				prevEnd = s.Add(lat[i])
			}
			f := flowOf(tt.sends, lat)
			within := func(name string, got, want float64) {
				t.Helper()
				if got < 0.95*want || got > 1.05*want {
					t.Errorf("%s = %.3f/s, want %.3f/s ± 5 %%", name, got, want)
				}
			}
			within("Flow.Sent", f.Sent, tt.wantSent)
			within("Flow.Completed", f.Completed, tt.wantComplete)
		})
	}
}

// TestFlowTooShort: a run whose middle half holds few requests has no
// figure rather than a noisy one.
func TestFlowTooShort(t *testing.T) {
	sends := paced(15, 1)
	lat := make([]time.Duration, len(sends))
	for i := range lat {
		lat[i] = time.Second
	}
	if f := flowOf(sends, lat); f != (Flow{}) {
		t.Errorf("Flow of 15 requests = %+v, want none", f)
	}
	if f := NewRecorder(0).Summary().Flow; f != (Flow{}) {
		t.Errorf("Flow of nothing = %+v", f)
	}
}

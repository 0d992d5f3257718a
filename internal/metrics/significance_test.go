package metrics

import (
	"math/rand/v2"
	"testing"
	"time"
)

// latencies draws n seeded latencies around median m with spread ±m/4.
func latencies(seed uint64, n int, m time.Duration) []time.Duration {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = m + time.Duration((rng.Float64()-0.5)*float64(m)/2)
	}
	return out
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name            string
		before, after   []time.Duration
		wantSignificant bool
		wantSubsampled  bool
		wantWarning     bool
	}{
		{name: "50s to 2s", before: latencies(1, 30, 50*time.Second), after: latencies(2, 30, 2*time.Second), wantSignificant: true},
		{name: "same distribution", before: latencies(3, 200, 100*time.Millisecond), after: latencies(4, 200, 100*time.Millisecond)},
		{name: "too few samples", before: latencies(5, 3, time.Second), after: latencies(6, 3, time.Millisecond), wantWarning: true},
		{name: "large runs are subsampled", before: latencies(7, 50_000, 10*time.Millisecond), after: latencies(8, 30_000, 12*time.Millisecond),
			wantSignificant: true, wantSubsampled: true},
		{name: "empty side", before: nil, after: latencies(9, 10, time.Second), wantWarning: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Compare(tt.before, tt.after, 0)
			if s.Significant != tt.wantSignificant {
				t.Errorf("Significant = %v (p=%g), want %v", s.Significant, s.P, tt.wantSignificant)
			}
			if s.Subsampled != tt.wantSubsampled {
				t.Errorf("Subsampled = %v, want %v", s.Subsampled, tt.wantSubsampled)
			}
			if s.NBefore > MaxSignificanceSample || s.NAfter > MaxSignificanceSample {
				t.Errorf("n = %d+%d, want each <= %d", s.NBefore, s.NAfter, MaxSignificanceSample)
			}
			if (len(s.Warnings) > 0) != tt.wantWarning {
				t.Errorf("Warnings = %q, want some: %v", s.Warnings, tt.wantWarning)
			}
			if s.Alpha != DefaultAlpha {
				t.Errorf("Alpha = %v, want %v", s.Alpha, DefaultAlpha)
			}
		})
	}
}

func TestCompareMediansAndString(t *testing.T) {
	before := []time.Duration{10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
	after := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9}
	s := Compare(before, after, 0.05)
	if s.MedianBefore != 15 || s.MedianAfter != 5 {
		t.Errorf("medians = %v, %v, want 15ns, 5ns", s.MedianBefore, s.MedianAfter)
	}
	if got, want := s.String(), "p=0.000 n=11+9"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if before[0] != 10 || after[8] != 9 {
		t.Error("Compare modified its inputs")
	}
}

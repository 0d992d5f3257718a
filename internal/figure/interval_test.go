package figure

import (
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/metrics"
)

func TestIntervals(t *testing.T) {
	ms := time.Millisecond
	for _, tt := range []struct {
		got, want string
	}{
		{Bounded(metrics.Percentile{N: 10, Value: 626 * ms}), "626ms"},
		{Bounded(metrics.Percentile{N: 10, Value: 120 * time.Second, Bound: metrics.AtLeast}), "≥ 120s"},
		{Bounded(metrics.Percentile{}), "none"},
		{Interval(metrics.Percentile{N: 10, Lo: 560 * ms, Hi: 590 * ms}), "[560ms, 590ms]"},
		{Interval(metrics.Percentile{N: 10, Lo: 560 * ms, Hi: 590 * ms, HiOpen: true}), "[560ms, ∞)"},
		{Interval(metrics.Percentile{N: 1, Lo: 560 * ms, Hi: 590 * ms, LoOpen: true}), "(0, 590ms]"},
		{SpeedupOf(metrics.Ratio{Value: 501.2}), "501×"},
		{SpeedupOf(metrics.Ratio{Value: 10850, Bound: metrics.AtLeast}), "≥ 10850×"},
		{SpeedupOf(metrics.Ratio{Bound: metrics.Unknown}), "?"},
		{RatioInterval(metrics.Ratio{Lo: 480, Hi: 520}), "[480×, 520×]"},
		{RatioInterval(metrics.Ratio{Lo: 448, HiOpen: true}), "[448×, ∞)"},
		{RatioInterval(metrics.Ratio{LoOpen: true, HiOpen: true}), ""},
		{ChangeOf(metrics.Ratio{Value: 2.27}), "+127.00%"},
		{ChangeOf(metrics.Ratio{Value: 0.0001, Bound: metrics.AtMost}), "≤ -99.99%"},
		{Mark(Inconclusive), "❔"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

package engine

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/scenario"
)

// fakeStep passes every rate up to capacity.
func fakeStep(capacity float64, ran *[]float64) stepFunc {
	return func(_ context.Context, _ Planned, rate float64, _ int) (model.CapacityStep, bool, error) {
		*ran = append(*ran, rate)
		st := model.CapacityStep{Rate: rate, Achieved: rate, Requests: int64(rate), Pass: rate <= capacity}
		if !st.Pass {
			st.Failures = []string{"p95 too high"}
		}
		return st, false, nil
	}
}

func TestCapacitySearch(t *testing.T) {
	sc := func(rate string) Planned {
		s, err := scenario.Parse("s.yaml", []byte("name: s\nrequest:\n  path: /x\nload:\n  rate: "+rate+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		return Planned{Scenario: s}
	}
	bounds := CapacityOptions{MaxRate: 1000, Precision: 0.1, Step: time.Second, Now: time.Now, Log: io.Discard}
	far := time.Now().Add(time.Hour)
	for _, tc := range []struct {
		name     string
		p        Planned
		capacity float64
		bounds   CapacityOptions
		deadline time.Time
		requests int64
		ran      []float64
		knee     float64
		limit    float64
		capped   bool
		stopped  string
		pass     bool
	}{
		{name: "up then bisect", p: sc("10/s"), capacity: 137, bounds: bounds, deadline: far,
			ran: []float64{10, 20, 40, 80, 160, 120, 140, 130}, knee: 130, limit: 140, pass: true},
		{name: "start fails: halve", p: sc("100/s"), capacity: 30, bounds: bounds, deadline: far,
			ran: []float64{100, 50, 25, 38, 32, 29, 31}, knee: 29, limit: 31, pass: false},
		{name: "capped", p: sc("max"), capacity: 5000, bounds: bounds, deadline: far,
			ran: []float64{10, 20, 40, 80, 160, 320, 640, 1000}, knee: 1000, capped: true, pass: true},
		{name: "nothing passes", p: sc("4/s"), capacity: 0, bounds: bounds, deadline: far,
			ran: []float64{4, 2, 1}, knee: 0, limit: 1, pass: false},
		{name: "budget", p: sc("10/s"), capacity: 137, bounds: bounds, deadline: time.Now().Add(-time.Second),
			knee: 0, stopped: "budget", pass: false},
		{name: "max requests", p: sc("10/s"), capacity: 137, bounds: bounds, deadline: far, requests: 100,
			ran: []float64{10, 20, 40}, knee: 40, stopped: "max-requests", pass: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ran []float64
			o := tc.bounds
			o.step = fakeStep(tc.capacity, &ran)
			s := &searcher{opts: o, deadline: tc.deadline, requests: tc.requests}
			cs := s.search(context.Background(), tc.p)
			if d := cmp.Diff(tc.ran, ran); d != "" {
				t.Errorf("rates tried (-want +got):\n%s", d)
			}
			got := []any{cs.Knee, cs.Limit, cs.Capped, cs.Stopped, cs.Pass}
			want := []any{tc.knee, tc.limit, tc.capped, tc.stopped, tc.pass}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("knee, limit, capped, stopped, pass (-want +got):\n%s", d)
			}
		})
	}
}

package verdict

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/perfgate/perfgate/internal/model"
)

// TestEvaluateAfterSaving holds the criteria to their saved form: a merge
// judges exactly what the run judged, after a trip through summary.json.
func TestEvaluateAfterSaving(t *testing.T) {
	lat := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}
	exp := model.Expect{
		Status:  200,
		Errors:  0.01,
		Latency: []model.LatencyLimit{{Stat: "p95", Max: 2 * time.Second}, {Stat: "mean", Max: 3 * time.Second}},
		Checks:  []string{"one entry"},
		DB:      []model.DBLimit{{Figure: "statements_per_request", Max: 1}},
	}
	tests := []struct {
		name string
		in   Input
	}{
		{name: "failing latency and check, db measured", in: Input{
			Summary: summary(map[uint16]int64{200: 2, 500: 1}, lat),
			Checks:  []model.Check{{Name: "one entry", Passed: 2, Failed: 1, Failures: []string{"got false: {}"}}},
			DB:      &model.DB{StatementsPerRequest: 1, StatementsAvailable: true},
		}},
		{name: "nothing sent, no probe", in: Input{Summary: summary(map[uint16]int64{}, nil)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := json.Marshal(exp)
			if err != nil {
				t.Fatal(err)
			}
			var saved model.Expect
			if err := json.Unmarshal(data, &saved); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(Evaluate(exp, tt.in), Evaluate(saved, tt.in)); diff != "" {
				t.Errorf("saved criteria judge differently (-file +saved):\n%s", diff)
			}
		})
	}
}

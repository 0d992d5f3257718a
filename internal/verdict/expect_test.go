package verdict

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/scenario"
)

// TestEvaluateSaved holds the saved criteria to the file's: a merge judges
// exactly what the run judged, after a trip through summary.json.
func TestEvaluateSaved(t *testing.T) {
	lat := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}
	exp := scenario.Expect{
		Status:  200,
		Errors:  0.01,
		Latency: []scenario.LatencyLimit{{Stat: "p95", Max: 2 * time.Second}, {Stat: "mean", Max: 3 * time.Second}},
		Checks:  []scenario.Check{{Name: "one entry", JQ: ".data | length == 1"}},
		DB:      []scenario.DBLimit{{Figure: "statements_per_request", Max: 1}},
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
			data, err := json.Marshal(SaveExpect(exp))
			if err != nil {
				t.Fatal(err)
			}
			var saved model.Expect
			if err := json.Unmarshal(data, &saved); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(Evaluate(exp, tt.in), EvaluateSaved(saved, tt.in)); diff != "" {
				t.Errorf("saved criteria judge differently (-file +saved):\n%s", diff)
			}
		})
	}
}

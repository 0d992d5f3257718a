package compare

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/perfgate/perfgate/internal/model"
)

func knees(k map[string]float64) *model.Capacity {
	c := &model.Capacity{Schema: model.SchemaCapacity}
	for name, knee := range k {
		c.Scenarios = append(c.Scenarios, &model.CapacityScenario{Name: name, Knee: knee})
	}
	return c
}

func TestCompareCapacity(t *testing.T) {
	const s1, s4 = "single-user-single-course", "empty-user-list"
	for _, tc := range []struct {
		name          string
		before, after *model.Capacity
		measured      string
		status        string
	}{
		{"none", nil, nil, "not measured: run perfgate capacity on both versions", "not measured"},
		{"one side only", knees(map[string]float64{s1: 1}), nil, "not measured: run perfgate capacity on both versions", "not measured"},
		{"improved", knees(map[string]float64{s1: 0}), knees(map[string]float64{s1: 240}), "knee none → 240/s on " + s1, "pass"},
		{"worse on one", knees(map[string]float64{s1: 2, s4: 900}), knees(map[string]float64{s1: 240, s4: 850}),
			"knee 2/s → 240/s on " + s1 + "; knee 900/s → 850/s on " + s4, "fail"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, after := checklistRuns(1600e6)
			bi, ai := before.input("b"), after.input("a")
			bi.Capacity, ai.Capacity = tc.before, tc.after
			res, err := Compare(bi, ai, Options{Latencies: loader(map[string]synth{"b": before, "a": after})})
			if err != nil {
				t.Fatal(err)
			}
			cc := res.Success[3]
			if cc.Name != "Concurrent request handling" || cc.Measured != tc.measured || cc.Status != tc.status {
				t.Errorf("row = %+v, want measured %q status %q", cc, tc.measured, tc.status)
			}
		})
	}
}

// TestLoadFindsCapacity reads capacity.json from the run directory or its
// parent.
func TestLoadFindsCapacity(t *testing.T) {
	root := t.TempDir()
	run := filepath.Join(root, "after")
	if err := os.Mkdir(run, 0o755); err != nil {
		t.Fatal(err)
	}
	_, after := checklistRuns(1600e6)
	if err := model.WriteRun(run, after.run); err != nil {
		t.Fatal(err)
	}
	in, err := Load(run)
	if err != nil || in.Capacity != nil {
		t.Fatalf("Load without capacity: %+v, %v", in.Capacity, err)
	}
	if err := model.WriteCapacity(root, knees(map[string]float64{"s": 12})); err != nil {
		t.Fatal(err)
	}
	in, err = Load(filepath.Join(run, model.SummaryFile))
	if err != nil || in.Capacity == nil || in.Capacity.Scenario("s").Knee != 12 {
		t.Fatalf("Load with capacity in the parent: %+v, %v", in.Capacity, err)
	}
}

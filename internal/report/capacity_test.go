package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/perfgate/perfgate/internal/model"
)

func testCapacity() *model.Capacity {
	step := func(rate float64, p95 time.Duration, pass bool, why ...string) model.CapacityStep {
		return model.CapacityStep{Rate: rate, Achieved: rate, Requests: int64(rate), Duration: time.Second,
			Latency: model.Latency{P50: p95 / 2, P95: p95, P99: p95 * 2}, Pass: pass, Failures: why}
	}
	confirm := func(st model.CapacityStep) model.CapacityStep { st.Confirmation = true; return st }
	return &model.Capacity{
		Schema: model.SchemaCapacity, Tool: model.Tool{Name: "perfgate", Version: "test"}, Target: "http://127.0.0.1:1",
		Label:    "after",
		Start:    time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC),
		End:      time.Date(2025, 3, 14, 9, 1, 0, 0, time.UTC),
		Settings: model.CapacitySettings{MaxRate: 10000, Precision: 0.1, Step: time.Second, Budget: time.Minute},
		Pass:     true,
		Scenarios: []*model.CapacityScenario{{
			Name: "s1", FileRate: "10/s", FileRatePerSecond: 10, Knee: 180, Limit: 200, Requests: 1000, Pass: true,
			Notes: []string{"80/s failed once (p95 400ms > 40ms), then passed its confirmation"},
			Steps: []model.CapacityStep{
				step(10, 20*time.Millisecond, true), step(20, 20*time.Millisecond, true), step(40, 21*time.Millisecond, true),
				step(80, 21*time.Millisecond, false, "p95 400ms > 40ms"), confirm(step(80, 21*time.Millisecond, true)), step(160, 22*time.Millisecond, true),
				step(320, 900*time.Millisecond, false, "p95 900ms > 40ms"), step(240, 300*time.Millisecond, false, "p95 300ms > 40ms"),
				step(200, 50*time.Millisecond, false, "p95 50ms > 40ms"), step(180, 30*time.Millisecond, true),
			},
		}},
	}
}

func TestCapacityRoundTrip(t *testing.T) {
	root := t.TempDir()
	c := testCapacity()
	if err := model.WriteCapacity(root, c); err != nil {
		t.Fatal(err)
	}
	got, err := model.ReadCapacity(root)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(c, got); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	// A run directory inside the one holding capacity.json finds it.
	run := filepath.Join(root, "run")
	if err := os.Mkdir(run, 0o755); err != nil {
		t.Fatal(err)
	}
	if found, err := model.FindCapacity(run); err != nil || found == nil || found.Scenario("s1").Knee != 180 {
		t.Errorf("FindCapacity(run) = %+v, %v", found, err)
	}
	if found, err := model.FindCapacity(filepath.Join(run, "none")); err != nil || found != nil {
		t.Errorf("FindCapacity(no capacity) = %+v, %v; want nil, nil", found, err)
	}
	os.WriteFile(filepath.Join(run, model.CapacityFile), []byte(`{"schema":"other"}`), 0o644)
	if _, err := model.FindCapacity(run); err == nil || !strings.Contains(err.Error(), `schema "other"`) {
		t.Errorf("FindCapacity(bad schema) error = %v", err)
	}
}

func TestCapacityKneeText(t *testing.T) {
	for _, tc := range []struct {
		s    model.CapacityScenario
		want string
	}{
		{model.CapacityScenario{Knee: 180, Limit: 200}, "180/s (fails at 200/s)"},
		{model.CapacityScenario{Knee: 10000, Capped: true}, "≥ 10000/s (max rate reached)"},
		{model.CapacityScenario{Limit: 10}, "none (fails at 10/s)"},
		{model.CapacityScenario{Knee: 40, Stopped: "budget"}, "40/s (cut short: budget)"},
		{model.CapacityScenario{Knee: 40, Limit: 80, Stopped: "budget"}, "40/s (fails at 80/s; cut short: budget)"},
	} {
		if got := kneeText(&tc.s); got != tc.want {
			t.Errorf("KneeText(%+v) = %q, want %q", tc.s, got, tc.want)
		}
	}
}

func TestCapacityRender(t *testing.T) {
	c := testCapacity()
	var text bytes.Buffer
	if err := CapacityText(&text, c); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	for _, want := range []string{"s1: knee 180/s (fails at 200/s), file rate 10/s", "p95 50ms > 40ms", "pass: every scenario",
		"confirming the failure above", "note: 80/s failed once (p95 400ms > 40ms), then passed its confirmation"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	// The curve reads in rate order, whatever order the search ran it in.
	if i, j := strings.Index(out, "  180/s"), strings.Index(out, "  200/s"); i < 0 || j < i {
		t.Errorf("curve not in rate order:\n%s", out)
	}
	var page bytes.Buffer
	if err := CapacityHTML(&page, c); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	for _, want := range []string{"<svg", "p95 latency by request rate", "knee 180/s", "p95 300ms &gt; 40ms",
		"confirming the failure at this rate", "80/s failed once (p95 400ms &gt; 40ms), then passed its confirmation"} {
		if !strings.Contains(html, want) {
			t.Errorf("html lacks %q", want)
		}
	}
}

package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
)

func TestABRenderers(t *testing.T) {
	ms := time.Millisecond
	a := &model.AB{Schema: model.SchemaAB, Before: model.ABSide{Target: "http://old:3000", Dir: "before"},
		After: model.ABSide{Target: "http://new:3000", Dir: "after"}, Rounds: 10, Block: 3 * time.Second, Order: "ABBA",
		MaxRegression: 0.1, MinEffect: 2 * ms,
		Scenarios: []*model.ABScenario{{Name: "single|user", Gate: "p90", Regressed: true, Rows: []model.ABRow{
			{Percentile: "p50", Before: 20 * ms, After: 25 * ms, Paired: metrics.Paired{Pairs: 10, Ratio: metrics.Ratio{Value: 1.25, Lo: 1.2, Hi: 1.3}, Outcome: metrics.Slower}},
			{Percentile: "p90", Before: 30 * ms, After: 30 * ms, Paired: metrics.Paired{Pairs: 10, Ratio: metrics.Ratio{Value: 1, Lo: 0.95, Hi: 1.05}, Outcome: metrics.NoChange}},
			{Percentile: "p99", Before: 40 * ms, After: 41 * ms, Note: "blocks of 40 requests are too few for p99 (needs ≥ 368 per block): raise --block or the rate"},
		}}},
		Failures: []string{"scenario single|user: p90 regressed"},
	}
	var text, md bytes.Buffer
	if err := ABText(&text, a); err != nil {
		t.Fatal(err)
	}
	if err := ABMarkdown(&md, a); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		out  string
		want []string
	}{
		"text": {text.String(), []string{
			"0.8× [0.77×, 0.83×]      slower", "1× [0.95×, 1.05×]        ~  (gate)",
			"inconclusive ¹", "¹ single|user p99: blocks of 40 requests are too few",
			"10 pairs of 3s blocks in ABBA order", "gate: FAIL", "  - scenario single|user: p90 regressed"}},
		"markdown": {md.String(), []string{
			"## ❌ perfgate ab: `http://old:3000` → `http://new:3000`", `### single\|user`,
			"| p90 | 30ms | 30ms | 1× [0.95×, 1.05×] | ~ (gate) |", `- scenario single\|user: p90 regressed`}},
	} {
		for _, w := range c.want {
			if !strings.Contains(c.out, w) {
				t.Errorf("%s lacks %q:\n%s", name, w, c.out)
			}
		}
	}
}

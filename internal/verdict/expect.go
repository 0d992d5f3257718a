package verdict

import (
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/scenario"
)

// SaveExpect returns exp in the form summary.json keeps: checks by name.
func SaveExpect(exp scenario.Expect) *model.Expect {
	out := &model.Expect{Status: exp.Status, Errors: exp.Errors}
	for _, l := range exp.Latency {
		out.Latency = append(out.Latency, model.LatencyLimit{Stat: l.Stat, Max: l.Max})
	}
	for _, c := range exp.Checks {
		out.Checks = append(out.Checks, c.Name)
	}
	for _, l := range exp.DB {
		out.DB = append(out.DB, model.DBLimit{Figure: l.Figure, Max: l.Max})
	}
	return out
}

// EvaluateSaved judges criteria saved in a summary (a merge of shards)
// exactly as Evaluate judges a scenario file's. Checks are judged from
// in.Checks, the tallies already counted (for a merge, the sums of the
// shards' tallies): bodies are not kept, so they cannot be run again.
func EvaluateSaved(exp model.Expect, in Input) []model.Criterion {
	e := scenario.Expect{Status: exp.Status, Errors: exp.Errors}
	for _, l := range exp.Latency {
		e.Latency = append(e.Latency, scenario.LatencyLimit{Stat: l.Stat, Max: l.Max})
	}
	for _, name := range exp.Checks {
		e.Checks = append(e.Checks, scenario.Check{Name: name})
	}
	for _, l := range exp.DB {
		e.DB = append(e.DB, scenario.DBLimit{Figure: l.Figure, Max: l.Max})
	}
	return Evaluate(e, in)
}

package model

import "github.com/perfgate/perfgate/internal/pgenv"

// SchemaPlans is the schema identifier of plans.json.
const SchemaPlans = "perfgate.plans/v1"

// PlansFile is the name of the raw query plans inside a run directory.
const PlansFile = "plans.json"

// Plans is the content of plans.json: per scenario, one plan per distinct
// statement shape with the server's raw EXPLAIN output (summary.json keeps
// only the summaries).
type Plans struct {
	Schema    string          `json:"schema"`
	Label     string          `json:"label,omitempty"`
	Capture   *PlanCapture    `json:"capture,omitempty"`
	Scenarios []ScenarioPlans `json:"scenarios"`
}

// ScenarioPlans are the plans one scenario's statements ran with.
type ScenarioPlans struct {
	Name  string              `json:"name"`
	Plans []pgenv.PlanSummary `json:"plans"`
}

// ReadPlans reads plans.json from a run directory or its path.
func ReadPlans(path string) (*Plans, error) {
	return readJSON(path, PlansFile, "plans", SchemaPlans, func(p *Plans) string { return p.Schema })
}

// WritePlans writes p as plans.json in dir, atomically.
func WritePlans(dir string, p *Plans) error {
	return writeJSON(dir, PlansFile, "plans", p)
}

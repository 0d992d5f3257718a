package pgenv

import (
	"strings"
	"testing"
	"time"
)

// TestMarkPlannerProbes: an index whose scans no captured plan explains is
// flagged as the planner's, and said once; without plans nothing is.
func TestMarkPlannerProbes(t *testing.T) {
	usage := []IndexUsage{
		{Name: "idx_used", Scans: 100},
		{Name: "pk", Scans: 2},
		{Name: "idx_idle"},
	}
	plans := []PlanSummary{{Scans: []TableScan{{Table: "t", Node: "Index Scan", Indexes: []string{"idx_used"}}}}}
	if note := markPlannerProbes(usage, nil); note != "" || usage[1].PlannerProbes {
		t.Fatalf("without plans: note %q, usage %+v", note, usage)
	}
	note := markPlannerProbes(usage, plans)
	if usage[0].PlannerProbes || !usage[1].PlannerProbes || usage[2].PlannerProbes {
		t.Errorf("flags: %+v; want only pk, used by no plan", usage)
	}
	if !strings.Contains(note, "no captured plan scans pk: its scans are the planner's") {
		t.Errorf("note %q", note)
	}
}

// TestDeltaTimePerRequest: the statements' execution time per request is
// the sum of the window's total_exec_time over the requests.
func TestDeltaTimePerRequest(t *testing.T) {
	before := &Snapshot{Statements: map[string]StatementStat{"a": {Query: "a", Calls: 10, TotalTime: 100}}}
	after := &Snapshot{Statements: map[string]StatementStat{
		"a": {Query: "a", Calls: 14, TotalTime: 180}, // 80 ms over 4 calls
		"b": {Query: "b", Calls: 2, TotalTime: 20},   // 20 ms, new in the window
	}}
	if got, want := Delta(before, after, 4).TimePerRequest, 25*time.Millisecond; got != want {
		t.Errorf("time per request %s, want %s", got, want)
	}
}

package pgenv

import (
	"fmt"
	"strings"
)

// Sources of Parallel's figures.
const (
	ParallelFromStatements = "pg_stat_statements" // exact: parallel_workers_launched, PostgreSQL 18+
	ParallelFromPlans      = "plans"              // estimated from the captured plans
	ParallelFromActivity   = "pg_stat_activity"   // workers seen while sampling: that they ran, not how many
)

// Parallel says whether parallel query workers ran in a scenario. It
// matters to the scan figures: pg_stat_user_tables counts a parallel
// sequential scan once per process (the leader and each worker), so one
// statement scanning a table with two workers shows three scans.
type Parallel struct {
	// Ran is set when workers were seen to run; with Source "" nothing
	// could tell (no pg_stat_statements column, no plans, no samples).
	Ran    bool   `json:"ran"`
	Source string `json:"source,omitempty"`
	// WorkersPerRequest is the workers launched per request: exact from
	// pg_stat_statements, estimated from plans; 0 with Source
	// pg_stat_activity.
	WorkersPerRequest float64 `json:"workers_per_request"`
	// SeqScansByWorkersPerRequest estimates, from the plans, how many of
	// Figures.SeqScansPerRequest the workers counted; the rest are the
	// statements' own scans. 0 without plans.
	SeqScansByWorkersPerRequest float64 `json:"seq_scans_by_workers_per_request"`
	// Statements are the shapes whose plans launched workers.
	Statements []string `json:"statements,omitempty"`
}

// shapeCalls returns the calls per statement shape between two snapshots.
func shapeCalls(before, after *Snapshot) map[string]int64 {
	out := map[string]int64{}
	for key, a := range after.Statements {
		if d := a.Calls - before.Statements[key].Calls; d > 0 {
			out[StatementShape(a.Query)] += d
		}
	}
	return out
}

// parallelOf works out Parallel from the best source available.
func parallelOf(before, after *Snapshot, f *Figures, exact bool, plans *planLog) Parallel {
	var p Parallel
	sample := 1.0
	if plans != nil {
		sample = plans.sample
	}
	var estWorkers, estScans float64
	for _, s := range f.Plans {
		if s.MeanWorkersLaunched <= 0 {
			continue
		}
		p.Statements = append(p.Statements, s.Shape)
		// Executions in the window: pg_stat_statements' count, else the
		// plans logged scaled up by the sampling rate.
		execs := float64(s.Calls)
		if execs == 0 {
			execs = float64(s.Plans) / sample
		}
		estWorkers += execs * s.MeanWorkersLaunched
		estScans += execs * s.WorkerSeqScans
	}
	per := func(v float64) float64 {
		if f.Requests <= 0 {
			return 0
		}
		return v / float64(f.Requests)
	}
	switch {
	case exact && f.StatementsAvailable:
		var w int64
		for key, a := range after.Statements {
			if d := a.Workers - before.Statements[key].Workers; d > 0 {
				w += d
			}
		}
		p.Source, p.WorkersPerRequest, p.Ran = ParallelFromStatements, per(float64(w)), w > 0
	case f.Plans != nil:
		p.Source, p.WorkersPerRequest, p.Ran = ParallelFromPlans, per(estWorkers), estWorkers > 0
	case f.Activity.Samples > 0:
		p.Source, p.Ran = ParallelFromActivity, f.Activity.MaxParallelWorkers > 0
	}
	if f.Activity.MaxParallelWorkers > 0 {
		p.Ran = true
	}
	p.SeqScansByWorkersPerRequest = per(estScans)
	return p
}

// Notes are the sentences a reader of the figures needs so as not to
// misread them: parallel workers inflating the scan counts, index scans
// that are the planner's and not the statements', and plans missing or
// partial.
func (f *Figures) Notes() []string {
	var out []string
	if f.Parallel.Ran {
		n := fmt.Sprintf("parallel workers ran (%s", f.Parallel.Source)
		if f.Parallel.WorkersPerRequest > 0 {
			n += fmt.Sprintf(": %.1f per request", f.Parallel.WorkersPerRequest)
		}
		n += "); pg_stat_user_tables counts a parallel scan once per process"
		if f.Parallel.SeqScansByWorkersPerRequest > 0 {
			n += fmt.Sprintf(", so of %.1f sequential scans per request about %.1f are the workers' and %.1f the statements' own (%.1f statements per request)",
				f.SeqScansPerRequest, f.Parallel.SeqScansByWorkersPerRequest,
				max(f.SeqScansPerRequest-f.Parallel.SeqScansByWorkersPerRequest, 0), f.StatementsPerRequest)
		} else {
			n += fmt.Sprintf(", so %.1f sequential scans per request can exceed the statements that scanned (%.1f statements per request)",
				f.SeqScansPerRequest, f.StatementsPerRequest)
		}
		out = append(out, n)
	}
	if f.Activity.StateHidden {
		out = append(out, "active connections count only the probe's own role's sessions: grant it pg_read_all_stats to see the service's")
	}
	if f.indexNote != "" {
		out = append(out, f.indexNote)
	}
	if f.PlansNote != "" {
		out = append(out, f.PlansNote)
	}
	if len(f.Plans) > 0 {
		var mixed []string
		for _, s := range f.Plans {
			if s.Variants > 1 {
				mixed = append(mixed, fmt.Sprintf("%q (%d plans)", truncate(s.Shape, 60), s.Variants))
			}
		}
		if len(mixed) > 0 {
			out = append(out, "statements that ran with more than one plan, the slowest kept: "+strings.Join(mixed, ", "))
		}
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

package pgenv_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// parallelScan has the session plan the details lookup as a parallel
// sequential scan, whatever the table's size.
func parallelScan(t *testing.T, c *pgx.Conn) {
	t.Helper()
	for _, s := range []string{"SET max_parallel_workers_per_gather = 2", "SET parallel_setup_cost = 0",
		"SET parallel_tuple_cost = 0", "SET min_parallel_table_scan_size = 0"} {
		query(t, c, s)
	}
}

// TestPlanPass: on a cluster with auto_explain loaded but off, a scenario's
// measured load runs without capture, a plan pass after it captures the
// plans of the same statements, and capture is off again for the next
// scenario. The pass's plans take the measured load's executions, and the
// parallel workers they launched are scaled to the measured requests.
func TestPlanPass(t *testing.T) {
	ctx := context.Background()
	l, err := pgenv.StartLocal(ctx, pgenv.WithPlanCapture(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Stop() })
	dsn := newDBOn(t, l)
	detailRows(t, dsn, 2000)
	p, err := pgenv.OpenProbe(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if !p.PlanSwitchable() || p.PlansCaptured() {
		t.Fatalf("switchable %v, captured %v (%s): want a probe that may switch capture on", p.PlanSwitchable(), p.PlansCaptured(), p.PlansNote())
	}

	// Three requests of two statements each.
	measured := scenario(t, p, dsn, 3, func(c *pgx.Conn) {
		parallelScan(t, c)
		for i := range 6 {
			query(t, c, detailsByTracking, fmt.Sprint(i))
		}
	})
	if measured.Plans != nil {
		t.Fatalf("plans captured during the measured load: %+v", measured.Plans)
	}
	pass, err := p.PlanPass(ctx, func(ctx context.Context) (int64, error) {
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return 0, err
		}
		defer c.Close(ctx)
		parallelScan(t, c)
		query(t, c, detailsByTracking, "7")
		query(t, c, detailsByTracking, "8")
		return 1, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pass.Plans) != 1 || pass.Requests != 1 || pass.Plans[0].Plans != 2 {
		t.Fatalf("pass: %d requests, plans %+v; want one shape logged twice", pass.Requests, pass.Plans)
	}
	plan := pass.Plans[0]
	if len(plan.Scans) != 1 || plan.Scans[0].String() != "Parallel Seq Scan on content_tracking_details" || plan.MeanWorkersLaunched <= 0 {
		t.Fatalf("pass plan: scans %v, %.1f workers launched", plan.Scans, plan.MeanWorkersLaunched)
	}

	measured.UsePlanPass(pass)
	if len(measured.Plans) != 1 || measured.Plans[0].Calls != 6 || measured.PlansNote != "" {
		t.Errorf("measured with the pass's plans: %+v, note %q; want the plan with the measured 6 calls", measured.Plans, measured.PlansNote)
	}
	par := measured.Parallel
	if want := plan.MeanWorkersLaunched * 2; !par.Ran || par.Source != pgenv.ParallelFromPlans || par.WorkersPerRequest != want {
		t.Errorf("parallel %+v: want %.1f workers per request from the plans (2 statements per request)", par, want)
	}
	if !strings.Contains(strings.Join(measured.Notes(), "\n"), "parallel workers ran") {
		t.Errorf("notes %q: want the parallel workers said", measured.Notes())
	}

	// Capture is off again: the next scenario has no plans, says why, and
	// holds its own statements only (none of the pass's).
	next := scenario(t, p, dsn, 1, func(c *pgx.Conn) { query(t, c, detailsByTracking, "9") })
	if next.Plans != nil || !strings.Contains(next.PlansNote, "loaded but off") || next.StatementsPerRequest != 1 {
		t.Errorf("after the pass: plans %+v, note %q, %.1f statements per request", next.Plans, next.PlansNote, next.StatementsPerRequest)
	}
	if got := pgtest.QueryInt(t, dsn, "SELECT current_setting('auto_explain.log_min_duration')::int"); got != -1 {
		t.Errorf("auto_explain.log_min_duration = %d after the pass, want -1", got)
	}
	if !p.PlanSwitchable() {
		t.Errorf("a second pass is refused: %s", p.PlansNote())
	}
}

// TestPlanPassRefused: without auto_explain the probe cannot switch
// capture, and PlanPass says what to enable instead of sending anything.
func TestPlanPassRefused(t *testing.T) {
	ctx := context.Background()
	p, err := pgenv.OpenProbe(ctx, pgtest.NewDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	sent := false
	_, err = p.PlanPass(ctx, func(context.Context) (int64, error) { sent = true; return 1, nil })
	if p.PlanSwitchable() || err == nil || sent || !strings.Contains(err.Error(), "enable auto_explain") {
		t.Errorf("switchable %v, sent %v, err %v: want a refusal that says what to enable", p.PlanSwitchable(), sent, err)
	}
}

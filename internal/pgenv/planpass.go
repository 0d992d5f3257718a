package pgenv

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// DefaultPlanPassRequests is how many requests a plan pass sends after a
// scenario's measured load. One is enough for an endpoint whose
// statements do not depend on chance: every statement shape of the
// request runs, and its plan is what the measured requests ran with
// (same statements, same data, same settings). A pass costs no measured
// latency: the measured load runs with capture off, and auto_explain's
// ANALYZE (+10 % to +70 % per statement, BenchmarkPlanCaptureOverhead)
// slows only the pass.
const DefaultPlanPassRequests = 1

// PlanSwitchable reports whether PlanPass can capture plans: the server
// preloads auto_explain switched off (a local cluster started
// WithPlanCapture(0)) and the probe's role is a superuser, who may switch
// it on for a pass and off again.
func (p *Probe) PlanSwitchable() bool {
	return p.super && p.plans == nil && strings.Contains(p.planNote, planCaptureOff)
}

// PlanPass captures the plans of the statements that send causes, in a
// window of its own after a scenario's measured load: it switches the
// server's capture on (SetPlanCapture), opens a window (Begin), calls
// send, which returns the requests it sent, closes the window (End) and
// switches capture off again, also when send fails. The figures it
// returns are the pass's: give them to UsePlanPass of the measured
// scenario's figures. It fails unless PlanSwitchable.
func (p *Probe) PlanPass(ctx context.Context, send func(context.Context) (int64, error)) (f *Figures, err error) {
	if !p.PlanSwitchable() {
		return nil, fmt.Errorf("db probe: plan pass: %s", p.planNote)
	}
	off := p.planNote
	if err := SetPlanCapture(ctx, p.dsn, DefaultPlanSampleRate); err != nil {
		return nil, fmt.Errorf("db probe: plan pass: %w", err)
	}
	defer func() {
		// Capture stays off between passes: the next Begin finds it off
		// again and opens no plan window for the measured load.
		p.plans, p.planOpen, p.planNote = nil, false, off
		if oerr := SetPlanCapture(context.WithoutCancel(ctx), p.dsn, 0); oerr != nil {
			err = errors.Join(err, fmt.Errorf("db probe: plan pass: switch capture off: %w", oerr))
		}
	}()
	if err := p.Begin(ctx); err != nil {
		return nil, err
	}
	if p.plans == nil {
		// Begin did not see capture on: close the window and say why.
		_, _ = p.End(ctx, 0)
		return nil, fmt.Errorf("db probe: plan pass: capture did not switch on: %s", p.planNote)
	}
	n, sendErr := send(ctx)
	f, err = p.End(context.WithoutCancel(ctx), n)
	if err != nil {
		return nil, errors.Join(sendErr, err)
	}
	if sendErr != nil {
		return nil, fmt.Errorf("db probe: plan pass: %w", sendErr)
	}
	return f, nil
}

// UsePlanPass gives f, the figures of a scenario's measured load (captured
// without plans), the plans of its plan pass: each plan's Calls become the
// measured load's executions of its shape, PlansNote is the pass's (empty
// when its capture was complete: the run records that it used a pass),
// and Parallel is completed from the plans (the workers each plan
// launched, scaled to the measured executions).
func (f *Figures) UsePlanPass(pass *Figures) {
	plans := slices.Clone(pass.Plans)
	for i := range plans {
		plans[i].Calls = f.calls[plans[i].Shape]
	}
	f.Plans = plans
	f.indexNote = markPlannerProbes(f.Indexes, plans)
	f.PlansNote = pass.PlansNote
	if len(plans) == 0 || f.Requests <= 0 || pass.Requests <= 0 {
		return
	}
	// The pass is a sample of the scenario's requests: a shape whose
	// measured executions are unknown (no pg_stat_statements) counts its
	// pass plans scaled by measured requests over pass requests.
	est := parallelOf(&Snapshot{}, &Snapshot{}, f, false, &planLog{sample: float64(pass.Requests) / float64(f.Requests)})
	if f.Parallel.Source == ParallelFromStatements {
		f.Parallel.Statements = est.Statements
		f.Parallel.SeqScansByWorkersPerRequest = est.SeqScansByWorkersPerRequest
		f.Parallel.Ran = f.Parallel.Ran || est.Ran
		return
	}
	f.Parallel = est
}

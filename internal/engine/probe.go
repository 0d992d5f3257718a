package engine

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/sysinfo"
)

// environment records, at the start of a run, perfgate's machine and, with
// a probe, the database's fingerprint, the freshness of its statistics and
// how plans will be captured.
func environment(ctx context.Context, o RunOptions) (*model.Environment, error) {
	env := &model.Environment{Host: sysinfo.Host(), Service: o.Service}
	p := o.Probe
	if p == nil {
		return env, nil
	}
	fp, err := p.Fingerprint(ctx)
	if err != nil {
		return nil, fmt.Errorf("db probe: %w", err)
	}
	fresh, err := p.Freshness(ctx)
	if err != nil {
		return nil, fmt.Errorf("db probe: %w", err)
	}
	env.Database, env.Statistics = fp, &fresh
	env.Plans = planCapture(p, o.PlanPass)
	return env, nil
}

// planCapture says how the run's plans will be captured: during the load
// when the server already explains statements, in a plan pass when the
// run asked for one and the probe can switch capture, otherwise not, with
// what to enable.
func planCapture(p *pgenv.Probe, pass int) *model.PlanCapture {
	switch {
	case p.PlansCaptured():
		note := "the server explained the measured requests' statements (auto_explain was on): their latencies include its cost"
		if n := p.PlansNote(); n != "" {
			note += "; " + n
		}
		return &model.PlanCapture{Mode: model.PlanCaptureLoad, Note: note}
	case pass > 0 && p.PlanSwitchable():
		return &model.PlanCapture{Mode: model.PlanCapturePass, PassRequests: pass,
			Note: fmt.Sprintf("after each scenario's measured load, %d more request(s) with auto_explain switched on (ANALYZE and BUFFERS, "+
				"no per-node timing); the measured requests ran without capture, so their latencies carry none of its cost", pass)}
	}
	return &model.PlanCapture{Mode: model.PlanCaptureOff, Note: p.PlansNote()}
}

// planPass captures the plans of a scenario whose measured load ran
// without capture: o.PlanPass more requests, one at a time, with capture on
// (pgenv.Probe.PlanPass). Nothing to do when the load was captured
// already, no pass was asked for, or the requests ran no statement.
func planPass(ctx context.Context, o ScenarioOptions, p Planned, f *pgenv.Figures) error {
	if o.PlanPass <= 0 || o.Probe.PlansCaptured() || !o.Probe.PlanSwitchable() {
		return nil
	}
	if f.StatementsAvailable && f.StatementsPerRequest == 0 {
		f.PlansNote = "no statement ran: there is no plan to capture"
		return nil
	}
	timeout := p.Scenario.Load.Timeout
	if timeout <= 0 {
		timeout = load.DefaultTimeout
	}
	maxBody := o.MaxBody
	if maxBody <= 0 {
		maxBody = load.DefaultMaxBody
	}
	pass, err := o.Probe.PlanPass(ctx, func(ctx context.Context) (int64, error) {
		var sent int64
		for range o.PlanPass {
			sent++
			if _, err := load.Send(ctx, p.Request, timeout, maxBody); err != nil {
				return sent, fmt.Errorf("send the request of %s: %w", p.Scenario.Name, err)
			}
		}
		return sent, nil
	})
	if err != nil {
		return err
	}
	f.UsePlanPass(pass)
	return nil
}

// dbFigures is the probe's figures of a scenario as summary.json keeps them.
func dbFigures(f *pgenv.Figures) *model.DB {
	db := &model.DB{
		StatementsPerRequest: f.StatementsPerRequest,
		SeqScansPerRequest:   f.SeqScansPerRequest,
		IndexScansPerRequest: f.IndexScansPerRequest,
		RowsReadPerRequest:   f.RowsReadPerRequest,
		IndexesPresent:       f.IndexesPresent,
		MissingIndexes:       f.MissingIndexes,
		StatementsAvailable:  f.StatementsAvailable,
		TimePerRequest:       f.TimePerRequest,
		Indexes:              f.Indexes,
		UnusedIndexes:        f.UnusedIndexes,
		Plans:                f.Plans,
		PlansNote:            f.PlansNote,
		TempFiles:            f.TempFiles,
		TempBytes:            f.TempBytes,
	}
	for _, s := range f.Slowest {
		db.SlowestStatements = append(db.SlowestStatements, model.Statement{Query: s.Query, Calls: s.Calls, MeanTime: s.MeanTime, Rows: s.Rows})
	}
	if f.Activity.Samples > 0 {
		a := f.Activity
		db.Activity = &a
	}
	if f.Parallel.Source != "" || f.Parallel.Ran {
		par := f.Parallel
		db.Parallel = &par
	}
	// The plans' note has a place of its own beside the plans.
	for _, n := range f.Notes() {
		if n != f.PlansNote {
			db.Notes = append(db.Notes, n)
		}
	}
	return db
}

// keepPlans moves a scenario's raw plans into the run's plans.json and
// leaves their summaries in its DB figures.
func keepPlans(doc *model.Plans, sc *model.Scenario) {
	if sc.DB == nil || len(sc.DB.Plans) == 0 {
		return
	}
	doc.Scenarios = append(doc.Scenarios, model.ScenarioPlans{Name: sc.Name, Plans: sc.DB.Plans})
	summaries := slices.Clone(sc.DB.Plans)
	for i := range summaries {
		summaries[i].Plan = nil
	}
	sc.DB.Plans = summaries
}

// sampler samples the service's process during a scenario's load; a nil
// sampler (no process, or one that could not be read) samples nothing.
type sampler struct {
	s    *sysinfo.Sampler
	note string
}

func startSampler(pid int) *sampler {
	if pid <= 0 {
		return nil
	}
	s, err := sysinfo.StartSampler(pid, sysinfo.DefaultSampleInterval)
	if err != nil {
		return &sampler{note: err.Error()}
	}
	return &sampler{s: s}
}

// stop ends the sampling and returns what it measured.
func (s *sampler) stop() *sampled {
	if s == nil {
		return nil
	}
	if s.s == nil {
		return &sampled{note: s.note}
	}
	return &sampled{usage: s.s.Stop()}
}

type sampled struct {
	usage sysinfo.Usage
	note  string
}

// resources is the sample as summary.json keeps it, per request.
func (u *sampled) resources(requests int64) *model.Resources {
	if u == nil {
		return nil
	}
	if u.note != "" {
		return &model.Resources{Note: "not sampled: " + u.note}
	}
	r := &model.Resources{Usage: u.usage, CPUPerRequest: u.usage.CPUPerRequest(requests), Cores: u.usage.Cores()}
	if u.usage.Exited {
		r.Note = "the process exited during the load: the figures cover the time it ran"
	}
	if u.usage.CPUSeconds < 10*cpuTick.Seconds() {
		coarse := fmt.Sprintf("coarse: %.2f s of CPU in all, counted in %s ticks", u.usage.CPUSeconds, cpuTick)
		if r.Note != "" {
			coarse = r.Note + "; " + coarse
		}
		r.Note = coarse
	}
	return r
}

// cpuTick is the resolution of a process's CPU time in /proc (USER_HZ).
const cpuTick = 10 * time.Millisecond

// mergeResources chooses the service's resources of a merged scenario:
// those of the first shard that sampled the service, whose CPU per request
// is then over the requests of all shards (the service served them all
// while it was sampled, exactly so when the shards ran at the same time).
func mergeResources(parts []*model.Scenario, total int64) *model.Resources {
	for _, p := range parts {
		if p == nil || p.Resources == nil {
			continue
		}
		r := *p.Resources
		if total > 0 && p.Requests != total {
			r.CPUPerRequest = r.Usage.CPUPerRequest(total)
		}
		return &r
	}
	return nil
}

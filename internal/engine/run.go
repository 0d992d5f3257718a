package engine

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/pgenv"
)

// probeReadTimeout bounds the probe's reading after a scenario: it reads
// even when the run was interrupted, so that the figures of what was sent
// are not lost.
const probeReadTimeout = 30 * time.Second

// RunOptions tune a run. Zero values take the load package's defaults.
type RunOptions struct {
	// Dir is the run directory the raw results are written into; it must
	// exist (CreateRunDir).
	Dir        string
	Target     string
	Label      string
	MaxWorkers uint64
	// MaxBody is how much of each body the jq checks read (load's default
	// when 0).
	MaxBody int64
	// Shard, when set, tags every raw result with the shard index and is
	// recorded in the summary.
	Shard *ShardPlan
	// Probe, when set, measures the database around every scenario, and
	// at the start its fingerprint and the freshness of its statistics.
	Probe *pgenv.Probe
	// PlanPass, when positive and the probe can switch plan capture
	// (pgenv.Probe.PlanSwitchable), sends that many more requests after
	// each scenario's measured load with capture on, for its plans.
	PlanPass int
	// TLS is how an https target's certificate is trusted
	// (load.TLSConfig; nil for Go's defaults).
	TLS *tls.Config
	// Service is the process whose CPU and memory are sampled during each
	// scenario (FindService); nil samples nothing.
	Service *model.ServiceProcess
	// Progress, when set, gets each scenario's progress: a bar on a
	// terminal, lines for a *load.PlainProgress.
	Progress io.Writer
	// Done, when set, is called with each scenario as soon as it is
	// judged, before the next one starts: a CI log shows its result then,
	// not after the whole run.
	Done func(*model.Scenario)
	// Tool identifies the perfgate build in the summary.
	Tool model.Tool
	// Warnings found before the run (such as an ignored --db-probe) are
	// kept in the summary.
	Warnings []string
	// Now is the clock of the summary's start and end (time.Now when nil).
	Now func() time.Time
	// AllowInconclusive lets a criterion too few requests can judge pass,
	// marked inconclusive (run --allow-inconclusive).
	AllowInconclusive bool
}

// orNow is the clock now, or time.Now when the caller set none (the
// options' Now is for tests).
func orNow(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}

// Run drives every planned scenario in order, each with its own load, and
// returns the finished run: figures, verdicts and the overall verdict. An
// interrupt (ctx cancelled) ends the run after the scenario it cut short,
// whose partial results are kept; the run is then marked interrupted and
// fails. An error means a scenario could not be measured: the run returned
// with it holds the scenarios measured before, so the caller can still
// save them.
func Run(ctx context.Context, ps []Planned, o RunOptions) (*model.Run, error) {
	now := orNow(o.Now)
	run := &model.Run{
		Schema:   model.SchemaRun,
		Tool:     o.Tool,
		Target:   o.Target,
		Label:    o.Label,
		Start:    now().UTC(),
		Shard:    o.Shard.saved(),
		Pass:     true,
		Warnings: slices.Clone(o.Warnings),

		AllowInconclusive: o.AllowInconclusive,
	}
	env, err := environment(ctx, o)
	if err != nil {
		return run, err
	}
	run.Environment = env
	if env.Statistics != nil {
		run.Warnings = append(run.Warnings, env.Statistics.Warnings()...)
	}
	plans := &model.Plans{Schema: model.SchemaPlans, Label: o.Label, Capture: env.Plans}
	for _, p := range ps {
		var sc *model.Scenario
		sc, err = RunScenario(ctx, p, ScenarioOptions{Dir: o.Dir, MaxWorkers: o.MaxWorkers, MaxBody: o.MaxBody, Shard: o.Shard,
			Probe: o.Probe, PlanPass: o.PlanPass, ServicePID: env.Service.Sampled(), Progress: o.Progress, TLS: o.TLS,
			AllowInconclusive: o.AllowInconclusive})
		if err != nil {
			break
		}
		if w := DeliveryWarning(sc); w != "" {
			run.Warnings = append(run.Warnings, w)
		}
		keepPlans(plans, sc)
		run.Scenarios = append(run.Scenarios, sc)
		if o.Done != nil {
			o.Done(sc)
		}
		run.Pass = run.Pass && sc.Pass
		if sc.Interrupted {
			run.Interrupted = true
			break
		}
	}
	if o.Probe != nil {
		run.Warnings = append(run.Warnings, o.Probe.Warnings()...)
	}
	if len(plans.Scenarios) > 0 {
		if werr := model.WritePlans(o.Dir, plans); werr != nil {
			err = errors.Join(err, werr)
		}
	}
	run.End = now().UTC()
	if run.Interrupted || err != nil {
		run.Pass = false
	}
	return run, err
}

// ScenarioOptions tune the measurement of one scenario.
type ScenarioOptions struct {
	// Dir is where <scenario>.parquet is written.
	Dir        string
	MaxWorkers uint64
	MaxBody    int64
	Shard      *ShardPlan
	Probe      *pgenv.Probe
	// PlanPass is RunOptions.PlanPass.
	PlanPass int
	// ServicePID, when positive, is the process whose CPU and memory are
	// sampled during the load.
	ServicePID int
	Progress   io.Writer
	// TLS is RunOptions.TLS.
	TLS *tls.Config
	// AllowInconclusive is RunOptions.AllowInconclusive.
	AllowInconclusive bool
}

// RunScenario drives one scenario and judges it. Raw results stream to
// Parquet as they arrive; bodies are only read when a jq check needs them.
// With a probe, the scenario's DB figures carry the plans with the
// server's raw EXPLAIN output (Run moves those to plans.json).
func RunScenario(ctx context.Context, p Planned, o ScenarioOptions) (*model.Scenario, error) {
	sc := p.Scenario
	rawName := sc.Name + load.RawExt
	raw, err := load.CreateRaw(filepath.Join(o.Dir, rawName), load.ExpectStatus(sc.Expect.Status))
	if err != nil {
		return nil, err
	}
	rateText, requested := sc.Load.Requested()
	// Room for the expected latencies up front (at most 32 MB); at rate
	// max nothing is expected, so start at a million rather than double
	// from one.
	expected := int(requested*sc.Load.Duration.Seconds()) + 1
	if sc.Load.Rate.IsMax() && len(sc.Load.Stages) == 0 {
		expected = 1 << 20
	}
	sink := NewSink(min(expected, 1<<22), sc.Checks, raw)
	if o.Probe != nil {
		if err := o.Probe.Begin(ctx); err != nil {
			raw.Close()
			return nil, exit.Unavailable(err)
		}
	}
	sampler := startSampler(o.ServicePID)
	stats, err := load.Attack(ctx, sc.Name, []load.Request{p.Request}, load.Options{
		Rate:        sc.Load.Rate,
		Stages:      sc.Load.Stages,
		Duration:    sc.Load.Duration,
		MinRequests: sc.Load.MinRequests,
		Warmup:      sc.Load.Warmup,
		Timeout:     sc.Load.Timeout,
		MaxWorkers:  o.MaxWorkers,
		MaxBody:     o.MaxBody,
		KeepBody:    sink.NeedsBodies(),
		Shard:       o.Shard.tag(),
		Progress:    o.Progress,
		TLS:         o.TLS,
	}, sink.Add)
	usage := sampler.stop()
	closeErr := raw.Close()
	if err != nil {
		return nil, exit.Unavailable(err)
	}
	if err := errors.Join(sink.WriteErr(), closeErr); err != nil {
		return nil, fmt.Errorf("raw results of %s: %w", sc.Name, err)
	}

	s := sink.Summary()
	var db *model.DB
	if o.Probe != nil && s.Requests > 0 {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), probeReadTimeout)
		f, err := o.Probe.End(pctx, s.Requests)
		cancel()
		if err != nil {
			return nil, exit.Unavailable(err)
		}
		switch {
		case stats.Interrupted:
		case Timeouts(s) == s.Requests:
			// A plan pass would time out like every measured request, at
			// the cost of one more timeout (minutes at claim scale).
			f.PlansNote = "no plans: every measured request timed out, and a plan pass would too"
		default:
			// The plans explain the figures; without them the figures
			// still stand, and the scenario says why they are missing.
			if err := planPass(ctx, o, p, f); err != nil {
				f.PlansNote = "no plans: " + err.Error()
			}
		}
		db = dbFigures(f)
	}
	exp := sc.Expect
	out := &model.Scenario{
		Name:          sc.Name,
		Description:   sc.Description,
		File:          sc.File,
		Method:        p.Request.Method,
		URL:           RedactURL(p.Request.URL),
		Rate:          rateText,
		RequestedRate: requested,
		Warmup:        stats.Warmup,
		Duration:      sc.Load.Duration,
		Checks:        sink.Checks(),
		DB:            db,
		Expect:        &exp,
		Raw:           rawName,
		Interrupted:   stats.Interrupted,
		Resources:     usage.resources(s.Requests),
	}
	// The same arithmetic as a merge of shards: one place for it.
	ApplyFigures(out, s, sink.Sorted())
	if out.Saturation != nil {
		out.Saturation.MaxWorkers, out.Saturation.PeakInFlight = stats.MaxWorkers, stats.PeakInFlight
	}
	Judge(out, s, sink, p.Prefix, o.AllowInconclusive)
	if !stats.Interrupted {
		out.FailingAnswer = failingAnswer(ctx, p, out, o.TLS)
	}
	return out, nil
}

// failingAnswerTimeout bounds the request failingAnswer sends.
const failingAnswerTimeout = 30 * time.Second

// failingAnswer is the evidence behind a scenario's unexpected statuses:
// nil when every answer had the expected status (or none answered). The
// load reads no bodies unless a jq check needs them, so a status alone is
// known: one more request, sent after the load and its database
// measurement, fetches an answer's body, kept only when that answer's
// status is unexpected too.
func failingAnswer(ctx context.Context, p Planned, sc *model.Scenario, tlsConf *tls.Config) *model.Answer {
	want := strconv.Itoa(sc.Expect.Status)
	unexpected := false
	for code, n := range sc.StatusCodes {
		if n > 0 && code != want && code != "0" {
			unexpected = true
		}
	}
	if !unexpected {
		return nil
	}
	timeout := p.Scenario.Load.Timeout
	if timeout <= 0 || timeout > failingAnswerTimeout {
		timeout = failingAnswerTimeout
	}
	reply, err := load.SenderTLS(tlsConf)(ctx, p.Request, timeout, load.DefaultMaxBody)
	if err != nil || reply.Status == sc.Expect.Status {
		return nil
	}
	return &model.Answer{Status: reply.Status, Body: model.ClipBody(reply.Body), Resent: true}
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/report"
	"github.com/perfgate/perfgate/internal/scenario"
	"github.com/perfgate/perfgate/internal/verdict"
)

type runOptions struct {
	streams    Streams
	paths      []string
	target     string
	scen       scenarioFlags
	maxWorkers uint64
	out        string
	label      string
	formats    string
	dbProbe    string
	noProgress bool
	expect     []string
	shard      string     // --shard i/N
	sh         *shardPlan // parsed --shard; nil without it
	now        func() time.Time
	// flushService, when set, runs before each probe snapshot (before the
	// first scenario and after each scenario's load). The demo closes its
	// service's idle connections there: a closing backend flushes its table
	// statistics at once, so the probe need not wait out PostgreSQL's 10 s
	// idle flush.
	flushService func()
}

func newRunCmd(streams Streams, runF func(context.Context, *runOptions) error) *cobra.Command {
	if runF == nil {
		runF = runRun
	}
	opts := &runOptions{streams: streams, now: time.Now}
	cmd := &cobra.Command{
		Use:   "run [PATH...]",
		Short: "Drive scenario files with vegeta against --target and judge them",
		Long: `run loads scenario files (default scenarios/), tries the target once, then
drives each scenario with vegeta at its rate for its duration, judges the
results against its criteria and writes a run directory:

  summary.json         figures and verdicts (schema perfgate.run/v1)
  <scenario>.parquet   the raw results, one row per request
  summary.md, junit.xml, report.html   with --format

It prints a summary table and exits 0 when every criterion is met, 1 when
one failed, 2 on a scenario-file or usage error (nothing sent), 3 when the
run could not be carried out (target unreachable, interrupted). Ctrl-C
stops the load and still writes what was gathered.

With --shard i/N the run is shard i of a distributed run of N machines
(e.g. the pods of a Kubernetes Indexed Job: --shard auto/N reads
$JOB_COMPLETION_INDEX): it sends 1/N of each scenario's rate ("max" stays
max per shard), tags its raw results with i, writes shard.json beside the
summary, and defaults to reports/<UTC time>-<label>-shard-i-of-N. Only
shard 0 probes the database. Each shard judges its own criteria, but its
share of the load is not the test: merge the shards with
perfgate report SHARD... and gate on the merged report.`,
		Example: `  # the four checklist scenarios against a local service
  perfgate run --target http://127.0.0.1:3000 --label before scenarios/

  # calling the service directly (no gateway prefix), with seeded fixtures
  perfgate run --target http://127.0.0.1:3000 --set Prefix=/v1/tracking --fixtures fixtures.json

  # one scenario, harder, with a stricter gate from the command line
  perfgate run --only single-user-single-course --rate 20/s --duration 1m --expect p99=500ms`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.paths = args
			return runF(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	registerLoadTarget(cmd, &opts.target, &opts.maxWorkers)
	opts.scen.register(cmd, true)
	fl.StringVar(&opts.out, "out", "", "run directory to write (default reports/<UTC time>-<label>)")
	fl.StringVar(&opts.label, "label", "", "name of this run, e.g. before or after")
	fl.StringVar(&opts.formats, "format", "text,json", "formats to write: text (stdout), json, md, junit, html")
	fl.StringVar(&opts.dbProbe, "db-probe", "", "Postgres DSN of the service's database: measure statements, scans and rows per request")
	fl.BoolVar(&opts.noProgress, "no-progress", false, "never draw progress (it is drawn only when stderr is a terminal)")
	fl.StringVar(&opts.shard, "shard", "", "run shard i (0-based) of N of a distributed run: i/N, or auto/N to read $JOB_COMPLETION_INDEX; merge the shards with perfgate report")
	fl.StringArrayVar(&opts.expect, "expect", nil, "extra criterion for every scenario: p95=2s, errors=1%, status=200, db.statements_per_request=1")
	return cmd
}

func runRun(ctx context.Context, opts *runOptions) error {
	formats, err := report.ParseFormats(opts.formats)
	if err != nil {
		return exit.Usage(err)
	}
	ps, err := plan(opts.paths, opts.scen, opts.target)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if err := applyExpect(&p.sc.Expect, opts.expect); err != nil {
			return err
		}
	}
	if opts.maxWorkers == 0 {
		return exit.Usagef("--max-workers must be at least 1")
	}
	marker, shardWarning, err := planShard(opts, ps)
	if err != nil {
		return err
	}

	var probe dbProbe
	if opts.dbProbe != "" {
		if probe, err = openProbe(ctx, opts.dbProbe, opts.label, opts.streams.ErrOut); err != nil {
			return err
		}
		defer probe.Close()
	}
	for _, o := range origins(ps) {
		if err := load.Preflight(ctx, o, load.DefaultPreflightTimeout); err != nil {
			return exit.Unavailable(err)
		}
	}

	dir := opts.out
	if dir == "" {
		dir = runDirName(opts.now(), opts.label) + opts.sh.dirSuffix()
	}
	if err := prepareRunDir(dir); err != nil {
		return err
	}
	if marker != nil {
		if err := model.WriteShardMarker(dir, marker); err != nil {
			return err
		}
	}

	run := &model.Run{
		Schema: model.SchemaRun,
		Tool:   model.Tool{Name: "perfgate", Version: Version, Commit: commit(), GoVersion: runtime.Version()},
		Target: opts.target,
		Label:  opts.label,
		Start:  opts.now().UTC(),
		Shard:  opts.sh.reportShard(),
		Pass:   true,
	}
	if shardWarning != "" {
		run.Warnings = append(run.Warnings, shardWarning)
	}
	var progress io.Writer
	if opts.streams.ErrIsTerminal && !opts.noProgress {
		progress = opts.streams.ErrOut
	}
	for _, p := range ps {
		sc, err := runScenario(ctx, p, dir, opts, probe, progress)
		if err != nil {
			return err
		}
		run.Scenarios = append(run.Scenarios, sc)
		run.Pass = run.Pass && sc.Pass
		if sc.Interrupted {
			run.Interrupted = true
			break
		}
	}
	if probe != nil {
		run.Warnings = append(run.Warnings, probe.Warnings()...)
	}
	run.End = opts.now().UTC()
	if run.Interrupted {
		run.Pass = false
	}
	if err := writeRun(dir, run, formats, opts.streams.Out); err != nil {
		return err
	}
	switch {
	case run.Interrupted:
		return exit.Unavailable(fmt.Errorf("interrupted: the results gathered so far are in %s", dir))
	case !run.Pass:
		return exit.ErrGateFailed
	}
	return nil
}

// runScenario drives one scenario and judges it. Raw results stream to
// Parquet as they arrive; bodies are only read when a jq check needs them.
func runScenario(ctx context.Context, p planned, dir string, opts *runOptions, probe dbProbe, progress io.Writer) (*model.Scenario, error) {
	sc := p.sc
	rawName := sc.Name + load.RawExt
	raw, err := load.CreateRaw(filepath.Join(dir, rawName))
	if err != nil {
		return nil, err
	}
	// --rate replaces a file's stages with a constant rate; --duration
	// cuts the stages short or holds the last stage's final rate.
	stages := sc.Load.Stages
	if opts.scen.rate != "" {
		stages = nil
	}
	rateText, requested := sc.Load.Rate.String(), sc.Load.Rate.PerSecond()
	if len(stages) > 0 {
		rateText, requested = load.StagesString(stages), load.AverageRate(stages, sc.Load.Duration)
	}
	// Room for the expected latencies up front (at most 32 MB); at rate
	// max nothing is expected, so start at a million rather than double
	// from one.
	expected := int(requested*sc.Load.Duration.Seconds()) + 1
	if sc.Load.Rate.IsMax() && len(stages) == 0 {
		expected = 1 << 20
	}
	rec := metrics.NewRecorder(min(expected, 1<<22))
	checker := verdict.NewChecker(sc.Expect.Checks)
	if probe != nil {
		if opts.flushService != nil {
			opts.flushService()
		}
		if err := probe.Before(ctx); err != nil {
			raw.Close()
			return nil, exit.Unavailable(err)
		}
	}
	var writeErr error
	stats, err := load.Attack(ctx, sc.Name, []load.Request{p.req}, load.Options{
		Rate:       sc.Load.Rate,
		Stages:     stages,
		Duration:   sc.Load.Duration,
		Warmup:     sc.Load.Warmup,
		Timeout:    sc.Load.Timeout,
		MaxWorkers: opts.maxWorkers,
		KeepBody:   checker.Active(),
		Shard:      opts.sh.shardIndex(),
		Progress:   progress,
	}, func(r *load.Result) {
		// vegeta also sets Error to the status text of a non-2xx answer;
		// only a request without an answer is a transport error.
		transportErr := ""
		if r.Code == 0 {
			transportErr = r.Error
		}
		rec.Add(r.Timestamp, r.Latency, r.Code, transportErr, r.BytesIn, r.BytesOut)
		if r.Code != 0 {
			checker.Observe(r.Body)
		}
		if err := raw.Write(r); err != nil && writeErr == nil {
			writeErr = err
		}
	})
	closeErr := raw.Close()
	if err != nil {
		return nil, exit.Unavailable(err)
	}
	if err := errors.Join(writeErr, closeErr); err != nil {
		return nil, fmt.Errorf("raw results of %s: %w", sc.Name, err)
	}

	if opts.flushService != nil {
		opts.flushService()
	}
	s := rec.Summary()
	var db *model.DB
	if probe != nil && s.Requests > 0 {
		// The probe reads the database after the load; a cancelled ctx must
		// not lose the figures of an interrupted run.
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		db, err = probe.After(pctx, s.Requests)
		cancel()
		if err != nil {
			return nil, exit.Unavailable(err)
		}
	}
	out := &model.Scenario{
		Name:          sc.Name,
		Description:   sc.Description,
		File:          sc.File,
		Method:        p.req.Method,
		URL:           p.req.URL,
		Rate:          rateText,
		RequestedRate: requested,
		Warmup:        stats.Warmup,
		Duration:      sc.Load.Duration,
		Checks:        checker.Results(),
		DB:            db,
		Expect:        verdict.SaveExpect(sc.Expect),
		Raw:           rawName,
		Interrupted:   stats.Interrupted,
	}
	// The same arithmetic as a merge of shards: one place for it.
	report.ApplyFigures(out, s)
	out.Criteria = verdict.Evaluate(sc.Expect, verdict.Input{Summary: s, Checks: out.Checks, DB: db})
	out.Pass = verdict.Pass(out.Criteria) && !stats.Interrupted
	return out, nil
}

// prepareRunDir creates dir, refusing one that already holds a run.
func prepareRunDir(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, model.SummaryFile)); err == nil {
		return exit.Usagef("%s already holds a run; choose another --out or remove it", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return exit.Usagef("create run directory: %v", err)
	}
	return nil
}

// writeRun writes summary.json, the asked formats, and the text table.
func writeRun(dir string, run *model.Run, formats []string, out io.Writer) error {
	if err := model.WriteRun(dir, run); err != nil {
		return err
	}
	if err := report.WriteFiles(dir, run, formats, rawSource(dir, run)); err != nil {
		return err
	}
	for _, f := range formats {
		if f == "text" {
			if err := report.Text(out, run); err != nil {
				return err
			}
			fmt.Fprintf(out, "run directory: %s\n", dir)
		}
	}
	return nil
}

// applyExpect adds --expect criteria (key=value) to exp, replacing a
// criterion of the same name from the file.
func applyExpect(exp *scenario.Expect, kvs []string) error {
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return exit.Usagef("--expect %q: write it as name=value, e.g. p95=2s or errors=1%%", kv)
		}
		switch {
		case k == "status":
			code, err := strconv.Atoi(v)
			if err != nil || code < 100 || code > 599 {
				return exit.Usagef("--expect status=%s: want an HTTP status code", v)
			}
			exp.Status = code
		case k == "errors":
			s, err := scenario.ParseShare(v)
			if err != nil {
				return exit.Usagef("--expect errors: %v", err)
			}
			exp.Errors = s
		case slices.Contains(scenario.LatencyStats, k):
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return exit.Usagef("--expect %s=%s: want a duration such as 2s or 500ms", k, v)
			}
			exp.Latency = replaceOrAppend(exp.Latency, scenario.LatencyLimit{Stat: k, Max: d}, func(l scenario.LatencyLimit) string { return l.Stat })
		case len(k) > 3 && k[:3] == "db." && slices.Contains(scenario.DBFigures, k[3:]):
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || x < 0 {
				return exit.Usagef("--expect %s=%s: want a number of 0 or more", k, v)
			}
			exp.DB = replaceOrAppend(exp.DB, scenario.DBLimit{Figure: k[3:], Max: x}, func(l scenario.DBLimit) string { return l.Figure })
		default:
			return exit.Usagef("--expect %q: unknown criterion; use status, errors, %v or db.<figure> (%v)", k, scenario.LatencyStats, scenario.DBFigures)
		}
	}
	return nil
}

// replaceOrAppend replaces the element of xs with x's key, or appends x:
// a criterion from --expect replaces the file's criterion of that name.
func replaceOrAppend[T any](xs []T, x T, key func(T) string) []T {
	for i := range xs {
		if key(xs[i]) == key(x) {
			xs[i] = x
			return xs
		}
	}
	return append(xs, x)
}

// Package demo tells the deployment checklist's story end to end on this
// machine: an ephemeral PostgreSQL with synthetic data, the reference
// endpoint before (the N+1 loop, no indexes) and after (one aggregated
// query, the seven indexes), the scenarios on each with the database
// probe, the migration verified, both versions' answers compared, and the
// before/after comparison with the claim's verdict. Run narrates each step
// to a writer as it goes and returns what it measured.
package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/compare"
	"github.com/perfgate/perfgate/internal/coursestatus"
	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/equiv"
	"github.com/perfgate/perfgate/internal/equiv/diffreport"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/fixtures"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/report"
	"github.com/perfgate/perfgate/internal/safefile"
)

// Defaults of a demo, quoted by the flag help.
const (
	// DefaultDuration is the least each scenario is driven in each phase.
	// The demo sends one request at a time (rate max, one worker), like
	// the checklist's curl, so a slow "before" request never piles up
	// behind another on a small machine.
	DefaultDuration = 5 * time.Second
	// DefaultSampleBudget is the most the demo drives one scenario of one
	// phase for to collect what its verdicts need: a p95 needs 72
	// requests, a p99 368 (metrics.MinSamples). Within it the demo drives
	// a scenario long enough for the largest percentile it can afford,
	// and its comparison shows only the rows its requests can judge.
	DefaultSampleBudget = 30 * time.Second
	// DefaultMinRequests is the fewest requests the demo collects from
	// every scenario whatever they cost: the claim and each scenario's
	// p50 row need 6 on each side, fewer cannot judge a median.
	DefaultMinRequests = 6
	// DefaultPilotTimeout bounds the one request the demo sends to time
	// a scenario before driving it: a scenario slower than this gets
	// --duration only, as its requests would not fit any budget.
	DefaultPilotTimeout = time.Minute
	DefaultScale        = "demo"
	DefaultClaim        = "50s:2s"
)

// Options of a demo.
type Options struct {
	// Paths are the scenario files (default scenarios/).
	Paths []string
	// Scale is the data profile and Seed its seed.
	Scale string
	Seed  int64
	// Matrix adds the two mixed cells (new code without indexes, old code
	// with indexes).
	Matrix bool
	// Dir receives every file (default reports/demo-<UTC time>).
	Dir string
	// Duration is the least each scenario is driven in each phase;
	// SampleBudget (DefaultSampleBudget) the most it is driven for to
	// collect what its verdicts need, and MinRequests (DefaultMinRequests)
	// the fewest requests collected whatever they cost.
	Duration     time.Duration
	SampleBudget time.Duration
	MinRequests  int
	// Explore is how many generated requests the diff sends besides the
	// scenarios' own (equiv.DefaultExplore when 0).
	Explore int
	// Claim is the claim to judge, BEFORE:AFTER as compare.ParseClaim
	// reads it (DefaultClaim: "50s:2s").
	Claim string
	// Progress, when set, gets the load's progress lines (a terminal).
	Progress io.Writer
	// Log gets warnings (stderr); nil discards them.
	Log  io.Writer
	Tool model.Tool
	Now  func() time.Time
}

// Cell is one combination of code and indexes.
type Cell struct {
	Name     string // directory and label
	Title    string
	Strategy coursestatus.Strategy
	Indexes  bool
}

// The cells: the claim's before and after, and the 2×2's two mixed ones.
var (
	CellBefore   = Cell{"before", "the original N+1 loop, no indexes", coursestatus.Naive, false}
	CellCodeOnly = Cell{"optimized-no-indexes", "the new single query, no indexes yet (matrix)", coursestatus.Optimized, false}
	CellIndexes  = Cell{"naive-indexes", "the original loop on the seven indexes (matrix)", coursestatus.Naive, true}
	CellAfter    = Cell{"after", "the new single query, with the seven indexes", coursestatus.Optimized, true}
)

// Result is what a demo measured.
type Result struct {
	Dir string
	// Runs are the runs of each cell, by cell name.
	Runs map[string]*model.Run
	// Diff are both versions' answers to the same requests, compared, and
	// DiffReport what they found (diff.json), which the comparison's
	// functional verification is filled from.
	Diff        []equiv.Outcome
	DiffReport  *diffreport.Report
	Differences int
	Comparison  *compare.Result
	// OK: the after run meets its criteria, the claim is reproduced and
	// both versions answer alike on every request compared.
	OK bool
}

// Run runs the demo, narrating each step to out. It fails with a usage
// error (exit 2) on bad options before anything starts, and with exit 3
// when the database, the endpoint or a run could not be carried out.
func Run(ctx context.Context, o Options, out io.Writer) (res *Result, err error) {
	claim, err := o.check()
	if err != nil {
		return nil, err
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SampleBudget <= 0 {
		o.SampleBudget = DefaultSampleBudget
	}
	if o.MinRequests <= 0 {
		o.MinRequests = DefaultMinRequests
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	overrides := engine.Overrides{Rate: "max", Duration: o.Duration}
	// Check the scenario files before starting anything.
	if _, err := engine.Plan(o.Paths, overrides, engine.DefaultTarget); err != nil {
		return nil, err
	}
	res = &Result{Dir: o.Dir, Runs: map[string]*model.Run{}}
	if res.Dir == "" {
		res.Dir = filepath.Join("reports", "demo-"+o.Now().UTC().Format("20060102T150405Z"))
	}
	if err := os.MkdirAll(res.Dir, 0o755); err != nil {
		return nil, exit.Usagef("create %s: %v", res.Dir, err)
	}
	start := time.Now()
	// Nothing is said of the claim's verdict before it is measured.
	fmt.Fprintf(out, "perfgate demo: measuring the deployment checklist's claim (%s) on this machine\n", claim)
	fmt.Fprintf(out, "files: %s\n\n", res.Dir)

	// 1. The database.
	n := &narrator{w: out}
	n.step("database", "starting an ephemeral PostgreSQL cluster and seeding %q data", o.Scale)
	t0 := time.Now()
	// auto_explain is loaded but off: each scenario's plan pass switches
	// it on after the measured load, which runs without its cost.
	db, err := pgenv.StartLocal(ctx, pgenv.WithPlanCapture(0))
	if err != nil {
		return nil, exit.Unavailable(fmt.Errorf("start the demo database: %w", err))
	}
	defer func() {
		if serr := db.Stop(); serr != nil && err == nil {
			err = exit.Unavailable(fmt.Errorf("stop the demo database: %w", serr))
		}
	}()
	dsn := db.DSN()
	seeded, err := pgenv.Seed(ctx, dsn, pgenv.SeedOptions{Seed: o.Seed, Profile: o.Scale})
	if err != nil {
		return nil, exit.Unavailable(err)
	}
	fxPath := filepath.Join(res.Dir, "fixtures.json")
	if err := fixtures.Write(fxPath, &seeded.Fixtures); err != nil {
		return nil, err
	}
	overrides.Fixtures = fxPath
	n.detail("PostgreSQL on 127.0.0.1:%d; %d content rows, %d detail events (seed %d) in %s",
		db.Port(), seeded.Rows[pgenv.TableContentTracking], seeded.Rows[pgenv.TableContentTrackingDetails], o.Seed, since(t0))

	services := map[coursestatus.Strategy]*service{}
	for _, s := range []coursestatus.Strategy{coursestatus.Naive, coursestatus.Optimized} {
		svc, err := startService(ctx, dsn, s)
		if err != nil {
			return nil, exit.Unavailable(err)
		}
		defer svc.pool.Close()
		services[s] = svc
	}
	n.detail("endpoint before (naive) at %s, after (optimized) at %s", services[coursestatus.Naive].url, services[coursestatus.Optimized].url)

	runCell := func(c Cell) error {
		n.step(c.Name, "%s", c.Title)
		svc := services[c.Strategy]
		run, err := runCell(ctx, c, svc, dsn, o, overrides, res.Dir, n)
		if err != nil {
			return err
		}
		var table bytes.Buffer
		if err := report.Text(&table, run); err != nil {
			return err
		}
		n.indent(table.String())
		n.detail("run directory: %s", filepath.Join(res.Dir, c.Name))
		res.Runs[c.Name] = run
		return nil
	}
	cells := []Cell{CellBefore}
	if o.Matrix {
		cells = append(cells, CellCodeOnly)
	}
	for _, c := range cells {
		if err := runCell(c); err != nil {
			return nil, err
		}
	}

	// The migration, as the checklist runs it: indexes first, verified.
	n.step("migration", "CREATE INDEX CONCURRENTLY for the seven indexes, then verify")
	t0 = time.Now()
	if err := pgenv.ApplyIndexes(ctx, dsn); err != nil {
		return nil, exit.Unavailable(err)
	}
	idx, err := pgenv.VerifyIndexes(ctx, dsn)
	if err != nil {
		return nil, exit.Unavailable(err)
	}
	var idxTable bytes.Buffer
	if err := idx.WriteTable(&idxTable); err != nil {
		return nil, err
	}
	if err := safefile.Write(filepath.Join(res.Dir, "indexes.txt"), idxTable.Bytes()); err != nil {
		return nil, err
	}
	n.detail("%d of %d indexes present and valid in %s (the table: indexes.txt)", len(idx.Present), len(pgenv.Indexes), since(t0))
	if !idx.OK() {
		return nil, exit.Unavailable(fmt.Errorf("indexes missing after apply: %s", strings.Join(idx.Missing, ", ")))
	}
	cells = nil
	if o.Matrix {
		cells = append(cells, CellIndexes)
	}
	cells = append(cells, CellAfter)
	for _, c := range cells {
		if err := runCell(c); err != nil {
			return nil, err
		}
	}

	// Same answers? The two versions on the same (indexed) data.
	n.step("diff", "the answers of both versions to the scenarios' requests and to generated ones, compared")
	t0 = time.Now()
	if err := diffVersions(ctx, res, services, o.Paths, overrides, o.Explore); err != nil {
		return nil, err
	}
	n.detail("%d requests compared, %d of them explored (generated from the fixtures, seed %d): %d differences, %d not comparable in %s (diff.txt, diff.json)",
		res.DiffReport.Requests, res.DiffReport.Explored, res.DiffReport.Seed, res.Differences, res.DiffReport.NotComparable, since(t0))

	// The comparison and the claim.
	n.step("compare", "before against after, with the claim %s → %s", claim.Before, claim.After)
	res.Comparison, err = compare.Compare(
		compare.Input{Run: res.Runs[CellBefore.Name], Dir: filepath.Join(res.Dir, CellBefore.Name)},
		compare.Input{Run: res.Runs[CellAfter.Name], Dir: filepath.Join(res.Dir, CellAfter.Name)},
		compare.Options{Claim: &claim, Latencies: compare.RawLatencies(load.ReadLatencies), Diff: res.DiffReport,
			// Only the rows the requests collected can judge: a p99 of the
			// original loop would need 368 requests of seconds each.
			OnlySupported: true})
	if err != nil {
		return nil, err
	}
	// Every format of the comparison, text included, as files.
	files := report.CompareFormats.Renamed(report.FormatText, "compare.txt")
	if err := files.Write(res.Dir, res.Comparison, io.Discard); err != nil {
		return nil, err
	}
	after := res.Runs[CellAfter.Name]
	res.OK = after.Pass && res.Comparison.Claim != nil && res.Comparison.Claim.Holds && res.DiffReport.Pass
	fmt.Fprintln(out)
	if err := Summary(out, res, o.Matrix); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "\nreports: %s (open compare.html; each phase has report.html)\n", res.Dir)
	fmt.Fprintf(out, "demo %s in %s\n", map[bool]string{true: "succeeded", false: "FAILED"}[res.OK], since(start))
	return res, nil
}

// check validates the options a caller gives, naming the flags that set
// them, and returns the claim parsed: every error is a usage error (exit
// 2), before anything starts.
func (o Options) check() (compare.Claim, error) {
	claim, err := compare.ParseClaim(o.Claim)
	if err != nil {
		return compare.Claim{}, exit.Usagef("--claim: %v", err)
	}
	if err := pgenv.CheckProfile(o.Scale); err != nil {
		return compare.Claim{}, err
	}
	if o.Duration <= 0 {
		return compare.Claim{}, exit.Usagef("--duration must be positive")
	}
	return claim, nil
}

// runCell runs the scenarios against one cell's service, probing the
// database (engine.Execute), and writes the cell's run directory in every
// format. Each scenario is driven long enough for the verdicts its
// requests can afford (sampling).
func runCell(ctx context.Context, c Cell, svc *service, dsn string, o Options, overrides engine.Overrides, dir string, n *narrator) (*model.Run, error) {
	ps, err := engine.Plan(o.Paths, overrides, svc.url)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		plan := sampling(ctx, p, o)
		p.Scenario.Load.Duration = plan.duration
		// The duration is an estimate from the pilot; the count is the
		// promise: a machine busier than during the pilot takes longer
		// rather than collecting fewer requests than a verdict needs.
		p.Scenario.Load.MinRequests = plan.requests
		n.detail("%s", plan.text)
	}
	// The endpoint runs in this process, found listening on its port: its
	// CPU and memory are sampled with the load generator's, and the
	// reports say so.
	ex, err := engine.Execute(ctx, ps, engine.ExecuteOptions{
		Run: engine.RunOptions{
			Target: svc.url,
			Label:  c.Name,
			// One request at a time, like the checklist's curl.
			MaxWorkers: 1,
			PlanPass:   pgenv.DefaultPlanPassRequests,
			Progress:   o.Progress,
			Tool:       o.Tool,
			Now:        o.Now,
		},
		Out: filepath.Join(dir, c.Name),
		// Closing the service's idle connections before each snapshot
		// makes their backends flush their statistics at once, so the
		// probe need not wait out PostgreSQL's 10 s idle flush.
		DSN:          dsn,
		ProbeOptions: []pgenv.ProbeOption{pgenv.WithFlush(svc.pool.Reset)},
		Log:          o.Log,
		Write: func(cellDir string, run *model.Run) error {
			// A run that failed stops the demo, which keeps none of its
			// formats.
			if run.Incomplete != "" {
				return nil
			}
			all, _ := report.RunFormats(report.RawDir(cellDir, load.ReadPoints)).Parse("json,md,junit,html")
			return all.Write(cellDir, run, io.Discard)
		},
	})
	if err != nil {
		return nil, err
	}
	return ex.Run, nil
}

// diffVersions sends the scenarios' requests and perfgate diff's default
// generated ones to both versions and keeps the compared answers and what
// they found (diff.txt, and diff.json for compare --diff).
func diffVersions(ctx context.Context, res *Result, services map[coursestatus.Strategy]*service, paths []string, overrides engine.Overrides, explore int) error {
	o := equiv.DefaultOptions(services[coursestatus.Naive].url, services[coursestatus.Optimized].url)
	o.Paths = paths
	o.Overrides = engine.Overrides{Fixtures: overrides.Fixtures}
	if explore > 0 {
		o.Explore = explore
	}
	var txt bytes.Buffer
	var err error
	res.Diff, res.DiffReport, err = equiv.DiffVersions(ctx, o, func(o equiv.Outcome) { res.Differences += equiv.WriteOutcome(&txt, o) })
	if err != nil {
		return err
	}
	equiv.WriteReport(&txt, res.DiffReport)
	if err := diffreport.Write(res.Dir, res.DiffReport); err != nil {
		return err
	}
	return safefile.Write(filepath.Join(res.Dir, "diff.txt"), txt.Bytes())
}

// service is the reference endpoint served in-process for the demo.
type service struct {
	url  string
	pool pool
}

// pool is what the demo needs of the endpoint's connection pool: Reset
// closes its idle connections (so their backends flush their statistics
// for the probe), Close ends it.
type pool interface {
	Reset()
	Close()
}

// startService serves strategy on a free loopback port until ctx ends.
func startService(ctx context.Context, dsn string, strategy coursestatus.Strategy) (*service, error) {
	p, err := coursestatus.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	h, err := coursestatus.NewHandler(p, strategy)
	if err != nil {
		p.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		p.Close()
		return nil, err
	}
	go func() { _ = coursestatus.Server{Handler: h, ShutdownTimeout: time.Second}.Serve(ctx, ln) }()
	return &service{url: "http://" + ln.Addr().String(), pool: p}, nil
}

// narrator writes the demo's numbered steps and their details.
type narrator struct {
	w io.Writer
	n int
}

func (n *narrator) step(name, format string, args ...any) {
	n.n++
	fmt.Fprintf(n.w, "%d. %-10s %s\n", n.n, name, fmt.Sprintf(format, args...))
}

func (n *narrator) detail(format string, args ...any) {
	fmt.Fprintf(n.w, "   %s\n", fmt.Sprintf(format, args...))
}

func (n *narrator) indent(text string) {
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if line == "" {
			fmt.Fprintln(n.w)
			continue
		}
		fmt.Fprintf(n.w, "   %s\n", line)
	}
}

func since(t time.Time) string { return time.Since(t).Round(10 * time.Millisecond).String() }

// samplePlan is how long the demo drives one scenario, and why.
type samplePlan struct {
	duration time.Duration
	// requests is the fewest requests collected, whatever the duration
	// (0: the duration only).
	requests int
	text     string
}

// sampling times a request of p (a pilot, which also warms the service
// up; the median of three when they take under a second) and drives the
// scenario, one request at a time, for the largest sample size its
// verdicts need that fits o.SampleBudget (the comparison's rows and the
// criteria, p50 to p99: metrics.MinSamples), and never fewer than
// o.MinRequests requests: the pilot estimates the duration, the count is
// kept however long it takes.
// A scenario whose pilot fails or outlasts DefaultPilotTimeout gets
// o.Duration.
func sampling(ctx context.Context, p engine.Planned, o Options) samplePlan {
	sc := p.Scenario
	timeout := sc.Load.Timeout
	if timeout <= 0 || timeout > DefaultPilotTimeout {
		timeout = DefaultPilotTimeout
	}
	reply, err := load.Send(ctx, p.Request, timeout, load.DefaultMaxBody)
	if err != nil {
		return samplePlan{duration: o.Duration, text: fmt.Sprintf("sampling %s: its first request did not answer within %s (%v): driven for %s only",
			sc.Name, figure.Prose(timeout), err, o.Duration)}
	}
	// The first request pays for a new connection and cold caches: a
	// fast scenario is timed again, and its median taken.
	times := []time.Duration{reply.Latency}
	for spent := reply.Latency; len(times) < 3 && spent < time.Second; {
		r, err := load.Send(ctx, p.Request, timeout, load.DefaultMaxBody)
		if err != nil {
			break
		}
		times = append(times, r.Latency)
		spent += r.Latency
	}
	slices.Sort(times)
	lat := max(times[len(times)/2], time.Microsecond)
	need, d, name := sampleSize(lat, o)
	why := fmt.Sprintf("%d requests", need)
	if name != "" {
		why += " (enough for a " + name + ")"
	}
	// The count is kept however long it takes: the duration is only the
	// least (o.Duration), so a pilot slower than the load (cold caches)
	// does not stretch the scenario past the requests it needs.
	return samplePlan{duration: o.Duration, requests: need, text: fmt.Sprintf("sampling %s: %s per request, so about %s for %s",
		sc.Name, figure.Duration(lat), figure.Duration(d.Round(100*time.Millisecond)), why)}
}

// sampleSize chooses how many requests of latency lat the demo collects:
// the most that a percentile it judges needs (metrics.MinSamples) and
// o.SampleBudget affords, never fewer than o.MinRequests, and how long
// that takes one at a time (at least o.Duration); name is the percentile
// it affords, "" when only the minimum.
func sampleSize(lat time.Duration, o Options) (n int, d time.Duration, name string) {
	// One request at a time, a request starts while the duration lasts:
	// n of them need a little over n−1 latencies. The pilot ran alone;
	// under the load and its generator (in the demo's own process) a
	// request of seconds, spent in the database, ran up to a quarter
	// slower, measured; one of milliseconds up to 35 % slower under the
	// race detector, its share of the generator's work being larger.
	margin := 1.3
	if lat < 100*time.Millisecond {
		margin = 1.6
	}
	takes := func(n int) time.Duration { return time.Duration((float64(n-1)*margin + 0.5) * float64(lat)) }
	n = o.MinRequests
	for _, q := range judgedPercentiles {
		k := metrics.MinSamples(q, metrics.DefaultConfidence)
		if k > n && takes(k) <= o.SampleBudget {
			n, name = k, metrics.PercentileName(q)
		}
	}
	return n, max(o.Duration, takes(n)), name
}

// judgedPercentiles are the percentiles the demo judges on every
// scenario: the comparison's rows, which cover any latency criterion a
// scenario file can state (p50 to p99).
var judgedPercentiles = []float64{50, 90, 95, 99}

package engine

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"time"

	"github.com/perfgate/perfgate/internal/compare"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
)

// Defaults of perfgate ab, quoted by the flag help.
const (
	// DefaultABRounds is the number of pairs of blocks per scenario: ten
	// pairs give a t interval with 9 degrees of freedom (t = 2.26 at
	// 95 %), where five would give 4 (t = 2.78) and a third wider.
	DefaultABRounds = 10
	// DefaultABBlock is how long each block sends: short enough that the
	// machine hardly drifts within a pair, long enough for a p95 at 25/s
	// (72 requests).
	DefaultABBlock = 3 * time.Second
	// ABOrder is the order of the pairs: AB, then BA, then AB...
	ABOrder = "ABBA"
)

// abPercentiles are the rows of an A/B comparison, and abGates the
// percentiles its gate may judge, best first: the highest one every
// block holds enough requests for.
var (
	abPercentiles = []float64{50, 90, 95, 99}
	abGates       = []float64{95, 90, 50}
)

// Side names of an A/B run.
const (
	SideBefore = "before"
	SideAfter  = "after"
)

// ABPair is one scenario planned against both versions.
type ABPair struct {
	Before, After Planned
}

// PlanAB plans the scenario files of paths against both versions, like
// Plan does against one. Each block paces one constant rate, so a
// scenario with stages is refused: pass --rate.
func PlanAB(paths []string, o Overrides, before, after string) ([]ABPair, error) {
	if err := CheckBaseURL("--before", before); err != nil {
		return nil, err
	}
	if err := CheckBaseURL("--after", after); err != nil {
		return nil, err
	}
	pb, err := Plan(paths, o, before)
	if err != nil {
		return nil, err
	}
	pa, err := Plan(paths, o, after)
	if err != nil {
		return nil, err
	}
	out := make([]ABPair, len(pb))
	for i := range pb {
		if len(pb[i].Scenario.Load.Stages) > 0 {
			return nil, exit.Usagef("%s: scenario %s paces its load in stages; perfgate ab sends short blocks at one rate: pass --rate, e.g. --rate %s",
				pb[i].Scenario.File, pb[i].Scenario.Name, pb[i].Scenario.Load.Stages[0].Rate)
		}
		out[i] = ABPair{Before: pb[i], After: pa[i]}
	}
	return out, nil
}

// PreflightAB tries the origins of both versions once: both must answer
// before either is sent anything.
func PreflightAB(ctx context.Context, pairs []ABPair, tlsConf *tls.Config) error {
	var ps []Planned
	for _, p := range pairs {
		ps = append(ps, p.Before, p.After)
	}
	return Preflight(ctx, ps, tlsConf)
}

// ABDir is the directory of an A/B run, open for writing: ab.json and the
// comparison go into its Path, each version's run into Before and After.
type ABDir struct {
	*RunDir
	Before, After *RunDir
}

// CreateABDir creates the directory of an A/B run, new or empty: out when
// given, else reports/<UTC time>-ab[-label] (now is called only then);
// and in it the run directories before/ and after/.
func CreateABDir(out, label string, now func() time.Time) (*ABDir, error) {
	rd, err := CreateOutDir(out, false, now, kindName("ab", label))
	if err != nil {
		return nil, err
	}
	d := &ABDir{RunDir: rd}
	if d.Before, err = CreateRunDir(filepath.Join(rd.Path, SideBefore), false); err == nil {
		d.After, err = CreateRunDir(filepath.Join(rd.Path, SideAfter), false)
	}
	if err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// Close releases the versions' run directories, then the A/B run's.
func (d *ABDir) Close() error {
	return errors.Join(d.After.Close(), d.Before.Close(), d.RunDir.Close())
}

// ABOptions tune an interleaved A/B run. Zero values take the Default
// constants.
type ABOptions struct {
	Rounds int
	Block  time.Duration
	// BeforeDir and AfterDir are the two run directories the raw results
	// are written into; they must exist (CreateRunDir).
	BeforeDir, AfterDir string
	// Before and After are the base URLs of the two versions, Label the
	// run's name (the two runs are labelled Label-before and Label-after,
	// or before and after).
	Before, After string
	Label         string
	MaxWorkers    uint64
	MaxBody       int64
	TLS           *tls.Config
	// MaxRegression (metrics.DefaultMaxRegression when 0) and MinEffect
	// (metrics.DefaultMinEffect when 0) are the gate's allowance.
	MaxRegression float64
	MinEffect     time.Duration
	// Log gets one line per block (stderr); nil discards them.
	Log      io.Writer
	Progress io.Writer
	Tool     model.Tool
	Now      func() time.Time
}

// Validate checks the rounds and the block asked for (perfgate ab's
// --rounds and --block): a paired interval needs two pairs at least, and
// a block must send for some time. ExecuteAB checks them first; AB alone
// takes zero values as the defaults. An error is a usage error (exit 2).
func (o ABOptions) Validate() error {
	if o.Rounds < 2 {
		return exit.Usagef("--rounds %d: give at least 2 pairs of blocks (an interval needs two), %d by default", o.Rounds, DefaultABRounds)
	}
	if o.Block <= 0 {
		return exit.Usagef("--block must be a positive duration, such as %s", DefaultABBlock)
	}
	return nil
}

func (o ABOptions) withDefaults() ABOptions {
	if o.Rounds <= 0 {
		o.Rounds = DefaultABRounds
	}
	if o.Block <= 0 {
		o.Block = DefaultABBlock
	}
	if o.MaxRegression <= 0 {
		o.MaxRegression = metrics.DefaultMaxRegression
	}
	if o.MinEffect <= 0 {
		o.MinEffect = metrics.DefaultMinEffect
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// ABResult is a finished A/B run: the paired comparison and the two runs,
// each a normal run of all its version's blocks (what compare reads).
type ABResult struct {
	AB            *model.AB
	Before, After *model.Run
}

// AB runs every pair's scenario in blocks alternating between the two
// versions, in one process: for each scenario, o.Rounds pairs of blocks
// of o.Block each, in ABBA order (the first pair before then after, the
// second after then before, and so on), each block a load.Attack at the
// scenario's rate. Every block's results go to its version's run (raw
// results, figures, criteria), and each pair's block percentiles give one
// ratio after/before: metrics.ComparePaired turns the pairs into each
// percentile's speed-up with its interval, from which the drift of the
// machine has cancelled (see there).
//
// The gate (AB.Pass) fails when the gated percentile (p95, or the highest
// the blocks hold enough requests for) regressed: its paired interval
// lies wholly above 1 + MaxRegression and it grew by more than MinEffect;
// when no percentile can be judged; or when a version's load was not
// delivered (unless allowed). An interrupt (ctx cancelled) ends the run
// after the block it cut short; what was measured is kept and the run
// fails. An error means a block could not be sent.
func AB(ctx context.Context, pairs []ABPair, o ABOptions) (*ABResult, error) {
	o = o.withDefaults()
	started := o.Now().UTC()
	res := &ABResult{
		AB: &model.AB{Schema: model.SchemaAB, Tool: o.Tool, Start: started,
			Before: model.ABSide{Target: o.Before, Dir: SideBefore}, After: model.ABSide{Target: o.After, Dir: SideAfter},
			Rounds: o.Rounds, Block: o.Block, Order: ABOrder, MaxRegression: o.MaxRegression, MinEffect: o.MinEffect, Pass: true},
		Before: abRun(o, SideBefore, o.Before, started),
		After:  abRun(o, SideAfter, o.After, started),
	}
	var err error
	for _, p := range pairs {
		var sb, sa *model.Scenario
		var sab *model.ABScenario
		sb, sa, sab, err = abScenario(ctx, p, o)
		if sb != nil {
			res.Before.Scenarios = append(res.Before.Scenarios, sb)
			res.After.Scenarios = append(res.After.Scenarios, sa)
			res.AB.Scenarios = append(res.AB.Scenarios, sab)
			judgeAB(res.AB, sab, sb, sa)
		}
		if err != nil || (sb != nil && (sb.Interrupted || sa.Interrupted)) {
			break
		}
	}
	end := o.Now().UTC()
	for _, r := range []*model.Run{res.Before, res.After} {
		r.End = end
		r.Pass = true
		for _, sc := range r.Scenarios {
			r.Pass = r.Pass && sc.Pass
			r.Interrupted = r.Interrupted || sc.Interrupted
			if w := DeliveryWarning(sc); w != "" {
				r.Warnings = append(r.Warnings, w)
			}
		}
		r.Pass = r.Pass && !r.Interrupted && err == nil
	}
	a := res.AB
	a.End = end
	a.Interrupted = res.Before.Interrupted || res.After.Interrupted
	a.Pass = len(a.Failures) == 0 && !a.Interrupted && err == nil
	return res, err
}

// ExecuteABOptions tune ExecuteAB: the A/B run, where its directory goes
// and what the caller does with the finished run.
type ExecuteABOptions struct {
	// AB tunes the run (AB); ExecuteAB checks it (Validate) and fills its
	// BeforeDir and AfterDir. Its TLS is the preflight's too; its Label
	// and Now name a new directory.
	AB ABOptions
	// Out is the directory to write, new or empty (CreateABDir): "" for a
	// new reports/<UTC time>-ab[-label].
	Out string
	// Write, when set, saves the paired comparison into d in the caller's
	// formats, once both versions' summary.json are written: the finished
	// run, or after a failure what was measured before it.
	Write func(d *ABDir, res *ABResult) error
}

// ExecuteAB carries out an interleaved A/B run from start to finish: it
// checks the options, tries both versions once (PreflightAB), creates the
// directory and its two run directories (CreateABDir), runs (AB) and,
// whatever happened, writes both versions' runs (summary.json, marked
// incomplete after a failure) and then the caller's Write. An error of AB
// is returned once that is written; an interrupted run returns its result
// and an exit.Unavailable error that says where the blocks are; a run
// that merely fails its gate is no error (ABResult.AB.Pass).
func ExecuteAB(ctx context.Context, pairs []ABPair, o ExecuteABOptions) (*ABResult, error) {
	ao := o.AB
	if err := ao.Validate(); err != nil {
		return nil, err
	}
	if err := PreflightAB(ctx, pairs, ao.TLS); err != nil {
		return nil, err
	}
	now := orNow(ao.Now)
	d, err := CreateABDir(o.Out, ao.Label, now)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	ao.BeforeDir, ao.AfterDir = d.Before.Path, d.After.Path
	res, abErr := AB(ctx, pairs, ao)
	if abErr != nil {
		res.Before.Incomplete, res.After.Incomplete = abErr.Error(), abErr.Error()
	}
	// What was measured is written, whatever happened.
	if err := model.WriteRun(d.Before.Path, res.Before); err != nil {
		return nil, errors.Join(abErr, err)
	}
	if err := model.WriteRun(d.After.Path, res.After); err != nil {
		return nil, errors.Join(abErr, err)
	}
	if o.Write != nil {
		if err := o.Write(d, res); err != nil {
			return nil, errors.Join(abErr, err)
		}
	}
	switch {
	case abErr != nil:
		return nil, abErr
	case res.AB.Interrupted:
		return res, exit.Unavailable(fmt.Errorf("interrupted: the blocks measured so far are in %s", d.Path))
	}
	return res, nil
}

// Compare is perfgate compare of the two runs of an A/B run, whose raw
// results are in beforeDir and afterDir: what compare says of the two run
// directories (its gate, at maxRegression, is not ab's), to show beside
// the paired speed-ups.
func (r *ABResult) Compare(beforeDir, afterDir string, maxRegression float64) (*compare.Result, error) {
	return compare.Compare(compare.Input{Run: r.Before, Dir: beforeDir}, compare.Input{Run: r.After, Dir: afterDir},
		compare.Options{MaxRegression: maxRegression, Latencies: compare.RawLatencies(load.ReadLatencies)})
}

// abRun is one version's run, before its scenarios.
func abRun(o ABOptions, side, target string, start time.Time) *model.Run {
	label, other := side, o.After
	if o.Label != "" {
		label = o.Label + "-" + side
	}
	if side == SideAfter {
		other = o.Before
	}
	return &model.Run{Schema: model.SchemaRun, Tool: o.Tool, Target: target, Label: label, Start: start,
		Warnings: []string{fmt.Sprintf("interleaved A/B run (perfgate ab): %d blocks of %s, alternating with %s; the figures are those of every block together",
			o.Rounds, o.Block, other)}}
}

// abSide is one version's part of one scenario: its sink, and its blocks'
// figures.
type abSide struct {
	name   string
	p      Planned
	raw    *load.RawWriter
	sink   *Sink
	blocks []abBlock
	stats  load.Stats // summed over the blocks
}

// abBlock is one block's figures.
type abBlock struct {
	pair  int
	start time.Time
	s     metrics.Summary
}

// abScenario runs one scenario's blocks and returns both versions'
// scenarios and the paired comparison. They are nil only when nothing
// could be started.
func abScenario(ctx context.Context, p ABPair, o ABOptions) (before, after *model.Scenario, ab *model.ABScenario, err error) {
	sides := [2]*abSide{{name: SideBefore, p: p.Before}, {name: SideAfter, p: p.After}}
	for i, dir := range []string{o.BeforeDir, o.AfterDir} {
		sd := sides[i]
		sc := sd.p.Scenario
		if sd.raw, err = load.CreateRaw(filepath.Join(dir, sc.Name+load.RawExt), load.ExpectStatus(sc.Expect.Status)); err != nil {
			if i == 1 {
				sides[0].raw.Close()
			}
			return nil, nil, nil, err
		}
		_, requested := sc.Load.Requested()
		hint := int(requested*o.Block.Seconds()*float64(o.Rounds)) + 1
		if sc.Load.Rate.IsMax() {
			hint = 1 << 16
		}
		sd.sink = NewSink(min(hint, 1<<22), sc.Checks, sd.raw)
	}
	interrupted := false
rounds:
	for j := range o.Rounds {
		order := sides
		if j%2 == 1 {
			order[0], order[1] = sides[1], sides[0]
		}
		for _, sd := range order {
			stop, berr := sd.block(ctx, j, o)
			if berr != nil {
				err = berr
				break rounds
			}
			if stop {
				interrupted = true
				break rounds
			}
		}
	}
	for _, sd := range sides {
		if cerr := sd.raw.Close(); cerr != nil || sd.sink.WriteErr() != nil {
			err = errors.Join(err, fmt.Errorf("raw results of %s (%s): %w", sd.p.Scenario.Name, sd.name, errors.Join(sd.sink.WriteErr(), cerr)))
		}
	}
	before, after = sides[0].scenario(o, interrupted), sides[1].scenario(o, interrupted)
	return before, after, pairBlocks(sides[0], sides[1], before.Latency, after.Latency, o), err
}

// block runs one block of sd's scenario, pair j. It reports whether ctx
// was cancelled during it.
func (sd *abSide) block(ctx context.Context, j int, o ABOptions) (bool, error) {
	sc := sd.p.Scenario
	warmup := 0
	if len(sd.blocks) == 0 {
		warmup = sc.Load.Warmup // each version warms its own connections once
	}
	rec := metrics.NewRecorder(int(sc.Load.Rate.PerSecond()*o.Block.Seconds()) + 1)
	start := time.Now()
	st, err := load.Attack(ctx, sc.Name+" "+sd.name, []load.Request{sd.p.Request}, load.Options{
		Rate:       sc.Load.Rate,
		Duration:   o.Block,
		Warmup:     warmup,
		Timeout:    sc.Load.Timeout,
		MaxWorkers: o.MaxWorkers,
		MaxBody:    o.MaxBody,
		KeepBody:   sd.sink.NeedsBodies(),
		Progress:   o.Progress,
		TLS:        o.TLS,
	}, func(r *load.Result) {
		sd.sink.Add(r)
		rec.AddIntended(r.Intended, r.Timestamp, r.Latency, r.Code, "", r.BytesIn, r.BytesOut)
	})
	if err != nil {
		return false, exit.Unavailable(err)
	}
	sd.stats.Warmup += st.Warmup
	sd.stats.MaxWorkers = st.MaxWorkers
	sd.stats.PeakInFlight = max(sd.stats.PeakInFlight, st.PeakInFlight)
	if st.Interrupted {
		sd.stats.Interrupted = true
		return true, nil
	}
	b := abBlock{pair: j, start: start, s: rec.Summary()}
	sd.blocks = append(sd.blocks, b)
	fmt.Fprintf(o.Log, "ab %s: pair %d/%d %-6s %d requests at %s, p50 %s, p95 %s\n", sc.Name, j+1, o.Rounds, sd.name,
		b.s.Requests, figure.Rate(b.s.Rate), figure.Duration(b.s.Latency.P50), figure.Duration(b.s.Latency.P95))
	return false, nil
}

// scenario is sd's scenario over all its blocks, judged like a run's.
// Rates and wall time are the blocks', summed or averaged: the span from
// the first send to the last also covers the other version's blocks.
func (sd *abSide) scenario(o ABOptions, interrupted bool) *model.Scenario {
	sc := sd.p.Scenario
	rateText, requested := sc.Load.Requested()
	exp := sc.Expect
	out := &model.Scenario{
		Name:          sc.Name,
		Description:   sc.Description,
		File:          sc.File,
		Method:        sd.p.Request.Method,
		URL:           sd.p.Request.URL,
		Rate:          rateText,
		RequestedRate: requested,
		Warmup:        sd.stats.Warmup,
		Duration:      time.Duration(len(sd.blocks)) * o.Block,
		Checks:        sd.sink.Checks(),
		Expect:        &exp,
		Raw:           sc.Name + load.RawExt,
		Interrupted:   interrupted,
	}
	s := sd.sink.Summary()
	var spans float64
	var sent, done, wall float64
	var sends, flows int64
	for _, b := range sd.blocks {
		if b.s.Requests > 1 {
			spans += b.s.Last.Sub(b.s.First).Seconds()
			sends += b.s.Requests - 1
		}
		wall += b.s.Wall.Seconds()
		if b.s.Flow.Sent > 0 {
			sent, done, flows = sent+b.s.Flow.Sent, done+b.s.Flow.Completed, flows+1
		}
	}
	s.Rate, s.Flow = 0, metrics.Flow{}
	if spans > 0 {
		s.Rate = float64(sends) / spans
	}
	if flows > 0 {
		s.Flow = metrics.Flow{Sent: sent / float64(flows), Completed: done / float64(flows)}
	}
	s.Wall = time.Duration(wall * 1e9)
	ApplyFigures(out, s, sd.sink.Sorted())
	if out.Saturation != nil {
		out.Saturation.MaxWorkers, out.Saturation.PeakInFlight = sd.stats.MaxWorkers, sd.stats.PeakInFlight
	}
	Judge(out, s, sd.sink, sd.p.Prefix, false)
	return out
}

// pairBlocks pairs the blocks of the two versions, pair by pair, and
// compares each percentile on the pairs; lb and la are the versions'
// latencies over all their blocks, as their runs report them.
func pairBlocks(before, after *abSide, lb, la model.Latency, o ABOptions) *model.ABScenario {
	out := &model.ABScenario{Name: before.p.Scenario.Name}
	byPair := map[int]abBlock{}
	for _, b := range after.blocks {
		byPair[b.pair] = b
	}
	var bs, as []abBlock
	for _, b := range before.blocks {
		if a, ok := byPair[b.pair]; ok {
			bs, as = append(bs, b), append(as, a)
		}
	}
	for _, sd := range []*abSide{before, after} {
		for _, b := range sd.blocks {
			out.Blocks = append(out.Blocks, model.ABBlock{Pair: b.pair, Side: sd.name, Start: b.start.UTC(),
				Requests: b.s.Requests, Rate: b.s.Rate, Latency: b.s.Latency})
		}
	}
	slices.SortStableFunc(out.Blocks, func(x, y model.ABBlock) int { return x.Start.Compare(y.Start) })
	fewest := int64(-1)
	for _, b := range append(slices.Clone(bs), as...) {
		if fewest < 0 || b.s.Requests < fewest {
			fewest = b.s.Requests
		}
	}
	for _, p := range abPercentiles {
		name := metrics.PercentileName(p)
		var bv, av []time.Duration
		for i := range bs {
			x, _ := bs[i].s.Latency.Stat(name)
			y, _ := as[i].s.Latency.Stat(name)
			bv, av = append(bv, x), append(av, y)
		}
		pb, _ := lb.Stat(name)
		pa, _ := la.Stat(name)
		row := model.ABRow{Percentile: name, Before: pb, After: pa,
			Paired: metrics.ComparePaired(bv, av, p, metrics.MinEffect(o.MinEffect))}
		if need := int64(metrics.MinSamples(p, 0)); fewest < need {
			row.Paired.Outcome = metrics.Inconclusive
			row.Note = fmt.Sprintf("blocks of %d requests are too few for %s (needs ≥ %d per block): raise --block or the rate", max(fewest, 0), name, need)
		}
		out.Rows = append(out.Rows, row)
	}
	return out
}

// judgeAB sets the gate of one scenario: its gated percentile's paired
// regression, and the delivery of both versions' loads.
func judgeAB(a *model.AB, s *model.ABScenario, before, after *model.Scenario) {
	for _, p := range abGates {
		name := metrics.PercentileName(p)
		i := slices.IndexFunc(s.Rows, func(r model.ABRow) bool { return r.Percentile == name })
		if i < 0 || s.Rows[i].Note != "" || s.Rows[i].Paired.Pairs < 2 {
			continue
		}
		r := s.Rows[i]
		s.Gate = name
		s.Regressed = r.Paired.Judge(a.MaxRegression, a.MinEffect) == metrics.Slower
		if s.Regressed {
			a.Failures = append(a.Failures, fmt.Sprintf("scenario %s: %s regressed %s → %s: after/before %s [%s, %s] over %d paired blocks, beyond the allowed %s",
				s.Name, name, figure.Duration(r.Before), figure.Duration(r.After), figure.Float(r.Paired.Ratio.Value),
				figure.Float(r.Paired.Ratio.Lo), figure.Float(r.Paired.Ratio.Hi), r.Paired.Pairs, figure.ShareProse(a.MaxRegression)))
		}
		break
	}
	if s.Gate == "" {
		why := "fewer than two pairs of blocks"
		if i := slices.IndexFunc(s.Rows, func(r model.ABRow) bool { return r.Percentile == "p50" }); i >= 0 && s.Rows[i].Note != "" {
			why = s.Rows[i].Note
		}
		a.Failures = append(a.Failures, fmt.Sprintf("scenario %s: no percentile could be judged: %s", s.Name, why))
	}
	for _, sc := range []*model.Scenario{before, after} {
		for _, c := range sc.Criteria {
			if c.Name == "delivery" && !c.Pass {
				side := SideBefore
				if sc == after {
					side = SideAfter
				}
				a.Failures = append(a.Failures, fmt.Sprintf("scenario %s (%s): %s", s.Name, side, c.Message))
			}
		}
	}
}

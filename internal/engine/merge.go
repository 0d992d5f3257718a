package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/verdict"
)

// ShardMerge is the merge of the shards of one distributed run, checked
// and ready to write: OpenMerge reads and checks the shards, Into streams
// the union of their raw results into a new run directory and judges it.
type ShardMerge struct {
	shards []ShardRun
	merged *model.Run
}

// OpenMerge reads the run directories of the shards of one distributed run
// and checks that they are every shard of it, once each. Every error is
// the user's to fix (exit 2) and names the directories at fault.
func OpenMerge(dirs []string) (*ShardMerge, error) {
	var shards []ShardRun
	for _, d := range dirs {
		run, err := model.ReadRun(d)
		if err != nil {
			return nil, exit.Usage(fmt.Errorf("%w; pass the shards' run directories", err))
		}
		d = model.RunDir(d)
		m, err := model.ReadShardMarker(d)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, exit.Usage(err)
		}
		shards = append(shards, ShardRun{Dir: d, Run: run, Marker: m})
	}
	merged, err := checkShards(shards)
	if err != nil {
		return nil, exit.Usage(fmt.Errorf("merge: %w", err))
	}
	return &ShardMerge{shards: shards, merged: merged}, nil
}

// MergeOptions tune MergeShards: where the merged run goes and what the
// caller does with it.
type MergeOptions struct {
	// Out is the run directory to create, new or empty, or a perfgate run
	// directory there when Replace says so; "" for a new
	// reports/<UTC time>-<label> with the shards' label, named at Now
	// (time.Now when nil).
	Out     string
	Replace bool
	Now     func() time.Time
	// Write, when set, saves the merged run into dir in the caller's
	// formats.
	Write func(dir string, run *model.Run) error
}

// MergeShards merges the shards of one distributed run (dirs, see
// ShardDirs) into a new run directory (OpenMerge, Into) and writes the
// merged run (Write). When a shard was interrupted it returns the merged
// run, written, and an exit.Unavailable error that says where; a merged
// run that fails its criteria is no error (model.Run.Pass).
func MergeShards(ctx context.Context, dirs []string, o MergeOptions) (*model.Run, error) {
	m, err := OpenMerge(dirs)
	if err != nil {
		return nil, err
	}
	now := orNow(o.Now)
	rd, err := CreateOutDir(o.Out, o.Replace, now, m.Label())
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	merged, err := m.Into(ctx, rd.Path)
	if err != nil {
		return nil, err
	}
	if o.Write != nil {
		if err := o.Write(rd.Path, merged); err != nil {
			return nil, err
		}
	}
	if merged.Interrupted {
		return merged, exit.Unavailable(fmt.Errorf("a shard was interrupted: the merged figures in %s cover what was gathered", rd.Path))
	}
	return merged, nil
}

// Label is the label the shards ran under.
func (m *ShardMerge) Label() string { return m.merged.Label }

// Into streams every shard's raw results into one <scenario>.parquet per
// scenario in out (an existing, empty run directory), recomputes every
// figure from that union and judges the criteria again. The merged run
// passes when every scenario passes and no shard was interrupted.
func (m *ShardMerge) Into(ctx context.Context, out string) (*model.Run, error) {
	merged := m.merged
	for _, sc := range merged.Scenarios {
		if err := ctx.Err(); err != nil {
			return nil, exit.Unavailable(fmt.Errorf("merge interrupted: %w", err))
		}
		if err := mergeRaw(sc, m.shards, out, merged.AllowInconclusive); err != nil {
			return nil, err
		}
	}
	merged.Pass = !merged.Interrupted
	for _, sc := range merged.Scenarios {
		merged.Pass = merged.Pass && sc.Pass
	}
	return merged, nil
}

// mergeRaw streams every shard's raw results of sc into one file in out,
// recording them as a run does, and sets sc's figures and verdicts. Memory
// holds one latency per request, as in a run.
func mergeRaw(sc *model.Scenario, shards []ShardRun, out string, allowInconclusive bool) error {
	var sources []string
	var hint int64
	for _, s := range shards {
		i := slices.IndexFunc(s.Run.Scenarios, func(x *model.Scenario) bool { return x.Name == sc.Name })
		if i < 0 {
			continue
		}
		ssc := s.Run.Scenarios[i]
		if ssc.Raw == "" {
			return exit.Usagef("merge: %s: scenario %s has no raw results file; the merge needs every shard's raw results", s.Dir, sc.Name)
		}
		path := filepath.Join(s.Dir, ssc.Raw)
		if _, err := os.Stat(path); err != nil {
			return exit.Usagef("merge: %s: raw results of %s are missing (%v); the merge needs every shard's raw results", s.Dir, sc.Name, err)
		}
		sources = append(sources, path)
		hint += ssc.Requests
	}
	sc.Raw = sc.Name + load.RawExt
	w, err := load.CreateRaw(filepath.Join(out, sc.Raw), load.ExpectStatus(sc.Expect.Status))
	if err != nil {
		return err
	}
	// Checks are not run again: bodies are not kept. Their tallies are
	// the sums of the shards' (checkShards).
	sink := NewSink(int(min(hint, 1<<22)), nil, w)
	for _, path := range sources {
		err := load.ReadRaw(path, func(r *load.Result) error {
			sink.Add(r)
			return sink.WriteErr()
		})
		if err != nil {
			w.Close()
			return fmt.Errorf("merge %s: %w", sc.Name, err)
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("merge %s: %w", sc.Name, err)
	}
	s := sink.Summary()
	ApplyFigures(sc, s, sink.Sorted())
	Judge(sc, s, sink, "", allowInconclusive)
	return nil
}

// ShardDirs expands the RUN arguments of a report: a directory without a
// summary.json whose subdirectories are shards (hold shard.json) stands
// for those shards, so that a merge needs no shell glob. merge says that
// dirs are the shards of one distributed run to merge (MergeShards): more
// than one run, or shards found in a parent; otherwise dirs is the one
// run to render again (Rerender).
func ShardDirs(args []string) (dirs []string, merge bool) {
	expanded := false
	for _, a := range args {
		if _, err := os.Stat(filepath.Join(a, model.SummaryFile)); err == nil {
			dirs = append(dirs, a)
			continue
		}
		entries, rerr := os.ReadDir(a)
		if rerr != nil {
			dirs = append(dirs, a) // not a directory: ReadRun says what it is
			continue
		}
		var found []string
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			sub := filepath.Join(a, e.Name())
			if _, err := os.Stat(filepath.Join(sub, model.ShardFile)); err == nil {
				found = append(found, sub)
			}
		}
		if len(found) == 0 {
			dirs = append(dirs, a)
			continue
		}
		expanded = true
		dirs = append(dirs, found...)
	}
	return dirs, len(dirs) > 1 || expanded
}

// ShardRun is one shard's run directory, read for a merge. Marker is nil
// when the directory has no shard.json.
type ShardRun struct {
	Dir    string
	Run    *model.Run
	Marker *model.ShardMarker
}

// checkShards checks that shards are every shard of one distributed run and
// returns the merged run without its measured figures: what the shards
// agree on (scenarios, requests, criteria, the whole run's rates), the
// checks' tallies summed, the database figures of one shard (see mergeDB).
// The caller streams the union of the raw results, then calls
// ApplyFigures and judges each scenario. shards is sorted by index.
//
// Errors name the directories at fault and say what to pass instead.
func checkShards(shards []ShardRun) (*model.Run, error) {
	if len(shards) == 0 {
		return nil, fmt.Errorf("no shards to merge")
	}
	for _, s := range shards {
		if s.Marker == nil || s.Run.Shard == nil {
			return nil, fmt.Errorf("%s is not a shard of a distributed run (no %s); merge only the run directories written by run --shard i/N", s.Dir, model.ShardFile)
		}
		if s.Marker.Index != s.Run.Shard.Index || s.Marker.Count != s.Run.Shard.Count {
			return nil, fmt.Errorf("%s: %s says shard %d of %d but %s says %d of %d; the directory was altered",
				s.Dir, model.ShardFile, s.Marker.Index, s.Marker.Count, model.SummaryFile, s.Run.Shard.Index, s.Run.Shard.Count)
		}
	}
	slices.SortStableFunc(shards, func(a, b ShardRun) int { return a.Marker.Index - b.Marker.Index })
	first := shards[0]
	count := first.Marker.Count
	for _, s := range shards[1:] {
		if s.Marker.Count != count {
			return nil, fmt.Errorf("shard counts differ: %s is shard %d of %d but %s is shard %d of %d; merge the shards of one distributed run",
				first.Dir, first.Marker.Index, count, s.Dir, s.Marker.Index, s.Marker.Count)
		}
	}
	for i := 1; i < len(shards); i++ {
		if a, b := shards[i-1], shards[i]; a.Marker.Index == b.Marker.Index {
			return nil, fmt.Errorf("%s and %s are both shard %d of %d; pass each shard once", a.Dir, b.Dir, a.Marker.Index, count)
		}
	}
	if len(shards) != count {
		have := map[int]bool{}
		for _, s := range shards {
			have[s.Marker.Index] = true
		}
		var missing []string
		for i := range count {
			if !have[i] {
				missing = append(missing, strconv.Itoa(i))
			}
		}
		word := "shard"
		if len(missing) > 1 {
			word = "shards"
		}
		return nil, fmt.Errorf("%s %s of %d missing: got %d run directories; pass every shard's run directory",
			word, strings.Join(missing, ", "), count, len(shards))
	}
	for _, s := range shards[1:] {
		if err := sameScenarios(first, s); err != nil {
			return nil, err
		}
	}

	merged := &model.Run{
		Schema: model.SchemaRun,
		Tool:   first.Run.Tool,
		Target: first.Marker.Target,
		Label:  first.Marker.Label,
		Start:  first.Run.Start,
		End:    first.Run.End,
		Pass:   true,
		// Shard 0 probed the database; each shard's host is alike.
		Environment: first.Run.Environment,
	}
	for _, s := range shards {
		if s.Run.Start.Before(merged.Start) {
			merged.Start = s.Run.Start
		}
		if s.Run.End.After(merged.End) {
			merged.End = s.Run.End
		}
		merged.Interrupted = merged.Interrupted || s.Run.Interrupted
		// Every shard ran with the same flags; one that allowed
		// inconclusive criteria speaks for the merge.
		merged.AllowInconclusive = merged.AllowInconclusive || s.Run.AllowInconclusive
		for _, w := range s.Run.Warnings {
			if !slices.Contains(merged.Warnings, w) {
				merged.Warnings = append(merged.Warnings, w)
			}
		}
	}
	for _, want := range first.Marker.Scenarios {
		sc, warn, err := mergeScenario(want, shards)
		if err != nil {
			return nil, err
		}
		if sc == nil {
			continue // no shard got to it: every shard was interrupted before
		}
		merged.Scenarios = append(merged.Scenarios, sc)
		merged.Warnings = append(merged.Warnings, warn...)
	}
	return merged, nil
}

// sameScenarios refuses two shards that ran different scenario sets, rates
// or durations, or different requests or criteria (the fingerprint).
func sameScenarios(a, b ShardRun) error {
	names := func(m *model.ShardMarker) []string {
		var out []string
		for _, s := range m.Scenarios {
			out = append(out, s.Name)
		}
		return out
	}
	if an, bn := names(a.Marker), names(b.Marker); !slices.Equal(an, bn) {
		return fmt.Errorf("%s ran scenarios [%s] but %s ran [%s]; merge only the shards of one distributed run",
			a.Dir, strings.Join(an, " "), b.Dir, strings.Join(bn, " "))
	}
	for i, as := range a.Marker.Scenarios {
		bs := b.Marker.Scenarios[i]
		if as.Rate != bs.Rate || as.Duration != bs.Duration {
			return fmt.Errorf("scenario %s: %s asked for %s for %s but %s for %s for %s; merge only the shards of one distributed run",
				as.Name, a.Dir, as.Rate, as.Duration, b.Dir, bs.Rate, bs.Duration)
		}
	}
	if a.Marker.Fingerprint != b.Marker.Fingerprint {
		return fmt.Errorf("%s and %s ran different requests or criteria (scenario fingerprints %s and %s): same names, other files, --set, --fixtures or --expect; merge only the shards of one distributed run",
			a.Dir, b.Dir, a.Marker.Fingerprint, b.Marker.Fingerprint)
	}
	return nil
}

// mergeScenario merges what the shards agree on for one scenario.
func mergeScenario(want model.ShardScenario, shards []ShardRun) (*model.Scenario, []string, error) {
	var (
		out      *model.Scenario
		warnings []string
		parts    []*model.Scenario // by shard, nil where a shard never got to it
		total    int64
	)
	for _, s := range shards {
		i := slices.IndexFunc(s.Run.Scenarios, func(sc *model.Scenario) bool { return sc.Name == want.Name })
		if i < 0 {
			parts = append(parts, nil)
			continue
		}
		sc := s.Run.Scenarios[i]
		if sc.Expect == nil {
			return nil, nil, fmt.Errorf("%s: scenario %s has no saved criteria (written by an older perfgate); run the shards again with this one", s.Dir, sc.Name)
		}
		parts = append(parts, sc)
		total += sc.Requests
		if out != nil {
			out.Checks = addChecks(out.Checks, sc.Checks)
			out.Warmup += sc.Warmup // each shard warms its own connections
			out.Interrupted = out.Interrupted || sc.Interrupted
			if out.FailingAnswer == nil {
				out.FailingAnswer = sc.FailingAnswer
			}
			continue
		}
		exp := *sc.Expect
		out = &model.Scenario{
			Name:          sc.Name,
			Description:   sc.Description,
			File:          sc.File,
			Method:        sc.Method,
			URL:           sc.URL,
			Rate:          want.Rate,
			RequestedRate: want.RequestedRate,
			Duration:      want.Duration,
			Warmup:        sc.Warmup,
			Checks:        addChecks(nil, sc.Checks),
			Expect:        &exp,
			Raw:           sc.Raw,
			Interrupted:   sc.Interrupted,
			FailingAnswer: sc.FailingAnswer,
		}
	}
	if out == nil {
		return nil, nil, nil
	}
	var missing []string
	for i, p := range parts {
		if p == nil {
			missing = append(missing, strconv.Itoa(shards[i].Marker.Index))
		}
	}
	if len(missing) > 0 {
		out.Interrupted = true
		warnings = append(warnings, fmt.Sprintf("%s: shard %s never ran it (interrupted); the figures cover the other shards only",
			out.Name, strings.Join(missing, ", ")))
	}
	db, warn := mergeDB(out.Name, parts, shards, total)
	out.DB = db
	warnings = append(warnings, warn...)
	out.Resources = mergeResources(parts, total)
	out.Saturation = mergeWorkers(parts)
	return out, warnings, nil
}

// addChecks adds the tallies of b to a, check by check in a's order.
func addChecks(a, b []model.Check) []model.Check {
	for _, c := range b {
		i := slices.IndexFunc(a, func(x model.Check) bool { return x.Name == c.Name })
		if i < 0 {
			c.Failures = slices.Clone(c.Failures)
			a = append(a, c)
			continue
		}
		a[i].Passed += c.Passed
		a[i].Failed += c.Failed
		for _, f := range c.Failures {
			if len(a[i].Failures) < verdict.MaxFailureSamples {
				a[i].Failures = append(a[i].Failures, f)
			}
		}
	}
	return a
}

// mergeDB chooses the database figures of a merged scenario.
//
// pg_stat_statements and pg_stat_user_tables are counters of the whole
// server, so a probe in one shard sees every shard's statements, and
// divides them by its own shard's requests. Only one probe is used (shard
// 0 probes; run --shard ignores --db-probe on the others), and its
// per-request figures are rescaled to the requests of every shard. That is
// exact when the shards sent their load at the same time (the probe's
// window then holds every shard's statements), which a warning recalls.
func mergeDB(name string, parts []*model.Scenario, shards []ShardRun, total int64) (*model.DB, []string) {
	probe := -1
	for i, p := range parts {
		if p != nil && p.DB != nil {
			probe = i
			break
		}
	}
	if probe < 0 {
		return nil, nil
	}
	p := parts[probe]
	var warnings []string
	for i, q := range parts[probe+1:] {
		if q != nil && q.DB != nil {
			warnings = append(warnings, fmt.Sprintf("%s: shards %d and %d both probed the database; only shard %d's figures are used (probe from shard 0 only)",
				name, shards[probe].Marker.Index, shards[probe+1+i].Marker.Index, shards[probe].Marker.Index))
			break
		}
	}
	if p.Requests == 0 || total == 0 {
		return nil, warnings
	}
	scale := float64(p.Requests) / float64(total)
	db := *p.DB
	db.MissingIndexes = slices.Clone(p.DB.MissingIndexes)
	db.SlowestStatements = slices.Clone(p.DB.SlowestStatements)
	db.StatementsPerRequest *= scale
	db.SeqScansPerRequest *= scale
	db.IndexScansPerRequest *= scale
	db.RowsReadPerRequest *= scale
	db.TransactionsPerRequest *= scale
	db.ScaleDetails(scale)
	if len(shards) > 1 {
		warnings = append(warnings, fmt.Sprintf("%s: database figures are shard %d's probe over the requests of all %d shards; exact only when the shards ran at the same time",
			name, shards[probe].Marker.Index, len(shards)))
	}
	return &db, warnings
}

// mergeWorkers keeps the workers' figures of the shard that came closest
// to --max-workers: each shard bounds its own workers, so the union was
// short of workers when one of them was (ApplyFigures adds the union's
// rates). nil when no shard recorded them.
func mergeWorkers(parts []*model.Scenario) *model.Saturation {
	var out *model.Saturation
	busiest := -1.0
	for _, p := range parts {
		if p == nil || p.Saturation == nil || p.Saturation.MaxWorkers == 0 {
			continue
		}
		if r := float64(p.Saturation.PeakInFlight) / float64(p.Saturation.MaxWorkers); r > busiest {
			busiest = r
			out = &model.Saturation{MaxWorkers: p.Saturation.MaxWorkers, PeakInFlight: p.Saturation.PeakInFlight}
		}
	}
	return out
}

package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/report"
	"github.com/perfgate/perfgate/internal/verdict"
)

// jobIndexEnv is where a Kubernetes Indexed Job gives each pod its index.
const jobIndexEnv = "JOB_COMPLETION_INDEX"

// maxShards bounds --shard N: the raw results keep the index in 16 bits.
const maxShards = math.MaxUint16

// shardPlan is a parsed --shard i/N.
type shardPlan struct {
	index, count int
}

// parseShard reads --shard: "i/N" with 0 <= i < N, or "auto/N", "/N" and
// an unexpanded "$(JOB_COMPLETION_INDEX)/N", which take i from the
// JOB_COMPLETION_INDEX environment variable. "" is no sharding (nil).
func parseShard(spec string, getenv func(string) string) (*shardPlan, error) {
	if spec == "" {
		return nil, nil
	}
	idx, cnt, ok := strings.Cut(strings.TrimSpace(spec), "/")
	if !ok {
		return nil, exit.Usagef("--shard %q: write it as i/N, e.g. --shard 0/4 for the first of four shards, or auto/N to read %s", spec, jobIndexEnv)
	}
	n, err := strconv.Atoi(strings.TrimSpace(cnt))
	if err != nil || n < 1 || n > maxShards {
		return nil, exit.Usagef("--shard %q: the shard count %q must be a whole number from 1 to %d", spec, cnt, maxShards)
	}
	idx = strings.TrimSpace(idx)
	switch idx {
	case "", "auto", "$(" + jobIndexEnv + ")", "${" + jobIndexEnv + "}", "$" + jobIndexEnv:
		v := getenv(jobIndexEnv)
		if v == "" {
			return nil, exit.Usagef("--shard %q: %s is not set (it is set in the pods of a Kubernetes Indexed Job); pass the index instead, e.g. --shard 0/%d", spec, jobIndexEnv, n)
		}
		idx = v
	}
	i, err := strconv.Atoi(idx)
	if err != nil || i < 0 {
		return nil, exit.Usagef("--shard %q: the shard index %q must be a whole number from 0 to %d", spec, idx, n-1)
	}
	if i >= n {
		return nil, exit.Usagef("--shard %q: index %d is not below the count %d; shards are numbered 0 to %d", spec, i, n, n-1)
	}
	return &shardPlan{index: i, count: n}, nil
}

// shardIndex is the index results are tagged with (0 without sharding).
func (s *shardPlan) shardIndex() uint16 {
	if s == nil {
		return 0
	}
	return uint16(s.index)
}

// dirSuffix tells the shards of one run apart in their default directory.
func (s *shardPlan) dirSuffix() string {
	if s == nil {
		return ""
	}
	return fmt.Sprintf("-shard-%d-of-%d", s.index, s.count)
}

// reportShard is the summary's shard field.
func (s *shardPlan) reportShard() *model.Shard {
	if s == nil {
		return nil
	}
	return &model.Shard{Index: s.index, Count: s.count}
}

// shardRate is the rate one of n shards sends so that together they send
// r: the same requests over n times the period. "max" stays max per shard.
func shardRate(r load.Rate, n int) load.Rate {
	if r.IsMax() || n <= 1 {
		return r
	}
	return load.Rate{Freq: r.Freq, Per: r.Per * time.Duration(n)}
}

// apply divides every scenario's rate among the shards and returns the
// marker that identifies this shard's run directory. It is called after
// the criteria are final, since they are part of the fingerprint.
// With rateFlag (--rate given) the stages of a file are dropped, as run
// does.
func (s *shardPlan) apply(ps []planned, target, label string, rateFlag bool) *model.ShardMarker {
	m := &model.ShardMarker{
		Schema: model.SchemaShard,
		Index:  s.index,
		Count:  s.count,
		Target: target,
		Label:  label,
	}
	type scenarioPrint struct {
		Name, Method, URL, Rate string
		Header                  map[string][]string
		Body                    []byte
		Duration, Timeout       time.Duration
		Warmup                  int
		Expect                  *model.Expect
	}
	var prints []scenarioPrint
	for _, p := range ps {
		sc := p.sc
		if rateFlag {
			sc.Load.Stages = nil
		}
		rate, requested := sc.Load.Rate.String(), sc.Load.Rate.PerSecond()
		if len(sc.Load.Stages) > 0 {
			rate, requested = load.StagesString(sc.Load.Stages), load.AverageRate(sc.Load.Stages, sc.Load.Duration)
		}
		m.Scenarios = append(m.Scenarios, model.ShardScenario{
			Name:          sc.Name,
			Rate:          rate,
			RequestedRate: requested,
			Duration:      sc.Load.Duration,
		})
		prints = append(prints, scenarioPrint{
			Name: sc.Name, Method: p.req.Method, URL: p.req.URL, Rate: rate,
			Header: p.req.Header, Body: p.req.Body,
			Duration: sc.Load.Duration, Timeout: sc.Load.Timeout, Warmup: sc.Load.Warmup,
			Expect: verdict.SaveExpect(sc.Expect),
		})
		sc.Load.Rate = shardRate(sc.Load.Rate, s.count)
		stages := make([]load.Stage, len(sc.Load.Stages))
		for i, st := range sc.Load.Stages {
			st.Rate = shardRate(st.Rate, s.count)
			if st.To != nil {
				to := shardRate(*st.To, s.count)
				st.To = &to
			}
			stages[i] = st
		}
		if len(stages) > 0 {
			sc.Load.Stages = stages
		}
	}
	// encoding/json sorts map keys, so the print is stable.
	data, _ := json.Marshal(struct {
		Count     int
		Scenarios []scenarioPrint
	}{s.count, prints})
	sum := sha256.Sum256(data)
	m.Fingerprint = hex.EncodeToString(sum[:8])
	return m
}

// shardDirs expands the RUN arguments of report: a directory without a
// summary.json whose subdirectories are shards (hold shard.json) stands
// for those shards, so that a merge needs no shell glob. expanded says
// whether any argument was such a parent.
func shardDirs(args []string) (dirs []string, expanded bool) {
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
	return dirs, expanded
}

// mergeShards merges the shards of one distributed run into the run
// directory out: every figure recomputed from the union of their raw
// results, which are streamed into one Parquet file per scenario.
func mergeShards(ctx context.Context, dirs []string, out string, formats []string, now func() time.Time, stdout io.Writer) error {
	var shards []report.ShardRun
	for _, d := range dirs {
		run, err := model.ReadRun(d)
		if err != nil {
			return exit.Usage(fmt.Errorf("%w; pass the shards' run directories", err))
		}
		d = runDir(d)
		m, err := model.ReadShardMarker(d)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return exit.Usage(err)
		}
		shards = append(shards, report.ShardRun{Dir: d, Run: run, Marker: m})
	}
	merged, err := report.Merge(shards)
	if err != nil {
		return exit.Usage(fmt.Errorf("merge: %w", err))
	}
	if out == "" {
		out = runDirName(now(), merged.Label)
	}
	if err := prepareRunDir(out); err != nil {
		return err
	}
	for _, sc := range merged.Scenarios {
		if err := ctx.Err(); err != nil {
			return exit.Unavailable(fmt.Errorf("merge interrupted: %w", err))
		}
		if err := mergeRaw(sc, shards, out); err != nil {
			return err
		}
	}
	merged.Pass = !merged.Interrupted
	for _, sc := range merged.Scenarios {
		merged.Pass = merged.Pass && sc.Pass
	}
	if err := writeRun(out, merged, formats, stdout); err != nil {
		return err
	}
	switch {
	case merged.Interrupted:
		return exit.Unavailable(fmt.Errorf("a shard was interrupted: the merged figures in %s cover what was gathered", out))
	case !merged.Pass:
		return exit.ErrGateFailed
	}
	return nil
}

// mergeRaw streams every shard's raw results of sc into one file in out,
// recording them as run does, and sets sc's figures and verdicts. Memory
// holds one latency per request, as in a run.
func mergeRaw(sc *model.Scenario, shards []report.ShardRun, out string) error {
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
	w, err := load.CreateRaw(filepath.Join(out, sc.Raw))
	if err != nil {
		return err
	}
	rec := metrics.NewRecorder(int(min(hint, 1<<22)))
	for _, path := range sources {
		err := load.ReadRaw(path, func(r *load.Result) error {
			// As in run: only a request without an answer is a transport error.
			transportErr := ""
			if r.Code == 0 {
				transportErr = r.Error
			}
			rec.Add(r.Timestamp, r.Latency, r.Code, transportErr, r.BytesIn, r.BytesOut)
			return w.Write(r)
		})
		if err != nil {
			w.Close()
			return fmt.Errorf("merge %s: %w", sc.Name, err)
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("merge %s: %w", sc.Name, err)
	}
	s := rec.Summary()
	report.ApplyFigures(sc, s)
	sc.Criteria = verdict.EvaluateSaved(*sc.Expect, verdict.Input{Summary: s, Checks: sc.Checks, DB: sc.DB})
	sc.Pass = verdict.Pass(sc.Criteria) && !sc.Interrupted
	return nil
}

// planShard applies --shard to a run: it parses the flag into opts.sh,
// divides every scenario's rate (and stages) among the shards, and leaves
// the database probe to shard 0. It returns the marker to write into the
// run directory (nil without --shard) and a warning for the summary.
func planShard(opts *runOptions, ps []planned) (*model.ShardMarker, string, error) {
	sh, err := parseShard(opts.shard, os.Getenv)
	if err != nil || sh == nil {
		return nil, "", err
	}
	opts.sh = sh
	var warning string
	if sh.index > 0 && opts.dbProbe != "" {
		// Database statistics are server-wide: every shard's probe would
		// count all shards' statements. The merge rescales shard 0's.
		warning = fmt.Sprintf("--db-probe ignored on shard %d of %d: shard 0 probes the database for the whole run", sh.index, sh.count)
		fmt.Fprintf(opts.streams.ErrOut, "perfgate: %s\n", warning)
		opts.dbProbe = ""
	}
	return sh.apply(ps, opts.target, opts.label, opts.scen.rate != ""), warning, nil
}

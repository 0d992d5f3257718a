package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/model"
)

// jobIndexEnv is where a Kubernetes Indexed Job gives each pod its index.
const jobIndexEnv = "JOB_COMPLETION_INDEX"

// maxShards bounds --shard N: the raw results keep the index in 16 bits.
const maxShards = math.MaxUint16

// ShardPlan is a parsed --shard i/N: this run is shard Index of Count.
type ShardPlan struct {
	// Index is this shard (0-based) of Count.
	Index, Count int
}

// ParseShard reads --shard: "i/N" with 0 <= i < N, or "auto/N", "/N" and
// an unexpanded "$(JOB_COMPLETION_INDEX)/N", which take i from the
// JOB_COMPLETION_INDEX environment variable. "" is no sharding (nil).
func ParseShard(spec string, getenv func(string) string) (*ShardPlan, error) {
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
	return &ShardPlan{Index: i, Count: n}, nil
}

// tag is the shard index results are tagged with (0 without sharding).
func (s *ShardPlan) tag() uint16 {
	if s == nil {
		return 0
	}
	return uint16(s.Index)
}

// DirSuffix tells the shards of one run apart in their default directory.
func (s *ShardPlan) DirSuffix() string {
	if s == nil {
		return ""
	}
	return fmt.Sprintf("-shard-%d-of-%d", s.Index, s.Count)
}

// saved is the summary's shard field.
func (s *ShardPlan) saved() *model.Shard {
	if s == nil {
		return nil
	}
	return &model.Shard{Index: s.Index, Count: s.Count}
}

// ShardRate is the rate one of n shards sends so that together they send
// r: the same requests over n times the period. "max" stays max per shard.
func ShardRate(r load.Rate, n int) load.Rate {
	if r.IsMax() || n <= 1 {
		return r
	}
	return load.Rate{Freq: r.Freq, Per: r.Per * time.Duration(n)}
}

// Divide returns the plan this shard sends, each scenario's rate (and
// stages) divided among the shards, and the marker that identifies this
// shard's run directory: the whole run's rates, and a fingerprint of the
// requests and criteria that every shard of one run shares. ps is not
// changed. Call it after the criteria are final: they are part of the
// fingerprint.
func (s *ShardPlan) Divide(ps []Planned, target, label string) ([]Planned, *model.ShardMarker) {
	m := &model.ShardMarker{
		Schema: model.SchemaShard,
		Index:  s.Index,
		Count:  s.Count,
		Target: target,
		Label:  label,
	}
	type scenarioPrint struct {
		Name, Method, URL, Rate string
		Header                  map[string][]string
		Body                    []byte
		Duration, Timeout       time.Duration
		Warmup                  int
		Expect                  model.Expect
	}
	var prints []scenarioPrint
	out := make([]Planned, len(ps))
	for i, p := range ps {
		sc := *p.Scenario
		rate, requested := sc.Load.Requested()
		m.Scenarios = append(m.Scenarios, model.ShardScenario{
			Name:          sc.Name,
			Rate:          rate,
			RequestedRate: requested,
			Duration:      sc.Load.Duration,
		})
		prints = append(prints, scenarioPrint{
			Name: sc.Name, Method: p.Request.Method, URL: p.Request.URL, Rate: rate,
			Header: p.Request.Header, Body: p.Request.Body,
			Duration: sc.Load.Duration, Timeout: sc.Load.Timeout, Warmup: sc.Load.Warmup,
			Expect: sc.Expect,
		})
		sc.Load.Rate = ShardRate(sc.Load.Rate, s.Count)
		if len(sc.Load.Stages) > 0 {
			stages := make([]load.Stage, len(sc.Load.Stages))
			for j, st := range sc.Load.Stages {
				st.Rate = ShardRate(st.Rate, s.Count)
				if st.To != nil {
					to := ShardRate(*st.To, s.Count)
					st.To = &to
				}
				stages[j] = st
			}
			sc.Load.Stages = stages
		}
		out[i] = Planned{Scenario: &sc, Request: p.Request}
	}
	// encoding/json sorts map keys, so the print is stable.
	data, _ := json.Marshal(struct {
		Count     int
		Scenarios []scenarioPrint
	}{s.Count, prints})
	sum := sha256.Sum256(data)
	m.Fingerprint = hex.EncodeToString(sum[:8])
	return out, m
}

// ProbeWarning says why a shard other than 0 does not probe the database,
// or "" for shard 0 and unsharded runs. Database statistics are
// server-wide: every shard's probe would count all shards' statements, so
// shard 0 probes for the whole run and the merge rescales its figures.
func (s *ShardPlan) ProbeWarning() string {
	if s == nil || s.Index == 0 {
		return ""
	}
	return fmt.Sprintf("--db-probe ignored on shard %d of %d: shard 0 probes the database for the whole run", s.Index, s.Count)
}

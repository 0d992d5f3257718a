package model

import (
	"path/filepath"
	"time"
)

// ShardFile is the shard marker inside the run directory of one shard of a
// distributed run (run --shard i/N). It is written before any load is
// sent, so that even a shard that died is recognisable.
const ShardFile = "shard.json"

// SchemaShard is the schema identifier of shard.json.
const SchemaShard = "perfgate.shard/v1"

// ShardMarker is the content of shard.json.
type ShardMarker struct {
	Schema string `json:"schema"`
	// Index is this shard's index (0-based) among Count shards.
	Index int `json:"index"`
	Count int `json:"count"`
	// Fingerprint identifies the scenario set as planned: requests,
	// criteria, the whole run's rates and durations. Shards of one
	// distributed run have the same fingerprint.
	Fingerprint string          `json:"fingerprint"`
	Target      string          `json:"target"`
	Label       string          `json:"label,omitempty"`
	Scenarios   []ShardScenario `json:"scenarios"`
}

// ShardScenario is one scenario of a shard marker, with the rate of the
// whole distributed run (the shard itself sends 1/Count of it).
type ShardScenario struct {
	Name          string        `json:"name"`
	Rate          string        `json:"rate"`
	RequestedRate float64       `json:"requested_rate"`
	Duration      time.Duration `json:"duration"`
}

// WriteShardMarker writes m as shard.json in dir, atomically.
func WriteShardMarker(dir string, m *ShardMarker) error {
	return writeJSON(dir, ShardFile, "shard marker", m)
}

// ReadShardMarker reads dir's shard.json. It returns an error matching
// fs.ErrNotExist when dir is not a shard's run directory.
func ReadShardMarker(dir string) (*ShardMarker, error) {
	return readJSON(filepath.Join(dir, ShardFile), ShardFile, "shard marker", SchemaShard, func(m *ShardMarker) string { return m.Schema })
}

package model

import (
	"time"

	"github.com/perfgate/perfgate/internal/metrics"
)

// SchemaAB is the schema identifier of ab.json.
const SchemaAB = "perfgate.ab/v1"

// ABFile is the name of an interleaved A/B run's results inside its
// directory, beside the before/ and after/ run directories.
const ABFile = "ab.json"

// AB is the content of ab.json: an interleaved A/B run (perfgate ab),
// which alternated short blocks of each scenario between two versions in
// one process and paired the blocks, so that the drift of the machine
// cancels out of the speed-ups.
type AB struct {
	Schema string    `json:"schema"`
	Tool   Tool      `json:"tool"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	// Before and After are the two versions and their run directories
	// (relative to ab.json's directory), which compare reads.
	Before ABSide `json:"before"`
	After  ABSide `json:"after"`
	// Rounds is the number of pairs of blocks per scenario, Block how long
	// each block sends, Order the order of the pairs ("ABBA": AB, then BA,
	// then AB...).
	Rounds int           `json:"rounds"`
	Block  time.Duration `json:"block"`
	Order  string        `json:"order"`
	// MaxRegression is how much the gated percentile may grow (its paired
	// interval wholly above 1 + MaxRegression fails the gate).
	MaxRegression float64       `json:"max_regression"`
	MinEffect     time.Duration `json:"min_effect"`
	Scenarios     []*ABScenario `json:"scenarios"`
	// Failures say, one line each, why the gate fails; empty when it
	// passes.
	Failures    []string `json:"failures,omitempty"`
	Warnings    []string `json:"warnings,omitempty"`
	Pass        bool     `json:"pass"`
	Interrupted bool     `json:"interrupted,omitempty"`
}

// ABSide is one version of an A/B run.
type ABSide struct {
	Target string `json:"target"`
	Dir    string `json:"dir"`
}

// ABScenario is one scenario's blocks and paired speed-ups.
type ABScenario struct {
	Name string `json:"name"`
	// Blocks are every block in the order run.
	Blocks []ABBlock `json:"blocks"`
	// Rows are the paired comparison of each percentile.
	Rows []ABRow `json:"rows"`
	// Gate is the percentile the gate judged: p95 when every block holds
	// enough requests for it, else the highest that they do (p90, p50);
	// "" when none.
	Gate      string `json:"gate,omitempty"`
	Regressed bool   `json:"regressed"`
}

// ABBlock is one block of load on one version.
type ABBlock struct {
	// Pair counts the pairs from 0; Side is "before" or "after".
	Pair     int       `json:"pair"`
	Side     string    `json:"side"`
	Start    time.Time `json:"start"`
	Requests int64     `json:"requests"`
	// Rate is the achieved sending rate; Latency the block's service
	// latency.
	Rate    float64 `json:"rate"`
	Latency Latency `json:"latency"`
}

// ABRow is one percentile: both versions' figures over all their blocks,
// and the paired ratio after/before with its interval.
type ABRow struct {
	Percentile string        `json:"percentile"`
	Before     time.Duration `json:"before"`
	After      time.Duration `json:"after"`
	// Paired is the ratio of the pairs' block percentiles; Paired.Ratio's
	// Inverse is the speed-up.
	Paired metrics.Paired `json:"paired"`
	// Note says why a row is not judged (blocks too small for it).
	Note string `json:"note,omitempty"`
}

// WriteAB writes a as ab.json in dir, atomically.
func WriteAB(dir string, a *AB) error {
	return writeJSON(dir, ABFile, "ab", a)
}

// ReadAB reads ab.json from a directory or the file itself.
func ReadAB(path string) (*AB, error) {
	return readJSON(path, ABFile, "ab", SchemaAB, func(a *AB) string { return a.Schema })
}

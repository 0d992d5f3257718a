package model

import (
	"errors"
	"io/fs"
	"path/filepath"
	"time"
)

// SchemaCapacity is the schema identifier of capacity.json.
const SchemaCapacity = "perfgate.capacity/v1"

// CapacityFile is the name of a capacity search's results inside a run
// directory.
const CapacityFile = "capacity.json"

// Capacity is the content of capacity.json: for each scenario, the curve
// of constant-rate steps a capacity search ran and the knee it found.
type Capacity struct {
	Schema      string              `json:"schema"`
	Tool        Tool                `json:"tool"`
	Target      string              `json:"target"`
	Label       string              `json:"label,omitempty"`
	Start       time.Time           `json:"start"`
	End         time.Time           `json:"end"`
	Settings    CapacitySettings    `json:"settings"`
	Pass        bool                `json:"pass"`
	Interrupted bool                `json:"interrupted,omitempty"`
	Scenarios   []*CapacityScenario `json:"scenarios"`
}

// CapacitySettings are the bounds a capacity search ran under.
type CapacitySettings struct {
	// Start is the first rate tried ("" when each scenario started at its
	// own rate); MaxRate the highest, in requests per second.
	Start     string        `json:"start,omitempty"`
	MaxRate   float64       `json:"max_rate"`
	Precision float64       `json:"precision"`
	Step      time.Duration `json:"step"`
	Budget    time.Duration `json:"budget"`
	// MaxRequests bounds the requests of the whole search; 0 is no bound.
	MaxRequests int64 `json:"max_requests,omitempty"`
}

// CapacityScenario is one scenario's search: every step in the order run,
// and the knee, the highest rate at which the scenario met its criteria.
type CapacityScenario struct {
	Name string `json:"name"`
	File string `json:"file,omitempty"`
	// FileRate is the scenario's own rate as written; FileRatePerSecond
	// the same in requests per second (0 for max).
	FileRate          string  `json:"file_rate"`
	FileRatePerSecond float64 `json:"file_rate_per_second"`
	// Knee is the highest rate that passed, in requests per second; 0 when
	// none did. Limit is the lowest rate that failed; 0 when none did, and
	// then Capped says the search stopped at --max-rate.
	Knee   float64 `json:"knee"`
	Limit  float64 `json:"limit,omitempty"`
	Capped bool    `json:"capped,omitempty"`
	// Stopped says why the search ended before reaching the precision:
	// "budget", "max-requests" or "interrupted". The knee then lies
	// somewhere in [Knee, Limit] (above Knee when no rate failed).
	Stopped string `json:"stopped,omitempty"`
	// Notes are what a reader needs to trust the knee: the steps that
	// contradict each other (a rate that failed, then passed its
	// confirmation: the behaviour is no clean step from passing to
	// failing) and a failure a bound left unconfirmed.
	Notes    []string       `json:"notes,omitempty"`
	Requests int64          `json:"requests"`
	Steps    []CapacityStep `json:"steps"`
	// Pass says the knee is at or above the scenario's own rate (for max,
	// that some rate passed).
	Pass bool `json:"pass"`
	// Latency is the scenario's latency criteria each step was judged on
	// (the chart draws them); empty in searches saved before it existed.
	Latency []LatencyLimit `json:"latency,omitempty"`
}

// CapacityStep is one constant-rate step of a search.
type CapacityStep struct {
	Rate     float64       `json:"rate"`
	Achieved float64       `json:"achieved"`
	Requests int64         `json:"requests"`
	Duration time.Duration `json:"duration"`
	Latency  Latency       `json:"latency"`
	// ErrorShare is the share of requests that failed: transport errors
	// and responses with another status than expected.
	ErrorShare     float64 `json:"error_share"`
	UnderDelivered bool    `json:"under_delivered,omitempty"`
	Pass           bool    `json:"pass"`
	// Confirmation marks a step that ran a failing rate again before the
	// search accepted the failure: one noisy step (a stall) must not end
	// the doubling or a bisection. The rate counts as failing only when
	// its confirmation fails too.
	Confirmation bool `json:"confirmation,omitempty"`
	// Failures spell out each failed criterion: "p95 41ms > 40ms".
	Failures []string `json:"failures,omitempty"`
}

// KneeStep returns the step run at the knee, or nil when none passed.
func (c *CapacityScenario) KneeStep() *CapacityStep {
	for i := range c.Steps {
		if c.Steps[i].Pass && c.Steps[i].Rate == c.Knee {
			return &c.Steps[i]
		}
	}
	return nil
}

// Scenario returns the search of the scenario named name, or nil.
func (c *Capacity) Scenario(name string) *CapacityScenario {
	for _, s := range c.Scenarios {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// WriteCapacity writes c as capacity.json in dir, atomically.
func WriteCapacity(dir string, c *Capacity) error {
	return writeJSON(dir, CapacityFile, "capacity", c)
}

// ReadCapacity reads capacity results from a directory holding
// capacity.json or from the file itself. A directory without one is
// reported with an error matching fs.ErrNotExist.
func ReadCapacity(path string) (*Capacity, error) {
	return readJSON(path, CapacityFile, "capacity", SchemaCapacity, func(c *Capacity) string { return c.Schema })
}

// FindCapacity looks for capacity.json in a run directory, then in its
// parent (a directory holding a run and a capacity search side by side).
// It returns nil, nil when neither has one.
func FindCapacity(runDir string) (*Capacity, error) {
	for _, dir := range []string{runDir, filepath.Dir(filepath.Clean(runDir))} {
		c, err := ReadCapacity(filepath.Join(dir, CapacityFile))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		return c, err
	}
	return nil, nil
}

package scenario

import (
	"text/template"
	"time"

	"github.com/itchyny/gojq"

	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/model"
)

// DefaultRate and DefaultDuration apply when a scenario file and the
// command line say nothing.
const (
	DefaultRate     = "1/s"
	DefaultDuration = 10 * time.Second
	DefaultMethod   = "POST"
	DefaultStatus   = 200
)

// Scenario is one loaded, validated scenario file.
type Scenario struct {
	Name        string
	Description string
	// File is the path the scenario was read from; Line the line of its name.
	File string
	Line int

	Request Request
	Load    Load
	// Expect holds the criteria in the form summary.json keeps them: the
	// jq checks by name.
	Expect model.Expect
	// Checks are the compiled jq checks of expect.checks, in file order;
	// their names are Expect.Checks.
	Checks []Check
	Diff   Diff
}

// Request is the request template of a scenario.
type Request struct {
	Method  string
	Path    string
	Headers []Header // in file order
	Body    string

	pathT, bodyT tmpl
}

// tmpl is a parsed template with where it sits in the file.
type tmpl struct {
	t     *template.Template
	line  int
	block bool // a YAML block scalar: its text starts on the next line
}

// Header is one request header; Value may be a template.
type Header struct {
	Name  string
	Value string
	t     tmpl
}

// Load is how a scenario is driven.
type Load struct {
	// Rate is the constant rate, or the first stage's rate when Stages
	// are set.
	Rate load.Rate
	// Stages, when the file gives load.rate as a list, pace the load
	// through steps and linear ramps; Duration is then their sum.
	Stages   []load.Stage
	Duration time.Duration
	// Timeout is the per-request timeout; 0 means load.DefaultTimeout.
	Timeout time.Duration
	// Warmup is the number of requests sent before the measured load and
	// not judged.
	Warmup int
	// MinRequests, at rate max, keeps the load going past Duration until
	// that many requests have been sent (load.Options.MinRequests). No
	// file sets it: the demo does, for the sample sizes it promises.
	MinRequests int
}

// Check is a named jq expression over the JSON body of a response. A jq
// expression may be a template, like the request: Render renders it over
// the fixtures and compiles it.
type Check struct {
	Name string
	// JQ is the expression; for a template, as last rendered.
	JQ   string
	Code *gojq.Code

	t tmpl // the template, when JQ holds {{ }}
}

// Diff tunes `perfgate diff` for a scenario.
type Diff struct {
	// ExpectStatusChange says the two versions answer with different
	// statuses by design (the checklist's scenario 4).
	ExpectStatusChange bool
	// Ignore and Unordered are jq paths: fields dropped before comparing,
	// and lists compared as multisets.
	Ignore    []string
	Unordered []string
}

// LatencyStats are the statistics a latency criterion may name.
var LatencyStats = []string{"min", "mean", "p50", "p90", "p95", "p99", "max"}

// DBFigures are the probe figures a db criterion may name.
var DBFigures = []string{"statements_per_request", "seq_scans_per_request", "index_scans_per_request", "rows_read_per_request"}

// Requested is the rate a scenario asks for: as written ("5/s", "max", or
// its stages "1/s 30s → 20/s 1m0s") and in requests per second (0 for max;
// for stages, averaged over the duration).
func (l Load) Requested() (text string, perSecond float64) {
	if len(l.Stages) > 0 {
		return load.StagesString(l.Stages), load.AverageRate(l.Stages, l.Duration)
	}
	return l.Rate.String(), l.Rate.PerSecond()
}

package model

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/perfgate/perfgate/internal/build"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/pgenv"
)

// SchemaRun is the schema identifier of summary.json.
const SchemaRun = "perfgate.run/v1"

// SummaryFile is the name of the summary inside a run directory.
const SummaryFile = "summary.json"

// Run is the content of summary.json: everything a renderer, compare or a
// CI job needs about one run. Latencies are integer nanoseconds, like
// vegeta's JSON report.
type Run struct {
	Schema      string    `json:"schema"`
	Tool        Tool      `json:"tool"`
	Target      string    `json:"target"`
	Label       string    `json:"label,omitempty"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Shard       *Shard    `json:"shard,omitempty"`
	Pass        bool      `json:"pass"`
	Interrupted bool      `json:"interrupted,omitempty"`
	// AllowInconclusive says the run was judged with --allow-inconclusive:
	// a criterion too few requests could judge passed, marked inconclusive.
	AllowInconclusive bool `json:"allow_inconclusive,omitempty"`
	// Incomplete says why the run stopped before its last scenario (a full
	// disk, a database that went away): the scenarios listed were measured
	// before it.
	Incomplete string      `json:"incomplete,omitempty"`
	Warnings   []string    `json:"warnings,omitempty"`
	Scenarios  []*Scenario `json:"scenarios"`
	// Environment is where the run measured (perfgate's machine, and with
	// --db-probe the database); nil in runs written before it existed.
	Environment *Environment `json:"environment,omitempty"`
}

// Tool identifies the perfgate build that wrote a run.
type Tool struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	GoVersion string `json:"go_version,omitempty"`
}

// ThisTool identifies this perfgate build, as every file it writes names it.
func ThisTool() Tool {
	return Tool{Name: "perfgate", Version: build.Version(), Commit: build.Commit(), GoVersion: runtime.Version()}
}

// Shard marks a run as shard Index (0-based) of Count.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// Scenario is one scenario's figures and verdicts.
type Scenario struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	File        string `json:"file,omitempty"`
	Method      string `json:"method"`
	URL         string `json:"url"`

	// Rate is the requested rate as written ("5/s", "max"), or its stages
	// ("1/s 30s → 20/s 1m0s"); RequestedRate the same in requests per
	// second (0 for max), averaged over the duration for stages.
	Rate          string  `json:"rate"`
	RequestedRate float64 `json:"requested_rate"`
	// Warmup is the number of warmup requests sent before the measured
	// load; they are in no figure and no raw result.
	Warmup   int64         `json:"warmup,omitempty"`
	Duration time.Duration `json:"duration"`
	// Wall is how long the attack took, first send to last response.
	Wall time.Duration `json:"wall"`
	// Requests is the number of requests sent; Throughput the successful
	// responses per second; AchievedRate the requests sent per second.
	Requests       int64   `json:"requests"`
	AchievedRate   float64 `json:"achieved_rate"`
	Throughput     float64 `json:"throughput"`
	UnderDelivered bool    `json:"under_delivered,omitempty"`
	// Success is the share of requests that got the expected status
	// without a transport error, 0..1.
	Success     float64          `json:"success"`
	StatusCodes map[string]int64 `json:"status_codes"`
	// Errors counts transport error messages, most frequent first.
	Errors   []ErrorCount `json:"errors,omitempty"`
	BytesIn  uint64       `json:"bytes_in"`
	BytesOut uint64       `json:"bytes_out"`
	// Timeouts is how many of the requests outlived the timeout (they are
	// among the transport errors). Their latencies are lower bounds on
	// what the requests would have taken: censored observations, so a
	// percentile that falls on them is only a lower bound.
	Timeouts int64 `json:"timeouts,omitempty"`
	// Latency is the service latency: from each request's actual send to
	// its response.
	Latency Latency `json:"latency"`
	// Percentiles are Latency's p50, p90, p95, p99 and max again, each
	// with its distribution-free confidence interval, its sample size and
	// the smallest sample that can judge it (metrics.PercentileOf); nil in
	// runs written before perfgate computed them.
	Percentiles []Percentile `json:"percentiles,omitempty"`
	// Lag is the schedule lag and Corrected the latency measured from
	// each request's intended send time (delivery.go); Saturation says
	// whether the load outran perfgate's workers or the service. All nil
	// at rate max, which has no schedule, and in runs written before.
	Lag        *ScheduleLag `json:"schedule_lag,omitempty"`
	Corrected  *Latency     `json:"corrected_latency,omitempty"`
	Saturation *Saturation  `json:"saturation,omitempty"`
	Criteria   []Criterion  `json:"criteria"`
	Checks     []Check      `json:"checks,omitempty"`
	DB         *DB          `json:"db,omitempty"`
	// Expect is the scenario's criteria as run, so that a merge of shards
	// can judge the union again; nil in runs written before it existed.
	Expect *Expect `json:"expect,omitempty"`
	// Raw is the file name of the raw results inside the run directory.
	Raw         string `json:"raw,omitempty"`
	Pass        bool   `json:"pass"`
	Interrupted bool   `json:"interrupted,omitempty"`
	// Resources is what the service's process used during the load; nil
	// when it was not sampled (Environment.Service says why).
	Resources *Resources `json:"resources,omitempty"`
	// FailingAnswer is one answer with a status the scenario did not
	// expect, body shortened: what "status 404 on 10/10 requests" hides.
	// nil when every answer had the expected status.
	FailingAnswer *Answer `json:"failing_answer,omitempty"`
}

// Answer is one HTTP answer kept as evidence.
type Answer struct {
	Status int `json:"status"`
	// Body is the body's first MaxAnswerBody bytes, "…" after a cut.
	Body string `json:"body"`
	// Resent says the answer came from one more request sent after the
	// measured load, whose own bodies were not kept (a scenario without
	// jq checks reads none): the service answered it the same way.
	Resent bool `json:"resent,omitempty"`
}

// MaxAnswerBody bounds a body kept as evidence: an Answer's, a failed
// jq check's samples.
const MaxAnswerBody = 512

// ClipBody is body as kept for evidence: its first MaxAnswerBody bytes,
// "…" after a cut.
func ClipBody(body []byte) string {
	if len(body) > MaxAnswerBody {
		return string(body[:MaxAnswerBody]) + "…"
	}
	return string(body)
}

// Latency is the latency distribution of a scenario, exact over all raw
// latencies, in nanoseconds.
type Latency = metrics.Latencies

// ErrorCount is one distinct transport error and how often it occurred.
type ErrorCount = metrics.ErrorCount

// Percentile is one percentile of a scenario's latency with its interval.
type Percentile = metrics.Percentile

// ReportedPercentiles are the percentiles every run reports with an
// interval, in order: those of Latency but min and mean, which are no
// percentile a criterion can be judged on by its interval.
var ReportedPercentiles = []float64{50, 90, 95, 99, 100}

// Percentile returns the percentile named "p50", "p95", "max", … with
// its interval, when the run recorded intervals.
func (sc *Scenario) Percentile(name string) (Percentile, bool) {
	for _, p := range sc.Percentiles {
		if metrics.PercentileName(p.P) == name {
			return p, true
		}
	}
	return Percentile{}, false
}

// Sample pairs sorted, every latency of the scenario in ascending order
// (its raw results), with its timed-out requests: the form the interval
// functions of metrics take. Timed-out requests took at least the
// timeout and completed ones less, so they are the top Timeouts values.
func (sc *Scenario) Sample(sorted []time.Duration) metrics.Sample {
	return metrics.Sample{Sorted: sorted, Censored: int(min(sc.Timeouts, int64(len(sorted))))}
}

// ExpectedStatus is the status the scenario expected; 0 when the run
// predates Expect in summary.json.
func (sc *Scenario) ExpectedStatus() int {
	if sc.Expect == nil {
		return 0
	}
	return sc.Expect.Status
}

// Failed counts the requests that failed as a service fails: a transport
// error (timeouts included) or a 5xx answer, unless the scenario expects
// that very status. An answer with another status than expected is not a
// failure but a behaviour change (Unexpected).
func (sc *Scenario) Failed() int64 {
	var n int64
	for code, k := range sc.StatusCodes {
		c, err := strconv.Atoi(code)
		if err != nil || c == sc.ExpectedStatus() {
			continue
		}
		if c == 0 || (c >= 500 && c < 600) {
			n += k
		}
	}
	return n
}

// Unexpected counts the answers whose status is neither the expected one
// nor a failure (Failed): a behaviour change such as 200 where the
// scenario expects 400. Zero for runs without Expect.
func (sc *Scenario) Unexpected() int64 {
	if sc.Expect == nil {
		return 0
	}
	var n int64
	for code, k := range sc.StatusCodes {
		c, err := strconv.Atoi(code)
		if err != nil || c == sc.ExpectedStatus() || c == 0 || (c >= 500 && c < 600) {
			continue
		}
		n += k
	}
	return n
}

// Criterion is one expectation of a scenario with what was observed.
type Criterion struct {
	// Name is what is judged: "status", "p95", "errors", "check:<name>",
	// "db.statements_per_request".
	Name     string `json:"name"`
	Want     string `json:"want"`
	Observed string `json:"observed"`
	Pass     bool   `json:"pass"`
	// Inconclusive says the run holds too few requests to judge the
	// criterion ("n=40: too few for p99"): it fails unless the run allowed
	// inconclusive criteria (Run.AllowInconclusive), and then passes
	// marked as such.
	Inconclusive bool `json:"inconclusive,omitempty"`
	// Message spells a failure out: "p95 2.41s > 2s".
	Message string `json:"message,omitempty"`
}

// Expect is a scenario's criteria as saved in summary.json. Checks are
// kept by name only: a merge cannot run them again on bodies, it sums the
// shards' tallies.
type Expect struct {
	Status  int            `json:"status"`
	Latency []LatencyLimit `json:"latency,omitempty"`
	// Errors is the largest allowed share (0..1) of failed requests.
	Errors float64   `json:"errors"`
	Checks []string  `json:"checks,omitempty"`
	DB     []DBLimit `json:"db,omitempty"`
	// LatencyFrom is what the latency criteria are judged on:
	// LatencyFromIntended ("" in runs written before it existed, which
	// means the same) or LatencyFromSent.
	LatencyFrom string `json:"latency_from,omitempty"`
	// AllowUnderDelivery makes a load that was not delivered a warning
	// rather than a failed criterion (--allow-under-delivery).
	AllowUnderDelivery bool `json:"allow_under_delivery,omitempty"`
}

// LatencyLimit is "Stat (p95, max, ...) must be at most Max".
type LatencyLimit struct {
	Stat string        `json:"stat"`
	Max  time.Duration `json:"max"`
}

// DBLimit is "the probe figure Figure must be at most Max".
type DBLimit struct {
	Figure string  `json:"figure"`
	Max    float64 `json:"max"`
}

// Check is a jq check's tally over every response body.
type Check struct {
	Name     string   `json:"name"`
	JQ       string   `json:"jq"`
	Passed   int64    `json:"passed"`
	Failed   int64    `json:"failed"`
	Failures []string `json:"failures,omitempty"` // up to three failing bodies, with the reason
}

// DB is what the database did during a scenario (run --db-probe).
type DB struct {
	StatementsPerRequest   float64     `json:"statements_per_request"`
	SeqScansPerRequest     float64     `json:"seq_scans_per_request"`
	IndexScansPerRequest   float64     `json:"index_scans_per_request"`
	RowsReadPerRequest     float64     `json:"rows_read_per_request"`
	IndexesPresent         bool        `json:"indexes_present"`
	MissingIndexes         []string    `json:"missing_indexes,omitempty"`
	StatementsAvailable    bool        `json:"statements_available"`
	SlowestStatements      []Statement `json:"slowest_statements,omitempty"`
	TransactionsPerRequest float64     `json:"transactions_per_request,omitempty"`

	// TimePerRequest is the statements' execution time per request
	// (pg_stat_statements): how long a request keeps a pool connection
	// busy in the database.
	TimePerRequest time.Duration `json:"time_per_request,omitempty"`
	// Indexes are the seven indexes (by table and columns, whatever their
	// names) and every other index on the two tables that was used, with
	// idx_scan, idx_tup_read and idx_tup_fetch per request;
	// UnusedIndexes names the valid indexes no statement used.
	Indexes       []pgenv.IndexUsage `json:"indexes,omitempty"`
	UnusedIndexes []string           `json:"unused_indexes,omitempty"`
	// Plans summarise the plan each statement shape ran with, the most
	// executed first (the raw plans are in plans.json); PlansNote says
	// where they come from, or why there are none and what to enable.
	Plans     []pgenv.PlanSummary `json:"plans,omitempty"`
	PlansNote string              `json:"plans_note,omitempty"`
	// Activity is the database's connections sampled during the load;
	// TempFiles and TempBytes the temporary files its statements wrote.
	Activity  *pgenv.Activity `json:"activity,omitempty"`
	TempFiles int64           `json:"temp_files,omitempty"`
	TempBytes int64           `json:"temp_bytes,omitempty"`
	// Parallel says whether parallel workers ran, which inflates
	// SeqScansPerRequest (a parallel scan counts once per process).
	Parallel *pgenv.Parallel `json:"parallel,omitempty"`
	// Notes are what a reader needs so as not to misread the figures
	// (parallel workers, partial plans, hidden connection states).
	Notes []string `json:"notes,omitempty"`
}

// Statements is StatementsPerRequest, or nil when pg_stat_statements was
// not available and the figure is not a measurement.
func (db *DB) Statements() *float64 {
	if db == nil || !db.StatementsAvailable {
		return nil
	}
	v := db.StatementsPerRequest
	return &v
}

// Statement is one normalised statement from pg_stat_statements.
type Statement struct {
	Query    string        `json:"query"`
	Calls    int64         `json:"calls"`
	MeanTime time.Duration `json:"mean_time"`
	Rows     int64         `json:"rows"`
}

// ScenarioOrder returns the names of the scenarios of the run at path (a
// run directory or its summary.json) in the order they ran; nil when it
// has no readable summary, as a directory of raw results alone.
func ScenarioOrder(path string) []string {
	r, err := ReadRun(path)
	if err != nil {
		return nil
	}
	names := make([]string, len(r.Scenarios))
	for i, sc := range r.Scenarios {
		names[i] = sc.Name
	}
	return names
}

// ReadRun reads a run's summary from a run directory or a summary.json path.
func ReadRun(path string) (*Run, error) {
	return readJSON(path, SummaryFile, "run", SchemaRun, func(r *Run) string { return r.Schema })
}

// WriteRun writes r as summary.json in dir, atomically.
func WriteRun(dir string, r *Run) error {
	return writeJSON(dir, SummaryFile, "summary", r)
}

// RunDir is the directory of a run given as a directory or as the path of
// its summary.json.
func RunDir(path string) string {
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
		return filepath.Dir(path)
	}
	return path
}

// ScaleDetails multiplies the per-request figures beyond the first five
// (index use, parallel workers, time per request) by scale, on copies: a
// merge of shards divides one shard's probe by the requests of all.
func (db *DB) ScaleDetails(scale float64) {
	db.Indexes = slices.Clone(db.Indexes)
	for i := range db.Indexes {
		u := &db.Indexes[i]
		u.Scans *= scale
		u.TuplesRead *= scale
		u.TuplesFetched *= scale
	}
	if db.Parallel != nil {
		p := *db.Parallel
		p.WorkersPerRequest *= scale
		p.SeqScansByWorkersPerRequest *= scale
		db.Parallel = &p
	}
	if db.TimePerRequest != 0 {
		db.TimePerRequest = time.Duration(float64(db.TimePerRequest) * scale)
	}
}

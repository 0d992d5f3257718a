package report

import (
	"errors"
	"math/rand/v2"
	"time"

	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/sysinfo"
)

// testStart is the fixed clock of every test run.
var testStart = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

// testRun is a finished three-scenario run: one passing with DB figures,
// one failing its p95 and a check while under-delivering, one interrupted
// with a 400 expectation. Names and texts carry characters that need
// escaping in every format.
func testRun() *model.Run {
	return &model.Run{
		Schema:   model.SchemaRun,
		Tool:     model.Tool{Name: "perfgate", Version: "v0.1.0", Commit: "abc1234", GoVersion: "go1.26.0"},
		Target:   "http://127.0.0.1:3000",
		Label:    "after",
		Start:    testStart,
		End:      testStart.Add(95 * time.Second),
		Pass:     false,
		Warnings: []string{"scenario empty-user-list: <interrupted> by Ctrl-C"},
		Scenarios: []*model.Scenario{
			{
				Name: "single-user-single-course", Description: "One user, one course: the request from the deployment checklist.",
				File: "scenarios/01-single-user-single-course.yaml", Method: "POST",
				URL:  "http://127.0.0.1:3000/tracking/v1/content/course/status",
				Rate: "10/s", RequestedRate: 10, Duration: 30 * time.Second, Wall: 30*time.Second + 120*time.Millisecond,
				Requests: 300, AchievedRate: 10, Throughput: 9.97, Success: 1,
				StatusCodes: map[string]int64{"200": 300},
				BytesIn:     123456, BytesOut: 45678,
				Latency: model.Latency{Min: 80 * time.Millisecond, Mean: 130 * time.Millisecond, P50: 120 * time.Millisecond,
					P90: 180 * time.Millisecond, P95: 210 * time.Millisecond, P99: 290 * time.Millisecond, Max: 340 * time.Millisecond},
				Percentiles: testPercentiles(300, model.Latency{P50: 120 * time.Millisecond, P90: 180 * time.Millisecond, P95: 210 * time.Millisecond,
					P99: 290 * time.Millisecond, Max: 340 * time.Millisecond}, 0),
				Criteria: []model.Criterion{
					{Name: "status", Want: "200", Observed: "200×300", Pass: true},
					{Name: "p95", Want: "< 2s", Observed: "210ms", Pass: true},
					{Name: "errors", Want: "<= 0%", Observed: "0%", Pass: true},
					{Name: "db.statements_per_request", Want: "<= 1", Observed: "1", Pass: true},
				},
				Checks: []model.Check{{Name: "one entry per requested user", JQ: ".data | length == 1", Passed: 300}},
				Expect: &model.Expect{Status: 200, Latency: []model.LatencyLimit{{Stat: "p95", Max: 2 * time.Second}}},
				DB: &model.DB{StatementsPerRequest: 1, SeqScansPerRequest: 0, IndexScansPerRequest: 2, RowsReadPerRequest: 41.5,
					IndexesPresent: true, StatementsAvailable: true,
					SlowestStatements: []model.Statement{{Query: `WITH req AS (SELECT unnest($1::uuid[]) ...) SELECT ... | ...`, Calls: 300, MeanTime: 95 * time.Millisecond, Rows: 300}},
					TimePerRequest:    95 * time.Millisecond,
					Indexes:           testIndexes(),
					UnusedIndexes:     []string{"idx_content_tracking_created_on", "idx_content_tracking_details_eid"},
					Plans:             testPlans(),
					Activity:          &pgenv.Activity{Samples: 300, MeanConnections: 4.5, MaxConnections: 5, MeanActive: 1.2, MaxActive: 3},
					TempFiles:         0,
					Parallel:          &pgenv.Parallel{Source: pgenv.ParallelFromPlans},
					Notes:             []string{"no captured plan scans PK_content_tracking: its scans are the planner's reads of the index's lowest and highest values (to cost a join or a range condition), not the statements'"}},
				Resources: &model.Resources{Usage: sysinfo.Usage{PID: 4242, Samples: 121, CPUSeconds: 1.5, Wall: 30 * time.Second,
					MeanRSS: 48 << 20, MaxRSS: 52 << 20}, CPUPerRequest: 5 * time.Millisecond, Cores: 0.05},
				Raw:  "single-user-single-course.parquet",
				Pass: true,
			},
			{
				Name: "multi-user-multi-course", Method: "POST",
				URL:  "http://127.0.0.1:3000/tracking/v1/content/course/status",
				Rate: "200/s", RequestedRate: 200, Duration: 15 * time.Second, Wall: 15 * time.Second,
				Requests: 2980, AchievedRate: 198.67, Throughput: 190, UnderDelivered: true, Success: 0.99,
				StatusCodes: map[string]int64{"200": 2950, "500": 20, "0": 10},
				Errors:      []model.ErrorCount{{Error: "Post \"http://127.0.0.1:3000/x\": timeout: no complete response within 6s", Count: 10}},
				Timeouts:    10,
				Latency: model.Latency{Min: 300 * time.Millisecond, Mean: 1900 * time.Millisecond, P50: 1700 * time.Millisecond,
					P90: 2900 * time.Millisecond, P95: 3400 * time.Millisecond, P99: 4800 * time.Millisecond, Max: 6100 * time.Millisecond},
				Percentiles: testPercentiles(2980, model.Latency{P50: 1700 * time.Millisecond, P90: 2900 * time.Millisecond, P95: 3400 * time.Millisecond,
					P99: 4800 * time.Millisecond, Max: 6100 * time.Millisecond}, 10),
				Criteria: []model.Criterion{
					{Name: "status", Want: "200", Observed: "200×2950, 500×20, 0×10", Pass: false, Message: "30 of 2980 responses were not 200"},
					{Name: "p95", Want: "< 3s", Observed: "3.4s", Pass: false, Message: "p95 3.4s > 3s"},
					{Name: "check:three users", Want: "all pass", Observed: "2 failed", Pass: false, Message: "check \"three users\" failed on 2 of 2950 bodies"},
				},
				Expect: &model.Expect{Status: 200, Latency: []model.LatencyLimit{{Stat: "p95", Max: 3 * time.Second}, {Stat: "p99", Max: 3 * time.Second}}},
				Checks: []model.Check{{Name: "three users", JQ: ".data | length == 3", Passed: 2948, Failed: 2,
					Failures: []string{`{"data":[]} : .data | length == 3 gave false`}}},
				Raw: "multi-user-multi-course.parquet",
			},
			{
				Name: "empty-user-list", Description: "userId: [] must be rejected with 400 <validation>.", Method: "POST",
				URL:  "http://127.0.0.1:3000/tracking/v1/content/course/status",
				Rate: "1/s", RequestedRate: 1, Duration: 30 * time.Second, Wall: 12 * time.Second,
				Requests: 12, AchievedRate: 1, Throughput: 1, Success: 1,
				StatusCodes: map[string]int64{"400": 12},
				Latency: model.Latency{Min: 2 * time.Millisecond, Mean: 3 * time.Millisecond, P50: 3 * time.Millisecond,
					P90: 4 * time.Millisecond, P95: 4 * time.Millisecond, P99: 5 * time.Millisecond, Max: 5 * time.Millisecond},
				Percentiles: testPercentiles(12, model.Latency{P50: 3 * time.Millisecond, P90: 4 * time.Millisecond, P95: 4 * time.Millisecond,
					P99: 5 * time.Millisecond, Max: 5 * time.Millisecond}, 0),
				Criteria: []model.Criterion{{Name: "status", Want: "400", Observed: "400×12", Pass: true},
					{Name: "p95", Want: "<= 1s", Observed: "4ms [3.8ms, ∞) n=12", Inconclusive: true, Message: "p95 inconclusive: n=12: too few for p95 (needs ≥ 72)"}},
				Expect:      &model.Expect{Status: 400},
				Raw:         "empty-user-list.parquet",
				Pass:        false,
				Interrupted: true,
			},
		},
		Interrupted: true,
		Environment: testEnvironment(),
	}
}

// testPercentiles are the reported percentiles of a scenario of n
// requests with the summary l, the top censored of which timed out: each
// interval ±5 % of its value, open above where n is too few, a lower
// bound where it falls on the timeouts.
func testPercentiles(n int, l model.Latency, censored int) []model.Percentile {
	var out []model.Percentile
	for _, p := range model.ReportedPercentiles {
		v, _ := l.Stat(metrics.PercentileName(p))
		pc := model.Percentile{P: p, N: n, Censored: censored, Value: v, Confidence: metrics.DefaultConfidence,
			MinN: metrics.MinSamples(p, metrics.DefaultConfidence), Lo: v * 95 / 100, Hi: v * 105 / 100}
		if pc.TooFew() {
			pc.HiOpen = true
		}
		if float64(n-censored) < p/100*float64(n) {
			pc.Bound, pc.HiOpen = metrics.AtLeast, true
		}
		out = append(out, pc)
	}
	return out
}

// testIndexes are the seven indexes on the after side of the story: two
// used, one under another name, one missing; plus the primary key, read
// only by the planner.
func testIndexes() []pgenv.IndexUsage {
	return []pgenv.IndexUsage{
		{Table: "content_tracking", Name: "idx_content_tracking_user_course_tenant", Spec: "idx_content_tracking_user_course_tenant", Status: "ok", Present: true, Scans: 1, TuplesRead: 100},
		{Table: "content_tracking", Name: "ct_user_tenant", Spec: "idx_content_tracking_user_tenant", Status: "present as ct_user_tenant", Present: true},
		{Table: "content_tracking", Name: "idx_content_tracking_course_tenant", Spec: "idx_content_tracking_course_tenant", Status: "ok", Present: true},
		{Table: "content_tracking", Name: "idx_content_tracking_created_on", Spec: "idx_content_tracking_created_on", Status: "ok", Present: true},
		{Table: "content_tracking_details", Name: "idx_content_tracking_details_tracking_id", Spec: "idx_content_tracking_details_tracking_id", Status: "ok", Present: true, Scans: 102, TuplesRead: 374, TuplesFetched: 374},
		{Table: "content_tracking_details", Spec: "idx_content_tracking_details_user_id", Status: "missing"},
		{Table: "content_tracking_details", Name: "idx_content_tracking_details_eid", Spec: "idx_content_tracking_details_eid", Status: "ok", Present: true},
		{Table: "content_tracking", Name: "PK_content_tracking", Present: true, Scans: 2, TuplesRead: 2, TuplesFetched: 2, PlannerProbes: true},
	}
}

func testPlans() []pgenv.PlanSummary {
	return []pgenv.PlanSummary{{
		Shape: `WITH req_users AS ( SELECT u.ord FROM unnest(?::text[]) ) SELECT ... FROM content_tracking ct LEFT JOIN content_tracking_details d ON d."contentTrackingId" = ct."contentTrackingId" | <x>`,
		Plans: 1, Calls: 300, Variants: 1, NodeTypes: []string{"Sort", "Nested Loop", "Bitmap Heap Scan", "Bitmap Index Scan", "Index Scan"},
		Scans: []pgenv.TableScan{
			{Table: "content_tracking", Node: "Bitmap Heap Scan", Indexes: []string{"idx_content_tracking_user_course_tenant"}, PlanRows: 123, ActualRows: 100, Loops: 1},
			{Table: "content_tracking_details", Node: "Index Scan", Indexes: []string{"idx_content_tracking_details_tracking_id"}, PlanRows: 4, ActualRows: 400, Loops: 100},
		},
		Analyzed: true, PlanRows: 1, ActualRows: 1, SharedHit: 812, SharedRead: 3,
	}}
}

func testEnvironment() *model.Environment {
	analyzed := testStart.Add(-time.Hour)
	return &model.Environment{
		Host: sysinfo.Machine{Hostname: "ci-1", GoVersion: "go1.26.0", OS: "linux/amd64", Distro: "Debian GNU/Linux 12 (bookworm)",
			CPUModel: "AMD EPYC 7B13", CPUs: 2, MemoryBytes: 8 << 30, LoadAvg: [3]float64{0.42, 0.3, 0.25}},
		Database: &pgenv.Fingerprint{Version: "15.18 (Debian 15.18-0+deb12u1)", VersionNum: 150018,
			Settings: map[string]string{"jit": "on", "shared_buffers": "128MB", "work_mem": "4MB"},
			Tables: []pgenv.TableSize{{Name: "content_tracking", Exists: true, Rows: 12450, Bytes: 2 << 20},
				{Name: "content_tracking_details", Exists: true, Rows: 49755, Bytes: 14 << 20}},
			Indexes: []pgenv.IndexDef{{Table: "content_tracking", Name: "PK_content_tracking",
				Definition: `CREATE UNIQUE INDEX "PK_content_tracking" ON public.content_tracking USING btree ("contentTrackingId")`, Valid: true}},
			Seed: &pgenv.SeedMark{Profile: "demo", Seed: 1}},
		Statistics: &pgenv.Freshness{Tables: []pgenv.TableFreshness{
			{Table: "content_tracking", LiveRows: 12450, LastAnalyze: &analyzed},
			{Table: "content_tracking_details", LiveRows: 49755, ModifiedSinceAnalyze: 20000}}},
		Plans:   &model.PlanCapture{Mode: model.PlanCapturePass, PassRequests: 1, Note: "after each scenario's measured load, 1 more request(s) with auto_explain switched on"},
		Service: &model.ServiceProcess{PID: 4242, Source: "--service-pid"},
	}
}

// testRaw is a seeded RawSource for testRun: the first scenario has 300
// requests (drawn one dot each), the second 2980 (downsampled), the third
// has no raw file.
func testRaw() RawSource {
	return func(sc *model.Scenario, fn func(time.Time, time.Duration, uint16) error) error {
		if sc.Name == "empty-user-list" {
			return errors.New("open empty-user-list.parquet: no such file or directory")
		}
		rng := rand.New(rand.NewPCG(1, uint64(len(sc.Name))))
		interval := time.Duration(float64(time.Second) / sc.RequestedRate)
		for i := range sc.Requests {
			lat := sc.Latency.Min + time.Duration(rng.ExpFloat64()*float64(sc.Latency.P50-sc.Latency.Min))
			code := uint16(200)
			switch r := rng.IntN(300); {
			case r == 0 && sc.Name != "single-user-single-course":
				code = 0
			case r <= 2 && sc.Name != "single-user-single-course":
				code = 500
			}
			if err := fn(testStart.Add(time.Duration(i)*interval), lat, code); err != nil {
				return err
			}
		}
		return nil
	}
}

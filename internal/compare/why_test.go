package compare

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/sysinfo"
)

// whyRuns are the checklist runs with what explains them: before, the
// N+1 loop's sequential scans without the seven indexes; after, the index
// scans, on a database with the indexes, on a busier and different host,
// with stale statistics.
func whyRuns() (synth, synth) {
	before, after := checklistRuns(1600 * time.Millisecond)
	host := sysinfo.Machine{Hostname: "ci-1", GoVersion: "go1.26.0", OS: "linux/amd64", CPUModel: "AMD EPYC 7B13", CPUs: 2,
		MemoryBytes: 8 << 30, LoadAvg: [3]float64{0.2, 0.2, 0.2}}
	fp := func(indexes ...pgenv.IndexDef) *pgenv.Fingerprint {
		return &pgenv.Fingerprint{Version: "15.18", VersionNum: 150018, Settings: map[string]string{"work_mem": "4MB"},
			Tables:  []pgenv.TableSize{{Name: "content_tracking", Exists: true, Rows: 12450, Bytes: 2 << 20}},
			Indexes: indexes, Seed: &pgenv.SeedMark{Profile: "demo", Seed: 1}}
	}
	pass := &model.PlanCapture{Mode: model.PlanCapturePass, PassRequests: 1, Note: "a plan pass"}
	before.run.Environment = &model.Environment{Host: host, Database: fp(), Plans: pass,
		Statistics: &pgenv.Freshness{Tables: []pgenv.TableFreshness{{Table: "content_tracking", LiveRows: 12450}}}}
	afterHost := host
	afterHost.CPUs, afterHost.LoadAvg = 4, [3]float64{3.1, 2, 1}
	after.run.Environment = &model.Environment{Host: afterHost, Plans: pass,
		Database: fp(pgenv.IndexDef{Table: "content_tracking", Name: "idx_content_tracking_user_course_tenant",
			Definition: `CREATE INDEX idx_content_tracking_user_course_tenant ON public.content_tracking USING btree ("userId", "courseId", "tenantId")`, Valid: true}),
		Statistics: &pgenv.Freshness{Tables: []pgenv.TableFreshness{{Table: "content_tracking", LiveRows: 12450, ModifiedSinceAnalyze: 5000}}}}

	seven := func(used map[string]pgenv.IndexUsage) []pgenv.IndexUsage {
		var out []pgenv.IndexUsage
		for _, spec := range pgenv.Indexes {
			u, ok := used[spec.Name]
			if !ok {
				u = pgenv.IndexUsage{Table: spec.Table, Spec: spec.Name, Status: "missing"}
			}
			out = append(out, u)
		}
		return out
	}
	b, a := before.run.Scenarios[0], after.run.Scenarios[0]
	b.DB.TimePerRequest, a.DB.TimePerRequest = 48*time.Second, 1200*time.Millisecond
	b.DB.Indexes = seven(nil)
	b.DB.Plans = []pgenv.PlanSummary{
		{Shape: "SELECT … FROM content_tracking WHERE …", Scans: []pgenv.TableScan{{Table: "content_tracking", Node: "Seq Scan"}}},
		{Shape: "SELECT … FROM content_tracking_details WHERE …", Scans: []pgenv.TableScan{{Table: "content_tracking_details", Node: "Seq Scan"}}},
	}
	b.DB.Activity = &pgenv.Activity{Samples: 10, MaxActive: 1}
	a.DB.Indexes = append(seven(map[string]pgenv.IndexUsage{
		"idx_content_tracking_user_course_tenant": {Table: "content_tracking", Name: "idx_content_tracking_user_course_tenant",
			Spec: "idx_content_tracking_user_course_tenant", Status: "ok", Present: true, Scans: 1, TuplesRead: 100},
		"idx_content_tracking_details_tracking_id": {Table: "content_tracking_details", Name: "ctd_tracking",
			Spec: "idx_content_tracking_details_tracking_id", Status: "present as ctd_tracking", Present: true, Scans: 101, TuplesRead: 400, TuplesFetched: 400},
	}), pgenv.IndexUsage{Table: "content_tracking", Name: "PK_content_tracking", Present: true, Scans: 2, TuplesRead: 2, TuplesFetched: 2, PlannerProbes: true})
	a.DB.UnusedIndexes = []string{"idx_content_tracking_created_on"}
	a.DB.Plans = []pgenv.PlanSummary{{Shape: "WITH … SELECT …", Scans: []pgenv.TableScan{
		{Table: "content_tracking", Node: "Bitmap Heap Scan", Indexes: []string{"idx_content_tracking_user_course_tenant"}},
		{Table: "content_tracking_details", Node: "Index Scan", Indexes: []string{"ctd_tracking"}},
	}}}
	a.DB.Activity = &pgenv.Activity{Samples: 10, MaxActive: 1}
	a.DB.Notes = []string{"no captured plan scans PK_content_tracking: its scans are the planner's"}
	b.Resources = &model.Resources{Usage: sysinfo.Usage{Samples: 200, CPUSeconds: 3.1, MaxRSS: 40 << 20}, CPUPerRequest: 100 * time.Millisecond}
	a.Resources = &model.Resources{Usage: sysinfo.Usage{Samples: 20, CPUSeconds: 0.31, MaxRSS: 42 << 20}, CPUPerRequest: 10 * time.Millisecond}
	return before, after
}

func TestWhy(t *testing.T) {
	before, after := whyRuns()
	res, err := Compare(before.input("b"), after.input("a"), Options{Claim: &Claim{50 * time.Second, 2 * time.Second}, Percentiles: judgedOnly,
		Latencies: loader(map[string]synth{"b": before, "a": after})})
	if err != nil {
		t.Fatal(err)
	}
	why := res.Why
	if why == nil || len(why.Scenarios) != 1 {
		t.Fatalf("why: %+v; want the first scenario explained (the second ran no statement)", why)
	}
	sw := why.Scenarios[0]
	want := []pgenv.PlanChange{
		{Table: "content_tracking", Before: []string{"Seq Scan on content_tracking"},
			After: []string{"Bitmap Heap Scan using idx_content_tracking_user_course_tenant on content_tracking"}},
		{Table: "content_tracking_details", Before: []string{"Seq Scan on content_tracking_details"},
			After: []string{"Index Scan using ctd_tracking on content_tracking_details"}},
	}
	if d := cmp.Diff(want, sw.PlanChanges); d != "" {
		t.Errorf("plan changes (-want +got):\n%s", d)
	}
	// The details index is paired by spec although it has another name.
	var det IndexChange
	for _, c := range sw.Indexes {
		if c.Index == "idx_content_tracking_details_tracking_id" {
			det = c
		}
	}
	if det.Before == nil || det.Before.Present || det.After == nil || det.After.Name != "ctd_tracking" || det.After.Scans != 101 {
		t.Errorf("details index: %+v / %+v", det.Before, det.After)
	}
	if len(sw.Indexes) != 8 || sw.Indexes[7].Index != "PK_content_tracking" {
		t.Errorf("index rows: %d, last %+v; want the seven then the primary key", len(sw.Indexes), sw.Indexes[len(sw.Indexes)-1])
	}

	success := map[string]SuccessCriterion{}
	for _, c := range res.Success {
		success[c.Name] = c
	}
	if c := success["CPU usage"]; c.Status != "pass" || !strings.Contains(c.Measured, "CPU per request 10ms (was 100ms)") || !strings.Contains(c.Measured, "peak RSS 42.0 MiB (was 40.0 MiB)") {
		t.Errorf("CPU usage: %+v", c)
	}
	if c := success["Concurrent request handling"]; c.Status != "pass" || !strings.Contains(c.Measured, "estimated: database time per request 1.2s (was 48s)") ||
		!strings.Contains(c.Measured, "40×") {
		t.Errorf("Concurrent request handling: %+v", c)
	}
	warnings := strings.Join(res.Warnings, "\n")
	for _, w := range []string{
		"environment: the runs differ in ways that could explain the result besides the change under test: a different number of CPUs; one run started on a busy machine",
		"an index present in one run only",
		"the after run started on stale statistics: content_tracking: 5000 of its 12450 rows changed",
	} {
		if !strings.Contains(warnings, w) {
			t.Errorf("warnings lack %q:\n%s", w, warnings)
		}
	}
	if !res.Pass {
		t.Errorf("the explanation changed the gate: %v", res.Failures)
	}

	for name, render := range map[string]func(*bytes.Buffer) error{
		"why.txt": func(b *bytes.Buffer) error { return textWhy(b, res) },
		"why.md":  func(b *bytes.Buffer) error { markdownWhy(b, res); return nil },
		"why.html": func(b *bytes.Buffer) error {
			return htmlTemplate.ExecuteTemplate(b, "why", res)
		},
		"why.json": func(b *bytes.Buffer) error {
			enc := json.NewEncoder(b)
			enc.SetIndent("", "  ")
			return enc.Encode(struct {
				Why     *Why               `json:"why"`
				Success []SuccessCriterion `json:"success_criteria"`
			}{res.Why, res.Success})
		},
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := render(&buf); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name)
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test -update creates it)", err)
			}
			if diff := cmp.Diff(string(want), buf.String()); diff != "" {
				t.Errorf("%s differs from the golden file (-want +got):\n%s", name, diff)
			}
		})
	}
}

// TestWhyOlderRuns: runs written before the environment and the probe's
// details existed explain nothing, and say nothing beyond the CPU row.
func TestWhyOlderRuns(t *testing.T) {
	before, after := checklistRuns(1600 * time.Millisecond)
	res, err := Compare(before.input("b"), after.input("a"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Why != nil {
		t.Errorf("why for runs without details: %+v", res.Why)
	}
	last := res.Success[len(res.Success)-1]
	if last.Name != "CPU usage" || last.Status != "not measured" || !strings.Contains(last.Measured, "--service-pid") {
		t.Errorf("CPU row: %+v", last)
	}
}

// TestWhyCPURows: CPU per request rising on any scenario fails "CPU usage",
// unless the service runs inside perfgate (the demo), where the load
// generator's share grows with the rate and only the claim's scenario is
// judged.
func TestWhyCPURows(t *testing.T) {
	for _, inPerfgate := range []bool{false, true} {
		before, after := whyRuns()
		before.run.Scenarios[1].Resources = &model.Resources{Usage: sysinfo.Usage{Samples: 9, CPUSeconds: 0.5}, CPUPerRequest: 5 * time.Millisecond}
		after.run.Scenarios[1].Resources = &model.Resources{Usage: sysinfo.Usage{Samples: 9, CPUSeconds: 0.8}, CPUPerRequest: 8 * time.Millisecond}
		for _, r := range []*model.Run{before.run, after.run} {
			r.Environment.Service = &model.ServiceProcess{PID: 1, InPerfgate: inPerfgate}
		}
		res, err := Compare(before.input("b"), after.input("a"), Options{Claim: &Claim{50 * time.Second, 2 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		cpu := res.Success[len(res.Success)-1]
		want := map[bool]string{false: "fail", true: "pass"}[inPerfgate]
		if cpu.Name != "CPU usage" || cpu.Status != want || !strings.Contains(cpu.Measured, "rose on empty-user-list (5ms → 8ms)") {
			t.Errorf("in perfgate %v: %+v; want %s with the rise named", inPerfgate, cpu, want)
		}
		if inPerfgate != strings.Contains(cpu.Measured, "so only single-user-single-course is judged") {
			t.Errorf("in perfgate %v: %q", inPerfgate, cpu.Measured)
		}
	}
}

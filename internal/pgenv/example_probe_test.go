package pgenv_test

import (
	"context"
	"fmt"
	"os"

	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/sysinfo"
)

// Example_probe shows how a run gathers what explains its figures: the
// environment and the statistics' freshness at the start, then per
// scenario the database's figures (plans, connections, temporary files,
// parallel workers) and the service's CPU and memory; and how a comparison
// of two runs reads them. It needs a database and a service, so it is
// compiled, not run.
func Example_probe() {
	ctx := context.Background()
	dsn := os.Getenv("PERFGATE_DSN")

	// At the start of the run.
	host := sysinfo.Host() // perfgate's machine: summary.json "environment"
	p, err := pgenv.OpenProbe(ctx, dsn)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	fp, err := p.Fingerprint(ctx) // the database side of the environment
	if err != nil {
		fmt.Println(err)
		return
	}
	fresh, err := p.Freshness(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, w := range fresh.Warnings() {
		fmt.Println("warning:", w)
	}
	if !p.PlansCaptured() {
		fmt.Println("note:", p.PlansNote()) // what to enable, instead of nothing
	}
	// The service's process: --service-pid, or found from a local --target.
	pid := 0
	if port, local := sysinfo.TargetPort("http://127.0.0.1:3000"); local {
		pid, _ = sysinfo.FindListener(port)
	}

	// Around each scenario.
	if err := p.Begin(ctx); err != nil {
		fmt.Println(err)
		return
	}
	var sampler *sysinfo.Sampler
	if pid > 0 {
		sampler, _ = sysinfo.StartSampler(pid, sysinfo.DefaultSampleInterval)
	}
	const requests = 30 // ... the load runs here ...
	var usage sysinfo.Usage
	if sampler != nil {
		usage = sampler.Stop()
	}
	f, err := p.End(ctx, requests)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("CPU per request %s, peak RSS %d bytes, at most %d active connections, %d temp files\n",
		usage.CPUPerRequest(requests), usage.MaxRSS, f.Activity.MaxActive, f.TempFiles)
	for _, s := range f.Plans { // keep them in the run directory, one per shape
		for _, sc := range s.Scans {
			fmt.Printf("%s: %s, %.0f rows estimated, %.0f actual\n", s.Shape, sc, sc.PlanRows, sc.ActualRows)
		}
	}
	for _, n := range f.Notes() {
		fmt.Println("note:", n)
	}

	// Comparing two runs (here the run with itself: no differences).
	for _, c := range pgenv.DiffPlans(f.Plans, f.Plans) {
		fmt.Println(c) // Seq Scan on t -> Index Scan using i on t
	}
	for _, d := range append(sysinfo.DiffHosts(host, host), pgenv.DiffFingerprints(fp, fp)...) {
		fmt.Println(d) // flagged when it could explain the result
	}
}

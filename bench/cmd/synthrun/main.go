// Command synthrun writes a synthetic run directory of -n requests, one
// scenario, for timing `perfgate report` on runs far larger than this
// machine can attack in a benchmark: the raw results through
// load.CreateRaw (the same writer perfgate run uses) and summary.json
// through model.WriteRun. The same -n and -seed give the same rows.
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/perfgate/perfgate/internal/engine"
	"github.com/perfgate/perfgate/internal/load"
	"github.com/perfgate/perfgate/internal/model"
)

func main() {
	dir := flag.String("dir", "", "run directory to create")
	n := flag.Int("n", 10_000_000, "requests")
	rate := flag.Float64("rate", 15000, "requests per second the synthetic run was sent at")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "synthrun: -dir is required")
		os.Exit(2)
	}
	if err := write(*dir, *n, *rate, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "synthrun:", err)
		os.Exit(1)
	}
}

func write(dir string, n int, rate float64, seed uint64) error {
	const name = "synthetic"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	w, err := load.CreateRaw(filepath.Join(dir, name+load.RawExt), load.ExpectStatus(200))
	if err != nil {
		return err
	}
	rnd := rand.New(rand.NewPCG(seed, seed))
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	interval := time.Duration(float64(time.Second) / rate)
	sink := engine.NewSink(n, nil, w)
	var r load.Result
	for i := range n {
		// A steady schedule sent up to 40 µs late, log-normal latencies
		// around 1 ms, 0.1 % 500s and 0.02 % timeouts: a typical run's shape.
		intended := start.Add(time.Duration(i) * interval)
		r = load.Result{
			Seq:       uint64(i),
			Intended:  intended,
			Timestamp: intended.Add(time.Duration(rnd.IntN(40_000))),
			Latency:   time.Duration(math.Exp(rnd.NormFloat64()*0.5 + 13.8)),
			Code:      200,
			BytesIn:   46,
		}
		switch u := rnd.Float64(); {
		case u < 0.0002:
			r.Code, r.BytesIn, r.Latency, r.Error = 0, 0, 30*time.Second, "timeout: no complete response within 30s"
		case u < 0.0012:
			r.Code, r.BytesIn, r.Error = 500, 21, "500 Internal Server Error"
		}
		sink.Add(&r)
		if err := sink.WriteErr(); err != nil {
			w.Close()
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	s := sink.Summary()
	sc := &model.Scenario{
		Name:          name,
		Method:        "GET",
		URL:           "http://127.0.0.1:18080/",
		Rate:          fmt.Sprintf("%g/s", rate),
		RequestedRate: rate,
		Duration:      time.Duration(float64(n) / rate * float64(time.Second)),
		Expect:        &model.Expect{Status: 200, Errors: 1},
		Criteria:      []model.Criterion{},
		Raw:           name + load.RawExt,
		Pass:          true,
	}
	engine.ApplyFigures(sc, s, sink.Sorted())
	run := &model.Run{
		Schema:    model.SchemaRun,
		Tool:      model.Tool{Name: "perfgate", Version: "synthrun"},
		Target:    "http://127.0.0.1:18080",
		Label:     "synthetic",
		Start:     s.First,
		End:       s.First.Add(s.Wall),
		Pass:      true,
		Scenarios: []*model.Scenario{sc},
	}
	if err := model.WriteRun(dir, run); err != nil {
		return err
	}
	st, err := os.Stat(filepath.Join(dir, name+load.RawExt))
	if err != nil {
		return err
	}
	fmt.Printf("synthrun: %d requests in %s, raw %d bytes (%.2f B/request)\n", n, dir, st.Size(), float64(st.Size())/float64(n))
	return nil
}

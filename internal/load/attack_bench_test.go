package load

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/perfgate/perfgate/internal/metrics"
)

// BenchmarkAttackMax measures perfgate's hot path as `perfgate run --rate
// max` drives it: Attack with 64 workers against an in-process target,
// every result recorded and written through RawWriter. Each iteration is
// a 2 s attack; ns/req is the client and target together on this
// machine's cores, so compare it with BenchmarkVegetaBareMax, not with
// other machines. Profile with -cpuprofile and focus on the load package.
func BenchmarkAttackMax(b *testing.B) {
	benchAttack(b, Max)
}

// BenchmarkAttackPaced is BenchmarkAttackMax at a fixed 5000/s, the shape
// of a paced run: its B/req is the raw file's size per request when the
// intended send times follow a schedule.
func BenchmarkAttackPaced(b *testing.B) {
	benchAttack(b, Rate{Freq: 5000, Per: time.Second})
}

// benchAttack runs 2 s attacks at rate with 64 workers, every result
// recorded and written, and reports ns/req, req/s and the raw file's
// bytes per request.
func benchAttack(b *testing.B, rate Rate) {
	srv := benchTarget(b)
	path := filepath.Join(b.TempDir(), "a"+RawExt)
	var n, size int64
	for b.Loop() {
		w, err := CreateRaw(path, ExpectStatus(200))
		if err != nil {
			b.Fatal(err)
		}
		rec := metrics.NewRecorder(1 << 20)
		st, err := Attack(context.Background(), "bench", []Request{{Method: "GET", URL: srv.URL}},
			Options{Rate: rate, Duration: 2 * time.Second, MaxWorkers: 64}, func(r *Result) {
				rec.AddIntended(r.Intended, r.Timestamp, r.Latency, r.Code, r.Error, r.BytesIn, r.BytesOut)
				if err := w.Write(r); err != nil {
					b.Fatal(err)
				}
			})
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		rec.Summary()
		n += st.Sent
		fi, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		size += fi.Size()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/req")
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64(size)/float64(n), "B/req")
}

// BenchmarkVegetaBareMax is BenchmarkAttackMax's anchor: vegeta's attacker
// in a bare loop with the same 64 workers, latencies into a slice, nothing
// saved.
func BenchmarkVegetaBareMax(b *testing.B) {
	srv := benchTarget(b)
	var n int64
	for b.Loop() {
		atk := vegeta.NewAttacker(vegeta.MaxWorkers(64), vegeta.MaxBody(0))
		tr := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: srv.URL})
		lats := make([]time.Duration, 0, 1<<20)
		for r := range atk.Attack(tr, vegeta.ConstantPacer{}, 2*time.Second, "bare") {
			lats = append(lats, r.Latency)
		}
		n += int64(len(lats))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/req")
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "req/s")
}

// benchTarget is a loopback server with the side-by-side target's answer.
func benchTarget(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"success":true,"message":"success","data":[]}`)
	}))
	b.Cleanup(srv.Close)
	return srv
}

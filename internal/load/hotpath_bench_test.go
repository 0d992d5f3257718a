package load

import (
	"path/filepath"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/perfgate/perfgate/internal/metrics"
)

// BenchmarkHotPath measures perfgate's own work per result on the attack's
// hot path, without the network or vegeta's workers: converting vegeta's
// result, Recorder.Add and RawWriter.Write, as `perfgate run`'s callback
// does. The raw writer's background encoder shares the cores, so its cost
// shows in ns/op too. Compare before and after a change with -count 10 and
// `go tool benchstat`.
func BenchmarkHotPath(b *testing.B) {
	vrs := benchVegetaResults(4096)
	w, err := CreateRaw(filepath.Join(b.TempDir(), "h"+RawExt))
	if err != nil {
		b.Fatal(err)
	}
	rec := metrics.NewRecorder(b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		vr := &vrs[i%len(vrs)]
		vr.Seq = uint64(i)
		r := fromVegeta(vr, 0)
		transportErr := ""
		if r.Code == 0 {
			transportErr = r.Error
		}
		rec.Add(r.Timestamp, r.Latency, r.Code, transportErr, r.BytesIn, r.BytesOut)
		if err := w.Write(r); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	rec.Summary()
}

// benchVegetaResults returns n results as vegeta's attacker hands them
// over at 10k/s: monotonic timestamps, 1 ms latencies, 46-byte answers.
func benchVegetaResults(n int) []vegeta.Result {
	start := time.Now()
	vrs := make([]vegeta.Result, n)
	for i := range vrs {
		vrs[i] = vegeta.Result{
			Attack:    "bench",
			Seq:       uint64(i),
			Code:      200,
			Timestamp: start.Add(time.Duration(i)*100*time.Microsecond + time.Duration(i%7)*time.Microsecond),
			Latency:   time.Millisecond + time.Duration(i%13)*10*time.Microsecond,
			BytesIn:   46,
		}
	}
	return vrs
}

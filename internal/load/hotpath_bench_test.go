package load

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/perfgate/perfgate/internal/metrics"
)

// BenchmarkHotPath measures perfgate's own work per result on the attack's
// hot path, without the network or vegeta's workers: converting vegeta's
// result (with its intended send time), Recorder.AddIntended and
// RawWriter.Write, as `perfgate run`'s callback does, at 10k/s. "max" has
// no schedule; "paced" has one and every request is sent 0-6 µs late, so
// the Recorder keeps corrected latencies. The raw writer's background
// encoder shares the cores, so its cost shows in ns/op too; cpu-ns/op is
// the process's CPU time per result, the steadier figure on shared cores.
// Compare before and after a change with -count 10 and `go tool
// benchstat`.
func BenchmarkHotPath(b *testing.B) {
	b.Run("max", func(b *testing.B) { benchHotPath(b, false) })
	b.Run("paced", func(b *testing.B) { benchHotPath(b, true) })
}

func benchHotPath(b *testing.B, paced bool) {
	start := time.Now()
	var sched *anchoredPacer
	if paced {
		sched = &anchoredPacer{schedule: newConstantPacer(Rate{Freq: 10_000, Per: time.Second}), start: start, end: time.Hour}
	}
	vr := vegeta.Result{Attack: "bench", Code: 200, Latency: time.Millisecond, BytesIn: 46}
	w, err := CreateRaw(filepath.Join(b.TempDir(), "h"+RawExt), ExpectStatus(200))
	if err != nil {
		b.Fatal(err)
	}
	rec := metrics.NewRecorder(b.N)
	var r Result
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := range b.N {
		vr.Seq = uint64(i)
		vr.Timestamp = start.Add(time.Duration(i)*100*time.Microsecond + time.Duration(i%7)*time.Microsecond)
		vr.Latency = time.Millisecond + time.Duration(i%13)*10*time.Microsecond
		r.fromVegeta(&vr, 0, sched)
		transportErr := ""
		if r.Code == 0 {
			transportErr = r.Error
		}
		rec.AddIntended(r.Intended, r.Timestamp, r.Latency, r.Code, transportErr, r.BytesIn, r.BytesOut)
		if err := w.Write(&r); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
	rec.Summary()
}

// cpuTime is the CPU time (user and system) the process has used: on
// cores shared with other jobs it varies far less than wall time, and it
// includes the raw writer's encoder and the garbage collector.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

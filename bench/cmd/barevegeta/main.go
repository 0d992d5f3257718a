// Command barevegeta is the side-by-side benchmark's anchor: vegeta's
// attacker in a bare loop, the same workers as perfgate, latencies into a
// slice and nothing saved. It prints one line of figures.
package main

import (
	"flag"
	"fmt"
	"os"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func main() {
	target := flag.String("target", "http://127.0.0.1:18080/", "URL to GET")
	dur := flag.Duration("duration", 10*time.Second, "how long to attack")
	rate := flag.Int("rate", 0, "requests per second; 0 is as fast as the workers go")
	workers := flag.Uint64("max-workers", 64, "upper bound on concurrent requests")
	flag.Parse()

	atk := vegeta.NewAttacker(vegeta.MaxWorkers(*workers), vegeta.MaxBody(0))
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: *target})
	lats := make([]time.Duration, 0, 1<<20)
	var errs int
	var first, last time.Time
	began := time.Now()
	for r := range atk.Attack(tr, vegeta.ConstantPacer{Freq: *rate, Per: time.Second}, *dur, "bare") {
		if r.Error != "" {
			errs++
		}
		if first.IsZero() || r.Timestamp.Before(first) {
			first = r.Timestamp
		}
		if r.Timestamp.After(last) {
			last = r.Timestamp
		}
		lats = append(lats, r.Latency)
	}
	wall := time.Since(began)
	n := len(lats)
	// vegeta's rate: requests after the first over the span of send times.
	var achieved float64
	if span := last.Sub(first); n > 1 && span > 0 {
		achieved = float64(n-1) / span.Seconds()
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fmt.Fprintln(os.Stderr, "barevegeta:", err)
		os.Exit(1)
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	fmt.Printf("requests=%d errors=%d wall=%.3fs rate=%.1f cpu_us_per_req=%.1f maxrss_mb=%d\n",
		n, errs, wall.Seconds(), achieved, float64(cpu.Microseconds())/float64(max(n, 1)), ru.Maxrss/1024)
}

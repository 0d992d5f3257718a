package pgenv

import (
	"context"
	"testing"
)

// BenchmarkGenerateDemo measures row generation alone at the demo profile,
// with the rows encoded into the binary COPY stream: the part of seeding
// that is Go, not Postgres.
func BenchmarkGenerateDemo(b *testing.B) {
	p, seed, err := SeedOptions{Profile: "demo"}.resolve()
	if err != nil {
		b.Fatal(err)
	}
	var rows int64
	for b.Loop() {
		pl := newPlan(p, seed)
		tracking := make(chan []trackingRow, 4)
		details := make(chan []detailRow, 4)
		done := make(chan int64)
		go func() {
			var n int64
			var buf []byte
			for batch := range tracking {
				for i := range batch {
					buf = batch[i].appendCopy(buf[:0])
					n++
				}
			}
			done <- n
		}()
		go func() {
			var n int64
			var buf []byte
			for batch := range details {
				for i := range batch {
					buf = batch[i].appendCopy(buf[:0])
					n++
				}
			}
			done <- n
		}()
		if err := pl.generate(context.Background(), tracking, details); err != nil {
			b.Fatal(err)
		}
		rows += <-done + <-done
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

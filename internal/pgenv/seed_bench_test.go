package pgenv_test

import (
	"context"
	"testing"

	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// BenchmarkSeedDemo measures Seed (generation + COPY of both tables) at
// the demo profile, the issue's ≥ 100k rows/s goal; rows/s is the seed
// alone, without creating the database.
func BenchmarkSeedDemo(b *testing.B) {
	ctx := context.Background()
	var rows int64
	var elapsed float64
	for b.Loop() {
		b.StopTimer()
		dsn := pgtest.NewDB(b)
		b.StartTimer()
		rep, err := pgenv.Seed(ctx, dsn, pgenv.SeedOptions{Profile: "demo"})
		if err != nil {
			b.Fatal(err)
		}
		rows += rep.Total()
		elapsed += rep.Elapsed.Seconds()
	}
	b.ReportMetric(float64(rows)/elapsed, "rows/s")
}

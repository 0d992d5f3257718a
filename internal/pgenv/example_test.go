package pgenv_test

import (
	"context"
	"fmt"
	"log"

	"github.com/perfgate/perfgate/internal/pgenv"
)

// A disposable cluster with the service's schema and the tiny data set:
// what `perfgate db up --scale tiny` does, as a library. Stop removes the
// cluster and its directory.
func ExampleStartLocal() {
	ctx := context.Background()
	db, err := pgenv.StartLocal(ctx)
	if err != nil {
		log.Fatal(err) // the PostgreSQL server binaries are not installed
	}
	defer db.Stop()

	if err := pgenv.CreateSchema(ctx, db.DSN()); err != nil {
		log.Fatal(err)
	}
	seeded, err := pgenv.Seed(ctx, db.DSN(), pgenv.SeedOptions{Profile: "tiny", Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("checklist user:", seeded.Fixtures.Users[0])
	fmt.Println("rows:", seeded.Total() > 0)
	// Output:
	// checklist user: af771398-bc1a-4350-b849-907561d25957
	// rows: true
}

package cli

import (
	"os"
	"testing"

	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// TestMain starts one ephemeral PostgreSQL cluster for the package's
// database tests; the other tests ignore it. A child process of the signal
// test needs no cluster (and must not leave one behind when it is killed).
func TestMain(m *testing.M) {
	if os.Getenv(signalChildEnv) != "" {
		os.Exit(m.Run())
	}
	pgtest.Main(m)
}

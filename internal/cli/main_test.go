package cli

import (
	"testing"

	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// TestMain starts one ephemeral PostgreSQL cluster for the package's
// database tests (the probe, the demo's pieces); the other tests ignore it.
func TestMain(m *testing.M) { pgtest.Main(m) }

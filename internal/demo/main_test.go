package demo

import (
	"testing"

	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// TestMain starts one ephemeral PostgreSQL cluster for the package's
// tests, with auto_explain loaded but off for the plan passes.
func TestMain(m *testing.M) { pgtest.MainWith(m, pgenv.WithPlanCapture(0)) }

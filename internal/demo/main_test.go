package demo

import (
	"testing"

	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// TestMain starts one ephemeral PostgreSQL cluster for the package's tests.
func TestMain(m *testing.M) { pgtest.Main(m) }

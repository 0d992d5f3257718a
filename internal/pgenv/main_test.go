package pgenv_test

import (
	"testing"

	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// TestMain shares one local cluster between the package's database tests.
func TestMain(m *testing.M) { pgtest.Main(m) }

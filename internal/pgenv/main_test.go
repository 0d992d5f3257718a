package pgenv_test

import (
	"os"
	"testing"

	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// TestMain shares one local cluster between the package's database tests.
// Started with leftoverChildEnv set, the test binary is instead the db up
// that TestRemoveLeftoversAfterKill kills with SIGKILL.
func TestMain(m *testing.M) {
	if os.Getenv(leftoverChildEnv) != "" {
		os.Exit(leftoverChild())
	}
	pgtest.Main(m)
}

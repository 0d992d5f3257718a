package cli

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// TestMain starts one ephemeral PostgreSQL cluster for the package's
// database tests; the other tests ignore it.
//
// db up --detach starts os.Executable(), which under go test is this test
// binary: started with perfgate's arguments it must not run the tests
// again (each run could detach once more), so it exits at once. A child
// process of the signal test needs no cluster (and must not leave one
// behind when it is killed).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && !strings.HasPrefix(os.Args[1], "-") {
		fmt.Fprintf(os.Stderr, "the cli test binary is not perfgate: refusing %q\n", os.Args[1:])
		os.Exit(2)
	}
	if os.Getenv(signalChildEnv) != "" {
		os.Exit(m.Run())
	}
	pgtest.Main(m)
}

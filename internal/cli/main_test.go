package cli

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/internal/pgenv/pgtest"
)

// asMainEnv makes the test binary run perfgate's command line instead of
// the tests, for a test whose command starts os.Executable() again.
const asMainEnv = "PERFGATE_TEST_AS_MAIN"

// TestMain starts one ephemeral PostgreSQL cluster for the package's
// database tests; the other tests ignore it.
//
// db up --detach starts os.Executable(), which under go test is this test
// binary: started with perfgate's arguments it must not run the tests
// again (each run could detach once more), so it exits at once. A child
// process of the signal test needs no cluster (and must not leave one
// behind when it is killed).
func TestMain(m *testing.M) {
	// serve --detach's background process is this binary too: under
	// asMainEnv it is perfgate itself, as the built binary would be.
	if os.Getenv(asMainEnv) != "" {
		os.Exit(Main(os.Args[1:], StdStreams()))
	}
	if len(os.Args) > 1 && !strings.HasPrefix(os.Args[1], "-") {
		fmt.Fprintf(os.Stderr, "the cli test binary is not perfgate: refusing %q\n", os.Args[1:])
		os.Exit(2)
	}
	if os.Getenv(signalChildEnv) != "" {
		os.Exit(m.Run())
	}
	pgtest.Main(m)
}

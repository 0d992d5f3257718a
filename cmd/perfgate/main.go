// Command perfgate proves or refutes a performance claim about an HTTP
// endpoint and keeps it true in CI. See the README for usage.
package main

import (
	"os"

	"github.com/perfgate/perfgate/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.StdStreams()))
}

package cli

import (
	"fmt"
	"runtime"

	"github.com/perfgate/perfgate/internal/build"
	"github.com/spf13/cobra"
)

// versionLine is what perfgate version and perfgate --version print.
func versionLine() string {
	return fmt.Sprintf("perfgate %s (commit %s, %s %s/%s)", build.Version(), build.Commit(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func newVersionCmd(streams Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print version, commit and Go version (also perfgate --version)",
		Args:  cmdArgs(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(streams.Out, versionLine())
			return err
		},
	}
}

package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version and Commit are set at link time by make build
// (-X github.com/perfgate/perfgate/internal/cli.Version=...). A binary
// built without them (go build, go install, go run) reads its module
// version and VCS revision from the build info instead.
var (
	Version = "dev"
	Commit  = ""
)

// buildVersion is this build's version: the linker's, else the module's (go
// install …@v1.2.3), else "dev".
func buildVersion() string {
	if Version != "dev" && Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// commit returns the VCS revision, from the linker or the build info
// (with "-dirty" when the tree had changes), or "unknown".
func commit() string {
	if Commit != "" {
		return Commit
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" && dirty {
			rev += "-dirty"
		}
		if rev != "" {
			return rev
		}
	}
	return "unknown"
}

// versionLine is what perfgate version and perfgate --version print.
func versionLine() string {
	return fmt.Sprintf("perfgate %s (commit %s, %s %s/%s)", buildVersion(), commit(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
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

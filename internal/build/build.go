// Package build says which perfgate build is running: its version and VCS
// commit, from the linker (make build sets them) or else from the Go build
// info, so that every file perfgate writes can name its producer.
package build

import "runtime/debug"

// Version and Commit are set at link time by make build
// (-X github.com/perfgate/perfgate/internal/build.version=...).
var (
	version = "dev"
	commit  = ""
)

// Version is this build's version: the linker's, else the module's (go
// install …@v1.2.3), else "dev".
func Version() string {
	if version != "dev" && version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// Commit is the VCS revision, from the linker or the build info (with
// "-dirty" when the tree had changes), or "unknown" (go run, or
// GOFLAGS=-buildvcs=false).
func Commit() string {
	if commit != "" {
		return commit
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

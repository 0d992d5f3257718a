// Package docs carries perfgate's command reference, docs/cli/*.md, into
// the binary: the description and examples that "perfgate CMD --help"
// prints are the ones on the reference page, so the page a reader opens
// on GitHub and the help a user reads in a terminal cannot drift apart.
package docs

import "embed"

// CLI holds the command reference, one page per command: cli/perfgate.md,
// cli/perfgate_run.md, cli/perfgate_db_up.md...
//
//go:embed cli/*.md
var CLI embed.FS

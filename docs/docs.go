// Package docs carries perfgate's command reference, docs/cli/*.md, into
// the binary: the description and examples that "perfgate CMD --help"
// prints are the ones on the reference page, so the page a reader opens
// on GitHub and the help a user reads in a terminal cannot drift apart.
//
// A page holds, under "## Description", the command's long help in one
// fenced block and, under "## Examples", its examples in another; its
// usage line and flags are generated from the command (go test
// ./internal/cli -run TestReference -update) and checked against it.
package docs

import (
	"bufio"
	"embed"
	"io/fs"
	"strings"
)

// CLI holds the command reference, one page per command: cli/perfgate.md,
// cli/perfgate_run.md, cli/perfgate_db_up.md...
//
//go:embed cli/*.md
var CLI embed.FS

// Page names the page of the command at path: "perfgate db up" is
// cli/perfgate_db_up.md.
func Page(path string) string {
	return "cli/" + strings.ReplaceAll(path, " ", "_") + ".md"
}

// Help returns the description and the examples on the page of the
// command at path in fsys (CLI: the binary's own pages); ok is false when
// the command has no page.
func Help(fsys fs.FS, path string) (description, examples string, ok bool) {
	b, err := fs.ReadFile(fsys, Page(path))
	if err != nil {
		return "", "", false
	}
	s := Sections(string(b))
	return s["Description"], s["Examples"], true
}

// Sections returns the text of the first fenced block under each "## "
// heading of a page, by heading.
func Sections(page string) map[string]string {
	sections := map[string]string{}
	var heading string
	var block []string
	inFence := false
	sc := bufio.NewScanner(strings.NewReader(page))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !inFence && strings.HasPrefix(line, "## "):
			heading = strings.TrimSpace(line[3:])
		case !inFence && strings.HasPrefix(line, "```"):
			inFence, block = true, nil
		case inFence && line == "```":
			inFence = false
			if _, seen := sections[heading]; !seen && heading != "" {
				sections[heading] = strings.Join(block, "\n")
			}
		case inFence:
			block = append(block, line)
		}
	}
	return sections
}

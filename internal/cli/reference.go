package cli

import (
	"bufio"
	"io/fs"
	"strings"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/docs"
)

// The long help of every command lives on its page of the command
// reference (docs/cli/perfgate_<command>.md, embedded by package docs):
// the text under "## Description" is the command's Long, the commands
// under "## Examples" its Example. The pages' usage and flag sections are
// generated from the commands (go test ./internal/cli -run TestReference
// -update) and checked against them, so help and page agree.

// referenceFS is where the pages are read from; tests replace it.
var referenceFS fs.FS = docs.CLI

// referencePage names the page of a command: "perfgate db up" is
// cli/perfgate_db_up.md.
func referencePage(cmd *cobra.Command) string {
	return "cli/" + strings.ReplaceAll(cmd.CommandPath(), " ", "_") + ".md"
}

// fillHelp sets the Long and Example of every command of the tree from
// its reference page; a command without a page keeps its short help.
func fillHelp(root *cobra.Command) {
	walk(root, func(c *cobra.Command) {
		b, err := fs.ReadFile(referenceFS, referencePage(c))
		if err != nil {
			return
		}
		sections := pageSections(string(b))
		c.Long, c.Example = sections["Description"], sections["Examples"]
	})
}

// pageSections returns the first fenced block under each "## " heading
// of a reference page, by heading.
func pageSections(page string) map[string]string {
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

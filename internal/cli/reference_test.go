package cli

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/perfgate/perfgate/docs"
	"github.com/perfgate/perfgate/internal/equiv"
	"github.com/perfgate/perfgate/internal/equiv/diffreport"
	"github.com/perfgate/perfgate/internal/metrics"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

var update = flag.Bool("update", false, "rewrite the generated parts of the command reference, docs/cli/*.md")

// referenceDir is the command reference in the source tree.
var referenceDir = filepath.Join("..", "..", "docs", "cli")

// TestReference: every command has its page in docs/cli, the page's
// generated parts (usage, flags, see also) match the command as built,
// and no page is left for a command that is gone. With -update the pages
// are rewritten around their Description and Examples.
func TestReference(t *testing.T) {
	root := newRootCmd(Streams{})
	want := map[string]bool{}
	walk(root, func(c *cobra.Command) {
		name := filepath.Base(docs.Page(c.CommandPath()))
		want[name] = true
		if c.Long == "" {
			t.Errorf("%s: no description: its page %s is missing or has no \"## Description\" block", c.CommandPath(), name)
		}
		page := renderPage(c)
		path := filepath.Join(referenceDir, name)
		if *update {
			if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v (go test ./internal/cli -run TestReference -update writes it)", c.CommandPath(), err)
			return
		}
		if string(got) != page {
			t.Errorf("%s is out of date with %s; go test ./internal/cli -run TestReference -update rewrites its generated parts", path, c.CommandPath())
		}
	})
	pages, err := filepath.Glob(filepath.Join(referenceDir, "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		if !want[filepath.Base(p)] {
			t.Errorf("%s documents no command: remove it", p)
		}
	}
}

// renderPage is the reference page of c: the description and examples
// that its help prints, and the parts generated from the command.
func renderPage(c *cobra.Command) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s.\n\n```text\n%s\n```\n", c.CommandPath(), c.Short, c.UseLine())
	fmt.Fprintf(&b, "\n## Description\n\n```text\n%s\n```\n", c.Long)
	if c.Example != "" {
		fmt.Fprintf(&b, "\n## Examples\n\n```sh\n%s\n```\n", c.Example)
	}
	if flags := flagTable(c); flags != "" {
		fmt.Fprintf(&b, "\n## Flags\n\n%s", flags)
	}
	if len(c.Commands()) > 0 {
		b.WriteString("\n## Commands\n\n")
		for _, sub := range c.Commands() {
			fmt.Fprintf(&b, "- [%s](%s): %s\n", sub.CommandPath(), filepath.Base(docs.Page(sub.CommandPath())), sub.Short)
		}
	}
	if c.HasParent() {
		p := c.Parent()
		fmt.Fprintf(&b, "\n## See also\n\n- [%s](%s): %s\n", p.CommandPath(), filepath.Base(docs.Page(p.CommandPath())), p.Short)
	}
	return b.String()
}

// flagTable is c's flags as a Markdown table: flag, default, what it does.
func flagTable(c *cobra.Command) string {
	var b strings.Builder
	c.NonInheritedFlags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		if b.Len() == 0 {
			b.WriteString("| Flag | Default | |\n|---|---|---|\n")
		}
		name, usage := pflag.UnquoteUsage(f)
		flag := "--" + f.Name
		if f.Shorthand != "" {
			flag = "-" + f.Shorthand + ", " + flag
		}
		if name != "" {
			flag += " " + name
		}
		def := ""
		switch f.DefValue {
		case "", "false", "0", "0s", "[]":
		default:
			def = "`" + machineFree(f.DefValue) + "`"
		}
		cell := strings.NewReplacer("|", "\\|", "<", "&lt;", ">", "&gt;")
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", flag, def, cell.Replace(usage))
	})
	return b.String()
}

// machineFree replaces what differs between machines in flag defaults
// (the temporary directory, the user's id) by what it stands for.
func machineFree(s string) string {
	s = strings.ReplaceAll(s, os.TempDir(), "$TMPDIR")
	return strings.ReplaceAll(s, fmt.Sprintf("-%d", os.Getuid()), "-<uid>")
}

// TestFillHelp: a command's help comes from its page; a command without
// one keeps its short help only.
func TestFillHelp(t *testing.T) {
	saved := referenceFS
	t.Cleanup(func() { referenceFS = saved })
	referenceFS = fstest.MapFS{
		"cli/perfgate_run.md": {Data: []byte("# perfgate run\n\n## Description\n\n```text\nfrom the page\n```\n\n## Examples\n\n```sh\n  perfgate run\n```\n")},
	}
	root := newRootCmd(Streams{})
	for _, c := range root.Commands() {
		switch c.Name() {
		case "run":
			if c.Long != "from the page" || c.Example != "  perfgate run" {
				t.Errorf("run: Long %q, Example %q", c.Long, c.Example)
			}
		case "validate":
			if c.Long != "" || c.Example != "" {
				t.Errorf("validate has no page but Long %q, Example %q", c.Long, c.Example)
			}
		}
	}
}

// TestHelpFromReference: --help prints the page's description and
// examples, and the flags the page lists.
func TestHelpFromReference(t *testing.T) {
	for _, args := range [][]string{{"run", "--help"}, {"db", "up", "--help"}, {"--help"}} {
		code, out := execute(args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, out)
		}
		page, err := os.ReadFile(filepath.Join(referenceDir, strings.Join(slices.Concat([]string{"perfgate"}, args[:len(args)-1]), "_")+".md"))
		if err != nil {
			t.Fatal(err)
		}
		s := docs.Sections(string(page))
		for _, part := range []string{s["Description"], s["Examples"]} {
			if part == "" || !strings.Contains(out, part) {
				t.Errorf("%v: help does not print the page's %.60q…", args, part)
			}
		}
	}
}

// TestReferenceQuotesDefaults: where a page's prose quotes a default or a
// schema, it is the one the code has (the pages are plain text, so a
// changed constant must be caught here).
func TestReferenceQuotesDefaults(t *testing.T) {
	for page, quotes := range map[string][]string{
		"perfgate_ab.md":   {"schema " + model.SchemaAB, "a growth above " + metrics.DefaultMinEffect.String() + ")"},
		"perfgate_diff.md": {fmt.Sprintf("(default %d)", equiv.DefaultExplore), "schema " + diffreport.Schema},
		"perfgate_run.md":  {"schema " + model.SchemaRun},
	} {
		b, err := os.ReadFile(filepath.Join(referenceDir, page))
		if err != nil {
			t.Fatal(err)
		}
		desc := docs.Sections(string(b))["Description"]
		for _, q := range quotes {
			if !strings.Contains(desc, q) {
				t.Errorf("%s: the description does not say %q: update its prose", page, q)
			}
		}
	}
}

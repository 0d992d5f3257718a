package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestFlagUsages: pflag turns `backquoted` text of a usage string into the
// flag's value name ("--fixtures perfgate db seed"): no usage has one, and
// every flag says what it does.
func TestFlagUsages(t *testing.T) {
	walk(newRootCmd(Streams{}), func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if strings.Contains(f.Usage, "`") {
				t.Errorf("%s --%s: usage %q holds a backquote, which becomes the value name", c.CommandPath(), f.Name, f.Usage)
			}
			if len(f.Usage) < 10 {
				t.Errorf("%s --%s: usage %q says too little", c.CommandPath(), f.Name, f.Usage)
			}
		})
	})
}

// TestVersionFlags: --version and -v print the version line, like the
// version command, and exit 0.
func TestVersionFlags(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-v"}, {"version"}} {
		code, out := execute(args...)
		if code != 0 || !strings.HasPrefix(out, "perfgate ") || !strings.Contains(out, "(commit ") || strings.Count(out, "\n") != 1 {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
}

// TestErrorsNameTheEnvironment: a flag value from a PERFGATE_ variable
// that a command rejects is reported with the variable.
func TestErrorsNameTheEnvironment(t *testing.T) {
	t.Setenv("PERFGATE_FORMAT", "text,json,md,junit,html")
	dir := t.TempDir()
	code, out := execute("compare", dir, dir)
	if code != exit.CodeUsage || !strings.Contains(out, `unknown format "junit"`) || !strings.Contains(out, `set by the environment: PERFGATE_FORMAT="text,json,md,junit,html"`) {
		t.Errorf("exit %d: %s", code, out)
	}
	t.Setenv("PERFGATE_ONLY", "nope")
	code, out = execute("validate", filepath.Join("..", "..", "scenarios"))
	if code != exit.CodeUsage || !strings.Contains(out, "PERFGATE_ONLY") {
		t.Errorf("exit %d: %s", code, out)
	}
}

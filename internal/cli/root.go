// Package cli wires perfgate's commands: each command is an options struct
// filled from flags, and a run function that does the work on injected
// streams. Exit codes are decided in one place, exitCode.
package cli

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/perfgate/perfgate/docs"
	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/hint"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// envPrefix is the prefix of the environment variables that mirror flags:
// --max-workers is PERFGATE_MAX_WORKERS.
const envPrefix = "PERFGATE_"

// Main runs perfgate with args and returns the process exit code.
func Main(args []string, streams Streams) int {
	ctx, stop := interruptible(context.Background())
	defer stop()
	return Execute(ctx, args, streams)
}

// Execute runs the command line args under ctx; cancelling ctx is Ctrl-C.
func Execute(ctx context.Context, args []string, streams Streams) int {
	root := newRootCmd(streams)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil && !exit.Silent(err) {
		fmt.Fprintf(streams.ErrOut, "perfgate: %v%s\n", err, fromEnvironment(root, err))
	}
	return exit.Code(err)
}

// envAnnotation marks a flag whose value came from its PERFGATE_ variable.
const envAnnotation = "perfgate_from_env"

// fromEnvironment names the environment variables behind the flags an
// error mentions: a PERFGATE_FORMAT meant for run is not valid for
// compare, and the user should see where the value came from.
func fromEnvironment(root *cobra.Command, err error) string {
	var notes []string
	walk(root, func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if v, ok := f.Annotations[envAnnotation]; ok && f.Value.String() != "" && strings.Contains(err.Error(), "--"+f.Name) {
				note := fmt.Sprintf("%s=%q", v[0], f.Value.String())
				if !slices.Contains(notes, note) {
					notes = append(notes, note)
				}
			}
		})
	})
	if len(notes) == 0 {
		return ""
	}
	return fmt.Sprintf(" (set by the environment: %s; unset it or pass the flag)", strings.Join(notes, ", "))
}

func newRootCmd(streams Streams, subs ...*cobra.Command) *cobra.Command {
	root := &cobra.Command{
		Use:           "perfgate",
		Short:         "Prove a performance claim about an HTTP endpoint, and keep it true in CI",
		SilenceUsage:  true,
		SilenceErrors: true,
		// --version and -v print what perfgate version prints.
		Version: versionLine(),
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return applyEnv(cmd)
		},
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.SetIn(streams.In)
	root.SetFlagErrorFunc(flagError)
	if len(subs) > 0 {
		// Tests mount one command with a stubbed run function.
		root.AddCommand(subs...)
		fillHelp(root)
		return root
	}
	root.AddCommand(
		newRunCmd(streams, runRun),
		newValidateCmd(streams, runValidate),
		newReportCmd(streams),
		newExportCmd(streams, runExport),
		newCompareCmd(streams, runCompare),
		newABCmd(streams, runAB),
		newDiffCmd(streams, runDiff),
		newCapacityCmd(streams, runCapacity),
		newDBCmd(streams),
		newServeCmd(streams, runServe),
		newDemoCmd(streams, runDemo),
		newVersionCmd(streams),
	)
	fillHelp(root)
	return root
}

// applyEnv sets every flag the user did not pass from its PERFGATE_ variable.
func applyEnv(cmd *cobra.Command) error {
	var err error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" {
			return
		}
		name := envPrefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok {
			if serr := cmd.Flags().Set(f.Name, v); serr != nil {
				err = exit.Usagef("environment variable %s=%q: %v", name, v, serr)
				return
			}
			if f.Annotations == nil {
				f.Annotations = map[string][]string{}
			}
			f.Annotations[envAnnotation] = []string{name}
		}
	})
	return err
}

// unknownFlagRE finds the flag in pflag's "unknown flag: --targt".
var unknownFlagRE = regexp.MustCompile(`unknown flag: --([\w-]+)`)

// flagError makes a flag error a usage error (exit 2) with a hint: the
// closest flag of the command for an unknown one, and where to read more.
func flagError(cmd *cobra.Command, err error) error {
	msg := err.Error()
	if m := unknownFlagRE.FindStringSubmatch(msg); m != nil {
		var names []string
		cmd.Flags().VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
		if s := hint.Closest(m[1], names); s != "" {
			msg += fmt.Sprintf(" (did you mean --%s?)", s)
		}
	}
	return exit.Usagef("%s; see %s --help", msg, cmd.CommandPath())
}

// walk calls fn on every command of the tree.
func walk(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walk(sub, fn)
	}
}

// referenceFS holds the command reference that --help prints from; tests
// replace it.
var referenceFS fs.FS = docs.CLI

// fillHelp sets the Long and Example of every command of the tree from
// its page of the command reference (package docs); a command without a
// page keeps its short help.
func fillHelp(root *cobra.Command) {
	walk(root, func(c *cobra.Command) {
		if long, example, ok := docs.Help(referenceFS, c.CommandPath()); ok {
			c.Long, c.Example = long, example
		}
	})
}

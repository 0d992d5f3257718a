package cli

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/perfgate/perfgate/internal/exit"
)

func newDBCmd(streams Streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Provision Postgres with the service's schema, synthetic data and the seven indexes",
		Args:  cmdArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return exit.Usagef("db needs a subcommand: up, seed, indexes or down")
		},
	}
	cmd.AddCommand(newDBUpCmd(streams, runDBUp), newDBSeedCmd(streams, runDBSeed), newDBIndexesCmd(streams, runDBIndexes), newDBDownCmd(streams, runDBDown))
	return cmd
}

// detachArgs is the command line that a command's --detach runs in the
// background (db up, serve): the command and every flag the user set, on
// the command line or through PERFGATE_ variables, so that a flag added
// later travels too; the caller appends --state-file. --dsn is left out
// (it travels in the environment, where ps does not show its password),
// and --detach is passed as false, so that a PERFGATE_DETACH in the
// environment does not make the background process detach again.
func detachArgs(cmd *cobra.Command) []string {
	args := strings.Fields(cmd.CommandPath())[1:]
	cmd.Flags().Visit(func(f *pflag.Flag) {
		switch f.Name {
		case "dsn", "detach", "state-file":
			return
		}
		if s, ok := f.Value.(pflag.SliceValue); ok {
			for _, v := range s.GetSlice() {
				args = append(args, "--"+f.Name+"="+v)
			}
			return
		}
		args = append(args, "--"+f.Name+"="+f.Value.String())
	})
	return append(args, "--detach=false")
}

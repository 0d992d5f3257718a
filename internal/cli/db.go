package cli

import (
	"github.com/spf13/cobra"

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

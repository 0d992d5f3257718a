package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(owner): stub until the command is implemented.
func newDiffCmd(streams Streams) *cobra.Command {
	_ = streams
	return &cobra.Command{
		Use:   "diff",
		Short: "not implemented yet",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("diff: not implemented yet")
		},
	}
}

package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(owner): stub until the command is implemented.
func newCompareCmd(streams Streams) *cobra.Command {
	_ = streams
	return &cobra.Command{
		Use:   "compare",
		Short: "not implemented yet",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("compare: not implemented yet")
		},
	}
}

package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(owner): stub until the command is implemented.
func newExportCmd(streams Streams) *cobra.Command {
	_ = streams
	return &cobra.Command{
		Use:   "export",
		Short: "not implemented yet",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("export: not implemented yet")
		},
	}
}

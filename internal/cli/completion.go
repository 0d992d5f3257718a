package cli

import (
	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/hint"
	"github.com/perfgate/perfgate/internal/scenario"
)

// Shell completion of flag values (perfgate completion bash|zsh|fish|
// powershell writes the script): each flag that takes one of a few words
// completes them, where the flag is defined, from the list the command
// itself checks against, so the two cannot drift apart.

// completeWords completes a flag that takes one of words.
func completeWords(cmd *cobra.Command, flag string, words ...string) {
	_ = cmd.RegisterFlagCompletionFunc(flag, func(_ *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		return words, cobra.ShellCompDirectiveNoFileComp
	})
}

// completeList completes a flag that takes a comma-separated list of
// words (--format text,json): after "text," it offers the words not yet
// given, each after what was typed.
func completeList(cmd *cobra.Command, flag string, words func(cmd *cobra.Command, args []string) []string) {
	_ = cmd.RegisterFlagCompletionFunc(flag, func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		return hint.CompleteList(words(cmd, args), toComplete), cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	})
}

// fixed returns a words function for completeList that ignores the
// command line.
func fixed(words ...string) func(*cobra.Command, []string) []string {
	return func(*cobra.Command, []string) []string { return words }
}

// scenarioNames are the names of the scenarios in the paths given so far
// (default scenarios/), for --only and --skip; files that do not load
// still give the names of those that do.
func scenarioNames(_ *cobra.Command, args []string) []string {
	all, _ := scenario.LoadPaths(args)
	names := make([]string, 0, len(all))
	for _, sc := range all {
		names = append(names, sc.Name)
	}
	return names
}

package main

import (
	"fmt"

	"github.com/conserje/conserje/core/obs"
	"github.com/spf13/cobra"
)

func init() {
	register("version", func(*globalFlags) *cobra.Command {
		return &cobra.Command{
			Use:   "version",
			Short: "Print the version",
			Args:  cobra.NoArgs,
			Run: func(cmd *cobra.Command, _ []string) {
				fmt.Fprintln(cmd.OutOrStdout(), "conserje", obs.Version)
			},
		}
	})
}

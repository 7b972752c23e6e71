package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conserje/conserje/core/config"
)

func init() {
	register("config", func(g *globalFlags) *cobra.Command {
		cmd := &cobra.Command{Use: "config", Short: "Inspect the configuration"}
		var show bool
		check := &cobra.Command{
			Use:   "check",
			Short: "Validate the configuration; exit 2 listing every problem",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				cfg, src, err := config.Load(g.configPath)
				if err != nil {
					return exitError{code: 2, msg: err.Error()}
				}
				if err := cfg.Validate(); err != nil {
					return exitError{code: 2, msg: err.Error()}
				}
				out := cmd.OutOrStdout()
				file := src.File
				if file == "" {
					file = "(none: built-in defaults)"
				}
				fmt.Fprintf(out, "configuration ok\nfile: %s\n", file)
				if len(src.Env) > 0 {
					fmt.Fprintf(out, "environment overrides: %s\n", strings.Join(src.Env, ", "))
				}
				if show {
					fmt.Fprintf(out, "---\n%s", cfg.Redacted())
				}
				return nil
			},
		}
		check.Flags().BoolVar(&show, "show", false, "print the effective settings (secrets masked)")
		cmd.AddCommand(check)
		return cmd
	})
}

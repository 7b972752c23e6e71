package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/pluginhost"
	"github.com/conserje/conserje/sdk/host"
	"github.com/conserje/conserje/sdk/plugin"
)

func init() {
	register("config", func(g *globalFlags) *cobra.Command {
		cmd := &cobra.Command{Use: "config", Short: "Inspect the configuration"}
		var show bool
		var timeout time.Duration
		check := &cobra.Command{
			Use:   "check",
			Short: "Validate the configuration; exit 2 listing every problem",
			Long: "check validates every setting, and each configured plugin's settings against the\n" +
				"settings schema the plugin declares: it starts each plugin binary once (handshake and\n" +
				"Describe only; nothing is configured, no provider is called) to read the schema, and\n" +
				"reports problems by key path, e.g. plugins[0].settings.access_token: required.\n" +
				"--show prints the effective settings with secrets masked, including the plugin settings\n" +
				"the schema marks secret (all of a plugin's settings when its schema cannot be read).",
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				cfg, src, err := config.Load(g.configPath)
				if err != nil {
					return exitError{code: 2, msg: err.Error()}
				}
				var problems []string
				if err := cfg.Validate(); err != nil {
					var verr *config.ValidationError
					if !errors.As(err, &verr) {
						return exitError{code: 2, msg: err.Error()}
					}
					problems = append(problems, verr.Problems...)
				}
				schemas, schemaProblems := pluginSettingsProblems(cmd.Context(), cfg.Plugins, timeout)
				problems = append(problems, schemaProblems...)
				if len(problems) > 0 {
					return exitError{code: 2, msg: (&config.ValidationError{Problems: problems}).Error()}
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
					fmt.Fprintf(out, "---\n%s", cfg.RedactedWith(schemas))
				}
				return nil
			},
		}
		check.Flags().BoolVar(&show, "show", false, "print the effective settings (secrets masked)")
		check.Flags().DurationVar(&timeout, "timeout", 20*time.Second, "bound on starting each plugin to read its settings schema")
		cmd.AddCommand(check)
		return cmd
	})
}

// pluginSettingsProblems starts each plugin whose binary is there to read its settings
// schema, and validates its settings against it. It returns the secret key paths of each
// plugin whose schema was read, and every problem by key path
// (plugins[i].settings.PATH: message). A binary that is missing is already reported by
// Validate; one that does not start is a problem of plugins[i].path.
func pluginSettingsProblems(ctx context.Context, plugins []config.Plugin, timeout time.Duration) (map[string][]string, []string) {
	if ctx == nil {
		ctx = context.Background()
	}
	secrets := map[string][]string{}
	var problems []string
	for i, p := range plugins {
		if binaryState(p.Path) != "ok" {
			continue
		}
		key := fmt.Sprintf("plugins[%d]", i)
		pctx, cancel := context.WithTimeout(ctx, timeout)
		desc, err := pluginhost.Describe(pctx, pluginhost.Spec{Name: p.Name, Path: p.Path, SHA256: p.SHA256}, slog.New(slog.DiscardHandler), timeout)
		cancel()
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s.path: the plugin does not start: %v", key, err))
			continue
		}
		paths, err := plugin.SecretPaths(desc.SettingsSchema)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: the plugin's settings schema: %v", key, err))
			continue
		}
		secrets[p.Name] = paths
		found, err := host.SettingsProblems(desc, p.Settings)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: the plugin's settings schema: %v", key, err))
			continue
		}
		for _, sp := range found {
			path := key + ".settings"
			if sp.Path != "" {
				path += "." + sp.Path
			}
			problems = append(problems, path+": "+sp.Message)
		}
	}
	return secrets, problems
}
